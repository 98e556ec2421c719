/**
 * `wavecv attention image.png --model RUN --out attention.png`: a model's
 * attention maps over an image — attention rollout, the class token's
 * attention in one block (head mean and each head) — as a vega-lite figure,
 * PNG plus its spec (src/tasks/attention-figure.ts).
 */
import type { Command } from 'commander';
import { FaceDetector } from '../../data/faces/detect.js';
import { decodeImage } from '../../data/faces/image.js';
import { checkOutputPath } from '../../io/output-path.js';
import { specPathOf, writeFigure } from '../../plot/vega.js';
import { loadRunModel } from '../../train/run-folder.js';
import { mainFaceCrop, modelAttentionFigure } from '../../tasks/attention-figure.js';
import { startEngine } from '../engine-option.js';
import { examples } from '../help-examples.js';
import { nonNegativeInteger, numberInRange, positiveInteger } from '../option-parsers.js';

interface AttentionCliOptions {
  model: string;
  out: string;
  block?: number;
  face?: boolean;
  scale: number;
  minConfidence: number;
  columns: number;
  json?: boolean;
}

export function registerAttention(program: Command): void {
  program
    .command('attention')
    .description("PNG (vega-lite, with its .vl.json spec) of a transformer model's attention over an image: rollout, and the class token's attention per head")
    .addHelpText(
      'after',
      examples({ note: 'a dtn (or vit) detector of wavecv train forgery (see its --help); --face crops the main face as the training crops', run: 'wavecv attention node_modules/@vladmandic/face-api/demo/sample1.jpg --model runs/dtn-sbi --face --out attention.png' }),
    )
    .argument('<image>', 'an image (JPEG, PNG, WebP, …)')
    .requiredOption('--model <dir>', 'a run folder or model folder of a model with attention layers (vit, dtn)')
    .option('--out <file>', 'PNG to write (the spec goes beside it as .vl.json)', 'attention.png')
    .option('--block <n>', 'block whose class-token attention is shown per head, from 0 (default: the last)', nonNegativeInteger('block'))
    .option('--face', 'crop the most confident face (as wavecv detect does) instead of resizing the whole image')
    .option('--scale <f>', 'with --face: crop side over the face box side', numberInRange('scale', 1, 3), 1.3)
    .option('--min-confidence <p>', 'with --face: face detector confidence', numberInRange('min-confidence', 0, 1), 0.5)
    .option('--columns <n>', 'panels per row', positiveInteger('columns'), 4)
    .option('--json', 'print JSON: the files, the blocks, the grid and every panel\'s weights')
    .action(async (image: string, o: AttentionCliOptions, command: Command) => {
      checkOutputPath(o.out, 'file');
      await startEngine(command.parent!);
      const loaded = await loadRunModel(o.model);
      try {
        let photo = await decodeImage(image);
        let face: { box: { x: number; y: number; width: number; height: number }; score: number } | undefined;
        if (o.face) {
          const [height] = loaded.model.inputs[0].shape.slice(1) as number[];
          const crop = await mainFaceCrop(photo, await FaceDetector.load({ minConfidence: o.minConfidence }), height, o.scale);
          photo = crop.face;
          face = { box: crop.box, score: crop.score };
        }
        const figure = await modelAttentionFigure(loaded.model, photo, loaded.metadata.preprocessing.normalization, { block: o.block, columns: o.columns });
        await writeFigure(o.out, figure.spec);
        const summary = { image, model: loaded.dir, out: o.out, spec: specPathOf(o.out), ...(face ? { face } : {}), layers: figure.layers, block: figure.block, heads: figure.heads, grid: figure.grid };
        if (o.json) process.stdout.write(JSON.stringify({ ...summary, panels: figure.panels }, null, 2) + '\n');
        else process.stdout.write(`${figure.layers.length} attention blocks, ${figure.heads} heads, ${figure.grid.join('×')} token grid; showed rollout and block ${figure.block}\nwrote ${o.out} and ${summary.spec}\n`);
      } finally {
        loaded.model.dispose();
      }
    });
}
