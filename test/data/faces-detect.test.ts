import { test } from 'node:test';
import assert from 'node:assert/strict';
import { dirname, join } from 'node:path';
import { createRequire } from 'node:module';
import * as tf from '@tensorflow/tfjs';
import { initEngine } from '../../src/engine/backend.js';
import { ARCFACE_TEMPLATE_112, FaceDetector, alignFace, applyAffine, decodeImage, faceApiModelDir } from '../../src/data/faces/index.js';
import { WavecvError } from '../../src/errors.js';

const demo = join(dirname(createRequire(import.meta.url).resolve('@vladmandic/face-api/package.json')), 'demo');

test('face-api detector (from node_modules, on our tfjs engine) finds the faces of a sample photo with sane landmarks', async () => {
  await initEngine();
  const detector = await FaceDetector.load();
  const photo = await decodeImage(join(demo, 'sample1.jpg'));
  const before = tf.memory().numTensors;
  const faces = await detector.detect(photo);
  assert.equal(tf.memory().numTensors, before, 'detection leaves no tensors');
  assert.equal(faces.length, 3);
  for (const f of faces) {
    assert.ok(f.score >= 0.5);
    assert.equal(f.landmarks68.length, 68);
    const [le, re, nose, lm, rm] = f.landmarks5;
    assert.ok(le[0] < re[0] && lm[0] < rm[0], 'left points left of right points');
    assert.ok(nose[1] > le[1] && nose[1] > re[1] && lm[1] > nose[1] && rm[1] > nose[1], 'eyes above nose above mouth');
    for (const [x, y] of f.landmarks5) assert.ok(x >= f.box.x - 5 && x <= f.box.x + f.box.width + 5 && y >= f.box.y - 5 && y <= f.box.y + f.box.height + 5);
    // After alignment the five points lie within a few pixels of the template (the similarity fit's
    // residual; a turned head moves the nose tip off the frontal template, hence the looser maximum).
    const { transform, face } = alignFace(photo, f.landmarks5);
    assert.equal(face.data.length, 112 * 112 * 3);
    const residual = f.landmarks5.map((p, i) => {
      const q = applyAffine(transform, p);
      return Math.hypot(q[0] - ARCFACE_TEMPLATE_112[i][0], q[1] - ARCFACE_TEMPLATE_112[i][1]);
    });
    const mean = residual.reduce((a, b) => a + b, 0) / 5;
    assert.ok(mean < 6 && Math.max(...residual) < 15, `alignment residuals ${residual.map((r) => r.toFixed(1)).join(', ')}`);
  }
  const main = await detector.detectMain(photo);
  assert.ok(faces.includes(faces.find((f) => f.box.width === main.box.width)!));
  const blank = { width: 64, height: 64, data: new Uint8Array(64 * 64 * 3).fill(128) };
  await assert.rejects(detector.detectMain(blank, 'grey.png'), (e: unknown) => e instanceof WavecvError && /grey\.png: got "no face found"/.test(e.message));
  await assert.rejects(FaceDetector.load({ modelDir: join(faceApiModelDir(), 'missing') }), (e: unknown) => e instanceof WavecvError && /^modelDir/.test(e.message));
});
