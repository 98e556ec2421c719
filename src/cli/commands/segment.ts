/**
 * `wavecv segment image.png --model RUN --out mask.png [--overlay overlay.png]`:
 * segments one image of any size with a `wavecv train segment` model
 * (overlapping tiles of the training size, logits blended;
 * src/tasks/segment-image.ts) and writes the mask in the training data's
 * palette.
 */
import type { Command } from 'commander';
import { segmentImageFile } from '../../tasks/segment-image.js';
import { startEngine } from '../engine-option.js';
import { nonNegative, positiveInteger } from '../option-parsers.js';
import { examples } from '../help-examples.js';

export function registerSegment(program: Command): void {
  program
    .command('segment')
    .description('segment an image of any size with a `wavecv train segment` model; the mask PNG uses the data set\'s palette')
    .addHelpText('after', examples({ note: 'a model of wavecv train segment on data-generated/anatomy', run: 'wavecv segment data-generated/anatomy/test/images/000.png --model runs/anatomy-unet-haar --out mask.png --overlay overlay.png --json' }))
    .argument('<image>', 'image file (PNG, JPEG, …)')
    .requiredOption('--model <dir>', 'a `wavecv train segment` run folder or its model/ folder')
    .requiredOption('--out <mask.png>', 'indexed PNG of the class of every pixel')
    .option('--overlay <file.png>', 'also write the image with the class colours blended in')
    .option('--alpha <a>', 'opacity of the class colours in the overlay', nonNegative('alpha'), 0.5)
    .option('--overlap <f>', 'fraction of a tile shared with its neighbour', nonNegative('overlap'), 0.25)
    .option('--batch-size <n>', 'tiles per forward pass', positiveInteger('batch-size'), 8)
    .option('--json', 'print the class pixel counts as JSON')
    .action(async (image: string, o: { model: string; out: string; overlay?: string; alpha: number; overlap: number; batchSize: number; json?: boolean }, command: Command) => {
      await startEngine(command);
      const r = await segmentImageFile({ model: o.model, image, out: o.out, overlay: o.overlay, alpha: o.alpha, overlap: o.overlap, batchSize: o.batchSize });
      if (o.json) {
        process.stdout.write(JSON.stringify({ width: r.width, height: r.height, classes: r.classNames.map((name, i) => ({ name, pixels: r.counts[i] })) }) + '\n');
        return;
      }
      const present = r.classNames.map((name, i) => ({ name, share: r.counts[i] / (r.width * r.height) })).filter((c) => c.share > 0);
      process.stdout.write(`${r.width}×${r.height}: ${present.map((c) => `${c.name} ${(100 * c.share).toFixed(1)}%`).join(', ')}; wrote ${o.out}${o.overlay ? ` and ${o.overlay}` : ''}\n`);
    });
}
