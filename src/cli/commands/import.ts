/**
 * `wavecv import weights.pth --model resnet18 --wavelet haar --out RUN`: reads
 * a PyTorch checkpoint (`.pth`/`.pt` from torch.save, or `.safetensors`) into
 * a registry model and writes a run folder the other commands read
 * (src/interop/import-run.ts).
 */
import type { Command } from 'commander';
import { importRun } from '../../interop/import-run.js';
import { IMPORTABLE_MODELS } from '../../interop/pytorch-names.js';
import { checkOutputPath } from '../../io/output-path.js';
import { startEngine } from '../engine-option.js';
import { modelOptionParser, parseNumberList } from '../option-parsers.js';
import { examples } from '../help-examples.js';

interface ImportCliOptions {
  model: string;
  wavelet?: string;
  modelOption?: Record<string, unknown>;
  out: string;
  classNames?: string;
  mean?: string;
  std?: string;
  json?: boolean;
}

export function registerImport(program: Command): void {
  program
    .command('import')
    .description('read PyTorch weights (.pth/.pt from torch.save, or .safetensors) into a wavecv model and write a run folder')
    .argument('<weights>', 'checkpoint file: a state_dict, or a dict holding one under state_dict/model/model_state_dict/net; module. prefixes are removed')
    .requiredOption('--model <name>', `registry model name (${IMPORTABLE_MODELS.join(', ')})`)
    .option('--wavelet <name>', "wavelet of the WaveCNet/WaveSNet variant (e.g. haar); 'none' for vanilla")
    .option('--model-option <key=value>', 'further model option, repeatable (e.g. numClasses=10, width=16, inputSize=32)', modelOptionParser('numClasses=10'))
    .requiredOption('--out <dir>', 'run folder to write (model/ and config.json)')
    .option('--class-names <list>', 'comma-separated class names (default class0, class1, …)')
    .option('--mean <list>', 'per-channel mean of the inputs in [0, 1] (default: ImageNet for classification and segmentation, 0.5 for faces; none for registration, whose scans are min–max scaled)')
    .option('--std <list>', 'per-channel standard deviation (default: ImageNet, or 0.5 for faces)')
    .option('--json', 'print the result as JSON')
    .addHelpText(
      'after',
      examples(
        { note: 'a narrow Haar ResNet-18 state_dict saved by torch.save (committed with wavecv; run from its folder)', run: 'wavecv import test/fixtures/pytorch-import/resnet18_haar.pth --model resnet18 --wavelet haar --model-option width=4 --model-option inputSize=32 --model-option numClasses=10 --out runs/r18-haar --json' },
        'wavecv eval robustness --model runs/r18-haar --data my-images/ --corruptions noise --out runs/r18-haar/robustness',
        { note: 'a WiNet checkpoint (a register run: wavecv register / eval register read it)', run: 'wavecv import winet.pth --model winet --model-option size=[160,192,224] --out runs/winet-imported' },
      ),
    )
    .action(async (weights: string, o: ImportCliOptions, command: Command) => {
      checkOutputPath(o.out, 'folder');
      await startEngine(command);
      const options: Record<string, unknown> = { ...o.modelOption };
      if (o.wavelet !== undefined) options.wavelet = o.wavelet;
      const list = (v: string | undefined, flag: string, lo: number, hi: number) => (v === undefined ? undefined : parseNumberList(v, flag, lo, hi));
      const r = await importRun({
        weights,
        model: o.model,
        options,
        out: o.out,
        classNames: o.classNames?.split(',').map((s) => s.trim()),
        mean: list(o.mean, 'mean', 0, 1),
        std: list(o.std, 'std', 1e-6, 1e3),
      });
      if (o.json) {
        process.stdout.write(JSON.stringify(r) + '\n');
        return;
      }
      const where = [r.found ? `under '${r.found}'` : 'at the top level', r.strippedPrefix ? "'module.' prefix removed" : ''].filter(Boolean).join(', ');
      process.stdout.write(`${r.parameters} parameters (${r.values.toLocaleString('en-US')} values; ${where}) → ${o.model}, task ${r.task}, input [${r.inputShape.join(', ')}] → output [${r.outputShape.join(', ')}]; wrote ${r.outDir}/{model/,config.json}\n`);
    });
}
