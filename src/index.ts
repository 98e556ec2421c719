/** The public API of wavecv. Nothing outside this file is public. */
export { WavecvError } from './errors.js';
export { initEngine, engineInfo, type EngineInfo, type EngineOptions, type BackendName } from './engine/backend.js';
export { Rng } from './engine/random.js';
export { saveModel, loadModel } from './io/model-io.js';
export { createModel, listModels, registerModel, type ModelEntry, type ModelOptions } from './models/index.js';
export type { WaveCNetOptions } from './models/wavecnet/options.js';
export { countTrainableParams } from './nn/blocks.js';
export { WAVELET_BANDS, type WaveletBands } from './nn/downsample.js';
export { openImageFolder, ImageFolderDataset, IMAGE_EXTENSIONS, type ImageFolderOptions } from './data/image-folder.js';
export { openCifarFolder, parseCifarRecords, readCifarBatch, CIFAR10_CLASSES, type CifarRecords, type CifarVariant, type CifarOpenOptions } from './data/cifar.js';
