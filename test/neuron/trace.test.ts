// The APP2-style tracer on volumes whose true tree is known: a T of straight
// tubes (one branch point, centre lines within a voxel), the synthetic
// generator's mask (ESA/F1 against the true SWC), pruning of short spurs by
// the length threshold, the root option, and the errors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { WavecvError } from '../../src/errors.js';
import { neuronDistance } from '../../src/metrics/neuron-distance.js';
import { rasterizeTree } from '../../src/neuron/rasterize.js';
import { checkSwcTree, type SwcTree } from '../../src/neuron/swc.js';
import { syntheticNeuron } from '../../src/neuron/synthetic.js';
import { grayWeightedDistance, traceNeuron } from '../../src/neuron/trace.js';

const is = (pattern: RegExp) => (e: unknown) => e instanceof WavecvError && pattern.test(e.message);
const node = (id: number, x: number, y: number, z: number, radius: number, parent: number) => ({ id, type: id === 1 ? 1 : 3, x, y, z, radius, parent });

function tubes(tree: SwcTree, shape: [number, number, number]): Uint8Array {
  const mask = new Uint8Array(shape[0] * shape[1] * shape[2]);
  rasterizeTree(tree, shape, mask, { pad: 0.25, segmentValue: () => 255 });
  return mask;
}

const children = (tree: SwcTree) => {
  const count = new Map<number, number>();
  for (const n of tree.nodes) if (n.parent !== -1) count.set(n.parent, (count.get(n.parent) ?? 0) + 1);
  return count;
};

test('a T of tubes traces to one tree with one branch point, within a voxel of the true centre lines', () => {
  const shape: [number, number, number] = [11, 40, 50];
  // soma-side trunk along x at y = 20, z = 5, and a branch up along y from x = 30.
  const truth: SwcTree = { nodes: [node(1, 5, 20, 5, 2.5, -1), node(2, 30, 20, 5, 2, 1), node(3, 45, 20, 5, 1.5, 2), node(4, 30, 35, 5, 1.5, 2)], comments: [] };
  const traced = traceNeuron(tubes(truth, shape), shape);
  checkSwcTree(traced);
  assert.equal(traced.nodes.filter((n) => n.parent === -1).length, 1);
  const branchPoints = [...children(traced).values()].filter((c) => c > 1).length;
  assert.equal(branchPoints, 1, 'one bifurcation');
  const d = neuronDistance(traced, truth);
  assert.ok(d.esa < 1, `ESA ${d.esa}`);
  assert.equal(d.pds, 0);
  assert.ok(d.f1 > 0.95, `F1 ${d.f1}`);
  // The root is the thickest place (largest distance transform): near the soma end of the trunk.
  assert.ok(Math.hypot(traced.nodes[0].x - 5, traced.nodes[0].y - 20) <= 3, `root at ${traced.nodes[0].x}, ${traced.nodes[0].y}`);
});

test('without pruning fast marching leaves spurs inside thick tubes; the length threshold removes them', () => {
  const shape: [number, number, number] = [13, 13, 40];
  const truth: SwcTree = { nodes: [node(1, 3, 6, 6, 4, -1), node(2, 36, 6, 6, 4, 1)], comments: [] };
  const mask = tubes(truth, shape);
  const leaves = (tree: SwcTree) => tree.nodes.length - children(tree).size;
  const raw = traceNeuron(mask, shape, { lengthThreshold: 0, coverageRatio: 1 });
  const pruned = traceNeuron(mask, shape);
  assert.ok(leaves(raw) > 10, `${leaves(raw)} leaves unpruned`);
  assert.ok(leaves(pruned) <= 2, `${leaves(pruned)} leaves pruned`);
  assert.ok(neuronDistance(pruned, truth).esa < 1);
});

test('tracing the synthetic generator’s true mask recovers its SWC (ESA < 1 voxel, F1 > 0.9)', () => {
  const s = syntheticNeuron({ shape: [20, 64, 64], seed: 2 });
  const traced = traceNeuron(s.mask, s.shape);
  const d = neuronDistance(traced, s.tree);
  assert.ok(d.esa < 1 && d.f1 > 0.9, JSON.stringify(d));
});

test('grayWeightedDistance: unit weights give the 26-neighbour chamfer distance to the background; intensity scales it', () => {
  const shape: [number, number, number] = [1, 1, 7];
  const values = [0, 2, 2, 2, 2, 2, 0];
  const fg = Uint8Array.from(values, (v) => (v > 0 ? 1 : 0));
  assert.deepEqual(Array.from(grayWeightedDistance(values, shape, fg, false)), [0, 1, 1, 1, 1, 1, 0]); // y/z outside is background
  const wide: [number, number, number] = [5, 5, 9];
  const block = new Uint8Array(5 * 5 * 9).fill(1);
  const d = grayWeightedDistance(block, wide, block, false);
  assert.equal(d[(2 * 5 + 2) * 9 + 4], 3); // centre: 3 steps to the outside along z or y
  assert.equal(grayWeightedDistance(new Uint8Array(block.length).fill(10), wide, block, true)[(2 * 5 + 2) * 9 + 4], 30);
});

test('traceNeuron: root option and errors', () => {
  const shape: [number, number, number] = [7, 7, 30];
  const truth: SwcTree = { nodes: [node(1, 3, 3, 3, 2, -1), node(2, 26, 3, 3, 2, 1)], comments: [] };
  const mask = tubes(truth, shape);
  const fromEnd = traceNeuron(mask, shape, { root: [26, 3, 3] });
  assert.deepEqual([fromEnd.nodes[0].x, fromEnd.nodes[0].y, fromEnd.nodes[0].z], [26, 3, 3]);
  assert.throws(() => traceNeuron(mask, shape, { root: [0, 0, 0] }), is(/root: got \[0, 0, 0\], expected a foreground voxel/));
  assert.throws(() => traceNeuron(new Uint8Array(mask.length), shape), is(/no voxel above the background threshold 0/));
  assert.throws(() => traceNeuron(mask, [7, 7, 31]), is(/values: got 1470/));
});
