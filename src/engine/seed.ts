/**
 * Seeding for reproducible and resumable training.
 *
 * Design choice (ours): every random stream of a run is *counter based*: its
 * seed is a hash of the run seed, a stream tag and counters such as epoch and
 * step ({@link deriveSeed}). A resumed run therefore needs no generator state
 * beyond the counters it stores in the checkpoint, and a prefetching data
 * loader can draw the augmentation of batch k+1 before step k ends without
 * disturbing anything.
 *
 * TensorFlow.js draws the seed of every unseeded random op (weight
 * initialisers, `tf.dropout`, `tf.randomNormal`, …) from `Math.random`
 * (`tfjs-core/dist/ops/rand_util.js`), and `tf.layers` initialisers cannot
 * take one global seed. {@link withSeededRandom} therefore replaces
 * `Math.random` by a seeded {@link Rng} for the duration of a synchronous
 * function — the model constructor, or one training step — and restores it
 * afterwards. Model initialisation is thus seeded without re-initialising the
 * weights ourselves (which would need to know every layer's initialiser).
 */
import { Rng } from './random.js';
import { check } from '../errors.js';

/** Tags that keep the derived streams of one run apart. */
export const SEED_STREAMS = {
  modelInit: 1,
  dataOrder: 2,
  augmentation: 3,
  step: 4,
  objective: 5,
} as const;

/**
 * A 32-bit seed derived from `seed` and any integer counters: a splitmix-style
 * mix of each part in turn, so nearby counters give unrelated seeds.
 */
export function deriveSeed(seed: number, ...parts: number[]): number {
  let h = (seed >>> 0) ^ 0x9e3779b9;
  for (const part of [...parts, parts.length]) {
    h = (h + Math.imul((part >>> 0) ^ ((part / 4294967296) >>> 0), 0x85ebca6b)) >>> 0;
    h ^= h >>> 16;
    h = Math.imul(h, 0x7feb352d) >>> 0;
    h ^= h >>> 15;
    h = Math.imul(h, 0x846ca68b) >>> 0;
    h ^= h >>> 16;
  }
  return h >>> 0;
}

/**
 * Runs the synchronous `fn` with `Math.random` drawing from `new Rng(seed)`,
 * so that every unseeded TensorFlow.js random op inside it is reproducible.
 * `fn` must not be async: the original `Math.random` is restored when it
 * returns or throws.
 */
export function withSeededRandom<T>(seed: number, fn: () => T): T {
  check(Number.isFinite(seed), 'seed', seed, 'a finite number');
  const rng = new Rng(seed);
  const original = Math.random;
  Math.random = () => rng.next();
  try {
    const result = fn();
    check(!(result instanceof Promise), 'fn', 'a Promise', 'a synchronous function (Math.random is only seeded while it runs)');
    return result;
  } finally {
    Math.random = original;
  }
}
