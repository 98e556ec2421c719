/**
 * Class names and colours of the segmentation data sets wavecv reads:
 *
 * - Pascal VOC 2012 (Everingham et al., IJCV 2010): 21 classes; colour of
 *   index i from the bits of i spread over R, G and B (the devkit's
 *   `labelcolormap`/`VOClabelcolormap.m`), so class 1 is (128, 0, 0) and the
 *   void outline (index 255) is (224, 224, 192).
 * - CamVid as the SegNet tutorial distributes it (Badrinarayanan et al.,
 *   "SegNet", TPAMI 2017, §5.1; Brostow et al. 2009): 11 classes plus
 *   "Unlabelled" (stored value 11), which wavecv reads as the ignore index.
 *   Colours are the tutorial's display colours.
 * - Cityscapes (Cordts et al., CVPR 2016): the 19 evaluation classes
 *   ("train ids") and the table that maps the 34 stored `labelIds` to them;
 *   every other id maps to the ignore index. Colours are the official ones
 *   (`cityscapesscripts/helpers/labels.py`).
 */
import type { Palette } from '../../io/indexed-png.js';
import { IGNORE_INDEX } from '../../metrics/segmentation.js';

/** The VOC devkit colour map for indices 0…255. */
export function vocColourMap(): Palette {
  const colours: Array<[number, number, number]> = [];
  for (let i = 0; i < 256; i++) {
    let r = 0;
    let g = 0;
    let b = 0;
    let c = i;
    for (let j = 0; j < 8; j++) {
      r |= ((c >> 0) & 1) << (7 - j);
      g |= ((c >> 1) & 1) << (7 - j);
      b |= ((c >> 2) & 1) << (7 - j);
      c >>= 3;
    }
    colours.push([r, g, b]);
  }
  return colours;
}

export const VOC_CLASSES = [
  'background', 'aeroplane', 'bicycle', 'bird', 'boat', 'bottle', 'bus', 'car', 'cat', 'chair', 'cow',
  'diningtable', 'dog', 'horse', 'motorbike', 'person', 'pottedplant', 'sheep', 'sofa', 'train', 'tvmonitor',
];

export const CAMVID_CLASSES = ['sky', 'building', 'pole', 'road', 'pavement', 'tree', 'signsymbol', 'fence', 'car', 'pedestrian', 'bicyclist'];
/** Stored value of CamVid's "Unlabelled" class in the SegNet tutorial's annotation PNGs. */
export const CAMVID_VOID = 11;
export const CAMVID_PALETTE: Palette = [
  [128, 128, 128], [128, 0, 0], [192, 192, 128], [128, 64, 128], [60, 40, 222], [128, 128, 0],
  [192, 128, 128], [64, 64, 128], [64, 0, 128], [64, 64, 0], [0, 128, 192],
];

export const CITYSCAPES_CLASSES = [
  'road', 'sidewalk', 'building', 'wall', 'fence', 'pole', 'traffic light', 'traffic sign', 'vegetation', 'terrain',
  'sky', 'person', 'rider', 'car', 'truck', 'bus', 'train', 'motorcycle', 'bicycle',
];
export const CITYSCAPES_PALETTE: Palette = [
  [128, 64, 128], [244, 35, 232], [70, 70, 70], [102, 102, 156], [190, 153, 153], [153, 153, 153], [250, 170, 30],
  [220, 220, 0], [107, 142, 35], [152, 251, 152], [70, 130, 180], [220, 20, 60], [255, 0, 0], [0, 0, 142],
  [0, 0, 70], [0, 60, 100], [0, 80, 100], [0, 0, 230], [119, 11, 32],
];
/** Train id of each Cityscapes labelId 0…33 (ignore index for the ids not evaluated). */
// labelIds 0–6 (unlabeled, ego vehicle, rectification border, out of roi, static, dynamic, ground), 9–10 (parking,
// rail track), 14–16 (guard rail, bridge, tunnel), 18 (polegroup), 29–30 (caravan, trailer) are not evaluated.
const I = IGNORE_INDEX;
export const CITYSCAPES_TRAIN_IDS: readonly number[] = [I, I, I, I, I, I, I, 0, 1, I, I, 2, 3, 4, I, I, I, 5, I, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, I, I, 16, 17, 18];

/** A palette of `numClasses` colours for data sets without their own (the VOC colour map). */
export function defaultPalette(numClasses: number): Palette {
  return vocColourMap().slice(0, Math.min(256, numClasses));
}
