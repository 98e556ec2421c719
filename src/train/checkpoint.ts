/**
 * Checkpoints on disk: one folder per checkpoint, `<root>/step-<N>/`, holding
 * `state.json` (the trainer's JSON state plus a manifest of the tensors and
 * the SHA-256 of their bytes) and `tensors.bin` (the tensors' little-endian
 * bytes, one after the other). The folder is written under a temporary name
 * and renamed; then `<root>/latest.json` is replaced atomically to point at
 * it. A run killed at any moment therefore leaves either the previous or the
 * new checkpoint as "latest", never a torn one.
 */
import * as tf from '@tensorflow/tfjs';
import { createHash } from 'node:crypto';
import { existsSync, fsyncSync, closeSync, openSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { HostTensor } from '../data/dataset.js';
import { WavecvError } from '../errors.js';
import { writeJsonAtomic } from '../io/atomic.js';

export const CHECKPOINT_FORMAT = 'wavecv-checkpoint';
export const CHECKPOINT_VERSION = 1;
/** Names of the staging folders of {@link writeCheckpoint} (`.step-N.writing-PID`); group 1 is the PID. */
export const CHECKPOINT_STAGING = /^\.step-\d+\.writing-(\d+)$/;

interface TensorEntry {
  name: string;
  dtype: 'float32' | 'int32';
  shape: number[];
  offset: number;
  byteLength: number;
}

interface StateFile {
  format: string;
  version: number;
  sha256: string;
  tensors: TensorEntry[];
  state: Record<string, unknown>;
}

export interface LoadedCheckpoint {
  dir: string;
  state: Record<string, unknown>;
  tensors: Map<string, HostTensor>;
}

function checkpointName(step: number): string {
  return `step-${String(step).padStart(8, '0')}`;
}

function syncFile(path: string): void {
  const fd = openSync(path, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/**
 * Writes a checkpoint for `step` under `root` and marks it latest; keeps the
 * `keep` newest checkpoints (older ones are removed). Returns its folder.
 */
export async function writeCheckpoint(
  root: string,
  step: number,
  state: Record<string, unknown>,
  tensors: Array<[string, tf.Tensor]>,
  keep = 2,
): Promise<string> {
  mkdirSync(root, { recursive: true });
  const entries: TensorEntry[] = [];
  const chunks: Uint8Array[] = [];
  let offset = 0;
  for (const [name, tensor] of tensors) {
    if (tensor.dtype !== 'float32' && tensor.dtype !== 'int32') throw new WavecvError(`checkpoint tensor ${name}`, tensor.dtype, 'float32 or int32');
    const values = (await tensor.data()) as Float32Array | Int32Array;
    const bytes = new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
    entries.push({ name, dtype: tensor.dtype, shape: tensor.shape.slice(), offset, byteLength: bytes.byteLength });
    chunks.push(bytes);
    offset += bytes.byteLength;
  }
  const blob = Buffer.concat(chunks);
  const file: StateFile = {
    format: CHECKPOINT_FORMAT,
    version: CHECKPOINT_VERSION,
    sha256: createHash('sha256').update(blob).digest('hex'),
    tensors: entries,
    state,
  };
  const name = checkpointName(step);
  const staging = join(root, `.${name}.writing-${process.pid}`);
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging);
  writeFileSync(join(staging, 'tensors.bin'), blob);
  writeFileSync(join(staging, 'state.json'), JSON.stringify(file));
  syncFile(join(staging, 'tensors.bin'));
  syncFile(join(staging, 'state.json'));
  const target = join(root, name);
  rmSync(target, { recursive: true, force: true });
  renameSync(staging, target);
  writeJsonAtomic(join(root, 'latest.json'), { checkpoint: name, step });
  const all = listCheckpoints(root);
  for (const old of all.slice(0, Math.max(0, all.length - Math.max(1, keep)))) {
    if (old !== name) rmSync(join(root, old), { recursive: true, force: true });
  }
  return target;
}

/** Checkpoint folder names under `root`, oldest first. */
export function listCheckpoints(root: string): string[] {
  if (!existsSync(root)) return [];
  return readdirSync(root)
    .filter((n) => /^step-\d+$/.test(n))
    .sort();
}

/** The folder of the latest complete checkpoint under `root`, if any. */
export function latestCheckpoint(root: string): string | undefined {
  const pointer = join(root, 'latest.json');
  if (!existsSync(pointer)) return undefined;
  let parsed: { checkpoint?: string };
  try {
    parsed = JSON.parse(readFileSync(pointer, 'utf8'));
  } catch (error) {
    throw new WavecvError('checkpoint pointer', pointer, `valid JSON (${(error as Error).message})`);
  }
  if (!parsed.checkpoint || !existsSync(join(root, parsed.checkpoint, 'state.json'))) {
    throw new WavecvError('checkpoint pointer', pointer, 'a latest.json naming an existing checkpoint folder');
  }
  return join(root, parsed.checkpoint);
}

/** Reads and verifies a checkpoint folder written by {@link writeCheckpoint}. */
export function readCheckpoint(dir: string): LoadedCheckpoint {
  const statePath = join(dir, 'state.json');
  if (!existsSync(statePath)) throw new WavecvError('checkpoint', dir, 'a folder holding state.json and tensors.bin');
  let file: StateFile;
  try {
    file = JSON.parse(readFileSync(statePath, 'utf8'));
  } catch (error) {
    throw new WavecvError('checkpoint', statePath, `valid JSON (${(error as Error).message})`);
  }
  if (file.format !== CHECKPOINT_FORMAT || file.version !== CHECKPOINT_VERSION) {
    throw new WavecvError('checkpoint', statePath, `a ${CHECKPOINT_FORMAT} file of version ${CHECKPOINT_VERSION}`);
  }
  const blob = readFileSync(join(dir, 'tensors.bin'));
  const digest = createHash('sha256').update(blob).digest('hex');
  if (digest !== file.sha256) throw new WavecvError('checkpoint', join(dir, 'tensors.bin'), `bytes whose SHA-256 is ${file.sha256} (the file is corrupt)`);
  const tensors = new Map<string, HostTensor>();
  for (const entry of file.tensors) {
    const copy = new Uint8Array(entry.byteLength);
    copy.set(blob.subarray(entry.offset, entry.offset + entry.byteLength));
    const data = entry.dtype === 'int32' ? new Int32Array(copy.buffer) : new Float32Array(copy.buffer);
    tensors.set(entry.name, { dtype: entry.dtype, shape: entry.shape, data });
  }
  return { dir, state: file.state, tensors };
}
