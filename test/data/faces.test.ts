import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import sharp from 'sharp';
import {
  ARCFACE_TEMPLATE_112,
  alignFace,
  alignmentTransform,
  applyAffine,
  decodeImage,
  estimateSimilarity,
  facesToTensor,
  fivePointsFrom68,
  invertAffine,
  openIdentityFolders,
  parsePairs,
  readVerificationBin,
  unpickle,
  warpAffine,
  type Affine,
  type Point,
  type RgbImage,
} from '../../src/data/faces/index.js';
import { faceNormalization } from '../../src/tasks/face.js';
import { WavecvError } from '../../src/errors.js';
import { initEngine } from '../../src/engine/backend.js';

const fixtures = new URL('../fixtures/faces/', import.meta.url);
const fixturePath = (name: string) => new URL(name, fixtures).pathname;

test('verification .bin: protocol 4, Python-3 protocol 2 (_codecs.encode) and Python-2 cPickle forms all read', async () => {
  const expected = JSON.parse(readFileSync(fixturePath('tiny_bin.json'), 'utf8')) as { width: number; height: number; issame: boolean[]; pixels: number[][]; jpegLengths: number[] };
  for (const file of ['tiny.bin', 'tiny_p2.bin', 'tiny_py2.bin']) {
    const bin = await readVerificationBin(fixturePath(file));
    assert.deepEqual(bin.issame, expected.issame, file);
    assert.deepEqual(
      bin.images.map((b) => b.length),
      expected.jpegLengths,
      file,
    );
    for (let i = 0; i < bin.images.length; i++) {
      const img = await decodeImage(bin.images[i]);
      assert.equal(img.width, expected.width);
      assert.equal(img.height, expected.height);
      // libjpeg-turbo (sharp) and Pillow's libjpeg decode baseline JPEGs alike up to rounding.
      let worst = 0;
      img.data.forEach((v, k) => (worst = Math.max(worst, Math.abs(v - expected.pixels[i][k]))));
      assert.ok(worst <= 2, `${file} image ${i}: max pixel difference ${worst}`);
    }
  }
});

test('unpickle refuses globals other than _codecs.encode, truncated data and bad structure', async () => {
  // pickle.dumps(os.system) in protocol 2: GLOBAL 'posix system'
  const evil = Uint8Array.from([0x80, 0x02, 0x63, ...Buffer.from('posix\nsystem\n'), 0x71, 0x00, 0x2e]);
  assert.throws(() => unpickle(evil, 'evil.bin'), (e: unknown) => e instanceof WavecvError && /global posix\.system/.test(e.message));
  const good = readFileSync(fixturePath('tiny.bin'));
  assert.throws(() => unpickle(good.subarray(0, 200), 'cut.bin'), (e: unknown) => e instanceof WavecvError && /truncated/.test(e.message));
  // (True, False) is a tuple of two, but not (list, list)
  const notPairs = Uint8Array.from([0x80, 0x04, 0x88, 0x89, 0x86, 0x2e]);
  const dir = mkdtempSync(join(tmpdir(), 'wavecv-bin-'));
  try {
    writeFileSync(join(dir, 'x.bin'), notPairs);
    await assert.rejects(readVerificationBin(join(dir, 'x.bin')), (e: unknown) => e instanceof WavecvError && /bins/.test(e.message));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  assert.deepEqual(unpickle(Uint8Array.from([0x80, 0x02, 0x5d, 0x71, 0x00, 0x28, 0x4b, 0x07, 0x4d, 0x10, 0x27, 0x4a, 0xff, 0xff, 0xff, 0xff, 0x65, 0x2e])), [7, 10000, -1]);
});

test('LFW pairs.txt: header, matched and mismatched lines, generic path lines', () => {
  const text = '2\t2\nAbel_Pacheco\t1\t4\nAkhmed_Zakayev\t1\t3\nAbdel_Madi_Shabneh\t1\tDean_Barker\t1\nAbdul_Rahman\t1\tPortia_de_Rossi\t1\n';
  const list = parsePairs(text, '/data/lfw');
  assert.equal(list.folds, 2);
  assert.equal(list.pairs.length, 4);
  assert.deepEqual(list.pairs[0], { a: '/data/lfw/Abel_Pacheco/Abel_Pacheco_0001.jpg', b: '/data/lfw/Abel_Pacheco/Abel_Pacheco_0004.jpg', same: true });
  assert.deepEqual(list.pairs[2], { a: '/data/lfw/Abdel_Madi_Shabneh/Abdel_Madi_Shabneh_0001.jpg', b: '/data/lfw/Dean_Barker/Dean_Barker_0001.jpg', same: false });
  const generic = parsePairs('x/a.png y/b.png 1\nx/c.png /abs/d.png 0\n', 'root');
  assert.deepEqual(generic.pairs, [
    { a: 'root/x/a.png', b: 'root/y/b.png', same: true },
    { a: 'root/x/c.png', b: '/abs/d.png', same: false },
  ]);
  assert.equal(generic.folds, undefined);
  assert.throws(() => parsePairs('10 300\nonly_two fields\n', '', 'p.txt'), (e: unknown) => e instanceof WavecvError && /p\.txt line 2/.test(e.message));
});

function similarity(angle: number, scale: number, tx: number, ty: number): Affine {
  const c = scale * Math.cos(angle);
  const s = scale * Math.sin(angle);
  return [
    [c, -s, tx],
    [s, c, ty],
  ];
}

test('estimateSimilarity recovers a known transform exactly and matches NumPy SVD Umeyama on noisy points', () => {
  const truth = similarity(0.4, 2.5, 130, -20);
  const source = ARCFACE_TEMPLATE_112.map((p) => [p[0], p[1]] as Point);
  const target = source.map((p) => applyAffine(truth, p));
  const m = estimateSimilarity(source, target);
  for (let r = 0; r < 2; r++) for (let c = 0; c < 3; c++) assert.ok(Math.abs(m[r][c] - truth[r][c]) < 1e-9, `m[${r}][${c}]`);
  const ref = JSON.parse(readFileSync(fixturePath('umeyama.json'), 'utf8')) as { cases: { source: Point[]; target: Point[]; matrix: number[][] }[] };
  for (const k of ref.cases) {
    const got = estimateSimilarity(k.source, k.target);
    for (let r = 0; r < 2; r++) for (let c = 0; c < 3; c++) assert.ok(Math.abs(got[r][c] - k.matrix[r][c]) < 1e-9, `noisy case m[${r}][${c}]: ${got[r][c]} vs ${k.matrix[r][c]}`);
  }
  assert.throws(() => estimateSimilarity([[1, 1], [1, 1]], [[0, 0], [1, 1]]), WavecvError);
});

test('warpAffine samples bilinearly with a zero border (exact on an affine ramp)', () => {
  const w = 40;
  const h = 30;
  const data = new Float32Array(w * h * 2);
  const f = (x: number, y: number, c: number) => 0.3 * x + 0.7 * y + 10 * c + 5;
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) for (let c = 0; c < 2; c++) data[(y * w + x) * 2 + c] = f(x, y, c);
  const m = similarity(-0.3, 1.3, 4, 12);
  const out = warpAffine({ width: w, height: h, channels: 2, data }, m, 50, 45);
  const inv = invertAffine(m);
  let inside = 0;
  let outside = 0;
  for (let y = 0; y < 45; y++) {
    for (let x = 0; x < 50; x++) {
      const [sx, sy] = applyAffine(inv, [x, y]);
      for (let c = 0; c < 2; c++) {
        const v = out.data[(y * 50 + x) * 2 + c];
        if (sx >= 0 && sx <= w - 1 && sy >= 0 && sy <= h - 1) {
          assert.ok(Math.abs(v - f(sx, sy, c)) < 1e-3, `(${x}, ${y}, ${c}): ${v} vs ${f(sx, sy, c)}`);
          inside++;
        } else if (sx < -1 || sx > w || sy < -1 || sy > h) {
          assert.equal(v, 0);
          outside++;
        }
      }
    }
  }
  assert.ok(inside > 500 && outside > 100, `${inside} inside, ${outside} outside`);
  // An integer translation of 8-bit data moves pixels exactly.
  const bytes = Uint8Array.from({ length: 5 * 4 }, (_, i) => i * 9);
  const shifted = warpAffine({ width: 5, height: 4, channels: 1, data: bytes }, [[1, 0, 1], [0, 1, 0]], 5, 4);
  assert.deepEqual([...shifted.data.slice(0, 5)], [0, 0, 9, 18, 27]);
});

test('alignFace puts the five landmarks on the ArcFace template; 68 → 5 points', () => {
  const truth = similarity(0.25, 1.8, 60, 35);
  const landmarks = ARCFACE_TEMPLATE_112.map((p) => applyAffine(truth, [p[0], p[1]]));
  const t = alignmentTransform(landmarks);
  landmarks.forEach((p, i) => {
    const q = applyAffine(t, p);
    assert.ok(Math.hypot(q[0] - ARCFACE_TEMPLATE_112[i][0], q[1] - ARCFACE_TEMPLATE_112[i][1]) < 1e-9);
  });
  // A photo that is the template-aligned face moved by `truth` comes back to the original crop.
  const crop = new Uint8Array(112 * 112 * 3);
  for (let y = 0; y < 112; y++) for (let x = 0; x < 112; x++) crop.set([x * 2, y * 2, (x + y) % 256], (y * 112 + x) * 3);
  const photo = warpAffine({ width: 112, height: 112, channels: 3, data: crop }, truth, 320, 300);
  const { face } = alignFace({ width: 320, height: 300, data: photo.data as Uint8Array }, landmarks);
  let err = 0;
  let count = 0;
  for (let y = 10; y < 100; y++) for (let x = 10; x < 100; x++) for (let c = 0; c < 2; c++, count++) err += Math.abs(face.data[(y * 112 + x) * 3 + c] - crop[(y * 112 + x) * 3 + c]);
  assert.ok(err / count < 1.5, `mean abs error ${err / count}`);
  const pts68 = Array.from({ length: 68 }, (_, i) => [i, 2 * i] as Point);
  assert.deepEqual(fivePointsFrom68(pts68), [
    [37.5, 75],
    [43.5, 87],
    [30, 60],
    [48, 96],
    [54, 108],
  ]);
  assert.throws(() => alignmentTransform(landmarks.slice(0, 4)), (e: unknown) => e instanceof WavecvError && /landmarks/.test(e.message));
});

test('identity folders: sorted identities, labels, [0,1] batches of the requested size', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'wavecv-ids-'));
  try {
    for (const [who, shade] of [
      ['bob', 40],
      ['alice', 200],
    ] as const) {
      mkdirSync(join(dir, who));
      for (let i = 0; i < 2; i++) {
        await sharp({ create: { width: 20 + i * 4, height: 24, channels: 3, background: { r: shade, g: shade, b: shade } } })
          .png()
          .toFile(join(dir, who, `${i}.png`));
      }
    }
    writeFileSync(join(dir, 'alice', 'notes.txt'), 'not an image');
    const data = openIdentityFolders(dir, { size: 16 });
    assert.deepEqual(data.classNames, ['alice', 'bob']);
    assert.equal(data.train.length, 4);
    assert.deepEqual([...data.train.labels()], [0, 0, 1, 1]);
    const batch = await data.train.getBatch([3, 0]);
    assert.deepEqual(batch.image.shape, [2, 16, 16, 3]);
    assert.deepEqual([...batch.label.data], [1, 0]);
    assert.ok(Math.abs(batch.image.data[0] - 40 / 255) < 0.01);
    assert.ok(Math.abs(batch.image.data[16 * 16 * 3] - 200 / 255) < 0.01);
    assert.throws(() => openIdentityFolders(join(dir, 'alice')), (e: unknown) => e instanceof WavecvError && /^data/.test(e.message));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

before(async () => {
  await initEngine();
});

test('facesToTensor normalises by the normalisation it is given (a model metadata), per channel or shared, and refuses mixed sizes', () => {
  const a: RgbImage = { width: 2, height: 1, data: Uint8Array.from([0, 51, 255, 102, 204, 153]) };
  const b: RgbImage = { width: 2, height: 1, data: Uint8Array.from([255, 255, 255, 0, 0, 0]) };
  const face = facesToTensor([a, b], faceNormalization(3));
  assert.deepEqual(face.shape, [2, 1, 2, 3]);
  const expected = [...a.data, ...b.data].map((v) => (v / 255 - 0.5) / 0.5);
  Array.from(face.dataSync()).forEach((v, i) => assert.ok(Math.abs(v - expected[i]) < 1e-6, `${i}: ${v} vs ${expected[i]}`));
  face.dispose();
  const perChannel = facesToTensor([a], { mean: [0, 0.2, 0.4], std: [1, 0.5, 0.25] });
  const channelExpected = Array.from(a.data, (v, k) => (v / 255 - [0, 0.2, 0.4][k % 3]) / [1, 0.5, 0.25][k % 3]);
  Array.from(perChannel.dataSync()).forEach((v, i) => assert.ok(Math.abs(v - channelExpected[i]) < 1e-6, `${i}: ${v} vs ${channelExpected[i]}`));
  perChannel.dispose();
  assert.throws(() => facesToTensor([a, { width: 1, height: 1, data: Uint8Array.from([1, 2, 3]) }], faceNormalization(3)), (e) => e instanceof WavecvError && /images\[1\]/.test(e.message));
  assert.throws(() => facesToTensor([a], { mean: [0.5, 0.5], std: [0.5, 0.5] }), (e) => e instanceof WavecvError && /^normalization/.test(e.message));
});
