/**
 * The segmentation data layouts. Importing this module registers every
 * layout reader with {@link openSegmentationData}, most specific first (a
 * VOC or Cityscapes root could also hold unrelated `images/` folders).
 */
import './voc.js';
import './cityscapes.js';
import './camvid.js';
import './mask-folders.js';

export * from './dataset.js';
export * from './palettes.js';
