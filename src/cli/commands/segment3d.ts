/**
 * `wavecv segment3d volume.tif --model RUN --out mask.tif [--swc neuron.swc]`:
 * the whole neuron pipeline — the volume cut into overlapping cubes
 * (stride 3/4), each segmented by the trained 3-D network of `RUN`
 * (`wavecv train segment3d`), the cubes assembled (OR of labels, or mean of
 * probabilities) and written slab by slab within `--max-memory`, then traced
 * into an SWC tree (APP2-style) when `--swc` is given. A progress bar counts
 * cubes on a terminal (plain lines otherwise).
 */
import type { Command } from 'commander';
import { readVolume } from '../../io/volume-file.js';
import '../../models/index.js';
import { segmentVolumeFile } from '../../neuron/segment-volume.js';
import { writeSwc } from '../../neuron/swc.js';
import { traceNeuron } from '../../neuron/trace.js';
import { cubePredictor, voxelNormaliser, type Segment3dModelExtension } from '../../tasks/segment3d.js';
import { loadRunModel } from '../../train/run-folder.js';
import { startEngine } from '../engine-option.js';
import { choice, positive, positiveInteger } from '../option-parsers.js';
import { examples } from '../help-examples.js';
import { JSON_HELP, printResult } from '../report.js';
import { createCountProgress } from '../progress.js';

interface Segment3dCliOptions {
  model: string;
  out: string;
  swc?: string;
  assembly: 'or' | 'mean';
  batchSize: number;
  maxMemory?: number;
  lengthThreshold: number;
  json?: boolean;
}

export function registerSegment3d(program: Command): void {
  program
    .command('segment3d')
    .argument('<volume>', 'microscope volume (.tif, .tiff, .v3draw; 8-bit or 16-bit)')
    .description('segment a neuron volume by overlapping cubes with a trained 3-D network, then optionally trace it to SWC')
    .addHelpText('after', examples({ note: 'a model of wavecv train segment3d (see its --help)', run: 'wavecv segment3d data-generated/neurons/test/images/000.tif --model runs/neuron-v3 --out mask.tif --swc neuron.swc --json' }))
    .requiredOption('--model <run>', 'run folder of wavecv train segment3d (or its model/ folder)')
    .requiredOption('--out <mask>', 'mask to write (.tif or .v3draw), 0/255')
    .option('--swc <file>', 'also trace the mask into this SWC file')
    .option('--assembly <mode>', 'or (the reference: any cube says foreground) or mean (average probabilities ≥ 0.5)', choice('assembly', ['or', 'mean'] as const), 'or')
    .option('--batch-size <n>', 'cubes per forward pass', positiveInteger('batch-size'), 2)
    .option('--max-memory <MiB>', 'bound on the assembly working set; the volume is streamed slab by slab', positive('max-memory'))
    .option('--length-threshold <voxels>', 'tracing: prune branches shorter than this', positive('length-threshold'), 5)
    .option('--json', JSON_HELP)
    .action(async (volume: string, o: Segment3dCliOptions, cmd: Command) => {
      await startEngine(cmd);
      const { model, metadata } = await loadRunModel<Segment3dModelExtension>(o.model, 'segment3d');
      const cube = metadata.extension.cube;
      const progress = createCountProgress('cubes');
      const report = await segmentVolumeFile({
        input: volume,
        output: o.out,
        predict: cubePredictor(model, cube),
        cube,
        mode: o.assembly,
        batchSize: o.batchSize,
        maxMemory: o.maxMemory === undefined ? undefined : o.maxMemory * 2 ** 20,
        normalise: voxelNormaliser(metadata.preprocessing),
        onProgress: (done, total) => progress.update(done, total),
      });
      progress.stop();
      model.dispose();
      const mib = (b: number) => `${(b / 2 ** 20).toFixed(0)} MiB`;
      const lines = [`segmented [${report.shape.join(', ')}] in ${report.cubes} cubes of ${cube.join('×')} (batch ${report.batchSize}) in ${report.seconds.toFixed(1)} s: ${report.foregroundVoxels} foreground voxels → ${o.out}; working set ${mib(report.workingSetBytes)}, peak RSS ${mib(report.peakRssBytes)}`];
      let traced: { nodes: number; out: string } | undefined;
      if (o.swc) {
        const mask = readVolume(o.out);
        const tree = traceNeuron(mask.data, report.shape, { lengthThreshold: o.lengthThreshold });
        writeSwc(o.swc, tree);
        traced = { nodes: tree.nodes.length, out: o.swc };
        lines.push(`traced ${tree.nodes.length} nodes → ${o.swc}`);
      }
      printResult(o.json, { ...report, cube, out: o.out, traced }, () => lines.join('\n'));
    });
}
