// Segmenting a volume file cube by cube with a bounded working set: the
// streamed result equals the whole-volume result, the batch shrinks to fit
// --max-memory, a bound below one slab is refused before anything is written,
// and the peak resident memory is reported.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WavecvError } from '../../src/errors.js';
import { stackVolume } from '../../src/io/stack-volume.js';
import { writeV3draw } from '../../src/io/v3draw.js';
import { readVolume } from '../../src/io/volume-file.js';
import { planCubes, streamingBytes } from '../../src/neuron/cubes.js';
import { segmentVolumeFile } from '../../src/neuron/segment-volume.js';
import { syntheticNeuron } from '../../src/neuron/synthetic.js';

test('streamed cube segmentation of a .v3draw equals thresholding the whole volume; --max-memory lowers the batch; too little is refused', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'wavecv-segvol-'));
  try {
    const shape: [number, number, number] = [37, 70, 90];
    const neuron = syntheticNeuron({ shape, seed: 9 });
    writeV3draw(join(dir, 'in.v3draw'), stackVolume(neuron.image, shape));
    const predict = (cubes: Float32Array[]) => cubes.map((c) => c.map((v) => (v > 0.25 ? 1 : 0)));
    const cube: [number, number, number] = [16, 32, 32];
    const grid = planCubes(shape, cube);
    const budget = streamingBytes(grid, 3);
    const report = await segmentVolumeFile({ input: join(dir, 'in.v3draw'), output: join(dir, 'mask.tif'), predict, cube, batchSize: 8, maxMemory: budget, normalise: (v) => v / 255 });
    assert.equal(report.batchSize, 3);
    assert.equal(report.cubes, grid.count);
    assert.ok(report.workingSetBytes <= budget);
    assert.ok(report.peakRssBytes > 0);
    const mask = readVolume(join(dir, 'mask.tif'));
    assert.deepEqual(mask.shape, shape);
    const expected = Uint8Array.from(neuron.image, (v) => (v / 255 > 0.25 ? 255 : 0));
    assert.deepEqual(mask.data, expected);
    assert.equal(report.foregroundVoxels, expected.filter((v) => v > 0).length);
    await assert.rejects(
      segmentVolumeFile({ input: join(dir, 'in.v3draw'), output: join(dir, 'never.tif'), predict, cube, maxMemory: 100_000 }),
      (e) => e instanceof WavecvError && /max-memory: got "0\.1 MiB", expected at least [\d.]+ MiB for one 16-slice slab of 70×90/.test(e.message),
    );
    assert.ok(!existsSync(join(dir, 'never.tif')));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
