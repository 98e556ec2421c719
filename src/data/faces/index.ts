/** Face data: images, alignment, detection, identity folders, pair lists and insightface `.bin` sets. */
export { decodeImage, resizeImage, facesToTensor, type RgbImage } from './image.js';
export {
  ARCFACE_TEMPLATE_112,
  alignFace,
  alignmentTransform,
  applyAffine,
  estimateSimilarity,
  fivePointsFrom68,
  invertAffine,
  warpAffine,
  type Affine,
  type Point,
  type RasterImage,
} from './align.js';
export { FaceDetector, faceApiModelDir, type DetectedFace, type FaceDetectorOptions } from './detect.js';
export { IdentityFolderDataset, isIdentityFolderTree, openIdentityFolders, FACE_IMAGE_EXTENSIONS, type IdentityFolderOptions } from './identity-folders.js';
export { lfwImagePath, parsePairs, readPairs, type PairList, type VerificationPair } from './pairs.js';
export { unpickle, type PickleValue } from '../../io/pickle.js';
export { readVerificationBin, verificationBinFromPickle, type VerificationBin } from './verification-bin.js';
