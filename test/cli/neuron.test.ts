// Neuron commands end to end through the CLI: `eval swc` (text report, --json,
// one-line error for a missing parent).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { formatNeuronDistance } from '../../src/cli/commands/eval-swc.js';
import { neuronDistance } from '../../src/metrics/neuron-distance.js';
import { readSwc } from '../../src/neuron/swc.js';

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
    assert.equal(bad.status, 1);
    assert.match(bad.stderr, /^wavecv: .*bad\.swc line 2 parent: got 5, .*missing parent\)\n$/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
