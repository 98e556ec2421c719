// The synthetic neuron generator and the label rasterizer: seeded and
// reproducible, the mask is the reference's r + 0.25 spheres along the true
// SWC, fibres are brighter than background, and the high-noise preset is
// noisier than the low one on the same tree.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { WavecvError } from '../../src/errors.js';
import { rasterizeTree } from '../../src/neuron/rasterize.js';
import { checkSwcTree, type SwcTree } from '../../src/neuron/swc.js';
import { gaussianBlur3d, syntheticNeuron } from '../../src/neuron/synthetic.js';

test('rasterizeTree draws spheres of r + pad along the segments, radius interpolated, clipped to the volume', () => {
  const tree: SwcTree = { nodes: [{ id: 1, type: 1, x: 2, y: 2, z: 2, radius: 1, parent: -1 }, { id: 2, type: 3, x: 8, y: 2, z: 2, radius: 0, parent: 1 }], comments: [] };
  const mask = new Uint8Array(5 * 5 * 10);
  rasterizeTree(tree, [5, 5, 10], mask, { pad: 0.25 });
  const at = (x: number, y: number, z: number) => mask[(z * 5 + y) * 10 + x];
  assert.deepEqual([at(2, 2, 2), at(2, 3, 2), at(2, 2, 3), at(2, 3, 3)], [1, 1, 1, 0]); // radius 1.25 at x = 2: √2 > 1.25
  assert.deepEqual([at(8, 2, 2), at(8, 3, 2), at(9, 2, 2)], [1, 0, 0]); // radius 0.25 at the tip
  assert.deepEqual([at(3, 3, 2), at(5, 3, 2), at(5, 2, 2)], [1, 0, 1]); // r + pad = 1.083 at x = 3, 0.75 at x = 5
});

test('syntheticNeuron: same seed same volume, mask = rasterized SWC, bright fibres, two noise levels on one tree', () => {
  const shape: [number, number, number] = [16, 48, 48];
  const a = syntheticNeuron({ shape, seed: 5, noise: 'low' });
  const again = syntheticNeuron({ shape, seed: 5, noise: 'low' });
  assert.deepEqual(again.image, a.image);
  checkSwcTree(a.tree);
  assert.equal(a.tree.nodes[0].type, 1);
  assert.ok(a.tree.nodes.length > 10);
  assert.match(a.tree.comments[0], /SYNTHETIC/);
  const mask = new Uint8Array(a.mask.length);
  rasterizeTree(a.tree, shape, mask, { pad: 0.25 });
  assert.deepEqual(mask, a.mask);
  const mean = (image: Uint8Array, fg: number) => {
    let sum = 0;
    let n = 0;
    image.forEach((v, i) => {
      if (a.mask[i] === fg) {
        sum += v;
        n++;
      }
    });
    return sum / n;
  };
  assert.ok(mean(a.image, 1) > mean(a.image, 0) + 30, `fibres ${mean(a.image, 1)} vs background ${mean(a.image, 0)}`);
  const high = syntheticNeuron({ shape, seed: 5, noise: 'high' });
  assert.deepEqual(high.tree, a.tree);
  const roughness = (image: Uint8Array) => {
    let sum = 0;
    for (let i = 1; i < image.length; i++) sum += Math.abs(image[i] - image[i - 1]);
    return sum / image.length;
  };
  assert.ok(roughness(high.image) > 1.5 * roughness(a.image), `${roughness(high.image)} vs ${roughness(a.image)}`);
  assert.notDeepEqual(syntheticNeuron({ shape, seed: 6 }).tree, a.tree);
  assert.throws(() => syntheticNeuron({ shape: [4, 48, 48] }), (e) => e instanceof WavecvError && /shape: got \[4, 48, 48\]/.test(e.message));
});

test('gaussianBlur3d keeps the total of an interior impulse and spreads it by σ along each axis', () => {
  const shape: [number, number, number] = [15, 15, 15];
  const impulse = new Float32Array(15 ** 3);
  impulse[(7 * 15 + 7) * 15 + 7] = 1;
  const blurred = gaussianBlur3d(impulse, shape, [2, 1, 0]);
  assert.ok(Math.abs(blurred.reduce((a, b) => a + b, 0) - 1) < 1e-5);
  const along = (dz: number, dy: number, dx: number) => blurred[((7 + dz) * 15 + 7 + dy) * 15 + 7 + dx];
  assert.equal(along(0, 0, 1), 0);
  assert.ok(Math.abs(along(2, 0, 0) / along(0, 0, 0) - Math.exp(-0.5)) < 1e-2);
  assert.ok(Math.abs(along(0, 1, 0) / along(0, 0, 0) - Math.exp(-0.5)) < 1e-2);
});
