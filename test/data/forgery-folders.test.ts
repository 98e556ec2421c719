import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import sharp from 'sharp';
import { WavecvError } from '../../src/errors.js';
import { openForgeryData } from '../../src/data/readers.js';
import { evenFramePositions } from '../../src/data/forgery/dataset.js';

/** Writes a synthetic 8×8 PNG whose every pixel is `value` (grey RGB). */
async function writeFrame(path: string, value: number, size = 8): Promise<void> {
  mkdirSync(dirname(path), { recursive: true });
  await sharp(Buffer.alloc(size * size * 3, value), { raw: { width: size, height: size, channels: 3 } }).png().toFile(path);
}

function withDir(fn: (dir: string) => Promise<void>): () => Promise<void> {
  return async () => {
    const dir = mkdtempSync(join(tmpdir(), 'wavecv-forgery-'));
    try {
      await fn(dir);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };
}

test('even frame positions are numpy linspace(0, T-1, N, dtype=int)', () => {
  // np.linspace(0, 9, 4, dtype=int) = [0, 3, 6, 9]; np.linspace(0, 299, 32, dtype=int)[:5] = [0, 9, 19, 28, 38]
  assert.deepEqual(evenFramePositions(10, 4), [0, 3, 6, 9]);
  assert.deepEqual(evenFramePositions(300, 32).slice(0, 5), [0, 9, 19, 28, 38]);
  assert.equal(evenFramePositions(300, 32)[31], 299);
  assert.deepEqual(evenFramePositions(3, 5), [0, 1, 2]);
  assert.deepEqual(evenFramePositions(7, 1), [0]);
  assert.throws(() => evenFramePositions(7, 0), (e: unknown) => e instanceof WavecvError && /framesPerVideo/.test(e.message));
});

test(
  'real/fake folders: label 1 = fake, frame folders are videos, loose images their own video, frames sampled evenly',
  withDir(async (root) => {
    await writeFrame(join(root, 'real', 'a.png'), 10);
    await writeFrame(join(root, 'real', 'b.png'), 20);
    for (let f = 1; f <= 10; f++) await writeFrame(join(root, 'fake', 'method', 'vid7', `${f}.png`), 100 + f);
    writeFileSync(join(root, 'fake', 'notes.txt'), 'ignored');
    const data = await openForgeryData(root, { framesPerVideo: 4 });
    assert.equal(data.format, 'real-fake');
    assert.equal(data.test, undefined);
    const d = data.train;
    assert.deepEqual(d.classNames, ['real', 'fake']);
    assert.deepEqual(d.imageShape, [8, 8, 3]);
    assert.equal(d.length, 6);
    assert.deepEqual(Array.from(d.labels()), [0, 0, 1, 1, 1, 1]);
    assert.deepEqual(d.videos, ['fake/method/vid7', 'real/a.png', 'real/b.png']);
    // frames 1, 4, 7, 10 of the ten (natural order: 10.png after 9.png)
    assert.deepEqual(d.frames.slice(2).map((f) => f.path.split('/').pop()), ['1.png', '4.png', '7.png', '10.png']);
    const batch = await d.getBatch([1, 5]);
    assert.deepEqual(batch.image.shape, [2, 8, 8, 3]);
    assert.deepEqual(Array.from(batch.label.data), [0, 1]);
    assert.deepEqual(Array.from(batch.video.data), [2, 0]);
    assert.equal(Math.round(batch.image.data[0] * 255), 20);
    assert.equal(Math.round(batch.image.data[8 * 8 * 3] * 255), 110);
    assert.deepEqual(Array.from(d.videoIndices()), [1, 2, 0, 0, 0, 0]);
    // resized on request
    const small = await openForgeryData(root, { size: 12, framesPerVideo: 1 });
    assert.deepEqual(small.train.imageShape, [12, 12, 3]);
    assert.equal(small.train.length, 3);
  }),
);

test(
  'real/fake train/ + test/ splits; the test split is sized like the training split',
  withDir(async (root) => {
    await writeFrame(join(root, 'train', 'real', 'a.png'), 1, 16);
    await writeFrame(join(root, 'train', 'fake', 'b.png'), 2, 16);
    await writeFrame(join(root, 'val', 'real', 'c.png'), 3, 8);
    await writeFrame(join(root, 'val', 'fake', 'd.png'), 4, 8);
    const data = await openForgeryData(root);
    assert.equal(data.train.length, 2);
    assert.equal(data.test!.length, 2);
    assert.deepEqual(data.test!.imageShape, [16, 16, 3]);
    assert.deepEqual(data.test!.videos, ['val/fake/d.png', 'val/real/c.png']);
  }),
);

test(
  'FaceForensics++ frame tree: frames/ and images/ folders, compression and method filters, official split by id pairs',
  withDir(async (root) => {
    const real = (id: string, n: number) => Array.from({ length: n }, (_, f) => join(root, 'original_sequences', 'youtube', 'c23', 'frames', id, `${String(f).padStart(4, '0')}.png`));
    const fake = (method: string, id: string, n: number, folder = 'frames', comp = 'c23') =>
      Array.from({ length: n }, (_, f) => join(root, 'manipulated_sequences', method, comp, folder, id, `${String(f).padStart(4, '0')}.png`));
    const files = [...real('000', 5), ...real('003', 2), ...real('100', 3), ...fake('Deepfakes', '000_003', 5), ...fake('Face2Face', '003_000', 3, 'images'), ...fake('Deepfakes', '100_200', 2), ...fake('Deepfakes', '000_003', 2, 'frames', 'c40')];
    for (const f of files) await writeFrame(f, 50);
    await writeFrame(join(root, 'manipulated_sequences', 'Deepfakes', 'masks', 'frames', '000_003', '0000.png'), 0);
    const all = await openForgeryData(root, { framesPerVideo: 2, compression: 'c23' });
    assert.equal(all.format, 'faceforensics');
    assert.equal(all.test, undefined);
    assert.deepEqual(all.train.videos, [
      'manipulated_sequences/Deepfakes/c23/frames/000_003',
      'manipulated_sequences/Deepfakes/c23/frames/100_200',
      'manipulated_sequences/Face2Face/c23/images/003_000',
      'original_sequences/youtube/c23/frames/000',
      'original_sequences/youtube/c23/frames/003',
      'original_sequences/youtube/c23/frames/100',
    ]);
    assert.equal(all.train.length, 12);
    assert.equal(all.train.labels().reduce((a, b) => a + b, 0), 6);
    const frames000 = all.train.frames.filter((f) => f.video.endsWith('/000')).map((f) => f.path.split('/').pop());
    assert.deepEqual(frames000, ['0000.png', '0004.png']);
    const everyCompression = await openForgeryData(root, { framesPerVideo: 2, methods: ['Deepfakes'] });
    assert.equal(everyCompression.train.videos.filter((v) => v.includes('/c40/')).length, 1);
    assert.ok(everyCompression.train.videos.every((v) => !v.includes('Face2Face')));
    // official split: pair (000, 003) in train, (100, 200) in test
    mkdirSync(join(root, 'splits'));
    writeFileSync(join(root, 'splits', 'train.json'), JSON.stringify([['003', '000']]));
    writeFileSync(join(root, 'splits', 'test.json'), JSON.stringify([['100', '200']]));
    const split = await openForgeryData(root, { framesPerVideo: 8, compression: 'c23' });
    assert.deepEqual(split.train.videos.map((v) => v.split('/').pop()), ['000_003', '003_000', '000', '003']);
    assert.deepEqual(split.test!.videos.map((v) => v.split('/').pop()), ['100_200', '100']);
    writeFileSync(join(root, 'splits', 'test.json'), '{"not": "pairs"}');
    await assert.rejects(openForgeryData(root), (e: unknown) => e instanceof WavecvError && /split file/.test(e.message) && /id pairs/.test(e.message));
    await assert.rejects(openForgeryData(root, { compression: 'c99' }), (e: unknown) => e instanceof WavecvError && /c99/.test(e.message));
  }),
);

test(
  'bad forgery data: a folder of neither layout, a missing class, bad options',
  withDir(async (root) => {
    await writeFrame(join(root, 'cats', 'a.png'), 1);
    await assert.rejects(openForgeryData(root), (e: unknown) => e instanceof WavecvError && /^data/.test(e.message) && /real\/ and fake\//.test(e.message));
    mkdirSync(join(root, 'real'));
    mkdirSync(join(root, 'fake'));
    await writeFrame(join(root, 'real', 'a.png'), 1);
    await assert.rejects(openForgeryData(root), (e: unknown) => e instanceof WavecvError && /fake/.test(e.message) && /at least one image/.test(e.message));
    await writeFrame(join(root, 'fake', 'b.png'), 1);
    await assert.rejects(openForgeryData(root, { framesPerVideo: 0 }), (e: unknown) => e instanceof WavecvError && /framesPerVideo/.test(e.message));
    await assert.rejects(openForgeryData(root, { size: 3 }), (e: unknown) => e instanceof WavecvError && /size/.test(e.message));
  }),
);
