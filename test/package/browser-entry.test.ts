// `wavecv/browser` is browser-safe: src/browser.ts bundled by esbuild for the
// browser resolves without any Node built-in (`node:*`, `fs`, …) or Node-only
// package (sharp, the native addon), and package.json publishes it as the
// `./browser` subpath. The bundle (TF.js left as an import) is then loaded
// here, runs a wavelet round trip with coeffsToArray and builds a WaveCNet,
// so the entry point is not only importable but works.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import * as esbuild from 'esbuild';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const NODE_ONLY_PACKAGES = ['sharp', '@tensorflow/tfjs-node', 'commander', 'cli-progress', 'mnist'];

test('package.json exports ./browser as the compiled src/browser.ts', () => {
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
  assert.deepEqual(pkg.exports['./browser'], { types: './dist/browser.d.ts', import: './dist/browser.js' });
});

test('src/browser.ts bundles for the browser with no Node built-in or Node-only package, and the bundle works', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'wavecv-browser-entry-'));
  try {
    const outfile = join(dir, 'browser.mjs');
    // With platform 'browser', esbuild cannot resolve a Node built-in: every
    // such import, ours or a Node-only package's (sharp), is a build error,
    // all of them listed. TensorFlow.js itself (a browser library) stays an
    // import of the copy this test runs with, so the bundle can be run here.
    const tfjs = import.meta.resolve('@tensorflow/tfjs');
    const tfjsExternal: esbuild.Plugin = {
      name: 'tfjs-external',
      setup: (build) => build.onResolve({ filter: /^@tensorflow\/tfjs$/ }, () => ({ path: tfjs, external: true })),
    };
    let result: esbuild.BuildResult<{ metafile: true }>;
    try {
      result = await esbuild.build({ entryPoints: [join(ROOT, 'src', 'browser.ts')], bundle: true, platform: 'browser', format: 'esm', target: 'es2020', outfile, metafile: true, logLevel: 'silent', plugins: [tfjsExternal] });
    } catch (error) {
      const errors = (error as esbuild.BuildFailure).errors ?? [];
      assert.fail(`src/browser.ts does not bundle for the browser:\n${errors.map((e) => `${e.location?.file}:${e.location?.line}: ${e.text}`).join('\n') || String(error)}`);
    }
    const packages = Object.keys(result.metafile.inputs).filter((f) => NODE_ONLY_PACKAGES.some((p) => f.includes(`node_modules/${p}/`)));
    assert.deepEqual(packages, [], 'Node-only packages in the browser bundle');
    const sources = Object.keys(result.metafile.inputs).filter((f) => f.startsWith('src/'));
    for (const module of ['src/wavelets/multilevel.ts', 'src/wavelets/layers.ts', 'src/wavelets/coeff-array.ts', 'src/models/index.ts', 'src/nn/index.ts']) {
      assert.ok(sources.includes(module), `the bundle includes ${module}`);
    }

    const api = await import(pathToFileURL(outfile).href);
    const tf = await import('@tensorflow/tfjs');
    await tf.setBackend('cpu');
    const x = tf.tensor2d([[1, 2, 3, 4], [5, 6, 7, 8], [9, 10, 11, 12], [13, 14, 15, 16]]);
    const coeffs = api.wavedec2(x, 'haar', 'periodization', { level: 1 });
    const [packed, slices] = api.coeffsToArray(coeffs);
    assert.deepEqual(packed.shape, [4, 4]);
    assert.deepEqual(slices[1].dd, [[2, 4], [2, 4]]);
    const back = api.waverec2(coeffs, 'haar', 'periodization');
    assert.ok(Math.max(...(back.sub(x).abs().dataSync() as Float32Array)) < 1e-5);
    const model = api.createModel('cnn28', { wavelet: 'haar', numClasses: 10 });
    assert.ok(model.layers.some((l: { getClassName(): string }) => l.getClassName() === 'WaveletPool2D'), 'a WaveCNet with wavelet pooling');
    tf.dispose([x, packed, back, ...coeffs.flat()]);
    model.dispose();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
