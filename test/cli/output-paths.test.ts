// Output paths are checked before any work (src/io/output-path.ts), errno errors
// become one line `wavecv: <path>: <reason>` (src/cli/error-message.ts), and
// damaged model folders are refused naming the file (src/io/model-io.ts).
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { initEngine } from '../../src/engine/backend.js';
import { WavecvError } from '../../src/errors.js';
import { checkOutputPath, describeFileSystemError } from '../../src/io/output-path.js';
import { loadModel, saveModel } from '../../src/io/model-io.js';
import { writeFileAtomic } from '../../src/io/atomic.js';
import { cliErrorMessage } from '../../src/cli/error-message.js';
import { oneErrorLine, runCli } from './helpers.js';

let dir: string;
let file: string;

before(async () => {
  await initEngine();
  dir = mkdtempSync(join(tmpdir(), 'wavecv-out-'));
  file = join(dir, 'existing.txt');
  writeFileSync(file, 'keep me');
  mkdirSync(join(dir, 'folder.png'));
});

const refused = (pattern: RegExp) => (e: unknown) => e instanceof WavecvError && pattern.test(e.message);

test('checkOutputPath: a folder where a file goes, a file where a folder goes, a path under a file are refused; new nested paths pass', () => {
  assert.throws(() => checkOutputPath(join(dir, 'folder.png'), 'file'), refused(/^out: got ".*folder\.png", expected a file to write \(it is an existing folder\)$/));
  assert.throws(() => checkOutputPath(file, 'folder'), refused(/^out: got ".*existing\.txt", expected a folder to write into \(it is an existing file\)$/));
  assert.throws(() => checkOutputPath(join(file, 'a', 'b.png'), 'file', 'output'), refused(/^output: got .*, expected a path that can be created \(.*existing\.txt is a file, not a folder\)$/));
  assert.equal(checkOutputPath(join(dir, 'new', 'deeper', 'x.png'), 'file'), join(dir, 'new', 'deeper', 'x.png'));
  assert.equal(checkOutputPath(join(dir, 'folder.png'), 'folder'), join(dir, 'folder.png'));
  assert.equal(checkOutputPath(file, 'file'), file);
});

test('errno errors become `wavecv: <path>: <reason>` (EEXIST, EISDIR, ENOTDIR, EROFS, ENOSPC), others keep their stack', () => {
  const errno = (code: string, syscall: string, path: string, dest?: string) => Object.assign(new Error(`${code}: raw message`), { code, syscall, path, ...(dest ? { dest } : {}) });
  const cases: Array<[Error, string]> = [
    [errno('EEXIST', 'mkdir', '/runs/a'), 'wavecv: /runs/a: already exists'],
    [errno('EISDIR', 'open', '/runs/out.png'), 'wavecv: /runs/out.png: is a folder, expected a file'],
    [errno('ENOTDIR', 'open', '/runs/file/out.png'), 'wavecv: /runs/file/out.png: a part of the path is a file, not a folder'],
    [errno('EROFS', 'rename', '/ro/.tmp', '/ro/out.json'), 'wavecv: /ro/out.json: read-only file system'],
    [errno('ENOSPC', 'write', '/full/weights.bin'), 'wavecv: /full/weights.bin: no space left on the device'],
    [errno('EWHATEVER', 'open', '/x'), 'wavecv: /x: EWHATEVER (open)'],
  ];
  for (const [error, line] of cases) assert.equal(cliErrorMessage(error), line);
  // a real ENOSPC from the kernel (/dev/full accepts no byte): a write on an open file names no path,
  // so the line names the call; writeFileAtomic adds its target path to such errors
  let real: unknown;
  try {
    writeFileSync('/dev/full', 'x');
  } catch (error) {
    real = error;
  }
  assert.equal(describeFileSystemError(real), 'write: no space left on the device');
  let renamed: unknown;
  try {
    writeFileAtomic(join(dir, 'folder.png'), 'x');
  } catch (error) {
    renamed = error;
  }
  assert.match(cliErrorMessage(renamed), /^wavecv: .*folder\.png: is a folder, expected a file$/);
  assert.deepEqual(readdirSync(dir).filter((n) => n.endsWith('.tmp')), [], 'no temporary file left');
  assert.equal(cliErrorMessage(new WavecvError('level', 9, 'an integer from 1 to 3')), 'wavecv: level: got 9, expected an integer from 1 to 3');
  assert.match(cliErrorMessage(new TypeError('a bug')), /^wavecv: TypeError: a bug\n\s+at /);
  assert.equal(describeFileSystemError(new Error('no errno')), undefined);
});

test('every command that writes checks --out before any work: one line, non-zero exit, the existing file kept', () => {
  const under = join(file, 'sub');
  const cases: Array<[string[], RegExp]> = [
    [['dwt', '--out', join(under, 'x.png')], /^wavecv: out: got ".*existing\.txt\/sub\/x\.png", expected a path that can be created \(.*existing\.txt is a file, not a folder\)$/],
    [['dwt', '--out', join(dir, 'folder.png')], /^wavecv: out: got ".*folder\.png", expected a file to write \(it is an existing folder\)$/],
    [['train', 'classify', '--model', 'cnn28', '--data', 'fashion-mnist', '--out', file], /^wavecv: out: got ".*existing\.txt", expected a folder to write into \(it is an existing file\)$/],
    [['eval', 'robustness', '--model', dir, '--data', 'fashion-mnist', '--out', under], /^wavecv: out: got ".*existing\.txt\/sub", expected a path that can be created/],
    [['explain', 'face.jpg', '--model', dir, '--out', join(dir, 'folder.png')], /^wavecv: out: got ".*folder\.png", expected a file to write \(it is an existing folder\)$/],
    [['eval', 'verification', '--model', dir, '--pairs', 'lfw.bin', '--out', under], /^wavecv: out: got ".*existing\.txt\/sub", expected a path that can be created/],
  ];
  for (const [args, pattern] of cases) assert.match(oneErrorLine(runCli(args)), pattern, args.join(' '));
  assert.equal(readFileSync(file, 'utf8'), 'keep me');
});

test('damaged model folders are refused naming the file and what was expected (loadModel and the CLI)', async () => {
  const input = tf.input({ shape: [3] });
  const model = tf.model({ inputs: input, outputs: tf.layers.dense({ units: 2 }).apply(input) as tf.SymbolicTensor });
  const good = join(dir, 'good');
  await saveModel(model, good);
  model.dispose();
  const damaged = (name: string, damage: (folder: string) => void): string => {
    const folder = join(dir, name);
    rmSync(folder, { recursive: true, force: true });
    mkdirSync(folder);
    writeFileSync(join(folder, 'model.json'), readFileSync(join(good, 'model.json')));
    writeFileSync(join(folder, 'weights.bin'), readFileSync(join(good, 'weights.bin')));
    damage(folder);
    return folder;
  };
  const cases: Array<[string, (folder: string) => void, RegExp]> = [
    ['truncated', (f) => truncateSync(join(f, 'weights.bin'), 20), /^model: got ".*truncated\/weights\.bin", expected 32 bytes of weights, as model\.json lists 2 weights \(got 20 bytes: truncated, or from another model\)$/],
    ['no-weights', (f) => rmSync(join(f, 'weights.bin')), /^model: got ".*no-weights\/weights\.bin", expected the weights file that model\.json names \(it is missing\)$/],
    ['garbage', (f) => writeFileSync(join(f, 'model.json'), '\u0000garbage{'), /^model: got ".*garbage\/model\.json", expected a TF\.js model\.json \(valid JSON: /],
    ['empty', (f) => writeFileSync(join(f, 'model.json'), ''), /^model: got ".*empty\/model\.json", expected a TF\.js model\.json \(valid JSON: /],
    ['not-a-model', (f) => writeFileSync(join(f, 'model.json'), '{"weightsManifest": 3}'), /^model: got ".*not-a-model\/model\.json", expected a TF\.js layers model\.json with modelTopology and weightsManifest/],
  ];
  const before = tf.memory().numTensors;
  for (const [name, damage, pattern] of cases) await assert.rejects(() => loadModel(damaged(name, damage)), refused(pattern), name);
  assert.equal(tf.memory().numTensors, before);
  const loaded = await loadModel(good);
  loaded.dispose();
  // the CLI: one line naming the damaged file
  const cli = oneErrorLine(runCli(['eval', 'robustness', '--model', join(dir, 'truncated'), '--data', 'fashion-mnist', '--limit', '10', '--corruptions', 'none', '--out', join(dir, 'robustness')]));
  assert.match(cli, /^wavecv: model: got ".*truncated\/weights\.bin", expected 32 bytes of weights/);
  assert.match(oneErrorLine(runCli(['verify', file, file, '--model', join(dir, 'empty')])), /^wavecv: model: got ".*empty\/model\.json", expected a TF\.js model\.json/);
});
