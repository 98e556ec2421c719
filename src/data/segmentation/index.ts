/**
 * The segmentation data package: the dataset contract and folder reader
 * (./dataset.ts) and the class palettes (./palettes.ts). The layout readers
 * are listed, and folders opened, in src/data/readers.ts
 * (`openSegmentationData`).
 */
export * from './dataset.js';
export * from './palettes.js';
