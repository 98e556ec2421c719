import { test } from 'node:test';
import assert from 'node:assert/strict';
import { initEngine } from '../../src/engine/backend.js';
import { WavecvError } from '../../src/errors.js';

test('initEngine picks wasm by default in Node and reports why', async () => {
  const info = await initEngine();
  assert.equal(info.backend, process.env.WAVECV_BACKEND ?? 'wasm');
  assert.match(info.tfjsVersion, /^4\.22/);
});

test('initEngine rejects an unknown backend naming the argument', async () => {
  await assert.rejects(() => initEngine({ backend: 'gpu9000' as never }), (e: unknown) => e instanceof WavecvError && /backend: got "gpu9000"/.test(e.message));
});

test('initEngine honours the option over the default', async () => {
  const info = await initEngine({ backend: 'cpu' });
  assert.equal(info.backend, 'cpu');
  assert.equal(info.chosenBy, 'option');
  await initEngine({ backend: 'wasm' });
});
