/**
 * `wavecv explain face.jpg --model …`: a PNG of the channel maps of the
 * model's ECLoss target layer over the aligned face (src/tasks/face-explain.ts).
 */
import type { Command } from 'commander';
import { checkOutputPath } from '../../io/output-path.js';
import { explainFace } from '../../tasks/face-explain.js';
import { alignMode, positiveInteger } from '../option-parsers.js';
import { startEngine } from '../engine-option.js';
import { examples } from '../help-examples.js';

interface ExplainCliOptions {
  model: string;
  out: string;
  layer?: string;
  channels: number;
  align: 'none' | 'detect';
  json?: boolean;
}

export function registerExplain(program: Command): void {
  program
    .command('explain')
    .description("PNG of a face model's channel maps (ECLoss target layer) over the aligned face")
    .addHelpText('after', examples({ note: 'a face model trained with --ecloss stage3', run: 'wavecv explain node_modules/@vladmandic/face-api/demo/sample1.jpg --model runs/r18-ec --out maps.png --channels 8' }))
    .argument('<image>', 'a photo (or an aligned crop with --align none)')
    .requiredOption('--model <dir>', 'a face model folder or a `wavecv train face` run folder')
    .option('--out <file>', 'PNG to write', 'explain.png')
    .option('--layer <name>', "layer to show (default: the model's ECLoss layer)")
    .option('--channels <n>', 'channels to show, strongest first', positiveInteger('channels'), 15)
    .option('--align <mode>', "'detect' or 'none'", alignMode, 'detect')
    .option('--json', 'print JSON')
    .action(async (image: string, options: ExplainCliOptions, command: Command) => {
      checkOutputPath(options.out, 'file');
      await startEngine(command.parent!);
      const r = await explainFace({ model: options.model, image, out: options.out, layer: options.layer, channels: options.channels, align: options.align });
      if (options.json) process.stdout.write(JSON.stringify(r, null, 2) + '\n');
      else
        process.stdout.write(
          `layer ${r.layer} (${r.mapSize.join('×')}×${r.channels}${r.eclossTrained ? ', ECLoss target' : ', model not trained with ECLoss'}); showed ${r.shown.length} channels: ${r.shown.map((s) => s.index).join(', ')}\nwrote ${r.out}\n`,
        );
    });
}
