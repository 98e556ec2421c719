/** The public API of wavecv. Nothing outside this file is public. */
export { WavecvError } from './errors.js';
export { initEngine, engineInfo, type EngineInfo, type EngineOptions, type BackendName } from './engine/backend.js';
export { Rng } from './engine/random.js';
export { saveModel, loadModel } from './io/model-io.js';
