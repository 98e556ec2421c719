// The checkpoint readers on files written by PyTorch 1.13
// (scripts/gen_pytorch_import_fixtures.py): element types, strided views,
// deflated archives, and the restricted unpickler's refusals.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { WavecvError } from '../../src/errors.js';
import { readTorchCheckpoint, parseTorchCheckpoint } from '../../src/interop/torch-checkpoint.js';
import { readStateDict, parseStateDict } from '../../src/interop/state-dict.js';
import { parseSafetensors } from '../../src/interop/safetensors.js';
import { StoredTensor } from '../../src/interop/tensor-data.js';

const dir = new URL('../fixtures/pytorch-import/', import.meta.url);
const path = (file: string) => new URL(file, dir).pathname;
const named = (pattern: RegExp) => (e: unknown) => e instanceof WavecvError && pattern.test(e.message);

test('float16, bfloat16, float64 strided views, int64 and bool tensors of a deflated archive read as PyTorch wrote them', () => {
  const expected = JSON.parse(readFileSync(path('dtypes.json'), 'utf8')) as Record<string, { shape: number[]; values: number[] }>;
  const root = readTorchCheckpoint(path('dtypes_deflated.pth'));
  assert.ok(root instanceof Map);
  for (const [name, { shape, values }] of Object.entries(expected)) {
    const tensor = root.get(name);
    assert.ok(tensor instanceof StoredTensor, name);
    assert.deepEqual(tensor.shape, shape, name);
    assert.deepEqual(Array.from(tensor.values()), values.map(Math.fround), name);
  }
});

test('globals other than those of a state dict are refused, naming them, before anything runs', () => {
  assert.throws(() => readStateDict(path('system.pth')), named(/the global posix\.system, which this reader does not allow/));
  assert.throws(() => readStateDict(path('namespace.pth')), named(/the global argparse\.Namespace/));
});

test('damaged and foreign files are refused with what was expected', () => {
  const good = readFileSync(path('resnet18_haar.pth'));
  assert.throws(() => parseTorchCheckpoint(good.subarray(0, good.length - 100), 'cut.pth'), named(/^cut\.pth: got "no end-of-central-directory record"/));
  // A legacy (pre-1.6) checkpoint starts with a pickle protocol opcode.
  assert.throws(() => parseStateDict(Uint8Array.from([0x80, 0x02, 0x8a, 0x0a]), 'old.pth'), named(/legacy format.*re-save/));
  assert.throws(() => parseStateDict(new TextEncoder().encode('hello world'), 'a.txt'), named(/neither a ZIP archive nor a pickle/));
  const header = new TextEncoder().encode(JSON.stringify({ w: { dtype: 'F32', shape: [2, 2], data_offsets: [0, 12] } }));
  const file = new Uint8Array(8 + header.length + 12);
  new DataView(file.buffer).setBigUint64(0, BigInt(header.length), true);
  file.set(header, 8);
  assert.throws(() => parseSafetensors(file, 'w.safetensors'), named(/w\.safetensors w data_offsets: got \[0, 12\], expected 16 bytes/));
});

test('a state dict under another wrapper key, or none, is refused naming the keys found', () => {
  assert.throws(() => readStateDict(path('unknown_wrapper.pth')), named(/a dict with keys epoch, weights.*under state_dict, model/));
});
