// train segment3d end to end on a tiny SYNTHETIC set: one SGD step through the
// trainer (weighted CE 1:5, reference normalisation, flips and noise), the run
// folder with the model metadata segment3d needs, evaluation by cube assembly
// and voxel Dice; then the saved model segments a volume file within a memory
// bound and the mask is traced.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { initEngine } from '../../src/engine/backend.js';
import { loadModel } from '../../src/io/model-io.js';
import { readVolume } from '../../src/io/volume-file.js';
import '../../src/models/index.js';
import { segmentVolumeFile } from '../../src/neuron/segment-volume.js';
import { writeSyntheticNeurons } from '../../src/neuron/synthetic-set.js';
import { cubePredictor, foregroundDice, NEURON_NORMALIZATION, segment3dObjective, trainSegment3d } from '../../src/tasks/segment3d.js';

test('foregroundDice is 2|A∩B|/(|A|+|B|) of the foreground; the objective weighs foreground voxels 5:1', async () => {
  await initEngine();
  const pred = Uint8Array.from([1, 1, 0, 0, 1, 0, 0, 0]);
  const truth = Uint8Array.from([1, 0, 0, 0, 1, 1, 1, 0]);
  assert.ok(Math.abs(foregroundDice(pred, truth, [2, 2, 2]) - (2 * 2) / (3 + 4)) < 1e-12);
  // one voxel of each class, logits 0: weighted mean of −log ½ is log 2 whatever the weights; with logits favouring background the foreground term counts 5×.
  const logits = tf.tensor5d([2, 0, 2, 0], [1, 1, 1, 2, 2]);
  const mask = tf.tensor5d([0, 1], [1, 1, 1, 2, 1], 'int32');
  const { loss, metrics } = segment3dObjective().compute(logits, { mask }, {} as never);
  const l0 = Math.log(1 + Math.exp(-2)); // background voxel, correct
  const l1 = Math.log(1 + Math.exp(2)); // foreground voxel, wrong
  assert.ok(Math.abs(loss.dataSync()[0] - (l0 + 5 * l1) / 6) < 1e-5);
  assert.equal(metrics!.voxelAccuracy.dataSync()[0], 0.5);
  tf.dispose([logits, mask, loss, metrics!.voxelAccuracy]);
});

test('train segment3d: one step, run folder and metadata, Dice on held-out volumes; the model then segments a file and the mask traces', async () => {
  await initEngine();
  const dir = mkdtempSync(join(tmpdir(), 'wavecv-seg3d-'));
  try {
    writeSyntheticNeurons(join(dir, 'data'), { train: 2, test: 1, seed: 3, noise: 'low', shape: [16, 40, 40] });
    const result = await trainSegment3d({
      model: 'waveunet3d',
      modelOptions: { variant: 'wavesnet-v4', width: 2 },
      data: join(dir, 'data'),
      cube: [16, 32, 32],
      batchSize: 2,
      cubesPerVolume: 1,
      epochs: 1,
      optimizer: { type: 'sgd', lr: 0.1, momentum: 0.9, weightDecay: 5e-4 },
      seed: 1,
      out: join(dir, 'run'),
    });
    assert.equal(result.steps, 1);
    assert.equal(result.test.volumes.length, 1);
    assert.ok(result.test.meanDice >= 0 && result.test.meanDice <= 1);
    const metrics = JSON.parse(readFileSync(join(dir, 'run', 'metrics.json'), 'utf8'));
    assert.equal(metrics.task, 'segment3d');
    const model = await loadModel(join(dir, 'run', 'model'));
    const meta = model.getUserDefinedMetadata() as { task: string; cube: [number, number, number] };
    assert.deepEqual([meta.task, meta.cube], ['segment3d', [16, 32, 32]]);
    const { scale, mean, std } = NEURON_NORMALIZATION;
    const report = await segmentVolumeFile({
      input: join(dir, 'data', 'test', 'images', '000.tif'),
      output: join(dir, 'mask.tif'),
      predict: cubePredictor(model, meta.cube),
      cube: meta.cube,
      normalise: (v) => (v * scale - mean) / std,
    });
    assert.equal(report.cubes, 4); // 40 = 0…32 and 8…40 on y and x
    assert.deepEqual(readVolume(join(dir, 'mask.tif')).shape, [16, 40, 40]);
    assert.ok(existsSync(join(dir, 'run', 'log.jsonl')));
    model.dispose();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
