// The training kernels of the backend under test (wasm: wavecv's own; webgpu:
// TF.js's, with WAVECV_TEST_BACKEND=webgpu, test/helpers/backend.ts) against
// the cpu backend's own kernels, on random shapes (odd sizes, strides 1–2,
// dilations 1–2, same/valid/explicit pads, batch > 1, channel multipliers
// 1–3), and the tensors they leave behind.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initEngine, type BackendName } from '../../src/engine/backend.js';
import { readScalars } from '../../src/engine/read.js';
import { Rng } from '../../src/engine/random.js';
import { backendSkip, TEST_BACKEND } from '../helpers/backend.js';
import { uniform } from './helpers.js';

type Shape4 = [number, number, number, number];
type Pad = 'same' | 'valid' | tf.backend_util.ExplicitPadding;

/** Values of `fn()` computed on `backend` (read asynchronously, as webgpu needs), all its tensors disposed. */
async function on(backend: BackendName, fn: () => tf.Tensor): Promise<{ values: Float32Array; shape: number[] }> {
  await initEngine({ backend });
  const t = fn();
  const out = { values: Float32Array.from(await t.data()), shape: t.shape };
  t.dispose();
  return out;
}

function assertClose(got: { values: Float32Array; shape: number[] }, want: { values: Float32Array; shape: number[] }, label: string): void {
  assert.deepEqual(got.shape, want.shape, `${label}: shape`);
  let scale = 1e-6;
  let err = 0;
  for (let i = 0; i < want.values.length; i++) {
    scale = Math.max(scale, Math.abs(want.values[i]));
    err = Math.max(err, Math.abs(got.values[i] - want.values[i]));
  }
  assert.ok(err <= 2e-5 * Math.max(1, scale), `${label}: max abs error ${err} (scale ${scale})`);
}

/** Inserts d−1 zeros between taps: the cpu reference for a dilated filter. */
function dilateFilter(f: tf.Tensor4D, d: number): tf.Tensor4D {
  if (d === 1) return f;
  const [kh, kw, ci, co] = f.shape;
  const src = f.bufferSync();
  const dst = tf.buffer([(kh - 1) * d + 1, (kw - 1) * d + 1, ci, co], 'float32');
  for (let a = 0; a < kh; a++) for (let b = 0; b < kw; b++) for (let i = 0; i < ci; i++) for (let o = 0; o < co; o++) dst.set(src.get(a, b, i, o), a * d, b * d, i, o);
  return dst.toTensor() as tf.Tensor4D;
}

/** Keeps taps 0, d, 2d, … of a gradient computed for the dilated filter. */
function undilate(g: tf.Tensor4D, d: number): tf.Tensor4D {
  if (d === 1) return g;
  return tf.stridedSlice(g, [0, 0, 0, 0], g.shape, [d, d, 1, 1]) as tf.Tensor4D;
}

interface ConvCase {
  x: Shape4;
  filter: Shape4;
  stride: number;
  dilation: number;
  pad: Pad;
  seed: number;
}

/** Random convolution problems whose output is not empty. */
function convCases(count: number, seed: number, depthwise: boolean): ConvCase[] {
  const rng = new Rng(seed);
  const cases: ConvCase[] = [];
  while (cases.length < count) {
    const stride = 1 + rng.int(2);
    const dilation = stride > 1 ? 1 : 1 + rng.int(2);
    const kh = 1 + rng.int(5);
    const kw = 1 + rng.int(4);
    const h = 4 + rng.int(9);
    const w = 4 + rng.int(9);
    const c = 1 + rng.int(4);
    const f = depthwise ? 1 + rng.int(3) : 1 + rng.int(5);
    const choice = rng.int(3);
    const pad: Pad =
      choice === 0
        ? 'same'
        : choice === 1
          ? 'valid'
          : [
              [0, 0],
              [rng.int(3), rng.int(3)],
              [rng.int(3), rng.int(3)],
              [0, 0],
            ];
    const info = tf.backend_util.computeConv2DInfo([1, h, w, c], [kh, kw, c, f], stride, dilation, pad);
    if (info.outHeight <= 0 || info.outWidth <= 0) continue;
    cases.push({ x: [1 + rng.int(3), h, w, c], filter: [kh, kw, c, f], stride, dilation, pad, seed: rng.int(1 << 30) });
  }
  return cases;
}

function caseData(k: ConvCase, depthwise: boolean): { x: tf.Tensor4D; filter: tf.Tensor4D; dy: tf.Tensor4D } {
  const rng = new Rng(k.seed);
  const x = uniform(rng, k.x) as tf.Tensor4D;
  const filter = uniform(rng, k.filter) as tf.Tensor4D;
  const info = tf.backend_util.computeConv2DInfo(k.x, k.filter, k.stride, k.dilation, k.pad, undefined, depthwise);
  const dy = uniform(rng, info.outShape) as tf.Tensor4D;
  return { x, filter, dy };
}

/** Runs a kernel on the backend under test and checks it leaves exactly its output behind. */
function runCounted(kernel: string, inputs: tf.NamedTensorMap, attrs: object): tf.Tensor {
  const before = tf.memory().numTensors;
  const out = tf.engine().runKernel(kernel, inputs, attrs as tf.NamedAttrMap) as tf.Tensor;
  assert.equal(tf.memory().numTensors, before + 1, `${kernel} leaked tensors`);
  return out;
}

test(`Conv2DBackpropFilter and Conv2DBackpropInput on ${TEST_BACKEND} match cpu (random shapes, strides, dilations, pads)`, { skip: backendSkip }, async () => {
  for (const k of convCases(28, 11, false)) {
    const label = JSON.stringify(k);
    const attrs = { strides: k.stride, pad: k.pad, dataFormat: 'NHWC' };
    const refW = await on('cpu', () =>
      tf.tidy(() => {
        const { x, filter, dy } = caseData(k, false);
        const fd = dilateFilter(filter, k.dilation);
        return undilate(tf.engine().runKernel('Conv2DBackpropFilter', { x, dy }, { ...attrs, filterShape: fd.shape }) as tf.Tensor4D, k.dilation);
      }),
    );
    const refX = await on('cpu', () =>
      tf.tidy(() => {
        const { filter, dy } = caseData(k, false);
        return tf.engine().runKernel('Conv2DBackpropInput', { dy, filter: dilateFilter(filter, k.dilation) }, { ...attrs, inputShape: k.x }) as tf.Tensor;
      }),
    );
    const { x, filter, dy } = await (async () => {
      await initEngine({ backend: TEST_BACKEND });
      return caseData(k, false);
    })();
    const gotW = await on(TEST_BACKEND, () => runCounted('Conv2DBackpropFilter', { x, dy }, { ...attrs, filterShape: k.filter, dilations: k.dilation }));
    const gotX = await on(TEST_BACKEND, () => runCounted('Conv2DBackpropInput', { dy, filter }, { ...attrs, inputShape: k.x, dilations: k.dilation }));
    tf.dispose([x, filter, dy]);
    assertClose(gotW, refW, `dW ${label}`);
    assertClose(gotX, refX, `dx ${label}`);
  }
});

test(`Conv2D gradient kernels on ${TEST_BACKEND} accept NCHW`, { skip: backendSkip }, async () => {
  const k: ConvCase = { x: [2, 7, 6, 3], filter: [3, 3, 3, 4], stride: 2, dilation: 1, pad: 'same', seed: 5 };
  const attrs = { strides: 2, pad: 'same' };
  const ref = await on('cpu', () =>
    tf.tidy(() => {
      const { x, filter, dy } = caseData(k, false);
      const dW = tf.engine().runKernel('Conv2DBackpropFilter', { x, dy }, { ...attrs, dataFormat: 'NHWC', filterShape: k.filter }) as tf.Tensor;
      const dx = tf.engine().runKernel('Conv2DBackpropInput', { dy, filter }, { ...attrs, dataFormat: 'NHWC', inputShape: k.x }) as tf.Tensor;
      return tf.concat([dW.flatten(), tf.transpose(dx, [0, 3, 1, 2]).flatten()]);
    }),
  );
  const got = await on(TEST_BACKEND, () =>
    tf.tidy(() => {
      const { x, filter, dy } = caseData(k, false);
      const xc = tf.transpose(x, [0, 3, 1, 2]);
      const dyc = tf.transpose(dy, [0, 3, 1, 2]);
      const dW = tf.engine().runKernel('Conv2DBackpropFilter', { x: xc, dy: dyc }, { ...attrs, dataFormat: 'NCHW', filterShape: k.filter }) as tf.Tensor;
      const dx = tf.engine().runKernel('Conv2DBackpropInput', { dy: dyc, filter }, { ...attrs, dataFormat: 'NCHW', inputShape: [2, 3, 7, 6] }) as tf.Tensor;
      return tf.concat([dW.flatten(), dx.flatten()]);
    }),
  );
  assertClose(got, ref, 'NCHW');
});

test(`DepthwiseConv2dNative gradients on ${TEST_BACKEND} match cpu (any channel multiplier)`, { skip: backendSkip }, async () => {
  for (const k of convCases(28, 23, true)) {
    const label = JSON.stringify(k);
    // The cpu depthwise gradient kernels ignore dilations, so dilated cases use
    // the zero-inserted filter as reference.
    const attrs = { strides: k.stride, pad: k.pad, dilations: 1 };
    const refW = await on('cpu', () =>
      tf.tidy(() => {
        const { x, filter, dy } = caseData(k, true);
        const fd = dilateFilter(filter, k.dilation);
        return undilate(tf.engine().runKernel('DepthwiseConv2dNativeBackpropFilter', { x, dy }, { ...attrs, filterShape: fd.shape }) as tf.Tensor4D, k.dilation);
      }),
    );
    const refX = await on('cpu', () =>
      tf.tidy(() => {
        const { filter, dy } = caseData(k, true);
        return tf.engine().runKernel('DepthwiseConv2dNativeBackpropInput', { dy, filter: dilateFilter(filter, k.dilation) }, { ...attrs, inputShape: k.x }) as tf.Tensor;
      }),
    );
    await initEngine({ backend: TEST_BACKEND });
    const { x, filter, dy } = caseData(k, true);
    const testedAttrs = { strides: k.stride, pad: k.pad, dilations: k.dilation };
    const gotW = await on(TEST_BACKEND, () => runCounted('DepthwiseConv2dNativeBackpropFilter', { x, dy }, { ...testedAttrs, filterShape: k.filter }));
    const gotX = await on(TEST_BACKEND, () => runCounted('DepthwiseConv2dNativeBackpropInput', { dy, filter }, { ...testedAttrs, inputShape: k.x }));
    tf.dispose([x, filter, dy]);
    assertClose(gotW, refW, `depthwise dW ${label}`);
    assertClose(gotX, refX, `depthwise dx ${label}`);
  }
});

test(`UnsortedSegmentSum on ${TEST_BACKEND} matches cpu (dropped ids, rank-2 ids, int32)`, { skip: backendSkip }, async () => {
  const rng = new Rng(7);
  const cases = [
    { x: [9, 5], ids: [9], segments: 4 },
    { x: [6, 3, 2], ids: [6], segments: 6 },
    { x: [4, 3, 5], ids: [4, 3], segments: 5 },
    { x: [7], ids: [7], segments: 3 },
  ];
  for (const dtype of ['float32', 'int32'] as const) {
    for (const c of cases) {
      const ids = Int32Array.from({ length: c.ids.reduce((a, b) => a * b, 1) }, () => rng.int(c.segments + 2) - 1);
      const xv = Float32Array.from({ length: c.x.reduce((a, b) => a * b, 1) }, () => (dtype === 'int32' ? rng.int(20) - 10 : rng.next() * 2 - 1));
      const make = () => [tf.tensor(xv, c.x, dtype), tf.tensor(ids, c.ids, 'int32')];
      // The cpu kernel takes rank-1 ids only: flatten the leading axes for it.
      const rows = ids.length;
      const ref = await on('cpu', () =>
        tf.tidy(() => {
          const [x, segmentIds] = make();
          const flat = tf.reshape(x, [rows, x.size / rows]);
          const sum = tf.unsortedSegmentSum(flat, tf.reshape(segmentIds, [rows]) as tf.Tensor1D, c.segments);
          return tf.cast(tf.reshape(sum, [c.segments, ...c.x.slice(c.ids.length)]), 'float32');
        }),
      );
      await initEngine({ backend: TEST_BACKEND });
      const [x, segmentIds] = make();
      const got = await on(TEST_BACKEND, () => runCounted('UnsortedSegmentSum', { x, segmentIds }, { numSegments: c.segments }));
      tf.dispose([x, segmentIds]);
      assertClose(got, ref, `segment sum ${dtype} ${JSON.stringify(c)}`);
    }
  }
});

test(`Transpose, and sums, maxima and argmax over leading axes (which transpose first), on ${TEST_BACKEND} match cpu for float32, int32 and bool (ranks 2 to 5)`, { skip: backendSkip }, async () => {
  const rng = new Rng(9);
  const cases: Array<{ shape: number[]; perm: number[] }> = [
    { shape: [3, 5], perm: [1, 0] },
    { shape: [2, 3, 4], perm: [2, 0, 1] },
    { shape: [2, 4, 4, 3], perm: [3, 0, 1, 2] },
    { shape: [2, 3, 2, 2, 3], perm: [4, 2, 0, 3, 1] },
  ];
  // Small tensors fresh from the host run on the CPU in the webgpu backend: turn that off, so the shaders run.
  const forward = TEST_BACKEND === 'webgpu' ? tf.env().getBool('WEBGPU_CPU_FORWARD') : undefined;
  if (forward !== undefined) tf.env().set('WEBGPU_CPU_FORWARD', false);
  for (const dtype of ['float32', 'int32', 'bool'] as const) {
    for (const c of cases) {
      const size = c.shape.reduce((a, b) => a * b, 1);
      const values = Int32Array.from({ length: size }, () => (dtype === 'bool' ? rng.int(2) : rng.int(2000) - 1000));
      const run = () => tf.tidy(() => tf.cast(tf.transpose(tf.tensor(values, c.shape, dtype), c.perm), 'float32'));
      assertClose(await on(TEST_BACKEND, run), await on('cpu', run), `transpose ${dtype} ${JSON.stringify(c)}`);
      if (dtype === 'bool') continue;
      const leading = c.shape.slice(0, -1).map((_, i) => i);
      const reduce = () =>
        tf.tidy(() => {
          const x = tf.tensor(values, c.shape, dtype);
          return tf.concat([tf.cast(tf.sum(x, leading), 'float32'), tf.cast(tf.max(x, leading), 'float32'), tf.cast(tf.reshape(tf.argMax(x, 0), [-1]), 'float32')]);
        });
      assertClose(await on(TEST_BACKEND, reduce), await on('cpu', reduce), `reductions ${dtype} ${JSON.stringify(c)}`);
    }
  }
  if (forward !== undefined) tf.env().set('WEBGPU_CPU_FORWARD', forward);
});

test(`Conv3D and both of its gradients on ${TEST_BACKEND} match cpu (non-cubic filters, strides 1–2, same/valid)`, { skip: backendSkip }, async () => {
  const rng = new Rng(31);
  for (let trial = 0; trial < 10; trial++) {
    const stride = 1 + (trial % 2);
    const pad = trial % 4 < 2 ? 'same' : 'valid';
    const x: [number, number, number, number, number] = [1 + rng.int(2), 3 + rng.int(5), 3 + rng.int(5), 3 + rng.int(4), 1 + rng.int(3)];
    const filter: [number, number, number, number, number] = [1 + rng.int(3), 1 + rng.int(3), 1 + rng.int(3), x[4], 1 + rng.int(4)];
    const seed = rng.int(1 << 30);
    const make = () => {
      const r = new Rng(seed);
      const xt = uniform(r, x) as tf.Tensor5D;
      const ft = uniform(r, filter) as tf.Tensor5D;
      const info = tf.backend_util.computeConv3DInfo(x, filter, stride, 1, pad);
      return { xt, ft, dy: uniform(r, info.outShape) as tf.Tensor5D };
    };
    const label = JSON.stringify({ x, filter, stride, pad });
    const attrs = { strides: stride, pad };
    const results: Record<string, Array<{ values: Float32Array; shape: number[] }>> = {};
    for (const backend of ['cpu', TEST_BACKEND]) {
      await initEngine({ backend });
      const { xt, ft, dy } = make();
      const count = backend === TEST_BACKEND ? runCounted : (k: string, i: tf.NamedTensorMap, a: object) => tf.engine().runKernel(k, i, a as tf.NamedAttrMap) as tf.Tensor;
      results[backend] = [
        await on(backend, () => count('Conv3D', { x: xt, filter: ft }, { ...attrs, dilations: 1, dataFormat: 'NDHWC' })),
        await on(backend, () => count('Conv3DBackpropFilterV2', { x: xt, dy }, { ...attrs, filterShape: filter })),
        await on(backend, () => count('Conv3DBackpropInputV2', { dy, filter: ft }, { ...attrs, inputShape: x })),
      ];
      tf.dispose([xt, ft, dy]);
    }
    // The cpu input gradient is the reference; wasm's own kernel (replaced by
    // ours) fails this comparison.
    ['conv3d', 'dW', 'dx'].forEach((name, i) => assertClose(results[TEST_BACKEND][i], results.cpu[i], `${name} ${label}`));
  }
});

test(`conv3d gradients on ${TEST_BACKEND} satisfy the adjoint identities`, { skip: backendSkip }, async () => {
  await initEngine({ backend: TEST_BACKEND });
  const rng = new Rng(41);
  const x = uniform(rng, [2, 5, 6, 4, 3]) as tf.Tensor5D;
  const w = uniform(rng, [3, 2, 3, 3, 4]) as tf.Tensor5D;
  for (const stride of [1, 2]) {
    const products = tf.tidy(() => {
      const y = tf.conv3d(x, w, stride, 'same');
      const dy = uniform(rng, y.shape);
      const [dx, dw] = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(tf.conv3d(a as tf.Tensor5D, b as tf.Tensor5D, stride, 'same'), dy)))([x, w]);
      return [tf.sum(tf.mul(dy, y)), tf.sum(tf.mul(dx, x)), tf.sum(tf.mul(dw, w))];
    });
    const [lhs, viaX, viaW] = await readScalars(products);
    tf.dispose(products);
    assert.ok(Math.abs(lhs - viaX) <= 1e-4 * Math.max(1, Math.abs(lhs)), `stride ${stride}: <dy,Ax> ${lhs} vs <dx,x> ${viaX}`);
    assert.ok(Math.abs(lhs - viaW) <= 1e-4 * Math.max(1, Math.abs(lhs)), `stride ${stride}: <dy,Ax> ${lhs} vs <dW,W> ${viaW}`);
  }
  tf.dispose([x, w]);
});
