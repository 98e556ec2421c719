/**
 * `wavecv trace mask.tif --out neuron.swc`: one SWC tree from a segmented or
 * masked volume (`.tif`, `.v3draw`, `.nii[.gz]`) by the APP2-style tracer
 * (src/neuron/trace.ts).
 */
import type { Command } from 'commander';
import { readVolume } from '../../io/volume-file.js';
import { check } from '../../errors.js';
import { writeSwc } from '../../neuron/swc.js';
import { traceNeuron } from '../../neuron/trace.js';
import { nonNegative, numberInRange, parseNumberList } from '../option-parsers.js';
import { examples } from '../help-examples.js';
import { JSON_HELP, printResult } from '../report.js';

interface TraceCliOptions {
  out: string;
  threshold: number;
  root?: string;
  lengthThreshold: number;
  coverage: number;
  json?: boolean;
}

export function registerTrace(program: Command): void {
  program
    .command('trace')
    .argument('<volume>', 'segmentation or masked image (.tif, .tiff, .v3draw, .nii, .nii.gz)')
    .description('trace a segmented neuron volume into one SWC tree (APP2-style: gray-weighted distance transform, fast marching, hierarchical pruning)')
    .addHelpText('after', examples({ note: 'the true mask of a neuron of `wavecv generate neurons --out data-generated/neurons-small …` (or a mask of wavecv segment3d)', run: 'wavecv trace data-generated/neurons-small/test/masks/000.tif --out traced.swc --json' }))
    .requiredOption('--out <file.swc>', 'SWC file to write')
    .option('--threshold <value>', 'background threshold: voxels above it are foreground', Number, 0)
    .option('--root <x,y,z>', 'soma position in voxels (default: the voxel of largest gray-weighted distance)')
    .option('--length-threshold <voxels>', 'prune hierarchical segments shorter than this', nonNegative('length-threshold'), 5)
    .option('--coverage <fraction>', 'prune segments with more than this fraction of nodes inside kept fibres', numberInRange('coverage', 0.01, 1), 0.6)
    .option('--json', JSON_HELP)
    .action((path: string, o: TraceCliOptions) => {
      check(Number.isFinite(o.threshold), 'threshold', o.threshold, 'a number');
      const volume = readVolume(path, 'volume');
      const shape = volume.shape.length === 2 ? [1, ...volume.shape] : volume.shape;
      check(shape.length === 3, 'volume', `shape [${volume.shape.join(', ')}]`, 'a 3-D volume');
      const root = o.root === undefined ? undefined : (parseNumberList(o.root, 'root', 0, Number.MAX_SAFE_INTEGER) as [number, number, number]);
      if (root) check(root.length === 3, 'root', o.root, 'three numbers x,y,z');
      const t0 = performance.now();
      const tree = traceNeuron(volume.data, shape as [number, number, number], { backgroundThreshold: o.threshold, root, lengthThreshold: o.lengthThreshold, coverageRatio: o.coverage });
      writeSwc(o.out, tree);
      const branches = tree.nodes.length - new Set(tree.nodes.map((n) => n.parent)).size + 1;
      const result = { nodes: tree.nodes.length, tips: branches, seconds: (performance.now() - t0) / 1000, out: o.out };
      printResult(o.json, result, () => `traced ${result.nodes} nodes (${result.tips} tips) in ${result.seconds.toFixed(1)} s → ${o.out}`);
    });
}
