/** The public API of wavecv. Nothing outside this file is public. */
export { WavecvError } from './errors.js';
export { initEngine, engineInfo, type EngineInfo, type EngineOptions, type BackendName } from './engine/backend.js';
export { Rng } from './engine/random.js';
export { saveModel, loadModel } from './io/model-io.js';
export { createModel, listModels, registerModel, type ModelEntry, type ModelOptions } from './models/index.js';
export type { WaveCNetOptions } from './models/wavecnet/options.js';
export { countTrainableParams, BatchNorm, batchNormTraining } from './nn/blocks.js';
export { WAVELET_BANDS, type WaveletBands } from './nn/downsample.js';
export * from './train/index.js';
export {
  DataLoader,
  ImageArrayDataset,
  subsetDataset,
  ArrayRecordDataset,
  ExampleDataset,
  stackExamples,
  batchToTensors,
  hostTensor,
  openClassificationData,
  registerClassificationSource,
  registerDataAlias,
  listDataAliases,
  type Dataset,
  type ClassificationDataset,
  type ClassificationData,
  type ClassificationSource,
  type DataLoaderOptions,
  type LoadedBatch,
  type HostBatch,
  type HostTensor,
  type HostExample,
  type BatchTransform,
} from './data/dataset.js';
export {
  randomCrop,
  randomFlip,
  randomHorizontalFlip,
  randomScale,
  randomIntensity,
  randomGaussianNoise,
  normalize,
  compose,
  type CropOptions,
  type FlipOptions,
  type ScaleOptions,
  type IntensityOptions,
  type PerKey,
} from './data/augment.js';
export { cropAt, flipSample, zoomAboutCentre, spatialLayout, type SpatialAxis, type SpatialLayout, type Interpolation } from './data/spatial.js';
export { readIdx, parseIdx, openIdxFolder, FASHION_MNIST_CLASSES, FASHION_MNIST_DIR, type IdxFile, type IdxArray } from './data/idx.js';
export {
  trainClassifier,
  evaluateClassifier,
  classificationObjective,
  AUGMENTATIONS,
  type ClassifyOptions,
  type ClassifyResult,
  type ClassificationMetrics,
  type Augmentation,
} from './tasks/classify.js';
export { channelStatistics, checkNormalization, type Normalization } from './data/normalization.js';
export { openImageFolder, ImageFolderDataset, IMAGE_EXTENSIONS, type ImageFolderOptions } from './data/image-folder.js';
export { openCifarFolder, parseCifarRecords, readCifarBatch, CIFAR10_CLASSES, type CifarRecords, type CifarVariant, type CifarOpenOptions } from './data/cifar.js';
export { wavelet, wavelist, FAMILIES, type Wavelet } from './wavelets/filters.js';
export { DWT1D, DWT2D, DWT3D, IDWT1D, IDWT2D, IDWT3D, WaveletPool2D, WaveletPool3D, WaveletUnpool2D, WaveletUnpool3D, POOL_BANDS, type WaveletLayerArgs, type DwtLayerArgs, type WaveletPoolArgs, type PoolBands } from './wavelets/layers.js';
export { periodizedAnalysis, periodizedSynthesis, type FilterList, type OddInput, type OddOutput } from './wavelets/filter-bank-conv.js';
export { MODES, type Mode } from './wavelets/extend.js';
export { dwtMaxLevel, dwtCoeffLen, dwtAxis, idwtAxis, cropAxis, type WaveletLike } from './wavelets/transform.js';
export { dwt, idwt, dwt2, idwt2, dwtn, idwtn, type AxisOptions, type AxesOptions, type CoeffInput, type Details2 } from './wavelets/multidim.js';
export { wavedec, waverec, wavedec2, waverec2, wavedecn, waverecn, type WavedecOptions, type WavedecnOptions, type Wavedec2Coeffs, type WavedecnCoeffs } from './wavelets/multilevel.js';
export type { ArrayInput, NumericArray, ModeOrOptions } from './wavelets/input.js';
export { coeffsToArray, arrayToCoeffs, COEFF_FORMATS, type AxisSlice, type CoeffSlices, type CoeffFormat, type PackableCoeffs, type CoeffsToArrayOptions } from './wavelets/coeff-array.js';
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
  faceObjective,
  FACE_LOSS_NAMES,
  type FaceLoss,
  type FaceLossName,
  type CreateFaceLossOptions,
  type LossState,
  type MarginSpec,
  type FaceObjectiveOptions,
} from './losses/index.js';
export {
  sampleWiseAccuracy,
  uniformAccuracy,
  uniformAccuracyAt,
  thresholdGap,
  verificationKFold,
  verificationAccuracyAt,
  pairScores,
  rocCurve,
  tarAtFar,
  tarAtFars,
  STANDARD_FARS,
  rankIdentification,
  cosineSimilarityMatrix,
  type UniformAccuracyResult,
  type ThresholdGapResult,
  type VerificationResult,
  type RocCurve,
  type TarAtFar,
  type IdentificationResult,
  type ScoreMatrix,
} from './metrics/face.js';
export { l2Normalize, L2_NORMALIZE_EPS } from './nn/l2-normalize.js';
export { iresnet, mobileFaceNet, embedFaces, featureModel, IRESNET_DEPTHS, type IResNetOptions, type IResNetStyle, type MobileFaceNetOptions, type EmbedOptions } from './models/face/index.js';
export * from './data/faces/index.js';
export { trainFace, embedDataset, verificationSummary, faceNormalization, type TrainFaceOptions, type TrainFaceResult, type FaceModelMetadata, type ClosedSetResult, type OpenSetResult } from './tasks/face.js';
export { openFaceData, openMnistPackage, ClassSubsetDataset, drawPairs, type FaceDataOptions } from './tasks/face-data.js';
export { loadFaceModel, decisionThreshold, prepareFace, embedInputs, evaluateVerification, type LoadedFaceModel, type VerificationEvalOptions } from './tasks/face-inference.js';
export { explainFace, type ExplainOptions } from './tasks/face-explain.js';
export {
  corrupt,
  corruptTensor,
  corruptionParameter,
  corruptionFamily,
  parseCorruptionList,
  addGaussianNoise,
  CORRUPTIONS,
  CORRUPTION_FAMILIES,
  SEVERITIES,
  PARAMETERS as CORRUPTION_PARAMETERS,
  parameterSetFor,
  imagesFromTensor,
  imagesToTensor,
  sliceImages,
  psnr,
  type ImageBatch,
  type CorruptionName,
  type CorruptionFamily,
  type CorruptOptions,
  type ParameterSet,
} from './data/corruptions/index.js';
export { fgsm, pgd, adversarialAccuracy, classifierFromModel, inputGradient, type Classifier, type PgdOptions, type AttackSpec } from './attacks/index.js';
export { countTopK, topKAccuracy, corruptionError, relativeCorruptionError, summarizeCorruptionErrors, type CorruptionErrorSummary } from './metrics/robustness.js';
export { evaluateRobustness, robustnessMarkdown, type RobustnessOptions, type RobustnessReport, type ModelRobustness } from './tasks/robustness.js';
export { runDemo, DEMO_DATA, type DemoOptions, type DemoReport } from './tasks/demo.js';
export { confusionMatrix, segmentationScores, addCounts, emptyCounts, IGNORE_INDEX, type SegmentationCounts, type SegmentationScores, type BoundaryCounts, type ConfusionOptions, type LabelMaps } from './metrics/segmentation.js';
export { segmentationCrossEntropy, diceLoss, medianFrequencyWeights, type CrossEntropyOptions, type SegmentationLossOptions } from './losses/segmentation.js';
export { readNifti, parseNifti, writeNifti, encodeNifti, type NiftiVolume, type NiftiHeader } from './io/nifti.js';
export { readMetaImage } from './io/metaimage.js';
export { volumeValues, VOXEL_TYPES, type Volume, type VoxelType, type VoxelArray } from './io/volume.js';
export * from './neuron/index.js';
export { warp, integrateVelocity, composeFields, checkField, type WarpOptions, type IntegrateOptions, type Padding } from './nn/warp.js';
export { ncc, mse, gradientSmoothness, type NccOptions, type SmoothnessPenalty } from './losses/registration.js';
export { jacobianDeterminant, foldingPercentage, dice, hd95, labelsIn, type GridValues, type Hd95Options } from './metrics/registration.js';
