/**
 * Saving and loading `tf.LayersModel`s as `model.json` + `weights.bin` in
 * Node without tfjs-node (whose `file://` handler is unavailable here). The
 * files are the standard TF.js layers format, so `tf.loadLayersModel` in a
 * browser reads them. The folder is written under a temporary name and
 * renamed, so a crash never leaves a half-written model.
 */
import * as tf from '@tensorflow/tfjs';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { WavecvError } from '../errors.js';

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

export async function loadModel(dir: string): Promise<tf.LayersModel> {
  const manifestPath = join(dir, 'model.json');
  if (!existsSync(manifestPath)) throw new WavecvError('model', dir, 'a folder holding model.json and weights.bin');
  let manifest: {
    modelTopology: object;
    weightsManifest: { paths: string[]; weights: tf.io.WeightsManifestEntry[] }[];
    userDefinedMetadata?: Record<string, unknown>;
  };
  try {
    manifest = JSON.parse(readFileSync(manifestPath, 'utf8'));
  } catch (error) {
    throw new WavecvError('model', manifestPath, `valid JSON (${(error as Error).message})`);
  }
  const weightSpecs = manifest.weightsManifest.flatMap((group) => group.weights);
  const buffers = manifest.weightsManifest.flatMap((group) =>
    group.paths.map((path) => {
      const bytes = readFileSync(join(dir, path));
      return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
    }),
  );
  return tf.loadLayersModel(
    tf.io.fromMemory({
      modelTopology: manifest.modelTopology,
      weightSpecs,
      weightData: tf.io.concatenateArrayBuffers(buffers),
      userDefinedMetadata: manifest.userDefinedMetadata,
    }),
  );
}
