// Cube tiling and assembly: the reference's starts (stride 3/4, last cube at
// the border, one padded cube for short axes), identity predictions
// reassembled exactly for odd sizes with both assemblies, OR of labels, the
// slab order of the sink, and a volume smaller than the cube.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { WavecvError } from '../../src/errors.js';
import { assembleCubes, cubeStarts, planCubes, type Shape3 } from '../../src/neuron/cubes.js';

const is = (pattern: RegExp) => (e: unknown) => e instanceof WavecvError && pattern.test(e.message);

test('cube starts: stride 3/4 of the cube, the last cube shifted back to the border, one cube for a short axis', () => {
  assert.deepEqual(cubeStarts(128, 128, 96), [0]);
  assert.deepEqual(cubeStarts(300, 128, 96), [0, 96, 172]);
  assert.deepEqual(cubeStarts(320, 128, 96), [0, 96, 192]);
  assert.deepEqual(cubeStarts(20, 32, 24), [0]);
  assert.deepEqual(cubeStarts(57, 32, 24), [0, 24, 25]);
  const grid = planCubes([57, 300, 129], [32, 128, 128]);
  assert.deepEqual(grid.stride, [24, 96, 96]);
  assert.equal(grid.count, 3 * 3 * 2);
  assert.throws(() => cubeStarts(10, 4, 5), is(/stride: got 5, expected an integer from 1 to the cube size 4/));
});

async function assemble(values: Float32Array, shape: Shape3, cube: Shape3, mode: 'or' | 'mean', predict = (cubes: Float32Array[]) => cubes) {
  const sliceVoxels = shape[1] * shape[2];
  const out = new Float32Array(values.length);
  const slabs: number[][] = [];
  let next = 0;
  let calls = 0;
  await assembleCubes({
    grid: planCubes(shape, cube),
    source: (z0, z1) => values.slice(z0 * sliceVoxels, z1 * sliceVoxels),
    predict: (cubes) => {
      calls++;
      return predict(cubes);
    },
    sink: (z0, slab) => {
      assert.equal(z0, next, 'slabs arrive in order without gaps');
      next = z0 + slab.length / sliceVoxels;
      slabs.push([z0, next]);
      out.set(slab, z0 * sliceVoxels);
    },
    mode,
    batchSize: 3,
  });
  assert.equal(next, shape[0]);
  return { out, slabs, calls };
}

test('identity predictions reassemble the input exactly for odd sizes (mean of probabilities, OR of labels)', async () => {
  const shape: Shape3 = [13, 23, 19];
  const values = Float32Array.from({ length: 13 * 23 * 19 }, (_, i) => Math.fround(((i * 2654435761) % 1000) / 997));
  const { out, slabs, calls } = await assemble(values, shape, [6, 10, 8], 'mean');
  assert.deepEqual(Array.from(out), Array.from(values));
  // z starts 0, 4, 7 → slabs [0,4), [4,7), [7,13); 3×3 (y) × 3 (x) cubes per row in batches of 3.
  assert.deepEqual(slabs, [[0, 4], [4, 7], [7, 13]]);
  assert.equal(calls, 3 * 3);
  const mask = values.map((v) => (v > 0.5 ? 1 : 0));
  assert.deepEqual(Array.from((await assemble(mask, shape, [6, 10, 8], 'or')).out), Array.from(mask));
});

test('OR assembly: a voxel labelled foreground by any covering cube is foreground; mean averages the cubes that cover it', async () => {
  const shape: Shape3 = [1, 1, 10];
  // cubes [0,6) and [4,10) along x; the first says 1 everywhere, the second 0.
  let first = true;
  const predict = (cubes: Float32Array[]) =>
    cubes.map((c) => {
      const p = new Float32Array(c.length).fill(first ? 1 : 0);
      first = false;
      return p;
    });
  const or = await assemble(new Float32Array(10), shape, [1, 1, 6], 'or', predict);
  assert.deepEqual(Array.from(or.out), [1, 1, 1, 1, 1, 1, 0, 0, 0, 0]);
  first = true;
  const mean = await assemble(new Float32Array(10), shape, [1, 1, 6], 'mean', predict);
  assert.deepEqual(Array.from(mean.out), [1, 1, 1, 1, 0.5, 0.5, 0, 0, 0, 0]);
});

test('a volume smaller than the cube is zero-padded into one cube, and only its own voxels come back', async () => {
  const shape: Shape3 = [3, 5, 7];
  const values = Float32Array.from({ length: 105 }, (_, i) => i + 1);
  const seen: Float32Array[] = [];
  const { out } = await assemble(values, shape, [4, 8, 8], 'mean', (cubes) => {
    seen.push(...cubes);
    return cubes;
  });
  assert.equal(seen.length, 1);
  assert.equal(seen[0].length, 4 * 8 * 8);
  assert.equal(seen[0][0], 1);
  assert.equal(seen[0][7], 0); // x = 7 is padding
  assert.equal(seen[0][3 * 64], 0); // z = 3 is padding
  assert.deepEqual(Array.from(out), Array.from(values));
});
