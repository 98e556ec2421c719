/**
 * `wavecv eval swc traced.swc truth.swc [--json]`: ESA, DSA and PDS of a
 * reconstruction against a reference as Vaa3D's `neuron_distance` computes
 * them, plus precision/recall/F1 within a tolerance
 * (src/metrics/neuron-distance.ts).
 */
import type { Command } from 'commander';
import { neuronDistance, type NeuronDistance } from '../../metrics/neuron-distance.js';
import { readSwc } from '../../neuron/swc.js';
import { nonNegative, positive } from '../option-parsers.js';
import { examples } from '../help-examples.js';

/** The plain-text report of `eval swc`. */
export function formatNeuronDistance(d: NeuronDistance): string {
  const f = (v: number) => v.toFixed(4);
  return [
    `ESA ${f(d.esa)}  (traced→truth ${f(d.esa12)}, truth→traced ${f(d.esa21)})`,
    `DSA ${f(d.dsa)}  (points ≥ ${d.threshold} voxels apart)`,
    `PDS ${f(d.pds)}  (traced→truth ${f(d.pds12)}, truth→traced ${f(d.pds21)})`,
    `precision ${f(d.precision)}  recall ${f(d.recall)}  F1 ${f(d.f1)}  (within ${d.tolerance} voxels)`,
    `sample points: traced ${d.points12}, truth ${d.points21}`,
  ].join('\n');
}

export function registerEvalSwc(evalCommand: Command): void {
  evalCommand
    .command('swc')
    .argument('<traced>', 'reconstruction (.swc)')
    .argument('<truth>', 'reference reconstruction (.swc)')
    .description("ESA, DSA, PDS (Vaa3D neuron_distance) and precision/recall/F1 of a traced neuron against the truth")
    .addHelpText('after', examples({ note: 'the tree of the wavecv trace example against the true tree of its neuron', run: 'wavecv eval swc traced.swc data-generated/neurons-small/test/swc/000.swc --json' }))
    .option('--threshold <voxels>', 'distance from which points count as different (DSA, PDS)', positive('threshold'), 2)
    .option('--tolerance <voxels>', 'distance within which points count as matched (precision, recall); default the threshold', nonNegative('tolerance'))
    .option('--json', 'print one JSON object')
    .action((traced: string, truth: string, options: { threshold: number; tolerance?: number; json?: boolean }) => {
      const result = neuronDistance(readSwc(traced), readSwc(truth), { threshold: options.threshold, tolerance: options.tolerance });
      process.stdout.write((options.json ? JSON.stringify(result) : formatNeuronDistance(result)) + '\n');
    });
}
