// The FusedBatchNorm gradient of src/engine/gradients.ts (broadcasting, no Tile)
// against tfjs-core's own gradient, on wasm and cpu: core's gradFunc is
// captured before initEngine replaces it, and tf.grads is run once under each
// registration. Where core's gradient throws (5-D x, stats shaped [1,1,1,C] or
// scalar), the reference is float64 JS math of the partial derivatives.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initEngine } from '../../src/engine/backend.js';
import { Rng } from '../../src/engine/random.js';
import { uniform } from './helpers.js';

const coreGrad = tf.getGradient(tf.FusedBatchNorm) as tf.GradConfig;
const ourGrad = () => tf.getGradient(tf.FusedBatchNorm) as tf.GradConfig;

function assertClose(label: string, got: tf.Tensor, want: tf.Tensor | Float64Array, shape: number[]): void {
  assert.deepEqual(got.shape, shape, `${label}: shape`);
  const a = got.dataSync();
  const b = want instanceof Float64Array ? want : want.dataSync();
  const scale = Math.max(1, ...Array.from(b, Math.abs));
  for (let i = 0; i < a.length; i++) assert.ok(Math.abs(a[i] - b[i]) <= 2e-5 * scale, `${label}[${i}]: ${a[i]} vs ${b[i]}`);
}

/** Runs `f` with `config` as the registered FusedBatchNorm gradient, then restores ours. */
function withGradient<T>(config: tf.GradConfig, f: () => T): T {
  const ours = tf.getGradient(tf.FusedBatchNorm) as tf.GradConfig;
  tf.unregisterGradient(tf.FusedBatchNorm);
  tf.registerGradient(config);
  try {
    return f();
  } finally {
    tf.unregisterGradient(tf.FusedBatchNorm);
    tf.registerGradient(ours);
  }
}

type Inputs = { x: tf.Tensor; mean: tf.Tensor; variance: tf.Tensor; scale?: tf.Tensor; offset?: tf.Tensor };

function makeInputs(rng: Rng, xShape: number[], statsShape: number[], withScale: boolean, withOffset: boolean): Inputs {
  return {
    x: uniform(rng, xShape, -2, 3),
    mean: uniform(rng, statsShape),
    variance: uniform(rng, statsShape, 0.1, 2),
    scale: withScale ? uniform(rng, statsShape, 0.5, 1.5) : undefined,
    offset: withOffset ? uniform(rng, statsShape) : undefined,
  };
}

/**
 * tf.batchNorm, but passing only the inputs given: tf.batchNorm itself hands
 * the kernel `scale: undefined`, on which tfjs 4.22's tape crashes in tf.grads
 * (whatever the gradient), so the no-scale/no-offset cases run the kernel directly
 * on the same 4-D view of x that tf.batchNorm uses.
 */
function batchNorm(inp: Inputs, eps: number): tf.Tensor {
  const { x } = inp;
  const x4 = x.rank >= 4 ? x : tf.reshape(x, [...new Array<number>(4 - x.rank).fill(1), ...x.shape]);
  const inputs: tf.NamedTensorMap = { x: x4, mean: inp.mean, variance: inp.variance };
  if (inp.scale) inputs.scale = inp.scale;
  if (inp.offset) inputs.offset = inp.offset;
  return tf.reshape(tf.engine().runKernel(tf.FusedBatchNorm, inputs, { varianceEpsilon: eps }) as tf.Tensor, x.shape);
}

/** Gradients of ⟨w, batchNorm(...)⟩ with respect to every input given. */
function batchNormGrads(inp: Inputs, w: tf.Tensor, eps: number): tf.Tensor[] {
  const names = (['x', 'mean', 'variance', 'scale', 'offset'] as const).filter((n) => inp[n] != null);
  const f = (...args: tf.Tensor[]) => {
    const a = Object.fromEntries(names.map((n, i) => [n, args[i]])) as unknown as Inputs;
    return tf.sum(tf.mul(batchNorm(a, eps), w));
  };
  return tf.grads(f)(names.map((n) => inp[n] as tf.Tensor));
}

for (const backend of ['wasm', 'cpu'] as const) {
  test(`FusedBatchNorm gradient equals core's on ${backend} (rank 2 and 4, full-shaped stats, moments)`, async () => {
    await initEngine({ backend });
    assert.ok(coreGrad.gradFunc.toString().includes('tile'), 'reference must be core gradient');
    assert.notEqual(ourGrad(), coreGrad, 'ours must be registered');
    const rng = new Rng(backend === 'wasm' ? 11 : 12);
    const before = tf.memory().numTensors;
    for (let trial = 0; trial < 8; trial++) {
      const rank = trial % 2 === 0 ? 2 : 4;
      const c = 1 + Math.floor(rng.next() * 5);
      const xShape = rank === 2 ? [2 + Math.floor(rng.next() * 6), c] : [1 + Math.floor(rng.next() * 3), 2 + Math.floor(rng.next() * 4), 1 + Math.floor(rng.next() * 4), c];
      const fullStats = trial === 7;
      const statsShape = fullStats ? xShape : [c];
      const withScale = trial % 4 < 2 || fullStats;
      const withOffset = trial % 3 !== 0;
      tf.tidy(() => {
        const inp = makeInputs(rng, xShape, statsShape, withScale, withOffset);
        const w = uniform(rng, xShape);
        const eps = 1e-3;
        // Direct calls of both gradFuncs on the kernel's 4-D view of x (the only
        // way without scale: tfjs 4.22's engine cannot save an absent 'scale').
        const x4 = rank === 2 ? tf.reshape(inp.x, [1, 1, ...xShape]) : inp.x;
        const dy4 = tf.reshape(w, x4.shape);
        const saved = [x4, inp.mean, inp.variance, ...(inp.scale ? [inp.scale] : [])];
        const attrs = { varianceEpsilon: eps };
        const direct = coreGrad.gradFunc(dy4, saved, attrs);
        const mine = ourGrad().gradFunc(dy4, saved, attrs);
        for (const name of ['x', 'mean', 'variance', 'scale', 'offset']) {
          const want = direct[name]();
          assertClose(`${backend} trial ${trial} direct d${name} x${xShape} stats${statsShape}`, mine[name](), want, want.shape);
        }
        if (!inp.scale) return;
        const ours = batchNormGrads(inp, w, eps);
        const core = withGradient(coreGrad, () => batchNormGrads(inp, w, eps));
        ours.forEach((g, i) => assertClose(`${backend} trial ${trial} grad ${i} x${xShape} stats${statsShape}`, g, core[i], core[i].shape));
        if (fullStats) return;
        // Mean and variance from the batch (as tf.layers trains): gradient reaches x through the moments too.
        const axes = xShape.map((_, i) => i).slice(0, -1);
        const viaMoments = (x: tf.Tensor) => {
          const { mean, variance } = tf.moments(x, axes);
          return tf.sum(tf.mul(batchNorm({ ...inp, x, mean, variance }, eps), tf.square(w)));
        };
        assertClose(`${backend} trial ${trial} moments dx`, tf.grad(viaMoments)(inp.x), withGradient(coreGrad, () => tf.grad(viaMoments)(inp.x)), xShape);
      });
    }
    assert.equal(tf.memory().numTensors, before, 'leaked tensors');
  });

  test(`FusedBatchNorm gradient on ${backend} for 5-D x, [1,1,1,C] and scalar stats (float64 reference)`, async () => {
    await initEngine({ backend });
    const rng = new Rng(backend === 'wasm' ? 21 : 22);
    const before = tf.memory().numTensors;
    const cases: Array<[number[], number[]]> = [[[2, 3, 2, 2, 4], [4]], [[2, 3, 2, 3], [1, 1, 1, 3]], [[3, 2, 2, 2], []]];
    for (const [xShape, statsShape] of cases) {
      tf.tidy(() => {
        const inp = makeInputs(rng, xShape, statsShape, true, true);
        const w = uniform(rng, xShape);
        const eps = 1e-3;
        const grads = batchNormGrads(inp, w, eps);
        const [x, m, v, s, dy] = [inp.x, inp.mean, inp.variance, inp.scale as tf.Tensor, w].map((t) => t.dataSync());
        const n = x.length;
        const ns = m.length;
        const pitch = xShape.map((_, i) => xShape.slice(i + 1).reduce((a, b) => a * b, 1));
        const sPitch = statsShape.map((_, i) => statsShape.slice(i + 1).reduce((a, b) => a * b, 1));
        const statIndex = (k: number) => {
          let j = 0;
          for (let d = 0; d < statsShape.length; d++) {
            const axis = xShape.length - statsShape.length + d;
            const coord = Math.floor(k / pitch[axis]) % xShape[axis];
            if (statsShape[d] > 1) j += coord * sPitch[d];
          }
          return j;
        };
        const want = [new Float64Array(n), new Float64Array(ns), new Float64Array(ns), new Float64Array(ns), new Float64Array(ns)];
        for (let k = 0; k < n; k++) {
          const j = statIndex(k);
          const r = 1 / Math.sqrt(v[j] + eps);
          want[0][k] = dy[k] * s[j] * r;
          want[1][j] -= dy[k] * s[j] * r;
          want[2][j] += -0.5 * dy[k] * s[j] * (x[k] - m[j]) * r * r * r;
          want[3][j] += dy[k] * (x[k] - m[j]) * r;
          want[4][j] += dy[k];
        }
        grads.forEach((g, i) => assertClose(`${backend} x${xShape} stats[${statsShape}] grad ${i}`, g, want[i], i === 0 ? xShape : statsShape));
      });
    }
    assert.equal(tf.memory().numTensors, before, 'leaked tensors');
  });
}
