import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { createProgress } from '../../src/cli/progress.js';

function sink(tty: boolean): Writable & { text: string } {
  const stream = new Writable({
    write(chunk, _encoding, done) {
      stream.text += String(chunk);
      done();
    },
  }) as Writable & { text: string; isTTY?: boolean; columns?: number; cursorTo?: unknown; clearLine?: unknown; moveCursor?: unknown; clearScreenDown?: unknown };
  stream.text = '';
  if (tty) Object.assign(stream, { isTTY: true, columns: 160, cursorTo: (_x: number, _y?: number, cb?: () => void) => cb?.(), clearLine: (_d: number, cb?: () => void) => cb?.(), moveCursor: (_x: number, _y: number, cb?: () => void) => cb?.(), clearScreenDown: (cb?: () => void) => cb?.() });
  return stream;
}

const values = (step: number) => ({ epoch: 0, loss: 1 / step, lr: 0.1, metrics: { accuracy: 0.5 } });

test('plain lines when not a terminal: first step, every N steps, last step, news lines', () => {
  const out = sink(false);
  const progress = createProgress({ stream: out as unknown as NodeJS.WriteStream, everySteps: 4, everySeconds: 3600 });
  progress.start({ totalSteps: 10, startStep: 0, stepsPerEpoch: 5 });
  for (let s = 1; s <= 10; s++) progress.update(s, values(s));
  progress.message('eval @ step 10: top1 0.9');
  progress.stop();
  const lines = out.text.trim().split('\n');
  assert.match(lines[0], /^training 10 steps \(5 per epoch\)$/);
  assert.deepEqual(
    lines.filter((l) => l.startsWith('step ')).map((l) => l.split(' ')[1]),
    ['1/10', '4/10', '8/10', '10/10'],
  );
  assert.match(lines[1], /^step 1\/10 \(10\.0%\) epoch 1 {2}loss 1\.0000 {2}accuracy 0\.5000 {2}lr 1\.00e-1 {2}[\d.]+ steps\/s {2}eta /);
  assert.ok(lines.includes('eval @ step 10: top1 0.9'));
  assert.match(lines[lines.length - 1], /^finished 10 steps after/);
  assert.ok(!out.text.includes('\u001b['), 'no terminal escape codes');
});

test('resumed runs say where they resume', () => {
  const out = sink(false);
  const progress = createProgress({ stream: out as unknown as NodeJS.WriteStream });
  progress.start({ totalSteps: 10, startStep: 6, stepsPerEpoch: 5 });
  progress.update(7, values(7));
  progress.stop();
  assert.match(out.text, /resuming at step 6/);
  assert.match(out.text, /step 7\/10/);
  assert.match(out.text, /\nstopped at step 7 of 10 after /, 'a run that ends before its last step says it stopped');
  assert.ok(!out.text.includes('finished'), out.text);
});

test('a live bar on a terminal', () => {
  const out = sink(true);
  const progress = createProgress({ stream: out as unknown as NodeJS.WriteStream });
  progress.start({ totalSteps: 10, startStep: 0, stepsPerEpoch: 5 });
  progress.update(3, values(3));
  progress.message('checkpoint @ step 3');
  progress.stop();
  assert.match(out.text, /step 3\/10 \| epoch 1 \| loss 0\.3333 {2}accuracy 0\.5000 {2}lr 1\.00e-1/);
  assert.match(out.text, /checkpoint @ step 3/);
});
