/**
 * Registers the 3D WaveUNet family (Li et al., Bioinformatics 38(3):809,
 * 2022) with the model registry as `waveunet3d`; options variant (segnet,
 * unet-v1, unet-v2, wavesnet-v1…v4; default wavesnet-v4), width (4), wavelet
 * (haar), numClasses (2), cube ([32, 128, 128]), shrink (0.25), seed. Outputs are
 * per-voxel logits (NDHWC). The registry checks every option (the builder
 * trusts them).
 */
import { registerModel } from '../registry.js';
import { buildWaveUNet3D, WAVEUNET3D_VARIANTS, type WaveUNet3DOptions } from './network.js';

registerModel({
  name: 'waveunet3d',
  family: 'waveunet3d',
  description: '3D WaveUNet for neuron segmentation: variants segnet (max-pool + max-unpool), unet-v1/v2 (max-pool + transposed conv / strided conv + trilinear) and wavesnet-v1…v4 (DWT; V3/V4 IDWT with the stored 7 high bands, V4 hard-shrunk); options variant, width (default 4), wavelet, cube',
  options: {
    variant: { type: 'string', values: WAVEUNET3D_VARIANTS, description: 'down- and up-sampling of the variant' },
    width: { type: 'integer', min: 1, description: 'channels of the first level' },
    wavelet: { type: 'wavelet', description: 'wavelet of the DWT variants' },
    numClasses: { type: 'integer', min: 2, description: 'classes of the per-voxel logits' },
    cube: { type: 'integer[]', min: 16, multipleOf: 16, length: 3, description: 'cube size [D, H, W] (four ×½ levels)' },
    shrink: { type: 'number', min: 0, description: 'hard-shrinkage threshold of wavesnet-v4' },
    seed: { type: 'integer', description: 'seed of the weight initialisers' },
  },
  smallOptions: { width: 2, cube: [16, 16, 16] },
  create: (options) => buildWaveUNet3D(options as WaveUNet3DOptions),
});

export { buildWaveUNet3D, WAVEUNET3D_VARIANTS, type WaveUNet3DOptions, type WaveUNet3DVariant } from './network.js';
