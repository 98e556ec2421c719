// No synchronous tensor reads in wavecv's sources: `dataSync`, `arraySync`,
// `bufferSync` and `tf.print` stall a GPU backend's queue and fail on webgpu
// in Node, so every training, evaluation and inference path reads
// asynchronously (src/engine/read.ts). The allow-list below names each file
// that may still read synchronously, how often, and why it is off those paths;
// a new synchronous read anywhere else fails this test, and so does an
// allow-list entry that no longer matches (so the list stays true).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

const ROOT = new URL('../../', import.meta.url).pathname;
const SYNC_READ = /\.(dataSync|arraySync|bufferSync)\(|\btf\.print\(/g;

/** Files that may read synchronously: the number of reads and why each is allowed. */
const ALLOWED: Record<string, { reads: number; why: string }> = {
  // The one guarded read: a tensor the caller built (labels, a metric's input)
  // on cpu or wasm, where reads are host memory; refused on webgpu.
  'src/engine/read.ts': { reads: 1, why: 'hostValues: caller-made tensors on backends that read synchronously' },
  // `wavecv export` reads each weight once to write an ONNX file.
  'src/interop/onnx/export-model.ts': { reads: 1, why: 'ONNX export, not a training, evaluation or inference path' },
  // The attention-collapse measurement (ViT attention maps with and without
  // MAS, run by a script, not a wavecv command) reads its similarities, probe
  // predictions and timed losses synchronously; it runs on cpu/wasm.
  'src/tasks/attention-collapse.ts': { reads: 4, why: 'the attention-collapse measurement, cpu/wasm only' },
  // `wavecv generate registration` resamples an atlas into a scan's world
  // space once while writing a data set (not a training, evaluation or
  // inference path).
  'src/data/world-resample.ts': { reads: 1, why: 'data-set generation' },
  // `wavecv dwt --png` scales the bands of one transform for a picture.
  'src/wavelets/mosaic.ts': { reads: 1, why: 'the DWT mosaic picture, not a training, evaluation or inference path' },
};

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? sources(path) : path.endsWith('.ts') ? [path] : [];
  });
}

test('the pattern finds every kind of synchronous read', () => {
  for (const line of ['x.dataSync()', 't.arraySync()', 'v.bufferSync()', 'tf.print(x)']) assert.ok(line.match(SYNC_READ), line);
  assert.equal('await x.data(); x.array(); x.buffer()'.match(SYNC_READ), null);
});

test('no synchronous tensor reads in src/ outside the commented allow-list', () => {
  const found = new Map<string, string[]>();
  for (const path of sources(join(ROOT, 'src'))) {
    const lines = readFileSync(path, 'utf8').split('\n');
    const hits = lines.map((text, i) => ({ text, i })).filter(({ text }) => text.match(SYNC_READ) !== null && !/^\s*(\*|\/\/)/.test(text));
    if (hits.length) found.set(relative(ROOT, path), hits.map(({ text, i }) => `${i + 1}: ${text.trim()}`));
  }
  const unexpected = [...found].filter(([file, hits]) => hits.length !== (ALLOWED[file]?.reads ?? 0));
  assert.deepEqual(unexpected, [], 'synchronous reads outside the allow-list (read with await t.data() or src/engine/read.ts)');
  const stale = Object.keys(ALLOWED).filter((file) => !found.has(file));
  assert.deepEqual(stale, [], 'allow-list entries without a synchronous read');
});
