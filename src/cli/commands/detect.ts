/**
 * `wavecv detect image.jpg … --model RUN [--json]`: each face in each photo
 * with its box and its fake probability under a `wavecv train forgery`
 * detector (src/tasks/forgery-detect.ts).
 */
import type { Command } from 'commander';
import { FaceDetector } from '../../data/faces/detect.js';
import { decodeImage } from '../../data/faces/image.js';
import { detectForgeries, FAKE_THRESHOLD, loadForgeryModel } from '../../tasks/forgery-detect.js';
import { startEngine } from '../engine-option.js';
import { numberInRange } from '../option-parsers.js';
import { examples } from '../help-examples.js';

interface DetectCliOptions {
  model: string;
  scale: number;
  minConfidence: number;
  json?: boolean;
}

export function registerDetect(program: Command): void {
  program
    .command('detect')
    .description('face forgery detection: every face in the photos with its fake probability')
    .addHelpText('after', examples({ note: 'a detector of wavecv train forgery (see its --help)', run: 'wavecv detect node_modules/@vladmandic/face-api/demo/sample1.jpg node_modules/@vladmandic/face-api/demo/sample2.jpg --model runs/dtn-sbi --json' }))
    .argument('<images...>', 'photos (JPEG, PNG, WebP, …)')
    .requiredOption('--model <dir>', 'a `wavecv train forgery` run folder or its model/ folder')
    .option('--scale <f>', 'face crop side over the face box side, as the training crops (1.3 = `generate forgeries` default)', numberInRange('scale', 1, 3), 1.3)
    .option('--min-confidence <p>', 'face detector confidence', numberInRange('min-confidence', 0, 1), 0.5)
    .option('--json', 'print JSON: one object per photo with its faces')
    .action(async (images: string[], o: DetectCliOptions, command: Command) => {
      await startEngine(command.parent!);
      const loaded = await loadForgeryModel(o.model);
      try {
        const detector = await FaceDetector.load({ minConfidence: o.minConfidence });
        const results = [];
        for (const image of images) {
          const faces = await detectForgeries(await decodeImage(image), loaded, detector, { scale: o.scale });
          results.push({ image, faces });
          if (o.json) continue;
          process.stdout.write(`${image}: ${faces.length} face${faces.length === 1 ? '' : 's'}\n`);
          for (const f of faces) {
            const { x, y, width, height } = f.box;
            process.stdout.write(
              `  box x ${Math.round(x)} y ${Math.round(y)} ${Math.round(width)}×${Math.round(height)}  detector ${f.score.toFixed(3)}  fake probability ${f.fakeProbability.toFixed(4)}  ${f.fake ? 'FAKE' : 'real'} (threshold ${FAKE_THRESHOLD})\n`,
            );
          }
        }
        if (o.json) process.stdout.write(JSON.stringify({ model: loaded.dir, threshold: FAKE_THRESHOLD, images: results }, null, 2) + '\n');
      } finally {
        loaded.model.dispose();
      }
    });
}
