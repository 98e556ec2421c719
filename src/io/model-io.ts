/**
 * Saving and loading `tf.LayersModel`s as `model.json` + `weights.bin` in
 * Node without tfjs-node (whose `file://` handler is unavailable here). The
 * files are the standard TF.js layers format, so `tf.loadLayersModel` in a
 * browser reads them. The folder is written under a temporary name and
 * renamed, so a crash never leaves a half-written model.
 *
 * {@link loadModel} checks a folder before TF.js sees it, so a damaged one is
 * refused with a {@link WavecvError} naming the file and what was expected:
 * a missing, empty or non-JSON `model.json`, one without a layers topology or
 * weights manifest, a missing weights file, and weight files whose total size
 * is not the size the manifest's weights need (truncated, or from another model).
 */
import * as tf from '@tensorflow/tfjs';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { WavecvError } from '../errors.js';

/** Names of {@link saveModel}'s staging folders beside the target (`model.saving-PID`, `model.old-PID`); group 1 is the PID. */
export const MODEL_STAGING = /^[^.][^/]*\.(?:saving|old)-(\d+)$/;

export async function saveModel(model: tf.LayersModel, dir: string): Promise<void> {
  const staging = `${dir}.saving-${process.pid}`;
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging, { recursive: true });
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      const weightData = artifacts.weightData
        ? tf.io.CompositeArrayBuffer.join(artifacts.weightData as ArrayBuffer | ArrayBuffer[])
        : new ArrayBuffer(0);
      const manifest = {
        format: artifacts.format ?? 'layers-model',
        generatedBy: artifacts.generatedBy,
        convertedBy: artifacts.convertedBy,
        modelTopology: artifacts.modelTopology,
        userDefinedMetadata: artifacts.userDefinedMetadata,
        weightsManifest: [{ paths: ['weights.bin'], weights: artifacts.weightSpecs ?? [] }],
      };
      writeFileSync(join(staging, 'model.json'), JSON.stringify(manifest));
      writeFileSync(join(staging, 'weights.bin'), new Uint8Array(weightData));
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  mkdirSync(dirname(dir), { recursive: true });
  const old = `${dir}.old-${process.pid}`;
  if (existsSync(dir)) renameSync(dir, old);
  renameSync(staging, dir);
  rmSync(old, { recursive: true, force: true });
}

interface ModelManifest {
  modelTopology: object;
  weightsManifest: { paths: string[]; weights: tf.io.WeightsManifestEntry[] }[];
  userDefinedMetadata?: Record<string, unknown>;
}

/** Bytes per stored value of each weight dtype (quantised weights store their quantisation dtype). */
const BYTES: Record<string, number> = { float32: 4, int32: 4, bool: 1, uint8: 1, uint16: 2, float16: 2 };

/** Bytes that the weights listed in a manifest occupy in its weight files. */
function expectedWeightBytes(weights: tf.io.WeightsManifestEntry[], manifestPath: string): number {
  return weights.reduce((total, w, i) => {
    const dtype = w.quantization?.dtype ?? w.dtype;
    const bytes = BYTES[dtype];
    if (bytes === undefined || !Array.isArray(w.shape)) throw new WavecvError('model', manifestPath, `a weights manifest whose weights[${i}] (${w.name}) has a shape and a dtype of ${Object.keys(BYTES).join(', ')}`);
    return total + w.shape.reduce((a, b) => a * b, 1) * bytes;
  }, 0);
}

/** The parsed, checked `model.json` of `dir`. */
function readManifest(dir: string): ModelManifest {
  const manifestPath = join(dir, 'model.json');
  if (!existsSync(manifestPath)) throw new WavecvError('model', dir, 'a folder holding model.json and weights.bin');
  let manifest: unknown;
  try {
    manifest = JSON.parse(readFileSync(manifestPath, 'utf8'));
  } catch (error) {
    throw new WavecvError('model', manifestPath, `a TF.js model.json (valid JSON: ${(error as Error).message})`);
  }
  const m = manifest as Partial<ModelManifest> | null;
  const groups = m?.weightsManifest;
  const wellFormed =
    typeof m === 'object' &&
    m !== null &&
    typeof m.modelTopology === 'object' &&
    m.modelTopology !== null &&
    Array.isArray(groups) &&
    groups.every((g) => g && Array.isArray(g.paths) && g.paths.every((p) => typeof p === 'string') && Array.isArray(g.weights));
  if (!wellFormed) throw new WavecvError('model', manifestPath, 'a TF.js layers model.json with modelTopology and weightsManifest (as saveModel writes)');
  return m as ModelManifest;
}

export async function loadModel(dir: string): Promise<tf.LayersModel> {
  const manifest = readManifest(dir);
  const manifestPath = join(dir, 'model.json');
  const weightSpecs = manifest.weightsManifest.flatMap((group) => group.weights);
  const files = manifest.weightsManifest.flatMap((group) => group.paths.map((path) => join(dir, path)));
  const buffers = files.map((file) => {
    if (!existsSync(file)) throw new WavecvError('model', file, 'the weights file that model.json names (it is missing)');
    const bytes = readFileSync(file);
    return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  });
  const expected = expectedWeightBytes(weightSpecs, manifestPath);
  const actual = buffers.reduce((a, b) => a + b.byteLength, 0);
  if (actual !== expected) {
    throw new WavecvError('model', files.length === 1 ? files[0] : files.join(', '), `${expected} bytes of weights, as model.json lists ${weightSpecs.length} weights (got ${actual} bytes: truncated, or from another model)`);
  }
  try {
    return await tf.loadLayersModel(
      tf.io.fromMemory({
        modelTopology: manifest.modelTopology,
        weightSpecs,
        weightData: tf.io.concatenateArrayBuffers(buffers),
        userDefinedMetadata: manifest.userDefinedMetadata,
      }),
    );
  } catch (error) {
    throw new WavecvError('model', manifestPath, `a TF.js layers model whose topology loads (${(error as Error).message})`);
  }
}
