/** Neuron reconstruction from 3-D microscope volumes: files, metrics, tiling, tracing, synthetic data. */
export { readTiffStack, writeTiffStack, TiffStackWriter } from '../io/tiff-stack.js';
export { readV3draw, writeV3draw, V3drawReader, V3drawWriter } from '../io/v3draw.js';
export { readVolume, writeVolume, openVolumeReader, openVolumeWriter, VOLUME_EXTENSIONS, STACK_EXTENSIONS, type VolumeReader, type VolumeWriter } from '../io/volume-file.js';
export { bitDepthOf, stackVolume, stackSamples, type StackSamples } from '../io/stack-volume.js';
export { parseSwc, formatSwc, readSwc, writeSwc, checkSwcTree, SWC_TYPES, type SwcNode, type SwcTree } from './swc.js';
export { neuronDistance, samplePoints, distancesToTree, type NeuronDistance, type NeuronDistanceOptions } from '../metrics/neuron-distance.js';
export { cubeStarts, defaultStride, planCubes, assembleCubes, streamingBytes, type CubeGrid, type AssemblyMode, type SlabSource, type SlabSink, type CubePredictor, type AssembleOptions, type Shape3 } from './cubes.js';
export { segmentVolumeFile, type SegmentVolumeOptions, type SegmentVolumeReport } from './segment-volume.js';
export { rasterizeTree, type RasterizeOptions } from './rasterize.js';
export { syntheticNeuron, gaussianBlur3d, NOISE_PRESETS, type SyntheticNeuron, type SyntheticNeuronOptions } from './synthetic.js';
export { writeSyntheticNeurons, type SyntheticSetOptions } from './synthetic-set.js';
export { traceNeuron, grayWeightedDistance, type TraceOptions } from './trace.js';
