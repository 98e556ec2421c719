import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../src/engine/random.js';
import { WavecvError } from '../../src/errors.js';
import type { Point } from '../../src/data/faces/align.js';
import { cropFace, faceCropTransform } from '../../src/data/forgery/crop.js';
import { convexHull, insideConvex, selfBlend, softHullMask } from '../../src/data/forgery/self-blend.js';

const SIZE = 64;

/** A SYNTHETIC 64×64 test face: smooth colour gradients plus a seeded texture, and 68 points on an ellipse-ish layout. */
function syntheticFace(seed = 3): { face: { width: number; height: number; data: Uint8Array }; landmarks: Point[] } {
  const rng = new Rng(seed);
  const data = new Uint8Array(SIZE * SIZE * 3);
  for (let y = 0; y < SIZE; y++)
    for (let x = 0; x < SIZE; x++) for (let c = 0; c < 3; c++) data[(y * SIZE + x) * 3 + c] = Math.round(60 + 2 * x + (c + 1) * y * 0.7 + 30 * rng.next());
  // 68 points: a jaw arc, brows, eyes, nose, mouth inside a 40×44 box centred at (32, 34)
  const landmarks: Point[] = [];
  for (let i = 0; i < 68; i++) {
    const t = (i / 67) * 2 * Math.PI;
    const r = i < 17 ? 1 : 0.35 + 0.5 * rng.next();
    landmarks.push([32 + 20 * r * Math.cos(t), 34 + 22 * r * Math.sin(t)]);
  }
  return { face: { width: SIZE, height: SIZE, data }, landmarks };
}

test('convex hull of a square with inner points; insideConvex', () => {
  const hull = convexHull([[0, 0], [4, 0], [2, 2], [4, 4], [0, 4], [1, 3], [2, 0]]);
  assert.equal(hull.length, 4);
  assert.ok(insideConvex(hull, [2, 2]) && insideConvex(hull, [0, 2]) && !insideConvex(hull, [4.01, 2]) && insideConvex(hull, [4.01, 2], 0.02));
  assert.throws(() => convexHull([[0, 0], [1, 1], [2, 2]]), (e: unknown) => e instanceof WavecvError && /one line/.test(e.message));
});

test('soft hull mask: exactly 0 outside the hull, 1 deep inside, a blurred edge in between', () => {
  const hull = convexHull([[10, 12], [50, 8], [56, 40], [30, 58], [8, 44]]);
  const mask = softHullMask(hull, SIZE, SIZE, 3);
  let partial = 0;
  for (let y = 0; y < SIZE; y++)
    for (let x = 0; x < SIZE; x++) {
      const m = mask[y * SIZE + x];
      if (m > 0) assert.ok(insideConvex(hull, [x, y], 1e-9), `mask ${m} at (${x}, ${y}) outside the hull`);
      if (m > 0 && m < 1) partial++;
    }
  assert.equal(mask[32 * SIZE + 32], 1);
  assert.ok(partial > 50, `a soft edge (${partial} partial pixels)`);
  const hard = softHullMask(hull, SIZE, SIZE, 0);
  assert.ok(hard.every((v) => v === 0 || v === 1));
});

test('self-blended image: mask inside the landmark hull, identity at ratio 0, Eq. 3 outside the mask, deterministic by seed', () => {
  const { face, landmarks } = syntheticFace();
  const landmarkHull = convexHull(landmarks);
  for (let seed = 0; seed < 6; seed++) {
    const sbi = selfBlend(face, landmarks, new Rng(seed));
    assert.equal(sbi.image.data.length, face.data.length);
    let inside = 0;
    for (let y = 0; y < SIZE; y++)
      for (let x = 0; x < SIZE; x++) {
        const m = sbi.mask[y * SIZE + x];
        if (m > 0) {
          assert.ok(insideConvex(landmarkHull, [x, y], 1e-9), `seed ${seed}: mask at (${x}, ${y}) outside the landmark hull`);
          inside++;
        } else if (!sbi.transformTarget) {
          // outside the mask the target is the face itself, untouched
          for (let c = 0; c < 3; c++) assert.equal(sbi.image.data[(y * SIZE + x) * 3 + c], face.data[(y * SIZE + x) * 3 + c]);
        }
      }
    assert.ok(inside > 200, `seed ${seed}: the mask covers the face (${inside} px)`);
    assert.ok([0.25, 0.5, 0.75, 1].includes(sbi.ratio));
    const changed = sbi.image.data.some((v, k) => v !== face.data[k]);
    assert.ok(changed, `seed ${seed}: the forgery differs from the face`);
  }
  const identity = selfBlend(face, landmarks, new Rng(7), { blendRatio: 0, transformTarget: false });
  assert.deepEqual(identity.image.data, face.data);
  const a = selfBlend(face, landmarks, new Rng(11));
  const b = selfBlend(face, landmarks, new Rng(11));
  const c = selfBlend(face, landmarks, new Rng(12));
  assert.deepEqual(a.image.data, b.image.data);
  assert.deepEqual(a.mask, b.mask);
  assert.notDeepEqual(a.image.data, c.image.data);
  assert.throws(() => selfBlend(face, landmarks.slice(0, 5), new Rng(1)), (e: unknown) => e instanceof WavecvError && /68 points/.test(e.message));
  assert.throws(() => selfBlend(face, landmarks, new Rng(1), { blendRatio: 2 }), (e: unknown) => e instanceof WavecvError && /blendRatio/.test(e.message));
});

test('face crop: the box centre lands on the crop centre, scale sets the margin, landmarks follow the pixels', () => {
  const width = 100;
  const height = 80;
  const data = new Uint8Array(width * height * 3);
  data.fill(0);
  const dot = (x: number, y: number) => data.fill(255, (y * width + x) * 3, (y * width + x) * 3 + 3);
  dot(40, 30);
  dot(50, 30);
  const box = { x: 30, y: 20, width: 20, height: 20 };
  const landmarks68 = Array.from({ length: 68 }, (_, i) => (i % 2 ? [50, 30] : [40, 30]) as Point);
  const crop = cropFace({ width, height, data }, { box, landmarks68 }, { scale: 2, size: 40 });
  // side 40 px at scale 2 → k = 1: a pure translation
  assert.deepEqual(faceCropTransform(box, 2, 40), [
    [1, 0, 19.5 - 40],
    [0, 1, 19.5 - 30],
  ]);
  for (const [x, y] of [crop.landmarks68[0], crop.landmarks68[1]]) {
    assert.ok(Number.isInteger(x * 2) && Number.isInteger(y * 2));
    // half-pixel positions: the dot spreads over the four neighbours equally
    const xi = Math.floor(x);
    const yi = Math.floor(y);
    assert.equal(crop.face.data[(yi * 40 + xi) * 3], Math.round(255 / 4));
  }
  assert.throws(() => faceCropTransform(box, 0, 40), (e: unknown) => e instanceof WavecvError && /scale/.test(e.message));
});
