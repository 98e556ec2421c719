/**
 * `wavecv verify a.jpg b.jpg --model …`: detects the main face of each photo
 * (face-api models from node_modules), aligns it to the ArcFace template,
 * embeds it (flip test when the model was trained so) and compares the cosine
 * similarity with the model's unified threshold (learned t = b/s of UCE/USS,
 * or one stored by `eval verification --store-threshold`, or --threshold).
 */
import type { Command } from 'commander';
import { FaceDetector } from '../../data/faces/detect.js';
import { decodeImage } from '../../data/faces/image.js';
import { cosine, decisionThreshold, embedInputs, loadFaceModel, prepareFace } from '../../tasks/face-inference.js';
import { alignMode, numberInRange } from '../option-parsers.js';
import { startEngine } from '../engine-option.js';
import { examples } from '../help-examples.js';

interface VerifyCliOptions {
  model: string;
  threshold?: number;
  align: 'none' | 'detect';
  minConfidence: number;
  json?: boolean;
}

export function registerVerify(program: Command): void {
  program
    .command('verify')
    .description('are two photos the same person? similarity, threshold and decision of a face model')
    .addHelpText('after', examples({ note: 'two of the photos that ship with face-api, with a face model (wavecv train face --help)', run: 'wavecv verify node_modules/@vladmandic/face-api/demo/sample1.jpg node_modules/@vladmandic/face-api/demo/sample2.jpg --model runs/r18-uss --json' }))
    .argument('<a>', 'first photo')
    .argument('<b>', 'second photo')
    .requiredOption('--model <dir>', 'a face model folder or a `wavecv train face` run folder')
    .option('--threshold <cos>', "decision threshold, a cosine in [-1, 1] (default: the model's unified threshold)", numberInRange('threshold', -1, 1))
    .option('--align <mode>', "'detect' (find and align the face) or 'none' (the photos are aligned crops)", alignMode, 'detect')
    .option('--min-confidence <p>', 'face detector confidence', numberInRange('min-confidence', 0, 1), 0.5)
    .option('--json', 'print JSON')
    .action(async (a: string, b: string, options: VerifyCliOptions, command: Command) => {
      await startEngine(command.parent!);
      const explicit = options.threshold;
      const { model, metadata, dir } = await loadFaceModel(options.model);
      try {
        const { threshold, source } = decisionThreshold(metadata, explicit);
        const detector = options.align === 'detect' ? await FaceDetector.load({ minConfidence: options.minConfidence }) : undefined;
        const prepared = [];
        for (const path of [a, b]) prepared.push(await prepareFace(await decodeImage(path), metadata, { align: options.align, detector }, path));
        const emb = await embedInputs(model, metadata, prepared.map((p) => p.input));
        const dim = emb.length / 2;
        const similarity = cosine(emb.subarray(0, dim), emb.subarray(dim));
        const same = similarity >= threshold;
        const result = {
          a,
          b,
          model: dir,
          similarity,
          threshold,
          thresholdSource: source,
          decision: same ? 'same' : 'different',
          faces: prepared.map((p) => (p.face ? { score: p.face.score, box: p.face.box, landmarks5: p.face.landmarks5 } : null)),
        };
        if (options.json) process.stdout.write(JSON.stringify(result, null, 2) + '\n');
        else
          process.stdout.write(
            `similarity ${similarity.toFixed(4)}  threshold ${threshold.toFixed(4)} (${source})  decision: ${same ? 'SAME person' : 'DIFFERENT people'}\n`,
          );
      } finally {
        model.dispose();
      }
    });
}
