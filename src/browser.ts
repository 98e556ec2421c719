/**
 * The browser-safe public API of wavecv, published as `wavecv/browser`
 * (package.json `exports`; src/index.ts re-exports all of it and adds the
 * Node-only parts): the pywt-style wavelet transforms, `coeffsToArray` and
 * the subband mosaic drawn with it, the wavelet layers, the layer library and
 * the model registry with every model family, the losses, metrics and attacks
 * that work on tensors, the in-memory volume type of the image I/O, and the
 * metadata that saved models carry (parsed from `model.json`). Nothing reachable from this module
 * imports a Node built-in (`node:*`) or a Node-only package (sharp, the
 * native addon): test/package/browser-entry.test.ts bundles it for the browser
 * and fails on any.
 *
 * Importing it registers the custom layer classes (wavelet layers,
 * `BatchNorm`, the face and segmentation layers) with `tf.serialization`, so
 * `tf.loadLayersModel(url)` rebuilds a model that wavecv saved in Node. The
 * caller picks and starts the TF.js backend (`tf.setBackend`).
 */
export { WavecvError } from './errors.js';
export { Rng } from './engine/random.js';
export * from './models/index.js';
export type { WaveCNetOptions } from './models/wavecnet/options.js';
export * from './nn/index.js';
export { wavelet, wavelist, FAMILIES, type Wavelet } from './wavelets/filters.js';
export { DWT1D, DWT2D, DWT3D, IDWT1D, IDWT2D, IDWT3D, WaveletPool2D, WaveletPool3D, WaveletUnpool2D, WaveletUnpool3D, POOL_BANDS, type WaveletLayerArgs, type DwtLayerArgs, type WaveletPoolArgs, type PoolBands } from './wavelets/layers.js';
export { periodizedAnalysis, periodizedSynthesis } from './wavelets/filter-bank-conv.js';
export type { FilterList, OddInput, OddOutput } from './wavelets/filter-bank-types.js';
export { MODES, type Mode } from './wavelets/extend.js';
export { dwtMaxLevel, dwtCoeffLen, dwtAxis, idwtAxis, cropAxis, type WaveletLike } from './wavelets/transform.js';
export { dwt, idwt, dwt2, idwt2, dwtn, idwtn, type AxisOptions, type AxesOptions, type CoeffInput, type Details2 } from './wavelets/multidim.js';
export { wavedec, waverec, wavedec2, waverec2, wavedecn, waverecn, type WavedecOptions, type WavedecnOptions, type Wavedec2Coeffs, type WavedecnCoeffs } from './wavelets/multilevel.js';
export type { ArrayInput, NumericArray, ModeOrOptions } from './wavelets/input.js';
export { coeffsToArray, arrayToCoeffs, COEFF_FORMATS, type AxisSlice, type CoeffSlices, type CoeffFormat, type PackableCoeffs, type CoeffsToArrayOptions } from './wavelets/coeff-array.js';
export { dwtMosaic, type DwtMosaicOptions } from './wavelets/mosaic.js';
export { parseModelMetadata, applyNormalization, MODEL_METADATA_FORMAT, MODEL_METADATA_VERSION, type ModelMetadata, type Preprocessing, type Threshold } from './train/model-metadata.js';
export {
  SoftmaxLoss,
  CombinedMarginLoss,
  CosFaceLoss,
  ArcFaceLoss,
  BceLoss,
  UceLoss,
  UssLoss,
  SampleToSampleBceLoss,
  SampleToSampleSoftmaxLoss,
  UniTSFaceLoss,
  EplLoss,
  ExplainableChannelLoss,
  channelPeaks,
  explainabilityMetrics,
  modelWithLayerOutput,
  createFaceLoss,
  classificationObjective,
  faceObjective,
  FACE_LOSS_NAMES,
  type FaceLoss,
  type CreateFaceLossOptions,
  type FaceLossContext,
  type FaceLossOptions,
  LOSSES,
  lossNames,
  lossDefinition,
  checkLossOptions,
  createLoss,
  type LossDefinition,
  type LossState,
  type MarginSpec,
  type FaceObjectiveOptions,
} from './losses/index.js';
export * from './metrics/index.js';
export { iresnet, mobileFaceNet, embedFaces, featureModel, IRESNET_DEPTHS, type IResNetOptions, type IResNetStyle, type MobileFaceNetOptions, type EmbedOptions } from './models/face/index.js';
export { fgsm, pgd, adversarialAccuracy, classifierFromModel, inputGradient, type Classifier, type PgdOptions, type AttackSpec } from './attacks/index.js';
export { segmentationCrossEntropy, diceLoss, medianFrequencyWeights, type CrossEntropyOptions, type SegmentationLossOptions } from './losses/segmentation.js';
export { volumeValues, VOXEL_TYPES, type Volume, type VoxelType, type VoxelArray } from './io/volume.js';
export { ncc, mse, gradientSmoothness, type NccOptions, type SmoothnessPenalty } from './losses/registration.js';
