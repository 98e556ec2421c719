import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { randomDeformation } from '../../src/data/deformations.js';
import { generateRegistrationSet, ITK_DATA, reduceVolume } from '../../src/data/registration-sets.js';
import { connectedComponents, sliceLabels } from '../../src/data/slice-labels.js';
import { readImageData } from '../../src/io/image.js';
import { readNifti } from '../../src/io/nifti.js';
import { warp } from '../../src/nn/warp.js';
import { initTestBackend } from '../helpers/backend.js';
import { ELASTIX, ITK_EXAMPLES, requireSystem } from '../helpers/requirements.js';

const root = mkdtempSync(join(tmpdir(), 'wavecv-registration-set-'));
before(async () => {
  await initTestBackend();
});
after(() => rmSync(root, { recursive: true, force: true }));

const itk = requireSystem('insighttoolkit4-examples', ITK_EXAMPLES);
const values = (path: string) => Float32Array.from(readNifti(path).data, Number);
const pngValues = async (name: string) => Float32Array.from((await readImageData(join(ITK_DATA, name), { channels: 1 })).data);

test('reduceVolume: 2-D block means and centre pixels of factor² blocks, trailing pixels dropped', () => {
  const slice = Float32Array.from({ length: 5 * 7 }, (_, i) => i);
  const means = reduceVolume(slice, [5, 7], 2, false);
  assert.deepEqual(means.shape, [2, 3]);
  const mean = (y: number, x: number) => (slice[2 * y * 7 + 2 * x] + slice[2 * y * 7 + 2 * x + 1] + slice[(2 * y + 1) * 7 + 2 * x] + slice[(2 * y + 1) * 7 + 2 * x + 1]) / 4;
  assert.deepEqual(Array.from(means.values), [mean(0, 0), mean(0, 1), mean(0, 2), mean(1, 0), mean(1, 1), mean(1, 2)]);
  const centres = reduceVolume(slice, [5, 7], 2, true);
  assert.deepEqual(Array.from(centres.values), [1 * 7 + 1, 1 * 7 + 3, 1 * 7 + 5, 3 * 7 + 1, 3 * 7 + 3, 3 * 7 + 5]);
  assert.deepEqual(Array.from(reduceVolume(slice, [5, 7], 1, false).values), Array.from(slice));
  assert.throws(() => reduceVolume(slice, [35], 2, false), /shape/);
  assert.throws(() => reduceVolume(slice, [5, 7], 0, false), /factor/);
});

test('reduceVolume: 3-D unchanged — the factor³ block mean summed in z, y, x order, and the centre voxel', () => {
  const shape = [5, 6, 7];
  const volume = Float32Array.from({ length: 5 * 6 * 7 }, (_, i) => Math.fround(Math.sin(i) * 100));
  for (const factor of [2, 3]) {
    const out = shape.map((n) => Math.floor(n / factor));
    const want = new Float32Array(out[0] * out[1] * out[2]);
    const wantLabels = new Float32Array(want.length);
    for (let z = 0, o = 0; z < out[0]; z++)
      for (let y = 0; y < out[1]; y++)
        for (let x = 0; x < out[2]; x++, o++) {
          let sum = 0;
          for (let a = 0; a < factor; a++) for (let b = 0; b < factor; b++) for (let c = 0; c < factor; c++) sum += volume[((z * factor + a) * 6 + y * factor + b) * 7 + x * factor + c];
          want[o] = sum / factor ** 3;
          const centre = Math.floor(factor / 2);
          wantLabels[o] = volume[((z * factor + centre) * 6 + y * factor + centre) * 7 + x * factor + centre];
        }
    const got = reduceVolume(volume, shape, factor, false);
    assert.deepEqual(got.shape, out);
    assert.deepEqual(got.values, want, `factor ${factor}: bit-identical block means`);
    assert.deepEqual(reduceVolume(volume, shape, factor, true).values, wantLabels);
  }
});

test('connectedComponents: 4-connected parts of a mask and their sizes', () => {
  // prettier-ignore
  const mask = [
    1, 1, 0, 0,
    0, 1, 0, 1,
    1, 0, 0, 1,
  ];
  const { component, sizes } = connectedComponents(mask, [3, 4]);
  assert.deepEqual(Array.from(component), [0, 0, -1, -1, -1, 0, -1, 1, 2, -1, -1, 1]);
  assert.deepEqual(sizes, [3, 2, 1]);
  assert.throws(() => connectedComponents(mask, [3, 3]), /shape/);
});

test('sliceLabels: the head is what the border air does not reach (its dark ring included, a bright corner patch left out); tissue = 2-means inside it', () => {
  const H = 40;
  const W = 36;
  const image = new Float32Array(H * W).fill(2);
  const head = new Float32Array(H * W);
  const tissue = new Float32Array(H * W);
  for (let y = 0; y < H; y++)
    for (let x = 0; x < W; x++) {
      const o = y * W + x;
      const r = Math.hypot(y - 20, x - 18);
      if (r <= 14) {
        head[o] = 1;
        // scalp (bright), a dark ring (skull), then a darker (left) and a brighter (right) tissue
        image[o] = r > 12 ? 210 : r > 10 ? 4 : x < 18 ? 120 : 200;
        tissue[o] = r > 12 ? 2 : r > 10 ? 0 : x < 18 ? 1 : 2;
      }
      if (y < 4 && x < 4) image[o] = 100; // a constant fill touching the border, as in ITK's rotated slice
    }
  const labels = sliceLabels(image, [H, W]);
  assert.deepEqual(labels.head, head);
  assert.deepEqual(labels.tissue, tissue);
  assert.throws(() => sliceLabels(new Float32Array(H * W).fill(3), [H, W]), /head|foreground|values/);
  assert.throws(() => sliceLabels(image, [H, W + 1]), /shape/);
});

test('2-D registration set from the ITK slices: pair folders, the four ITK test pairs, progress per pair, labels by the documented rule', { skip: itk }, async () => {
  const out = join(root, 'set-2d');
  const calls: number[][] = [];
  const options = { dims: 2 as const, out, train: 2, test: 1, magnitude: 3, spacing: 16, seed: 1 };
  const counts = await generateRegistrationSet({ ...options, onProgress: (done, total) => calls.push([done, total]) });
  assert.deepEqual(counts, { train: 2, test: 5 });
  assert.deepEqual(calls, [1, 2, 3, 4, 5, 6, 7].map((done) => [done, 7]));
  assert.deepEqual(readdirSync(join(out, 'train')).sort(), ['pair0000', 'pair0001']);
  assert.deepEqual(readdirSync(join(out, 'test')).sort(), ['itk-BSplined10', 'itk-R10X13Y17', 'itk-Rotated10', 'itk-Shifted13x17y', 'synthetic0000']);
  assert.match(JSON.parse(readFileSync(join(out, 'generator.json'), 'utf8')).labels, /slice-labels/);
  const pair = join(out, 'train', 'pair0000');
  const fixed = readNifti(join(pair, 'fixed.nii.gz'));
  const moving = readNifti(join(pair, 'moving.nii.gz'));
  assert.deepEqual(fixed.shape, [257, 221]);
  assert.deepEqual(fixed.spacing, [1, 1]);
  // factor 1 (the default) keeps the slice's own pixel values
  assert.deepEqual(values(join(pair, 'moving.nii.gz')), await pngValues('BrainProtonDensitySliceBorder20.png'));
  let differing = 0;
  for (let i = 0; i < fixed.data.length; i++) if (Math.abs(Number(fixed.data[i]) - Number(moving.data[i])) > 1e-3) differing++;
  assert.ok(differing > fixed.data.length / 20, `the synthetic deformation moved ${differing} of ${fixed.data.length} pixels`);

  // synthetic pair: moving labels by the rule, fixed labels = moving labels warped by the pair's own deformation (exact)
  const shape = fixed.shape;
  const displacement = await randomDeformation(shape, { seed: 100000, magnitude: 3, spacing: 16 });
  const rule = sliceLabels(values(join(pair, 'moving.nii.gz')), shape);
  for (const [file, labels] of [['labels', rule.tissue], ['labels_head', rule.head]] as const) {
    const movingLabels = values(join(pair, `moving_${file}.nii.gz`));
    assert.deepEqual(movingLabels, labels, `moving_${file} = the rule on the moving slice`);
    const warped = tf.tidy(() => warp(tf.tensor(movingLabels, [1, ...shape, 1]), tf.tensor(displacement, [1, ...shape, 2]), { interpolation: 'nearest', padding: 'zeros' }).dataSync());
    assert.deepEqual(values(join(pair, `fixed_${file}.nii.gz`)), Float32Array.from(warped), `fixed_${file} = moving_${file} warped by the deformation`);
    assert.ok(new Set(movingLabels).size === (file === 'labels' ? 3 : 2), `${file}: every class present`);
  }

  // ITK pairs: each image labelled by the rule on its own
  for (const name of readdirSync(join(out, 'test')).filter((n) => n.startsWith('itk-'))) {
    for (const side of ['fixed', 'moving']) {
      const labels = sliceLabels(values(join(out, 'test', name, `${side}.nii.gz`)), shape);
      assert.deepEqual(values(join(out, 'test', name, `${side}_labels.nii.gz`)), labels.tissue, `${name} ${side} tissue`);
      assert.deepEqual(values(join(out, 'test', name, `${side}_labels_head.nii.gz`)), labels.head, `${name} ${side} head`);
    }
  }
  // the shifted version is the slice moved by whole pixels (13 in x, 17 in y): the rule labels it (almost) as the shifted fixed labels
  const shiftedFixed = values(join(out, 'test', 'itk-Shifted13x17y', 'fixed_labels.nii.gz'));
  const shiftedMoving = values(join(out, 'test', 'itk-Shifted13x17y', 'moving_labels.nii.gz'));
  let agree = 0;
  let overlap = 0;
  for (let y = 0; y + 17 < shape[0]; y++)
    for (let x = 0; x + 13 < shape[1]; x++, overlap++) if (shiftedFixed[y * shape[1] + x] === shiftedMoving[(y + 17) * shape[1] + x + 13]) agree++;
  assert.ok(agree / overlap > 0.99, `the shifted labels agree on ${agree} of ${overlap} pixels`);
});

test('2-D registration set at factor 2: 128×110 slices of 2-pixel spacing, block means of the ITK slices, labelled on the reduced grid', { skip: itk }, async () => {
  const out = join(root, 'set-2d-factor2');
  await generateRegistrationSet({ dims: 2, out, train: 1, test: 0, magnitude: 2, spacing: 8, seed: 3, factor: 2 });
  const moving = readNifti(join(out, 'train', 'pair0000', 'moving.nii.gz'));
  assert.deepEqual(moving.shape, [128, 110]);
  assert.deepEqual(moving.spacing, [2, 2]);
  assert.deepEqual(values(join(out, 'train', 'pair0000', 'moving.nii.gz')), reduceVolume(await pngValues('BrainProtonDensitySliceBorder20.png'), [257, 221], 2, false).values);
  const labels = readNifti(join(out, 'test', 'itk-Rotated10', 'moving_labels_head.nii.gz'));
  assert.deepEqual(labels.shape, [128, 110]);
  assert.deepEqual(values(join(out, 'test', 'itk-Rotated10', 'moving_labels_head.nii.gz')), sliceLabels(values(join(out, 'test', 'itk-Rotated10', 'moving.nii.gz')), [128, 110]).head);
  assert.ok(existsSync(join(out, 'generator.json')));
});

test('elastix reads the 2-D pairs (scripts/elastix_anchor.sh): a B-spline registration runs, transformix writes warped labels and the Jacobian determinant on the 2-D grid', { skip: itk || requireSystem('elastix', ELASTIX) }, async () => {
  const out = join(root, 'set-2d-elastix');
  await generateRegistrationSet({ dims: 2, out, train: 1, test: 0, magnitude: 2, spacing: 8, seed: 4, factor: 4 });
  const pair = join(out, 'test', 'itk-Shifted13x17y');
  const result = join(root, 'elastix');
  const params = join(root, 'bspline.txt');
  // prettier-ignore
  writeFileSync(params, ['(Registration "MultiResolutionRegistration")', '(FixedImagePyramid "FixedSmoothingImagePyramid")', '(MovingImagePyramid "MovingSmoothingImagePyramid")', '(Interpolator "BSplineInterpolator")', '(ResampleInterpolator "FinalBSplineInterpolator")', '(Resampler "DefaultResampler")', '(Optimizer "AdaptiveStochasticGradientDescent")', '(ImageSampler "RandomCoordinate")', '(NumberOfSpatialSamples 2048)', '(NewSamplesEveryIteration "true")', '(Transform "BSplineTransform")', '(Metric "AdvancedNormalizedCorrelation")', '(FinalGridSpacingInPhysicalUnits 16)', '(NumberOfResolutions 2)', '(MaximumNumberOfIterations 20)', '(FinalBSplineInterpolationOrder 0)', '(ResultImagePixelType "short")', '(WriteResultImage "false")', '(ResultImageFormat "nii.gz")'].join('\n') + '\n');
  const run = (command: string, args: string[]) => {
    const done = spawnSync(command, [...args, '-out', result, '-threads', '1'], { encoding: 'utf8' });
    assert.equal(done.status, 0, `${command}: ${done.stdout.split('\n').filter((l) => /error/i.test(l)).join(' ')}`);
  };
  rmSync(result, { recursive: true, force: true });
  mkdirSync(result);
  run('elastix', ['-f', join(pair, 'fixed.nii.gz'), '-m', join(pair, 'moving.nii.gz'), '-p', params]);
  run('transformix', ['-in', join(pair, 'moving_labels.nii.gz'), '-tp', join(result, 'TransformParameters.0.txt'), '-jac', 'all']);
  const shape = readNifti(join(pair, 'fixed.nii.gz')).shape;
  assert.deepEqual(readNifti(join(result, 'result.nii.gz')).shape, shape);
  assert.deepEqual(readNifti(join(result, 'spatialJacobian.nii.gz')).shape, shape);
});
