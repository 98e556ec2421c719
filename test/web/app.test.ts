// The browser app (web/, `npm run web`) end to end in headless Debian chromium
// driven by playwright-core: the test builds it with Vite, serves the build
// with Vite's preview server, uploads an image to the DWT explorer and one to
// the classifier, a face model and two photos to face verification, and checks
// what the page draws and reports against the same computations in Node — the
// subband mosaic of `dwtMosaic` (pixel for pixel), the bundled models' classes
// and confidences at every noise level, and the similarity and decision of the
// pair (aligned in Node by the landmarks the page found, which must be a
// plausible face: a confident box inside the photo, eyes above nose above
// mouth), a segmentation model's overlay and class counts, the demo WiNet's
// registration of the bundled ITK pair and of the pair uploaded swapped
// (against `registerScans`, the path of `wavecv register`), and a forgery
// detector's fake probability of every face of a group photo. The
// page runs on the wasm backend (`?backend=wasm`), which needs no GPU. A
// screenshot of the page is kept in test-artifacts/web/app.png.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import sharp from 'sharp';
import { chromium as playwrightChromium, type Browser } from 'playwright-core';
import { build, preview, type PreviewServer } from 'vite';
import { initEngine } from '../../src/engine/backend.js';
import { loadModel, saveModel } from '../../src/io/model-io.js';
import { readIdx } from '../../src/data/idx.js';
import { dwtMosaic } from '../../src/wavelets/mosaic.js';
import { createModel } from '../../src/models/index.js';
import { MODEL_METADATA_FORMAT, MODEL_METADATA_VERSION, parseModelMetadata, setModelMetadata, type ModelMetadata } from '../../src/train/model-metadata.js';
import type { SegmentModelExtension } from '../../src/tasks/segment.js';
import { segmentPixels } from '../../web/src/segment.js';
import { DEMO_MODEL, DEMO_PAIR } from '../../web/src/register-panel.js';
import { registerScans, type LoadedRegistrationModel, type RegisterModelExtension } from '../../src/tasks/register.js';
import { classifierInput, predictUnderNoise } from '../../web/src/classify.js';
import { BUNDLED_MODELS, NOISE_LEVELS } from '../../web/src/classify-panel.js';
import { rgbaToImage, type Rgba } from '../../web/src/image-tensor.js';
import { CHROMIUM, requireSystem } from '../helpers/requirements.js';
import type { DetectedFace } from '../../src/data/faces/detection.js';
import type { RgbImage } from '../../src/data/faces/image.js';
import { loadFaceModel } from '../../src/tasks/face-inference.js';
import { faceCrop, rgbaToRgb, verifyCrops } from '../../web/src/face.js';
import { cropFace } from '../../src/data/forgery/crop.js';
import { scoreFaces, type DetectedForgery } from '../../src/tasks/forgery-score.js';

const chromium = requireSystem('chromium', CHROMIUM);
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const CONFIG = join(ROOT, 'web/vite.config.ts');
const ARTIFACTS = join(ROOT, 'test-artifacts/web');
const FACE_API_DEMO = join(ROOT, 'node_modules/@vladmandic/face-api/demo');

/** A synthetic 45×62 RGB test card (gradients, a disc and stripes), as PNG bytes and RGBA pixels. */
/** A forgery "detector" with known weights: global average pool, then logits [0, Σ_c w_c·mean(x_c)], classes real, fake. */
function knownForgeryModel(): { model: tf.LayersModel; metadata: ModelMetadata } {
  const input = tf.input({ shape: [32, 32, 3] });
  const pooled = tf.layers.globalAveragePooling2d({}).apply(input) as tf.SymbolicTensor;
  const dense = tf.layers.dense({ units: 2, useBias: false });
  const model = tf.model({ inputs: input, outputs: dense.apply(pooled) as tf.SymbolicTensor });
  dense.setWeights([tf.tensor2d([[0, 3], [0, -2], [0, 1.5]])]);
  const metadata: ModelMetadata = {
    format: MODEL_METADATA_FORMAT,
    version: MODEL_METADATA_VERSION,
    task: 'forgery',
    model: { name: 'known-weights', options: {} },
    preprocessing: { inputShape: [32, 32, 3], normalization: { mean: [0.5, 0.5, 0.5], std: [0.5, 0.5, 0.5] } },
    classNames: ['real', 'fake'],
    thresholds: {},
    training: { steps: 0, seed: 0 },
    extension: {},
  };
  setModelMetadata(model, metadata);
  return { model, metadata };
}

async function syntheticImage(): Promise<{ png: Buffer; rgba: Rgba }> {
  const width = 62;
  const height = 45;
  const rgb = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const disc = (x - 40) ** 2 + (y - 20) ** 2 < 150 ? 90 : 0;
      const stripes = Math.floor(x / 3) % 2 === 0 && y > 30 ? 70 : 0;
      rgb[(y * width + x) * 3] = Math.min(255, 4 * x + disc);
      rgb[(y * width + x) * 3 + 1] = Math.min(255, 5 * y + stripes);
      rgb[(y * width + x) * 3 + 2] = (7 * x + 3 * y) % 256;
    }
  }
  const png = await sharp(rgb, { raw: { width, height, channels: 3 } }).png().toBuffer();
  return { png, rgba: await decodeRgba(png) };
}

/** RGBA pixels of an encoded image, decoded by sharp (the page decodes the same bytes in chromium). */
async function decodeRgba(bytes: Buffer): Promise<Rgba> {
  const { data, info } = await sharp(bytes).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
  return { width: info.width, height: info.height, data: new Uint8Array(data) };
}

/** Test image `index` of the bundled Fashion-MNIST subset as PNG bytes. */
async function fashionImage(index: number): Promise<Buffer> {
  const images = await readIdx(join(ROOT, 'data/fashion-mnist-subset/t10k-images-idx3-ubyte.gz'));
  const [, h, w] = images.shape;
  return sharp(Buffer.from(images.data.subarray(index * h * w, (index + 1) * h * w)), { raw: { width: w, height: h, channels: 1 } }).png().toBuffer();
}

test('the browser app: DWT explorer, WaveCNet classification under noise, face verification, segmentation, registration and forgery detection of uploaded images match Node', { timeout: 240_000, skip: chromium }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'wavecv-web-app-'));
  let server: PreviewServer | undefined;
  let browser: Browser | undefined;
  try {
    const outDir = join(dir, 'dist');
    await build({ configFile: CONFIG, logLevel: 'error', build: { outDir, emptyOutDir: true } });
    server = await preview({ configFile: CONFIG, logLevel: 'error', build: { outDir }, preview: { host: '127.0.0.1', port: 0, strictPort: false } });
    const url = server.resolvedUrls?.local[0];
    assert.ok(url, 'the preview server has a local URL');

    browser = await playwrightChromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] });
    const page = await browser.newPage({ viewport: { width: 1200, height: 1400 } });
    const pageErrors: string[] = [];
    page.on('pageerror', (error) => pageErrors.push(error.message));
    await page.goto(`${url}?backend=wasm`);
    await page.waitForFunction(() => document.body.dataset.state !== 'starting', null, { timeout: 60_000 });
    assert.equal(await page.getAttribute('body', 'data-state'), 'ready', `the app failed to start: ${await page.textContent('#app-error')}; ${pageErrors.join('; ')}`);
    assert.equal(await page.textContent('#backend'), 'wasm');

    // DWT explorer: upload the synthetic card, choose bior3.3 / symmetric / level 2, compare the drawn mosaic with Node's.
    await initEngine();
    const card = await syntheticImage();
    const rendered = async (section: string) => Number(await page.getAttribute(section, 'data-rendered'));
    const waitRendered = (section: string, after: number) => page.waitForFunction(([s, n]) => Number(document.querySelector(s as string)!.getAttribute('data-rendered')) > (n as number), [section, after], { timeout: 30_000 });
    let before = await rendered('#dwt');
    await page.setInputFiles('#dwt-file', { name: 'card.png', mimeType: 'image/png', buffer: card.png });
    await waitRendered('#dwt', before);
    const tensorsAfterUpload = await page.getAttribute('#dwt', 'data-tensors');
    for (const [selector, value] of [['#dwt-wavelet', 'bior3.3'], ['#dwt-mode', 'symmetric']]) {
      before = await rendered('#dwt');
      await page.selectOption(selector, value);
      await waitRendered('#dwt', before);
    }
    before = await rendered('#dwt');
    await page.fill('#dwt-level', '2');
    await page.dispatchEvent('#dwt-level', 'change');
    await waitRendered('#dwt', before);
    const drawn = await page.evaluate(() => {
      const canvas = document.getElementById('dwt-mosaic') as HTMLCanvasElement;
      const { data } = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height);
      return { width: canvas.width, height: canvas.height, grey: Array.from(data.filter((_, i) => i % 4 === 0)), settings: { ...canvas.dataset } };
    });
    assert.deepEqual(drawn.settings, { wavelet: 'bior3.3', mode: 'symmetric', level: '2', channels: '1' });
    assert.equal(await page.getAttribute('#dwt', 'data-tensors'), tensorsAfterUpload, 'redrawing the mosaic leaves no tensors behind');
    const image = rgbaToImage(card.rgba, 1);
    const { mosaic } = dwtMosaic(image, { wave: 'bior3.3', level: 2, mode: 'symmetric' });
    assert.deepEqual([drawn.height, drawn.width], mosaic.shape.slice(0, 2));
    const expected = Array.from(mosaic.dataSync(), (v) => Math.round(255 * v));
    tf.dispose([image, mosaic]);
    const off = expected.filter((v, i) => Math.abs(v - drawn.grey[i]) > 1).length;
    assert.equal(off, 0, `${off} of ${expected.length} mosaic pixels differ from Node's dwtMosaic by more than 1 grey level`);
    assert.ok(new Set(expected).size > 50, 'the mosaic is not flat');

    // Classification: upload Fashion-MNIST test image 10; every model's class and confidence at every σ as in Node.
    const png = await fashionImage(10);
    before = await rendered('#classify');
    await page.setInputFiles('#classify-file', { name: 'garment.png', mimeType: 'image/png', buffer: png });
    await waitRendered('#classify', before);
    const cells = await page.$$eval('#classify-table td[data-model]', (tds) => tds.map((td) => ({ model: Number(td.getAttribute('data-model')), sigma: Number(td.parentElement!.getAttribute('data-sigma')), classIndex: Number(td.getAttribute('data-class-index')), confidence: Number(td.getAttribute('data-confidence')) })));
    assert.equal(cells.length, NOISE_LEVELS.length * BUNDLED_MODELS.length);
    const rgba = await decodeRgba(png);
    for (const [m, bundled] of BUNDLED_MODELS.entries()) {
      const modelDir = join(ROOT, 'web/public', bundled.url.replace(/\/model\.json$/, ''));
      const model = await loadModel(modelDir);
      const metadata = parseModelMetadata(model.getUserDefinedMetadata(), modelDir);
      const grey = rgbaToImage(rgba, 1);
      const want = predictUnderNoise(model, metadata, classifierInput(grey, metadata.preprocessing.inputShape, 'auto'), NOISE_LEVELS);
      grey.dispose();
      model.dispose();
      for (const w of want) {
        const got = cells.find((c) => c.model === m && c.sigma === w.sigma);
        assert.ok(got, `no cell for ${bundled.label} at σ=${w.sigma}`);
        assert.equal(got.classIndex, w.classIndex, `${bundled.label} at σ=${w.sigma}: class`);
        assert.ok(Math.abs(got.confidence - w.confidence) < 1e-4, `${bundled.label} at σ=${w.sigma}: confidence ${got.confidence} in the browser, ${w.confidence} in Node`);
      }
    }
    assert.ok(new Set(cells.map((c) => c.confidence)).size > 1, 'confidences change with noise');

    // The screenshot shows the explorer and the classifier (taken before the face photos, so no face is kept).
    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: join(ARTIFACTS, 'app.png'), fullPage: true });

    // Face verification: a face model (the committed tiny UCE fixture) and two of face-api's demo photos (from
    // node_modules, converted to PNG so both sides decode the same pixels); similarity and decision as in Node.
    const faceModel = join(ROOT, 'test/fixtures/run-v1/face/model');
    await page.setInputFiles('#face-model-files', [join(faceModel, 'model.json'), join(faceModel, 'weights.bin')]);
    const photos = await Promise.all(['sample1.jpg', 'sample2.jpg'].map((name) => sharp(join(FACE_API_DEMO, name)).png().toBuffer()));
    before = await rendered('#face');
    await page.setInputFiles('#face-a-file', { name: 'a.png', mimeType: 'image/png', buffer: photos[0] });
    await page.setInputFiles('#face-b-file', { name: 'b.png', mimeType: 'image/png', buffer: photos[1] });
    await page.waitForFunction((n) => Number(document.getElementById('face')!.getAttribute('data-rendered')) > n && document.getElementById('face-result')!.hasAttribute('data-decision'), before, { timeout: 40_000 });
    const face = await page.$eval('#face-result', (e) => ({ ...e.dataset }));
    const faces = JSON.parse(face.faces!) as Array<Omit<DetectedFace, 'landmarks68'>>;
    const { model, metadata } = await loadFaceModel(faceModel);
    const crops: RgbImage[] = [];
    for (const [i, png] of photos.entries()) {
      const image = rgbaToRgb(await decodeRgba(png));
      const { box, score, landmarks5 } = faces[i];
      assert.ok(score >= 0.5 && box.x >= 0 && box.y >= 0 && box.x + box.width <= image.width + 1 && box.y + box.height <= image.height + 1, `photo ${i}: a face box inside the photo (${JSON.stringify(box)}, score ${score})`);
      const [leftEye, rightEye, nose, leftMouth, rightMouth] = landmarks5;
      assert.ok(leftEye[0] < rightEye[0] && leftMouth[0] < rightMouth[0] && leftEye[1] < nose[1] && nose[1] < leftMouth[1], `photo ${i}: eyes, nose and mouth in order (${JSON.stringify(landmarks5)})`);
      crops.push(faceCrop(image, metadata, { ...faces[i], landmarks68: [] }));
    }
    const want = await verifyCrops(model, metadata, crops as [RgbImage, RgbImage]);
    model.dispose();
    assert.equal(Number(face.threshold), want.threshold);
    assert.ok(Math.abs(Number(face.similarity) - want.similarity) < 1e-4, `similarity ${face.similarity} in the browser, ${want.similarity} in Node`);
    assert.equal(face.decision, want.same ? 'same' : 'different');

    // Segmentation: a Haar U-Net (random weights, saved in Node with segment metadata) on a synthetic grey image of an
    // odd size (tiled inference); the overlay the page draws equals Node's for the same model and pixels.
    const segDir = join(dir, 'segment-model');
    const unet = createModel('unet', { wavelet: 'haar', width: 4, numClasses: 3, inChannels: 1, inputSize: 32, seed: 5 });
    const palette: Array<[number, number, number]> = [[0, 0, 0], [230, 25, 75], [60, 180, 75]];
    const segMetadata: ModelMetadata<SegmentModelExtension> = {
      format: MODEL_METADATA_FORMAT,
      version: MODEL_METADATA_VERSION,
      task: 'segment',
      model: { name: 'unet', options: { wavelet: 'haar', width: 4, numClasses: 3, inChannels: 1, inputSize: 32 } },
      preprocessing: { inputShape: [32, 32, 1], normalization: { mean: [0.45], std: [0.25] } },
      classNames: ['background', 'square', 'bar'],
      thresholds: {},
      training: { steps: 0, seed: 5 },
      extension: { palette, ignoreIndex: 255, dataFormat: 'synthetic (random weights)' },
    };
    setModelMetadata(unet, segMetadata);
    await saveModel(unet, segDir);
    const scene = await sharp({ create: { width: 45, height: 37, channels: 3, background: { r: 20, g: 20, b: 20 } } })
      .composite([{ input: { create: { width: 12, height: 12, channels: 3, background: { r: 230, g: 230, b: 230 } } }, left: 20, top: 15 }])
      .png()
      .toBuffer();
    await page.setInputFiles('#segment-model-files', [join(segDir, 'model.json'), join(segDir, 'weights.bin')]);
    before = await rendered('#segment');
    await page.setInputFiles('#segment-file', { name: 'scene.png', mimeType: 'image/png', buffer: scene });
    await waitRendered('#segment', before);
    const overlay = await page.evaluate(() => {
      const canvas = document.getElementById('segment-overlay') as HTMLCanvasElement;
      const { data } = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height);
      return { width: canvas.width, height: canvas.height, rgb: Array.from(data.filter((_, i) => i % 4 !== 3)), counts: document.getElementById('segment-info')!.dataset.counts };
    });
    const segmentation = await segmentPixels(unet, segMetadata, await decodeRgba(scene));
    unet.dispose();
    assert.deepEqual([overlay.width, overlay.height], [45, 37]);
    assert.deepEqual(JSON.parse(overlay.counts!), segmentation.counts);
    assert.ok(segmentation.counts.filter((n) => n > 0).length >= 2, `more than one class found (${segmentation.counts})`);
    const offPixels = Array.from(segmentation.overlay).filter((v, i) => Math.abs(v - overlay.rgb[i]) > 1).length;
    assert.equal(offPixels, 0, `${offPixels} overlay values differ from Node's`);

    // Registration: the demo WiNet registered the demo pair at start (the panel's figure and its mean squared
    // differences); the same pair through `registerScans` (the path of `wavecv register`) in Node gives the same warp,
    // and uploading the pair swapped registers it again.
    const demoModel = await loadModel(join(ROOT, 'web/public', dirname(DEMO_MODEL)));
    const demoMeta = parseModelMetadata(demoModel.getUserDefinedMetadata(), DEMO_MODEL) as ModelMetadata<RegisterModelExtension>;
    const loadedDemo: LoadedRegistrationModel = {
      model: demoModel,
      metadata: { task: 'register', model: demoMeta.model.name, modelOptions: demoMeta.model.options, size: demoMeta.extension.size, field: demoMeta.extension.field, integrationSteps: demoMeta.extension.integrationSteps, normalization: 'minmax', loss: demoMeta.extension.loss },
    };
    const pairPng = { fixed: readFileSync(join(ROOT, 'web/public', DEMO_PAIR.fixed)), moving: readFileSync(join(ROOT, 'web/public', DEMO_PAIR.moving)) };
    const greyScan = async (png: Buffer) => {
      const rgba = await decodeRgba(png);
      return { values: rgbaToImage(rgba, 1).dataSync() as Float32Array, shape: [rgba.height, rgba.width] };
    };
    const registeredInPage = async () => {
      const info = await page.evaluate(() => ({ ...document.getElementById('register-info')!.dataset }));
      return { before: Number(info.mseBefore), after: Number(info.mseAfter) };
    };
    assert.ok((await rendered('#register')) >= 1, 'the demo pair is registered at start');
    for (const [fixedPng, movingPng, swapped] of [[pairPng.fixed, pairPng.moving, false], [pairPng.moving, pairPng.fixed, true]] as const) {
      if (swapped) {
        before = await rendered('#register');
        await page.setInputFiles('#register-fixed-file', { name: 'fixed.png', mimeType: 'image/png', buffer: fixedPng });
        await waitRendered('#register', before);
        before = await rendered('#register');
        await page.setInputFiles('#register-moving-file', { name: 'moving.png', mimeType: 'image/png', buffer: movingPng });
        await waitRendered('#register', before);
      }
      const inPage = await registeredInPage();
      const fixedScan = await greyScan(fixedPng);
      const movingScan = await greyScan(movingPng);
      const node = await registerScans(loadedDemo, fixedScan, movingScan);
      const nodeMse = (values: Float32Array) => values.reduce((a, v, i) => a + (v - fixedScan.values[i]) ** 2, 0) / values.length;
      assert.ok(Math.abs(inPage.before - nodeMse(movingScan.values)) < 1e-9, `moving vs fixed: ${inPage.before} in the page, ${nodeMse(movingScan.values)} in Node`);
      assert.ok(Math.abs(inPage.after - nodeMse(node.warped)) < 1e-5, `warped vs fixed: ${inPage.after} in the page, ${nodeMse(node.warped)} in Node (wavecv register's path)`);
      if (!swapped) assert.ok(inPage.after < inPage.before, `the demo model brings the demo pair closer: ${inPage.before} → ${inPage.after}`);
    }
    const figure = await page.evaluate(() => {
      const canvas = document.getElementById('register-figure') as HTMLCanvasElement;
      return { width: canvas.width, height: canvas.height };
    });
    assert.deepEqual(figure, { width: 6 * demoMeta.extension.size[1] + 5 * 4, height: demoMeta.extension.size[0] }, 'six panels: fixed, moving, warped, difference, checkerboard, deformed grid');
    demoModel.dispose();

    // Forgery detection: a detector with known weights (logits [0, Σ_c w_c·mean(x_c)] of the normalised crop) on face-api's
    // group photo; every face the page found is scored as Node scores the same crops.
    const forgeryDir = join(dir, 'forgery-model');
    const forgery = knownForgeryModel();
    await saveModel(forgery.model, forgeryDir);
    await page.setInputFiles('#forgery-model-files', [join(forgeryDir, 'model.json'), join(forgeryDir, 'weights.bin')]);
    before = await rendered('#forgery');
    await page.setInputFiles('#forgery-file', { name: 'group.png', mimeType: 'image/png', buffer: photos[0] });
    await waitRendered('#forgery', before);
    const scored = JSON.parse((await page.getAttribute('#forgery-result', 'data-faces'))!) as DetectedForgery[];
    assert.equal(scored.length, 3, 'the three faces of sample1.jpg');
    const group = rgbaToRgb(await decodeRgba(photos[0]));
    const expectedFake = await scoreFaces(forgery.model, forgery.metadata, 1, scored.map((f) => cropFace(group, { box: f.box, landmarks68: [] }, { scale: 1.3, size: 32 }).face));
    forgery.model.dispose();
    scored.forEach((f, i) => {
      assert.ok(Math.abs(f.fakeProbability - expectedFake[i]) < 1e-5, `face ${i}: fake probability ${f.fakeProbability} in the browser, ${expectedFake[i]} in Node`);
      assert.equal(f.fake, expectedFake[i] >= 0.5);
    });
    assert.ok(new Set(scored.map((f) => f.fakeProbability)).size === 3, 'the faces are scored apart');
    assert.deepEqual(pageErrors, []);
  } finally {
    await browser?.close();
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
