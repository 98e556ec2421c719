/**
 * The public API of wavecv. Nothing outside this file and browser.ts is public:
 * everything browser.ts exports (the browser-safe part, `wavecv/browser`),
 * plus the Node-only parts below (files, datasets, training runs, the engine
 * choice with the native addon, the CLI's tasks). Add browser-safe exports to
 * browser.ts.
 */
export * from './browser.js';
export { initEngine, engineInfo, type EngineInfo, type EngineOptions, type BackendName } from './engine/backend.js';
export { saveModel, loadModel } from './io/model-io.js';
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
  type Dataset,
  type ClassificationDataset,
  type ClassificationData,
  type ClassificationSource,
  type DataAlias,
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
export { openClassificationData, listDataAliases, CLASSIFICATION_SOURCES, DATA_ALIASES } from './data/readers.js';
export { readIdx, parseIdx, openIdxFolder, FASHION_MNIST_CLASSES, FASHION_MNIST_DIR, type IdxFile, type IdxArray } from './data/idx.js';
export {
  trainClassifier,
  classifyTask,
  evaluateClassifier,
  AUGMENTATIONS,
  type ClassifyOptions,
  type ClassifyResult,
  type ClassificationMetrics,
  type Augmentation,
} from './tasks/classify.js';
export { channelStatistics, checkNormalization, type Normalization } from './data/normalization.js';
export { openImageFolder, ImageFolderDataset, IMAGE_EXTENSIONS, type ImageFolderOptions } from './data/image-folder.js';
export { openCifarFolder, parseCifarRecords, readCifarBatch, CIFAR10_CLASSES, type CifarRecords, type CifarVariant, type CifarOpenOptions } from './data/cifar.js';
export * from './data/faces/index.js';
export { trainFace, faceTask, embedDataset, verificationSummary, faceNormalization, type TrainFaceOptions, type TrainFaceResult, type FaceModelMetadata, type FaceModelExtension, type ClosedSetResult, type OpenSetResult } from './tasks/face.js';
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
export { evaluateRobustness, robustnessMarkdown, type RobustnessOptions, type RobustnessReport, type ModelRobustness } from './tasks/robustness.js';
export { runDemo, DEMO_DATA, type DemoOptions, type DemoReport } from './tasks/demo.js';
export { readNifti, parseNifti, writeNifti, encodeNifti, type NiftiVolume, type NiftiHeader } from './io/nifti.js';
export { readMetaImage } from './io/metaimage.js';
export * from './neuron/index.js';
export { MultiHeadSelfAttention } from './nn/attention.js';
export { LocallyEnhancedFeedForward } from './nn/leff.js';
export { MixtureOfExperts, MOE_BALANCE_TERM, type MixtureOfExpertsArgs } from './nn/moe.js';
export { selfDistillationObjective, selfDistillationTerms, type SelfDistillationOptions } from './losses/distillation.js';
export { buildVit, transformerBlock, vitAttentionMaps, PatchEmbedding, ClassTokenPositionEmbedding, ClassTokenSelect, DropPath, VIT_LAYER_NORM_EPS, type VitConfig, type TransformerBlockOptions } from './nn/vit.js';
export { binaryScores, videoScores, frameAndVideoScores, type BinaryScores, type VideoScores } from './metrics/binary.js';
export { buildWiNet, WINET_SIZE_MULTIPLE, type WiNetOptions } from './models/winet/winet.js';
export { buildVoxelMorph, type VoxelMorphOptions } from './models/winet/voxelmorph.js';
export { registrationField, registrationSize, type FieldKind } from './models/winet/index.js';
export { readScan, listPairs, normalizeMinMax, centerFit, resampleTo, type Scan, type PairPaths, type LabelSetPaths } from './data/registration.js';
export { randomDeformation, type DeformationOptions } from './data/deformations.js';
export { generateRegistrationSet, type RegistrationSetOptions } from './data/registration-sets.js';
export {
  trainRegistration,
  registerTask,
  registerScans,
  loadRegistrationModel,
  loadTrainingPairs,
  evaluatePair,
  networkSize,
  type TrainRegistrationOptions,
  type TrainRegistrationResult,
  type RegistrationMetadata,
  type RegistrationOutput,
  type PairEvaluation,
} from './tasks/register.js';
export { displacementOf } from './nn/warp.js';
export { registrationObjective, DEFAULT_REGISTRATION_LOSS, REGISTRATION_LOSSES, type RegistrationLoss, type RegistrationLossContext } from './losses/registration.js';
