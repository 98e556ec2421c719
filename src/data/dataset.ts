/**
 * The data plumbing every task shares: a {@link Dataset} is anything that can
 * return the samples at some indices as one batch of host arrays; a
 * {@link DataLoader} shuffles by seed, batches, augments and prefetches.
 *
 * A batch is a record of named arrays of any rank, each with its own dtype
 * (images and masks, fixed and moving volumes, volumes and label volumes);
 * the trainer feeds the keys named by its `inputKeys` to the model and hands
 * the whole batch to the objective. {@link ArrayRecordDataset} holds such
 * records in memory; {@link ExampleDataset} reads them one example at a time
 * and stacks them ({@link stackExamples}).
 *
 * Batches are plain typed arrays ({@link HostBatch}), not tensors, so that
 * readers never touch the backend and a batch can be built while the backend
 * is busy with the previous step. The trainer turns a batch into tensors with
 * {@link batchToTensors} just before the step.
 *
 * Determinism and resume (design choice, ours): the order of epoch `e` is a
 * Fisher–Yates shuffle drawn from `deriveSeed(seed, dataOrder, e)` and the
 * augmentation of batch `b` of epoch `e` draws from
 * `deriveSeed(seed, augmentation, e, b)`. A loader's whole state is therefore
 * its position `(epoch, batch)`; resuming at a position reproduces the same
 * batches bit for bit, and prefetching ahead changes nothing.
 *
 * Prefetch (measured choice): {@link DataLoader.batches} keeps `prefetch`
 * batch requests in flight while the consumer trains on the current one.
 * Readers that wait on I/O or on sharp/libvips decoding (which runs in
 * libuv's thread pool) thereby overlap with the training step for real. For
 * in-memory sources (IDX, CIFAR binaries) assembling a batch of 64 28×28
 * images with crop+flip+normalise takes ~2 ms of CPU (measured), against
 * ~350 ms for a training step of the small `cnn28` network, so moving that
 * work to a worker thread would gain under 1% and cost copies; it stays on
 * the main thread.
 */
import * as tf from '@tensorflow/tfjs';
import { Rng } from '../engine/random.js';
import { tensorFromHost } from '../engine/read.js';
import { check, WavecvError } from '../errors.js';
import { deriveSeed, SEED_STREAMS } from '../engine/seed.js';

/** One array of a batch, in host memory, row-major. */
export interface HostTensor {
  dtype: 'float32' | 'int32';
  shape: number[];
  data: Float32Array | Int32Array;
}

/** A batch: named arrays whose first dimension is the batch size. */
export type HostBatch = Record<string, HostTensor>;

/** A source of samples addressed by index in `[0, length)`. */
export interface Dataset {
  readonly length: number;
  /**
   * The samples at `indices`, stacked along a new first axis. May return a
   * promise (file reads, decoding); must not create tensors.
   */
  getBatch(indices: number[]): HostBatch | Promise<HostBatch>;
}

/**
 * A dataset of labelled images: batches hold `image` (float32
 * `[B, H, W, C]`, values in [0, 1] before normalisation) and `label` (int32
 * `[B]`, class index).
 */
export interface ClassificationDataset extends Dataset {
  readonly classNames: string[];
  /** `[height, width, channels]` of every image. */
  readonly imageShape: [number, number, number];
  /** The label of every sample. */
  labels(): Int32Array;
}

/** An augmentation or other per-batch transform, drawing randomness from `rng` only. */
export type BatchTransform = (batch: HostBatch, rng: Rng) => HostBatch | Promise<HostBatch>;

export function hostTensor(dtype: 'float32' | 'int32', shape: number[], data?: Float32Array | Int32Array): HostTensor {
  const size = shape.reduce((a, b) => a * b, 1);
  const values = data ?? (dtype === 'int32' ? new Int32Array(size) : new Float32Array(size));
  check(values.length === size, 'data', values.length, `${size} values for shape [${shape.join(', ')}]`);
  return { dtype, shape, data: values };
}

/**
 * Tensors for a host batch, one per key with its own rank and dtype; the
 * caller disposes them. Each keeps its host array as its host copy
 * (`tensorFromHost`), so labels are known without reading the device back.
 */
export function batchToTensors(batch: HostBatch): Record<string, tf.Tensor> {
  const out: Record<string, tf.Tensor> = {};
  for (const [key, value] of Object.entries(batch)) out[key] = tensorFromHost(value.data, value.shape, value.dtype);
  return out;
}

/**
 * One sample of a multi-key dataset: named arrays without the batch axis, of
 * any rank, each with its own dtype — `{ image: [H, W, 3] float32, mask:
 * [H, W, 1] int32 }`, `{ fixed: [D, H, W, 1], moving: [D, H, W, 1] }` (no
 * label), `{ volume, labels }`.
 */
export type HostExample = Record<string, HostTensor>;

/**
 * Stacks examples along a new first axis. Every example must hold the same
 * keys, and each key the same dtype and shape in every example.
 */
export function stackExamples(examples: HostExample[]): HostBatch {
  check(examples.length > 0, 'examples', examples.length, 'at least one example to stack');
  const keys = Object.keys(examples[0]);
  check(keys.length > 0, 'examples[0]', examples[0], 'an example with at least one key');
  const batch: HostBatch = {};
  for (const key of keys) {
    const { dtype, shape } = examples[0][key];
    const size = shape.reduce((a, b) => a * b, 1);
    const data = dtype === 'int32' ? new Int32Array(examples.length * size) : new Float32Array(examples.length * size);
    examples.forEach((example, i) => {
      const value = example[key];
      if (!value) throw new WavecvError(`examples[${i}]`, Object.keys(example), `the keys of examples[0] (${keys.join(', ')})`);
      if (value.dtype !== dtype || !tf.util.arraysEqual(value.shape, shape)) {
        throw new WavecvError(`examples[${i}].${key}`, `${value.dtype} [${value.shape.join(', ')}]`, `${dtype} [${shape.join(', ')}], as in examples[0] (stack same-sized samples: crop or resize them first)`);
      }
      data.set(value.data, i * size);
    });
    batch[key] = { dtype, shape: [examples.length, ...shape], data };
  }
  for (let i = 1; i < examples.length; i++) {
    const extra = Object.keys(examples[i]).find((k) => !(k in examples[0]));
    if (extra !== undefined) throw new WavecvError(`examples[${i}]`, Object.keys(examples[i]), `the keys of examples[0] (${keys.join(', ')})`);
  }
  return batch;
}

/**
 * A dataset read one example at a time (a file per volume, a pair of scans,
 * an image and its mask), batched with {@link stackExamples}. The examples of
 * a batch are requested together, so asynchronous readers overlap their I/O.
 */
export class ExampleDataset implements Dataset {
  /**
   * @param length number of examples
   * @param getExample the example at an index in `[0, length)`; must not create tensors
   */
  constructor(
    readonly length: number,
    private readonly getExample: (index: number) => HostExample | Promise<HostExample>,
  ) {
    check(Number.isInteger(length) && length > 0, 'length', length, 'a positive number of examples');
  }

  getBatch(indices: number[]): HostBatch | Promise<HostBatch> {
    const examples = indices.map((index) => {
      check(Number.isInteger(index) && index >= 0 && index < this.length, 'index', index, `an integer in [0, ${this.length})`);
      return this.getExample(index);
    });
    if (examples.some((e) => e instanceof Promise)) return Promise.all(examples).then(stackExamples);
    return stackExamples(examples as HostExample[]);
  }
}

/**
 * Named arrays held in memory whose first axis indexes the samples: any
 * rank and a dtype per key (`{ image: [N, H, W, C] float32, mask: [N, H, W,
 * 1] int32 }`, `{ fixed, moving }` volumes `[N, D, H, W, 1]`).
 */
export class ArrayRecordDataset implements Dataset {
  readonly length: number;

  /** @param arrays the whole data set, every key with the same first dimension N */
  constructor(private readonly arrays: Record<string, HostTensor>) {
    const entries = Object.entries(arrays);
    check(entries.length > 0, 'arrays', arrays, 'at least one named array');
    const n = entries[0][1].shape[0];
    for (const [key, value] of entries) {
      check(value.shape.length >= 1 && value.shape[0] === n && n > 0, `arrays.${key}`, `shape [${value.shape.join(', ')}]`, `a first dimension of ${n} samples, as ${entries[0][0]}`);
      const size = value.shape.reduce((a, b) => a * b, 1);
      const typed = value.dtype === 'int32' ? value.data instanceof Int32Array : value.data instanceof Float32Array;
      check(typed && value.data.length === size, `arrays.${key}`, `${value.data.constructor.name} of ${value.data.length} values`, `${value.dtype === 'int32' ? 'an Int32Array' : 'a Float32Array'} of ${size} values for ${value.dtype} [${value.shape.join(', ')}]`);
    }
    this.length = n;
  }

  /** The per-sample shape and dtype of every key. */
  get spec(): Record<string, { dtype: HostTensor['dtype']; shape: number[] }> {
    return Object.fromEntries(Object.entries(this.arrays).map(([key, value]) => [key, { dtype: value.dtype, shape: value.shape.slice(1) }]));
  }

  getBatch(indices: number[]): HostBatch {
    for (const index of indices) check(Number.isInteger(index) && index >= 0 && index < this.length, 'index', index, `an integer in [0, ${this.length})`);
    const batch: HostBatch = {};
    for (const [key, value] of Object.entries(this.arrays)) {
      const size = value.data.length / this.length;
      const data = value.dtype === 'int32' ? new Int32Array(indices.length * size) : new Float32Array(indices.length * size);
      indices.forEach((index, row) => data.set(value.data.subarray(index * size, (index + 1) * size), row * size));
      batch[key] = { dtype: value.dtype, shape: [indices.length, ...value.shape.slice(1)], data };
    }
    return batch;
  }
}

/** Images held in memory (uint8 or float32, NHWC) with integer labels. */
export class ImageArrayDataset implements ClassificationDataset {
  readonly length: number;
  readonly imageShape: [number, number, number];
  private readonly pixelsPerImage: number;

  /**
   * @param images `N·H·W·C` values, NHWC order
   * @param shape `[N, H, W, C]`
   * @param labelArray `N` class indices in `[0, classNames.length)`
   * @param scale multiplies every pixel when batched (1/255 for uint8 images)
   */
  constructor(
    private readonly images: Uint8Array | Float32Array,
    shape: [number, number, number, number],
    private readonly labelArray: Int32Array,
    readonly classNames: string[],
    private readonly scale = images instanceof Uint8Array ? 1 / 255 : 1,
  ) {
    const [n, h, w, c] = shape;
    check(shape.every((d) => Number.isInteger(d) && d > 0), 'shape', shape, 'four positive integers [N, H, W, C]');
    check(images.length === n * h * w * c, 'images', images.length, `${n * h * w * c} values for shape [${shape.join(', ')}]`);
    check(labelArray.length === n, 'labels', labelArray.length, `${n} labels, one per image`);
    check(classNames.length > 0, 'classNames', classNames, 'at least one class');
    for (let i = 0; i < n; i++) {
      const label = labelArray[i];
      if (!(label >= 0 && label < classNames.length)) throw new WavecvError(`labels[${i}]`, label, `a class index in [0, ${classNames.length})`);
    }
    this.length = n;
    this.imageShape = [h, w, c];
    this.pixelsPerImage = h * w * c;
  }

  getBatch(indices: number[]): HostBatch {
    const size = this.pixelsPerImage;
    const image = new Float32Array(indices.length * size);
    const label = new Int32Array(indices.length);
    indices.forEach((index, row) => {
      check(Number.isInteger(index) && index >= 0 && index < this.length, 'index', index, `an integer in [0, ${this.length})`);
      const source = this.images.subarray(index * size, (index + 1) * size);
      const offset = row * size;
      for (let k = 0; k < size; k++) image[offset + k] = source[k] * this.scale;
      label[row] = this.labelArray[index];
    });
    return {
      image: hostTensor('float32', [indices.length, ...this.imageShape], image),
      label: hostTensor('int32', [indices.length], label),
    };
  }

  labels(): Int32Array {
    return this.labelArray.slice();
  }
}

/** The samples of `dataset` at `indices`, as a dataset of its own. */
export function subsetDataset<D extends Dataset>(dataset: D, indices: number[]): D extends ClassificationDataset ? ClassificationDataset : Dataset {
  for (const i of indices) check(Number.isInteger(i) && i >= 0 && i < dataset.length, 'indices', i, `indices in [0, ${dataset.length})`);
  const base: Dataset = { length: indices.length, getBatch: (picked: number[]) => dataset.getBatch(picked.map((i) => indices[i])) };
  if ('classNames' in dataset) {
    const labelled = dataset as unknown as ClassificationDataset;
    const all = labelled.labels();
    const result: ClassificationDataset = {
      ...base,
      classNames: labelled.classNames,
      imageShape: labelled.imageShape,
      labels: () => Int32Array.from(indices, (i) => all[i]),
    };
    return result as never;
  }
  return base as never;
}

export interface DataLoaderOptions {
  batchSize: number;
  /** Seed of the data order and augmentation draws. */
  seed: number;
  /** Reshuffle every epoch (default true). */
  shuffle?: boolean;
  /** Drop the last incomplete batch (default: same as `shuffle`). */
  dropLast?: boolean;
  transform?: BatchTransform;
  /** Batches requested ahead of the consumer (default 2; 0 disables prefetch). */
  prefetch?: number;
}

export interface LoadedBatch {
  epoch: number;
  /** Index of this batch within its epoch. */
  batch: number;
  indices: number[];
  data: HostBatch;
}

/** Seeded shuffling, batching, augmentation and prefetch over a {@link Dataset}. */
export class DataLoader {
  readonly batchSize: number;
  readonly seed: number;
  readonly shuffle: boolean;
  readonly dropLast: boolean;
  readonly prefetch: number;
  private readonly transform?: BatchTransform;
  private cachedOrder?: { epoch: number; order: Int32Array };

  constructor(
    readonly dataset: Dataset,
    options: DataLoaderOptions,
  ) {
    check(Number.isInteger(options.batchSize) && options.batchSize > 0, 'batchSize', options.batchSize, 'a positive integer');
    check(Number.isFinite(options.seed), 'seed', options.seed, 'a finite number');
    this.batchSize = options.batchSize;
    this.seed = options.seed;
    this.shuffle = options.shuffle ?? true;
    this.dropLast = options.dropLast ?? this.shuffle;
    this.prefetch = options.prefetch ?? 2;
    check(Number.isInteger(this.prefetch) && this.prefetch >= 0, 'prefetch', options.prefetch, 'an integer ≥ 0');
    this.transform = options.transform;
    check(dataset.length > 0, 'dataset', dataset.length, 'a dataset with at least one sample');
    check(!this.dropLast || dataset.length >= this.batchSize, 'batchSize', this.batchSize, `at most the dataset size ${dataset.length} when the last partial batch is dropped`);
  }

  /** Batches per epoch. */
  get stepsPerEpoch(): number {
    const n = this.dataset.length;
    return this.dropLast ? Math.floor(n / this.batchSize) : Math.ceil(n / this.batchSize);
  }

  /** The sample order of `epoch` (identity when not shuffling). */
  order(epoch: number): Int32Array {
    if (this.cachedOrder?.epoch === epoch) return this.cachedOrder.order;
    const order = new Int32Array(this.dataset.length);
    for (let i = 0; i < order.length; i++) order[i] = i;
    if (this.shuffle) {
      const rng = new Rng(deriveSeed(this.seed, SEED_STREAMS.dataOrder, epoch));
      for (let i = order.length - 1; i > 0; i--) {
        const j = rng.int(i + 1);
        const t = order[i];
        order[i] = order[j];
        order[j] = t;
      }
    }
    this.cachedOrder = { epoch, order };
    return order;
  }

  batchIndices(epoch: number, batch: number): number[] {
    check(Number.isInteger(batch) && batch >= 0 && batch < this.stepsPerEpoch, 'batch', batch, `a batch index in [0, ${this.stepsPerEpoch})`);
    const order = this.order(epoch);
    const start = batch * this.batchSize;
    return Array.from(order.subarray(start, Math.min(start + this.batchSize, order.length)));
  }

  /** Batch `batch` of `epoch`, transformed with its own derived random stream. */
  async load(epoch: number, batch: number): Promise<LoadedBatch> {
    const indices = this.batchIndices(epoch, batch);
    let data = await this.dataset.getBatch(indices);
    if (this.transform) data = await this.transform(data, new Rng(deriveSeed(this.seed, SEED_STREAMS.augmentation, epoch, batch)));
    return { epoch, batch, indices, data };
  }

  /**
   * The batches of `epoch` from `startBatch` on, with up to `prefetch`
   * requests in flight ahead of the consumer.
   */
  async *batches(epoch: number, startBatch = 0): AsyncGenerator<LoadedBatch> {
    const steps = this.stepsPerEpoch;
    check(Number.isInteger(startBatch) && startBatch >= 0 && startBatch <= steps, 'startBatch', startBatch, `an integer in [0, ${steps}]`);
    const pending: Array<Promise<LoadedBatch>> = [];
    let next = startBatch;
    const fill = (): void => {
      while (next < steps && pending.length < Math.max(1, this.prefetch)) {
        const request = this.load(epoch, next++);
        // A request abandoned when the consumer stops early must not become
        // an unhandled rejection; an awaited one still throws.
        request.catch(() => undefined);
        pending.push(request);
      }
    };
    fill();
    while (pending.length) {
      const current = pending.shift()!;
      if (this.prefetch > 0) fill();
      const loaded = await current;
      if (this.prefetch === 0) fill();
      yield loaded;
    }
  }
}

/** Data for a classification task: training and (optionally) test sets. */
export interface ClassificationData {
  train: ClassificationDataset;
  test?: ClassificationDataset;
  classNames: string[];
  /** Where it came from (a path, resolved). */
  source: string;
  /** The reader that opened it (e.g. `idx`). */
  format: string;
}

/** A reader of some on-disk layout of classification data. */
export interface ClassificationSource {
  /** Short name of the format, e.g. `idx`, `cifar`, `image-folder`. */
  format: string;
  /** True when `path` holds data in this format. */
  detect(path: string): boolean;
  /** `hints` carries reader options given by the caller (e.g. `size`) and an alias's `classNames`. */
  open(path: string, hints: { classNames?: string[]; [option: string]: unknown }): Promise<ClassificationData>;
}

/** A name that stands for a data folder (`--data fashion-mnist`). */
export interface DataAlias {
  alias: string;
  path: string;
  description: string;
  /** Class names the folder does not carry itself. */
  classNames?: string[];
}
