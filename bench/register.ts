/**
 * `npm run bench -- register`: WiNet's efficiency claim (Cheng et al., MICCAI
 * 2024, §1 and §3: the wavelet-coefficient decoder with parameter-free IDWT
 * needs less memory than full-resolution decoders), checked in one run on the
 * same engine: for WiNet, WiNet-Diff and the baselines — the VoxelMorph U-Net
 * and the coarse-to-fine pyramid (`createModel`) — in 2-D and 3-D at the same
 * input size,
 *  - one training step: forward, NCC (window 9) + 2 · Grad smoothness, the
 *    velocity integrated (7 squarings) for WiNet-Diff, backward, Adam update;
 *  - inference: forward (+ integration) for one pair.
 * Printed per model: parameters, peak tensor memory (`tf.profile`'s
 * peakBytes — the engine's working memory, the counterpart of the GPU memory
 * the paper reports) and median CPU time of a training step and of inference
 * after one warm-up, and the ratios of every other model to WiNet (above 1:
 * WiNet needs less).
 *
 * Options: --dims 2,3  --size2 160x192  --size3 64x64x64  --steps 3  --start-channels 8
 */
import * as tf from '@tensorflow/tfjs';
import { parseArgs } from 'node:util';
import { initEngine } from '../src/engine/backend.js';
import { createModel } from '../src/models/index.js';
import { registrationField } from '../src/models/winet/index.js';
import { registrationObjective } from '../src/losses/registration.js';
import { displacementOf } from '../src/nn/warp.js';
import { cpuMs, intOption, median } from './lib/common.js';

const MODELS = ['winet', 'winet-diff', 'vxm-unet', 'pyramid-unet'];

interface Measure {
  model: string;
  params: number;
  trainPeakMB: number;
  trainMs: number;
  inferPeakMB: number;
  inferMs: number;
}

function parseSize(spec: string, dims: number): number[] {
  const size = spec.split('x').map(Number);
  if (size.length !== dims || !size.every((n) => Number.isInteger(n) && n > 0 && n % 16 === 0)) throw new Error(`--size${dims}: got ${spec}, expected ${dims} multiples of 16 joined by x`);
  return size;
}

async function measure(name: string, size: number[], steps: number, startChannels: number): Promise<Measure> {
  const field = registrationField(name)!;
  const model = createModel(name, { dims: size.length, size, seed: 1, ...(name.startsWith('winet') ? { startChannels } : {}) });
  const objective = registrationObjective(field);
  const optimizer = tf.train.adam(1e-4);
  const fixed = tf.randomUniform([1, ...size, 1], 0, 1, 'float32', 1);
  const moving = tf.randomUniform([1, ...size, 1], 0, 1, 'float32', 2);
  const step = () =>
    tf.tidy(() => {
      const { value, grads } = tf.variableGrads(() => objective.compute(model.apply([moving, fixed], { training: true }) as tf.Tensor, { moving, fixed }, { step: 0, epoch: 0, batch: 0, learningRate: 1e-4, seed: 0 }).loss);
      optimizer.applyGradients(grads);
      return value.dataSync()[0];
    });
  const infer = () => tf.tidy(() => displacementOf(model.predict([moving, fixed]) as tf.Tensor, field).dataSync()[0]);
  const timed = (run: () => number) => {
    run();
    const times: number[] = [];
    for (let i = 0; i < steps; i++) {
      const start = cpuMs();
      run();
      times.push(cpuMs() - start);
    }
    return median(times);
  };
  const trainMs = timed(step);
  const trainPeak = (await tf.profile(() => step())).peakBytes;
  const inferMs = timed(infer);
  const inferPeak = (await tf.profile(() => infer())).peakBytes;
  const result = { model: name, params: model.countParams(), trainPeakMB: trainPeak / 2 ** 20, trainMs, inferPeakMB: inferPeak / 2 ** 20, inferMs };
  tf.dispose([fixed, moving]);
  optimizer.dispose();
  model.dispose();
  return result;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({ options: { dims: { type: 'string', default: '2,3' }, size2: { type: 'string', default: '160x192' }, size3: { type: 'string', default: '64x64x64' }, steps: { type: 'string', default: '3' }, 'start-channels': { type: 'string', default: '8' } } });
  const steps = intOption('steps', values.steps, 1);
  const startChannels = intOption('start-channels', values['start-channels'], 1);
  const info = await initEngine();
  process.stdout.write(`backend ${info.backend}; median CPU time of ${steps} runs after one warm-up; peak = tf.profile peakBytes\n`);
  for (const dims of values.dims!.split(',').map(Number)) {
    const size = parseSize(dims === 2 ? values.size2! : values.size3!, dims);
    const rows: Measure[] = [];
    for (const name of MODELS) rows.push(await measure(name, size, steps, startChannels));
    process.stdout.write(`\n${dims}-D, ${size.join('×')}, WiNet C=${startChannels}\n`);
    process.stdout.write('model          params     train peak MB  train ms   infer peak MB  infer ms\n');
    for (const r of rows) process.stdout.write(`${r.model.padEnd(14)} ${String(r.params).padStart(9)}  ${r.trainPeakMB.toFixed(1).padStart(12)}  ${r.trainMs.toFixed(0).padStart(8)}  ${r.inferPeakMB.toFixed(1).padStart(13)}  ${r.inferMs.toFixed(0).padStart(8)}\n`);
    const winet = rows.find((r) => r.model === 'winet')!;
    for (const r of rows.filter((r) => r !== winet)) {
      process.stdout.write(`${r.model} / winet: train peak ${(r.trainPeakMB / winet.trainPeakMB).toFixed(2)}, train time ${(r.trainMs / winet.trainMs).toFixed(2)}, inference peak ${(r.inferPeakMB / winet.inferPeakMB).toFixed(2)}, inference time ${(r.inferMs / winet.inferMs).toFixed(2)}\n`);
    }
  }
}
