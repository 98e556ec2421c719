/**
 * Face crops with a margin, the input of forgery detectors: a square around
 * the detected face box, enlarged by `scale` about the box centre, resampled
 * to `size`×`size` (bilinear, zero outside the photo), with the 68 landmarks
 * carried into crop coordinates (the self-blended-image generator needs them).
 *
 * Choices (ours, following the published pipelines): the square's side is
 * `scale` × the longer side of the detector box, centred on the box; the
 * default scale 1.3 is DeepfakeBench's crop scale (Yan et al., NeurIPS 2023,
 * `preprocessing/preprocess.py`), close to the 1.25 of Shiohara & Yamasaki's
 * SBI crops (RetinaFace box + w/8 and h/8 per side). The crop is an axis
 * aligned similarity (scale and translation, no rotation), so the face keeps
 * its pose and the blending boundary of a forgery is not straightened away.
 * Resampling is {@link warpAffine} (exact bilinear weights).
 */
import { check } from '../../errors.js';
import { applyAffine, warpAffine, type Affine, type Point } from '../faces/align.js';
import type { DetectedFace } from '../faces/detect.js';
import type { RgbImage } from '../faces/image.js';

export interface FaceCropOptions {
  /** Side of the square crop in pixels over the longer side of the face box (default 1.3). */
  scale?: number;
  /** Output side in pixels (default 128). */
  size?: number;
}

export interface FaceCrop {
  face: RgbImage;
  /** The 68 landmarks in crop pixels. */
  landmarks68: Point[];
  /** Photo pixels → crop pixels. */
  transform: Affine;
}

/** The affine taking the photo to the `size`×`size` crop of `box` enlarged by `scale`. */
export function faceCropTransform(box: DetectedFace['box'], scale = 1.3, size = 128): Affine {
  check(Number.isFinite(scale) && scale > 0, 'scale', scale, 'a positive crop scale (1.3 = 30% margin)');
  check(Number.isInteger(size) && size >= 8, 'size', size, 'an integer ≥ 8');
  check(box.width > 0 && box.height > 0, 'box', box, 'a face box of positive size');
  const side = Math.max(box.width, box.height) * scale;
  const k = size / side;
  // Pixel centres at integers: the square [cx − side/2, cx + side/2] maps onto
  // the crop's extent [−0.5, size − 0.5], so its centre goes to (size − 1)/2.
  const cx = box.x + box.width / 2;
  const cy = box.y + box.height / 2;
  return [
    [k, 0, (size - 1) / 2 - k * cx],
    [0, k, (size - 1) / 2 - k * cy],
  ];
}

/** The square crop of a detected face with its landmarks in crop coordinates. */
export function cropFace(image: RgbImage, face: Pick<DetectedFace, 'box' | 'landmarks68'>, options: FaceCropOptions = {}): FaceCrop {
  const size = options.size ?? 128;
  const transform = faceCropTransform(face.box, options.scale ?? 1.3, size);
  const warped = warpAffine({ width: image.width, height: image.height, channels: 3, data: image.data }, transform, size, size);
  return {
    face: { width: size, height: size, data: warped.data as Uint8Array },
    landmarks68: face.landmarks68.map((p) => applyAffine(transform, p)),
    transform,
  };
}
