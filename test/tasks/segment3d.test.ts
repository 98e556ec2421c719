// train segment3d end to end on a tiny SYNTHETIC set through the run template:
// one SGD step (weighted CE 1:5 from the loss registry, reference
// normalisation, flips and noise), the run folder with the model metadata
// segment3d needs, evaluation by cube assembly and voxel Dice, resume; then the
// saved model segments a volume file and the mask is traced; models saved
// before the typed metadata still load.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { initEngine } from '../../src/engine/backend.js';
import { WavecvError } from '../../src/errors.js';
import { readVolume } from '../../src/io/volume-file.js';
import '../../src/models/index.js';
import { segmentVolumeFile } from '../../src/neuron/segment-volume.js';
import { writeSyntheticNeurons } from '../../src/neuron/synthetic-set.js';
import { createLoss } from '../../src/losses/registry.js';
import type { Objective } from '../../src/train/trainer.js';
import { loadRunModel, parseModelMetadata } from '../../src/train/run-folder.js';
import { CLASS_WEIGHTS, cubePredictor, foregroundDice, trainSegment3d, voxelNormaliser, type Segment3dModelExtension } from '../../src/tasks/segment3d.js';

test('foregroundDice is 2|A∩B|/(|A|+|B|) of the foreground; the objective weighs foreground voxels 5:1', async () => {
  await initEngine();
  const pred = Uint8Array.from([1, 1, 0, 0, 1, 0, 0, 0]);
  const truth = Uint8Array.from([1, 0, 0, 0, 1, 1, 1, 0]);
  assert.ok(Math.abs(foregroundDice(pred, truth, [2, 2, 2]) - (2 * 2) / (3 + 4)) < 1e-12);
  // one voxel of each class, logits 0: weighted mean of −log ½ is log 2 whatever the weights; with logits favouring background the foreground term counts 5×.
  const logits = tf.tensor5d([2, 0, 2, 0], [1, 1, 1, 2, 2]);
  const mask = tf.tensor5d([0, 1], [1, 1, 1, 2, 1], 'int32');
  const objective = createLoss<unknown, Objective>('segmentation', 'cross-entropy', { classWeights: [...CLASS_WEIGHTS] }, { numClasses: 2, ignoreIndex: 255 });
  const { loss, metrics } = objective.compute(logits, { mask }, {} as never);
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
    const settings = {
      model: 'waveunet3d',
      modelOptions: { variant: 'wavesnet-v4', width: 2 },
      data: join(dir, 'data'),
      cube: [16, 32, 32] as [number, number, number],
      batchSize: 2,
      cubesPerVolume: 1,
      optimizer: { type: 'sgd' as const, lr: 0.1, momentum: 0.9, weightDecay: 5e-4 },
      seed: 1,
      out: join(dir, 'run'),
    };
    const result = await trainSegment3d({ ...settings, epochs: 1 });
    assert.equal(result.steps, 1);
    assert.equal(result.result.test.volumes.length, 1);
    assert.ok(result.result.test.meanDice >= 0 && result.result.test.meanDice <= 1);
    const metrics = JSON.parse(readFileSync(join(dir, 'run', 'metrics.json'), 'utf8'));
    assert.equal(metrics.task, 'segment3d');
    for (const file of ['config.json', 'log.jsonl', 'checkpoints', 'loss-curve.png']) assert.ok(existsSync(join(dir, 'run', file)), file);
    const config = JSON.parse(readFileSync(join(dir, 'run', 'config.json'), 'utf8'));
    assert.deepEqual([config.loss, config.lossOptions], ['cross-entropy', { classWeights: [1, 5] }]);
    const { model, metadata } = await loadRunModel<Segment3dModelExtension>(join(dir, 'run'), 'segment3d');
    assert.deepEqual(metadata.extension.cube, [16, 32, 32]);
    assert.deepEqual(metadata.preprocessing, { inputShape: [16, 32, 32, 1], normalization: { mean: [0.02972], std: [0.042195] } });
    const report = await segmentVolumeFile({
      input: join(dir, 'data', 'test', 'images', '000.tif'),
      output: join(dir, 'mask.tif'),
      predict: cubePredictor(model, metadata.extension.cube),
      cube: metadata.extension.cube,
      normalise: voxelNormaliser(metadata.preprocessing),
    });
    assert.equal(report.cubes, 4); // 40 = 0…32 and 8…40 on y and x
    assert.deepEqual(readVolume(join(dir, 'mask.tif')).shape, [16, 40, 40]);
    model.dispose();
    // Resume: a changed loss is refused naming it; the same settings resume from the last checkpoint.
    await assert.rejects(trainSegment3d({ ...settings, epochs: 1, resume: true, loss: 'dice' }), (e: unknown) => e instanceof WavecvError && /^loss: got "dice", expected "cross-entropy" as in the run being resumed/.test(e.message));
    const resumed = await trainSegment3d({ ...settings, epochs: 1, resume: true });
    assert.deepEqual([resumed.steps, resumed.stopped], [1, 'completed']);
    // Models saved before the typed metadata (flat keys, normalisation as scale/mean/std) read as the current format.
    const old = parseModelMetadata({ task: 'segment3d', model: 'waveunet3d', modelOptions: { width: 2 }, cube: [16, 32, 32], normalization: { scale: 1 / 255, mean: 0.02972, std: 0.042195 } }, 'model.json');
    assert.deepEqual([old.task, old.model.name, old.preprocessing, old.extension], ['segment3d', 'waveunet3d', metadata.preprocessing, { cube: [16, 32, 32] }]);
    const normalise = voxelNormaliser(old.preprocessing);
    assert.ok(Math.abs(normalise(51) - (51 / 255 - 0.02972) / 0.042195) < 1e-12);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
