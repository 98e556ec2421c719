/**
 * The registration commands (src/tasks/register.ts):
 *  - `wavecv generate registration`: the 2-D ITK-slice or 3-D Colin27/AAL
 *    (+ HarvardOxford) pair sets and the 3-D inter-subject pair
 *    (src/data/registration-sets.ts);
 *  - `wavecv train register`: trains `winet` / `winet-diff` or a baseline
 *    (`vxm-unet`, `pyramid-unet`) on a folder of pair folders;
 *  - `wavecv register fixed moving --model RUN --out warped.nii.gz`: one pair,
 *    with the displacement (`--field`), warped labels (`--labels`,
 *    `--out-labels`) and a PNG of slices (`--png`);
 *  - `wavecv eval register --model RUN --pairs pairs.csv|folder`: per-pair
 *    CSV and a summary (Dice before/after, folding %, HD95, seconds; the same
 *    Dice and HD95 for every further label set, `labelSets` in the summary).
 * Outputs on the fixed grid are written with the fixed scan's NIfTI header
 * when it has one.
 */
import type { Command } from 'commander';
import { join } from 'node:path';
import { generateRegistrationSet } from '../../data/registration-sets.js';
import { listPairs, readScan, type Scan } from '../../data/registration.js';
import { check } from '../../errors.js';
import { writeFileAtomic, writeJsonAtomic } from '../../io/atomic.js';
import { writePng } from '../../io/image.js';
import { writeNifti } from '../../io/nifti.js';
import { spacingAffine, type Volume } from '../../io/volume.js';
import { registrationFigure } from '../../plot/registration-figure.js';
import { lossNames } from '../../losses/registry.js';
import { evaluatePair, loadRegistrationModel, registerScans, trainRegistration, type LabelScores, type LabelSetScans, type PairEvaluation, type RegistrationLossName } from '../../tasks/register.js';
import { startEngine } from '../engine-option.js';
import { withFlagName } from '../flag-names.js';
import { choice, lossOptionParser, nonNegative, nonNegativeInteger, positiveInteger } from '../option-parsers.js';
import { generateCommand } from './generate.js';
import { addTrainerOptions, interruptSignal, lossOptionsOf, trainCommand, trainerSettings, type TrainerCliOptions } from './train.js';
import { examples } from '../help-examples.js';
import { JSON_HELP, printResult } from '../report.js';
import { createCountProgress } from '../progress.js';
import { recordedCommand } from '../run-config.js';

/** A volume on the fixed scan's grid (its geometry when it has one). */
function onFixedGrid(fixed: Scan, data: Float32Array | Int16Array, shape: number[]): Volume {
  const base = fixed.volume;
  return {
    data,
    shape,
    spacing: base?.spacing ?? [...shape].reverse().map(() => 1),
    affine: base?.affine ?? spacingAffine([1, 1, 1]),
    dataType: data instanceof Int16Array ? 'int16' : 'float32',
    slope: 1,
    intercept: 0,
  };
}

interface TrainRegisterCliOptions extends TrainerCliOptions {
  data: string;
  model: string;
  size?: string;
  startChannels: number;
  wavelet: string;
  loss?: RegistrationLossName;
  similarity?: RegistrationLossName;
  lossOption?: Record<string, unknown>;
  window?: number;
  lambda?: number;
}

function parseSize(spec: string): number[] {
  const size = spec.split(/[x×,]/).map(Number);
  check(size.length >= 2 && size.length <= 3 && size.every((n) => Number.isInteger(n) && n > 0 && n % 16 === 0), 'size', spec, 'two or three multiples of 16, e.g. 256x224 or 48x64x48');
  return size;
}

export function registerRegistrationCommands(program: Command): void {
  generateCommand(program)
    .command('registration')
    .description('registration pairs from real anatomy: 2-D ITK brain slices (+ their shifted/rotated/B-spline versions) or 3-D Colin27 + AAL and HarvardOxford labels, under seeded random smooth diffeomorphic deformations (synthetic); 3-D adds the real inter-subject pair ITK T1 → Colin27 (inter-subject/)')
    .addHelpText('after', examples('wavecv generate registration --out data-generated/registration-2d --dims 2 --factor 3 --train 64 --test 8', 'wavecv generate registration --out data-generated/registration-3d --dims 3 --factor 8 --train 16 --test 4'))
    .requiredOption('--out <dir>', 'new folder for train/, test/ (pair folders), 3-D inter-subject/, and generator.json')
    .option('--dims <n>', '2 (ITK slices) or 3 (Colin27 + AAL, HarvardOxford)', choice('dims', ['2', '3'] as const), '2')
    .option('--train <n>', 'training pairs', positiveInteger('train'), 64)
    .option('--test <n>', 'synthetic test pairs (2-D adds the 4 ITK pairs)', nonNegativeInteger('test'), 8)
    .option('--magnitude <voxels>', 'velocity standard deviation at the control nodes', nonNegative('magnitude'), 3)
    .option('--spacing <voxels>', 'control-node spacing', positiveInteger('spacing'), 16)
    .option('--factor <n>', 'reduction by block mean: 3-D of the 1 mm atlas (default 4), 2-D of the 257×221 slices (default 1; 3 gives 85×73)', positiveInteger('factor'))
    .option('--seed <n>', 'seed of the deformations', nonNegativeInteger('seed'), 1)
    .option('--json', JSON_HELP)
    .action(async (o: { out: string; dims: '2' | '3'; train: number; test: number; magnitude: number; spacing: number; factor?: number; seed: number; json?: boolean }, cmd: Command) => {
      await startEngine(cmd);
      const progress = createCountProgress('pairs');
      const counts = await generateRegistrationSet({
        dims: Number(o.dims) as 2 | 3,
        out: o.out,
        train: o.train,
        test: o.test,
        magnitude: o.magnitude,
        spacing: o.spacing,
        factor: o.factor ?? (o.dims === '3' ? 4 : 1),
        seed: o.seed,
        onProgress: (done, total) => progress.update(done, total),
      });
      progress.stop();
      printResult(o.json, { out: o.out, dims: Number(o.dims), ...counts }, () => `wrote ${counts.train} training and ${counts.test} test pairs to ${o.out}`);
    });

  addTrainerOptions(
    trainCommand(program)
      .command('register')
      .description('train an unsupervised registration network (winet, winet-diff, or a baseline: vxm-unet, pyramid-unet) on pair folders')
      .addHelpText('after', examples('wavecv generate registration --out data-generated/registration-2d --dims 2 --train 64 --test 8', 'wavecv train register --data data-generated/registration-2d/train --model winet-diff --epochs 2 --out runs/register-2d'))
      .requiredOption('--data <dir>', 'folder of pair folders (fixed.*, moving.*), e.g. DIR/train of `wavecv generate registration`')
      .option('--model <name>', 'winet, winet-diff or a baseline: vxm-unet, pyramid-unet', 'winet')
      .option('--size <DxHxW>', 'network input size (multiples of 16; default: the scans rounded up)')
      .option('--start-channels <n>', 'C of WiNet (WiNet models only)', positiveInteger('start-channels'), 8)
      .option('--wavelet <name>', 'wavelet of the DWT/IDWT (WiNet models only)', 'haar')
      .option('--loss <name>', `registration loss: ${lossNames('registration').join(', ')} (default ncc)`, choice('loss', lossNames('registration') as RegistrationLossName[]))
      .option('--similarity <name>', 'the same as --loss (ncc or mse)', choice('similarity', lossNames('registration') as RegistrationLossName[]))
      .option('--loss-option <key=value>', 'option of the loss, repeatable (e.g. penalty=l1); options the loss does not take are refused', lossOptionParser('penalty=l1'))
      .option('--window <n>', 'ncc: window side, odd (default 9)', positiveInteger('window'))
      .option('--lambda <λ>', 'smoothness weight (default 2)', nonNegative('lambda')),
    { epochs: 10, batchSize: 1, optimizer: 'adam', schedule: 'constant' },
  ).action(async (o: TrainRegisterCliOptions, cmd: Command) => {
    check(o.loss === undefined || o.similarity === undefined, 'similarity', o.similarity, 'nothing when --loss is given (the same setting)');
    const size = o.size ? parseSize(o.size) : undefined;
    const { lossOptions, flags } = lossOptionsOf({ window: { flag: '--window', value: o.window }, lambda: { flag: '--lambda', value: o.lambda } }, o.lossOption);
    await startEngine(cmd);
    const shared = trainerSettings(o);
    const { signal, release } = interruptSignal();
    try {
      const outcome = await trainRegistration({
        model: o.model,
        modelOptions: o.model.startsWith('winet') ? { startChannels: o.startChannels, wavelet: o.wavelet } : {},
        data: o.data,
        size,
        loss: o.loss ?? o.similarity,
        lossOptions,
        ...shared,
        signal,
        renameError: (error) => withFlagName(error, { ...flags, size: '--size' }),
        command: recordedCommand(cmd),
      });
      const { metadata, finalLoss } = outcome.result;
      printResult(o.json, outcome, () =>
        outcome.stopped === 'completed'
          ? `trained ${o.model} (${metadata.size.join('×')}) for ${outcome.steps} steps in ${outcome.trainSeconds.toFixed(1)} s, mean loss of the last epoch ${finalLoss.toFixed(4)}; run in ${o.out}`
          : `stopped at step ${outcome.steps}; continue with the same command and --resume`,
      );
    } finally {
      release();
      if (signal.aborted) process.exitCode = 130;
    }
  });

  program
    .command('register')
    .description('register a moving scan to a fixed scan with a trained run')
    .addHelpText('after', examples({ note: 'a pair of wavecv generate registration and a run of wavecv train register', run: 'wavecv register data-generated/registration-2d/test/000/fixed.nii.gz data-generated/registration-2d/test/000/moving.nii.gz --model runs/register-2d --out warped.nii.gz --png slices.png --json' }))
    .argument('<fixed>', 'fixed scan (.nii, .nii.gz, .mha, .mhd or an image)')
    .argument('<moving>', 'moving scan')
    .requiredOption('--model <run>', 'run folder of `wavecv train register`')
    .requiredOption('--out <file>', 'warped moving scan (.nii or .nii.gz)')
    .option('--field <file>', 'also write the displacement as NIfTI: voxels, components (slowest axis first) along the 5th file axis')
    .option('--labels <file>', 'moving label map to warp (nearest neighbour)')
    .option('--out-labels <file>', 'warped label map (.nii or .nii.gz)')
    .option('--png <file>', 'PNG of slices: fixed, moving, warped, difference, checkerboard, deformed grid')
    .option('--resample', 'resample moving (and labels) onto the fixed grid when the shapes differ')
    .option('--json', 'print one JSON object')
    .action(async (fixedPath: string, movingPath: string, o: { model: string; out: string; field?: string; labels?: string; outLabels?: string; png?: string; resample?: boolean; json?: boolean }, cmd: Command) => {
      check(Boolean(o.labels) === Boolean(o.outLabels), o.labels ? 'out-labels' : 'labels', o.labels ? o.outLabels : o.labels, '--labels and --out-labels together');
      for (const [flag, path] of [['out', o.out], ['field', o.field], ['out-labels', o.outLabels]] as const) {
        if (path !== undefined) check(/\.nii(\.gz)?$/i.test(path), flag, path, 'a file name ending in .nii or .nii.gz');
      }
      await startEngine(cmd);
      const loaded = await loadRegistrationModel(o.model);
      const fixed = await readScan(fixedPath, 'fixed');
      const moving = await readScan(movingPath, 'moving');
      const movingLabels = o.labels ? await readScan(o.labels, 'labels') : undefined;
      const result = await registerScans(loaded, fixed, moving, { resample: o.resample, movingLabels });
      writeNifti(o.out, onFixedGrid(fixed, result.warped, fixed.shape), fixed.header);
      if (o.field) writeNifti(o.field, onFixedGrid(fixed, componentsSlowest(result.displacement, fixed.shape), [fixed.shape.length, 1, ...(fixed.shape.length === 2 ? [1] : []), ...fixed.shape]), fixed.header);
      if (o.outLabels && result.warpedLabels) writeNifti(o.outLabels, onFixedGrid(fixed, Int16Array.from(result.warpedLabels), fixed.shape), fixed.header);
      if (o.png) await writePng(o.png, await registrationFigure({ fixed: fixed.values, moving: checkShapeForFigure(moving, fixed), warped: result.warped, displacement: result.displacement, shape: fixed.shape }));
      const summary = { seconds: Number(result.seconds.toFixed(3)), shape: fixed.shape, out: o.out, field: o.field, outLabels: o.outLabels, png: o.png };
      process.stdout.write(o.json ? JSON.stringify(summary) + '\n' : `registered ${movingPath} to ${fixedPath} in ${summary.seconds} s → ${o.out}\n`);
    });
}

/**
 * A displacement [*shape, n] rearranged as NIfTI stores vector fields: the n
 * components along the 5th file axis (slowest), after the three spatial axes
 * and a time axis of 1 — voxel units, components in axis order (slowest first).
 */
function componentsSlowest(displacement: Float32Array, shape: number[]): Float32Array {
  const n = shape.length;
  const voxels = displacement.length / n;
  const out = new Float32Array(displacement.length);
  for (let p = 0; p < voxels; p++) for (let c = 0; c < n; c++) out[c * voxels + p] = displacement[p * n + c];
  return out;
}

function checkShapeForFigure(moving: Scan, fixed: Scan): Float32Array {
  return moving.values.length === fixed.values.length ? moving.values : new Float32Array(fixed.values.length);
}

/** `wavecv eval register` (an `eval` sub-command). */
export function registerEvalRegister(evalCommand: Command): void {
  evalCommand
    .command('register')
    .description('evaluate a registration run on labelled pairs: Dice before/after, folding %, HD95, seconds')
    .addHelpText('after', examples('wavecv eval register --model runs/register-2d --pairs data-generated/registration-2d/test --json'))
    .requiredOption('--model <run>', 'run folder of `wavecv train register`')
    .requiredOption('--pairs <csv|dir>', 'CSV (fixed,moving,fixed_labels,moving_labels) or folder of pair folders')
    .option('--out <dir>', 'folder for pairs.csv and summary.json (default: <run>/eval-register)')
    .option('--resample', 'resample moving scans onto the fixed grid when the shapes differ')
    .option('--json', 'print the summary as one JSON object')
    .action(async (o: { model: string; pairs: string; out?: string; resample?: boolean; json?: boolean }, cmd: Command) => {
      await startEngine(cmd);
      const loaded = await loadRegistrationModel(o.model);
      const pairs = listPairs(o.pairs);
      const rows: PairEvaluation[] = [];
      const progress = createCountProgress('pairs');
      for (const pair of pairs) {
        check(pair.fixedLabels !== undefined && pair.movingLabels !== undefined, 'pairs', pair.name, 'fixed and moving label maps for every pair');
        const fixed = await readScan(pair.fixed, 'fixed');
        const movingLabels = await readScan(pair.movingLabels!, 'moving labels');
        const output = await registerScans(loaded, fixed, await readScan(pair.moving, 'moving'), { resample: o.resample, movingLabels });
        const labelSets: LabelSetScans[] = [];
        for (const set of pair.labelSets) labelSets.push({ name: set.name, fixed: await readScan(set.fixed, `fixed labels ${set.name}`), moving: await readScan(set.moving, `moving labels ${set.name}`) });
        rows.push(await evaluatePair(pair.name, output, await readScan(pair.fixedLabels!, 'fixed labels'), movingLabels, labelSets));
        progress.update(rows.length, pairs.length);
      }
      progress.stop();
      const mean = (values: number[]) => values.reduce((s, v) => s + v, 0) / values.length;
      const column = (key: 'dice' | 'diceBefore' | 'foldingPercent' | 'hd95' | 'seconds') => rows.map((r) => r[key]);
      const std = (values: number[]) => Math.sqrt(mean(values.map((v) => (v - mean(values)) ** 2)));
      // further label sets: those every pair has (the names of the first pair's sets)
      const setNames = Object.keys(rows[0].labelSets).filter((set) => rows.every((r) => r.labelSets[set] !== undefined));
      const setColumn = (set: string, key: keyof LabelScores) => rows.map((r) => r.labelSets[set][key]);
      const summary = {
        model: o.model,
        pairs: rows.length,
        dice: mean(column('dice')),
        diceStd: std(column('dice')),
        diceBefore: mean(column('diceBefore')),
        foldingPercent: mean(column('foldingPercent')),
        hd95: mean(column('hd95')),
        seconds: mean(column('seconds')),
        labelSets: Object.fromEntries(setNames.map((set) => [set, { dice: mean(setColumn(set, 'dice')), diceStd: std(setColumn(set, 'dice')), diceBefore: mean(setColumn(set, 'diceBefore')), hd95: mean(setColumn(set, 'hd95')) }])),
      };
      const out = o.out ?? join(o.model, 'eval-register');
      const header = ['name,dice_before,dice,folding_percent,hd95,seconds', ...setNames.map((set) => `dice_before_${set},dice_${set},hd95_${set}`)].join(',');
      const line = (r: PairEvaluation) => [r.name, r.diceBefore, r.dice, r.foldingPercent, r.hd95, r.seconds, ...setNames.flatMap((set) => [r.labelSets[set].diceBefore, r.labelSets[set].dice, r.labelSets[set].hd95])].join(',');
      writeFileAtomic(join(out, 'pairs.csv'), [header, ...rows.map(line)].join('\n') + '\n');
      writeJsonAtomic(join(out, 'summary.json'), summary);
      const setText = setNames.map((set) => `; ${set}: Dice ${summary.labelSets[set].diceBefore.toFixed(3)} → ${summary.labelSets[set].dice.toFixed(3)}`).join('');
      process.stdout.write(
        o.json
          ? JSON.stringify(summary) + '\n'
          : `${rows.length} pairs: Dice ${summary.diceBefore.toFixed(3)} → ${summary.dice.toFixed(3)} (±${summary.diceStd.toFixed(3)}), folding ${summary.foldingPercent.toFixed(3)} %, HD95 ${summary.hd95.toFixed(2)} voxels, ${summary.seconds.toFixed(2)} s per pair${setText}; ${join(out, 'pairs.csv')}\n`,
      );
    });
}

