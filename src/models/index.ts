/**
 * Imports every model family so that their constructors (and encoders) are
 * registered and `createModel` / `createEncoder` know all names. One import
 * line per family.
 */
import './wavecnet/index.js';
import './face/index.js';
import './wavesnet/index.js';
import './winet/index.js';
import './waveunet3d/index.js';
import './vit/index.js';
import './forgery/index.js';

export { createModel, listModels, modelEntry, registerModel, type ModelEntry, type ModelOptions } from './registry.js';
export { createEncoder, listEncoders, registerEncoder, OUTPUT_STRIDES, type Encoder, type EncoderEntry, type EncoderOptions, type OutputStride } from './encoders.js';
export { validateOptions, type OptionSpec, type OptionSpecs } from './option-specs.js';
