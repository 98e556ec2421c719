/**
 * Imports every model family so that their constructors are registered and
 * `createModel` knows all names. One import line per family.
 */
import './wavecnet/index.js';
import './face/index.js';
import './wavesnet/index.js';
import './winet/index.js';
import './waveunet3d/index.js';
import './vit/index.js';

export { createModel, listModels, registerModel, type ModelEntry, type ModelOptions } from './registry.js';
