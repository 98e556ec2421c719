// Neuron commands end to end through the CLI: `eval swc` (text report, --json,
// one-line error for a missing parent).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { formatNeuronDistance } from '../../src/cli/commands/eval-swc.js';
import { neuronDistance } from '../../src/metrics/neuron-distance.js';
import { readSwc } from '../../src/neuron/swc.js';
import { writeSyntheticNeurons } from '../../src/neuron/synthetic-set.js';
import { readTiffStack } from '../../src/io/tiff-stack.js';
import { WavecvError } from '../../src/errors.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const wavecv = (...args: string[]) => spawnSync(process.execPath, ['--import', 'tsx', join(ROOT, 'src/cli/main.ts'), ...args], { encoding: 'utf8', cwd: ROOT });

test('wavecv eval swc prints ESA/DSA/PDS/F1, --json one object, and a missing parent as one line', () => {
  const dir = mkdtempSync(join(tmpdir(), 'wavecv-cli-neuron-'));
  try {
    writeFileSync(join(dir, 'a.swc'), '1 1 0 0 0 1 -1\n2 3 10 0 0 1 1\n');
    writeFileSync(join(dir, 'b.swc'), '# truth\n1 1 0 3 0 1 -1\n2 3 10 3 0 1 1\n');
    writeFileSync(join(dir, 'bad.swc'), '1 1 0 3 0 1 -1\n2 3 10 3 0 1 5\n');
    assert.match(formatNeuronDistance(neuronDistance(readSwc(join(dir, 'a.swc')), readSwc(join(dir, 'b.swc')))), /^ESA 3\.0000 .*\nDSA 3\.0000 .*\nPDS 1\.0000 /);
    const json = wavecv('eval', 'swc', join(dir, 'a.swc'), join(dir, 'b.swc'), '--json', '--threshold', '4');
    assert.equal(json.status, 0, json.stderr);
    const result = JSON.parse(json.stdout);
    assert.deepEqual([result.esa, result.dsa, result.pds, result.precision, result.recall, result.f1], [3, 0, 0, 1, 1, 1]);
    const bad = wavecv('eval', 'swc', join(dir, 'a.swc'), join(dir, 'bad.swc'));
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /^wavecv: .*bad\.swc line 2 parent: got 5, .*missing parent\)\n$/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('generate neurons writes the train/test layout (SYNTHETIC, seeded); wavecv trace turns a mask into an SWC close to the truth', () => {
  const dir = mkdtempSync(join(tmpdir(), 'wavecv-cli-neuron-'));
  try {
    const out = join(dir, 'syn');
    writeSyntheticNeurons(out, { train: 1, test: 1, seed: 4, noise: 'high', shape: [16, 48, 48] });
    assert.deepEqual(readdirSync(out).sort(), ['generator.json', 'test', 'train']);
    assert.deepEqual(readdirSync(join(out, 'test')).sort(), ['images', 'masks', 'swc']);
    assert.match(readFileSync(join(out, 'generator.json'), 'utf8'), /"synthetic": true/);
    const mask = readTiffStack(join(out, 'test', 'masks', '000.tif'));
    assert.deepEqual(mask.shape, [16, 48, 48]);
    assert.throws(() => writeSyntheticNeurons(out, { train: 1, test: 0, seed: 1, noise: 'low', shape: [16, 48, 48] }), (e) => e instanceof WavecvError && /does not exist yet/.test(e.message));
    const run = wavecv('trace', join(out, 'test', 'masks', '000.tif'), '--out', join(dir, 'traced.swc'));
    assert.equal(run.status, 0, run.stderr);
    assert.match(run.stdout, /^traced \d+ nodes \(\d+ tips\) in [\d.]+ s → /);
    const d = neuronDistance(readSwc(join(dir, 'traced.swc')), readSwc(join(out, 'test', 'swc', '000.swc')));
    assert.ok(d.esa < 1 && d.f1 > 0.9, JSON.stringify(d));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
