// SWC files: parse/format round trip with comments and several roots, and the
// errors for a missing parent, a cycle, a repeated id and malformed lines.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WavecvError } from '../../src/errors.js';
import { formatSwc, parseSwc, readSwc, writeSwc } from '../../src/neuron/swc.js';

const is = (pattern: RegExp) => (e: unknown) => e instanceof WavecvError && pattern.test(e.message);

const TEXT = `# made by hand
#   second comment
1 1 10 20 3 2.5 -1
2 3 11.25 20 3 1 1

3 3 12.5 21 3.5 0.75 2
7 2 0 0 0 1 -1
8 2 1 0 0 1 7 extra columns are ignored
`;

test('SWC: the seven columns, comments, blank lines, several roots; format then parse gives the same tree; written atomically', () => {
  const tree = parseSwc(TEXT);
  assert.deepEqual(tree.comments, ['made by hand', 'second comment']);
  assert.equal(tree.nodes.length, 5);
  assert.deepEqual(tree.nodes[2], { id: 3, type: 3, x: 12.5, y: 21, z: 3.5, radius: 0.75, parent: 2 });
  assert.deepEqual(tree.nodes[4].parent, 7);
  const again = parseSwc(formatSwc(tree));
  assert.deepEqual(again, tree);
  const dir = mkdtempSync(join(tmpdir(), 'wavecv-swc-'));
  try {
    writeSwc(join(dir, 'a.swc'), tree);
    assert.deepEqual(readSwc(join(dir, 'a.swc')), tree);
    assert.match(readFileSync(join(dir, 'a.swc'), 'utf8'), /^# made by hand\n# second comment\n1 1 10 20 3 2.5 -1\n2 3 11.25 20 3 1 1\n/);
    writeFileSync(join(dir, 'bad.swc'), '1 1 0 0 0 1 -1\n2 1 0 0 0 1 5\n');
    assert.throws(() => readSwc(join(dir, 'bad.swc')), is(/bad\.swc line 2 parent: got 5, .*missing parent/));
    assert.throws(() => readSwc(join(dir, 'none.swc')), is(/readable SWC file \(ENOENT\)/));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('SWC errors: a cycle, a repeated id, too few or non-numeric fields, a fractional id', () => {
  assert.throws(() => parseSwc('1 1 0 0 0 1 -1\n2 3 0 0 0 1 4\n3 3 0 0 0 1 2\n4 3 0 0 0 1 3\n', 'c.swc'), is(/c\.swc line \d: got "a cycle through nodes .*(2 → 4 → 3 → 2|4 → 3 → 2 → 4|3 → 2 → 4 → 3).*must end at a root/));
  assert.throws(() => parseSwc('1 1 0 0 0 1 1\n'), is(/cycle through nodes 1 → 1/));
  assert.throws(() => parseSwc('1 1 0 0 0 1 -1\n1 3 0 0 0 1 1\n'), is(/line 2 id: got 1, expected an id not used before \(line 1 has it\)/));
  assert.throws(() => parseSwc('1 1 0 0 0 -1\n'), is(/line 1: got "1 1 0 0 0 -1", expected seven fields/));
  assert.throws(() => parseSwc('1 1 0 zero 0 1 -1\n'), is(/seven numeric fields/));
  assert.throws(() => parseSwc('1.5 1 0 0 0 1 -1\n'), is(/line 1 id: got "1.5", expected a non-negative integer/));
});
