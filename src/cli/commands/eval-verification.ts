/**
 * `wavecv eval verification`: the 10-fold verification protocol of
 * LFW/CFP-FP/AgeDB (src/metrics/verification.ts) for a face model on an LFW
 * `pairs.txt` (with its image root) or an insightface `.bin` set; writes
 * `verification.json` (accuracy mean ± std, folds, best threshold, TAR@FAR,
 * AUC, learned unified threshold and its gap to the best) and `roc.png`.
 * Registered in the `eval` group's list (src/cli/commands/eval.ts).
 */
import type { Command } from 'commander';
import { checkOutputPath } from '../../io/output-path.js';
import { evaluateVerification } from '../../tasks/face-inference.js';
import { alignMode, positiveInteger } from '../option-parsers.js';
import { startEngine } from '../engine-option.js';
import { examples } from '../help-examples.js';
import { createCountProgress } from '../progress.js';

interface EvalVerificationCliOptions {
  model: string;
  pairs: string;
  images?: string;
  align: 'none' | 'detect';
  out: string;
  batchSize: number;
  storeThreshold?: boolean;
  json?: boolean;
}

export function registerEvalVerification(evalCommand: Command): void {
  evalCommand
    .command('verification')
    .description('10-fold face verification (LFW pairs.txt or insightface .bin): verification.json and roc.png')
    .addHelpText('after', examples({ note: 'an insightface .bin set (lfw.bin, cfp_fp.bin, agedb_30.bin) or an LFW pairs.txt with its image folder', run: 'wavecv eval verification --model runs/r18-uss --pairs lfw.bin --out runs/r18-uss/lfw --json' }, 'wavecv eval verification --model runs/r18-uss --pairs lfw/pairs.txt --images lfw/ --align detect --store-threshold --out runs/r18-uss/lfw'))
    .requiredOption('--model <dir>', 'a face model folder or a `wavecv train face` run folder')
    .requiredOption('--pairs <file>', 'LFW-style pairs.txt (images under --images) or an insightface .bin (lfw.bin, cfp_fp.bin, agedb_30.bin)')
    .option('--images <dir>', 'image root of a pairs list (default: the folder of the list)')
    .option('--align <mode>', "'none' (images are aligned crops, resized) or 'detect' (detect and align each photo)", alignMode, 'none')
    .option('--out <dir>', 'folder for verification.json and roc.png', '.')
    .option('--batch-size <n>', 'images per forward pass', positiveInteger('batch-size'), 64)
    .option('--store-threshold', "write the best threshold into the model's metadata (used by `wavecv verify` when the loss learned none)")
    .option('--json', 'print the report as JSON')
    .action(async (options: EvalVerificationCliOptions, command: Command) => {
      checkOutputPath(options.out, 'folder');
      await startEngine(command.parent!);
      const progress = createCountProgress('images embedded');
      const r = await evaluateVerification({
        model: options.model,
        pairs: options.pairs,
        images: options.images,
        align: options.align,
        out: options.out,
        batchSize: options.batchSize,
        storeThreshold: options.storeThreshold,
        onProgress: (done, total) => progress.update(done, total),
      });
      progress.stop();
      if (options.json) {
        process.stdout.write(JSON.stringify(r, null, 2) + '\n');
        return;
      }
      const pct = (v: number) => `${(100 * v).toFixed(2)}%`;
      process.stdout.write(
        [
          `${r.pairs.count} pairs (${r.pairs.same} same) of ${r.pairs.images} images; flip test ${r.flip ? 'on' : 'off'}`,
          `10-fold accuracy ${pct(r.accuracy.mean)} ± ${pct(r.accuracy.std)}; AUC ${r.auc.toFixed(4)}`,
          `best threshold (cosine) ${r.bestThreshold.toFixed(4)} (accuracy ${pct(r.bestAccuracy)} on all pairs); mean of the folds' thresholds ${r.meanFoldThreshold.toFixed(4)}`,
          r.learnedThreshold === null
            ? `learned unified threshold: none (${r.loss})`
            : `learned unified threshold ${r.learnedThreshold.toFixed(4)} (gap ${r.thresholdGap!.toFixed(4)}; accuracy at it ${pct(r.accuracyAtLearned!)})`,
          r.tarAtFar.map((t) => `TAR@FAR=${t.far.toExponential(0)} ${t.resolvable ? pct(t.tar) : 'n/a'}`).join(', '),
          `VAL@FAR=${r.valAtFar.farTarget.toExponential(0)} (insightface, 10-fold) ${pct(r.valAtFar.val.mean)} ± ${pct(r.valAtFar.val.std)} at FAR ${r.valAtFar.far.toExponential(2)}`,
          `wrote ${r.outDir}/verification.json and roc.png`,
        ].join('\n') + '\n',
      );
    });
}
