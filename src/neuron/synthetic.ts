/**
 * SYNTHETIC neuron images with known ground truth, for training and testing
 * when no annotated microscope volumes are at hand. Nothing here comes from a
 * real neuron; the generator imitates what makes light-microscopy neuron
 * volumes hard to segment (Li et al., Bioinformatics 38(3):809, 2022, Sec. 1:
 * thin, faint, broken fibres in noise).
 *
 * Model (all seeded; a given seed and options always give the same volume):
 * 1. **Tree.** A soma (radius 2.5–4 voxels) near the centre sends out 3–5
 *    primary neurites. Each grows in steps of 2 voxels as a persistent random
 *    walk: the direction is perturbed by Gaussian turns (tortuosity, σ 0.25
 *    rad) with its z component damped (volumes are thinner in z), the radius
 *    tapers by 1.5 % a step from 1.2–2 voxels down to 0.5, and at each step the
 *    walk bifurcates with probability 0.04 (a child at ±25–60°). A branch ends
 *    after its drawn length (40–140 voxels), at the border or at radius 0.5
 *    after 150 steps.
 * 2. **Truth.** The SWC of that tree (type 1 soma, 3 neurite; voxel
 *    coordinates), and the mask drawn from it as the reference draws labels
 *    (spheres of r + 0.25 along the segments, {@link rasterizeTree}).
 * 3. **Signal.** The tubes (radius r + 0.7, so that the thinnest fibres
 *    still span a few voxels before the blur, as a diffraction-limited fibre does) with a brightness per branch (0.5–1)
 *    and along-fibre variations: dropouts (stretches of 3–8 steps at 15–40 %
 *    brightness, probability 0.03 per step) and gaps (2–4 steps at 0, broken
 *    fibres, probability 0.015); the mask keeps the fibre through both.
 * 4. **Background.** A smooth haze (a low-frequency sum of Gaussians) and
 *    out-of-focus blobs (3–8 Gaussians of σ 3–8 voxels, 20–45 % brightness),
 *    unlabelled.
 * 5. **Optics and noise.** Blur by an anisotropic Gaussian point spread
 *    function (σ 0.9 voxels in x, y and 1.8 in z, the elongation of a
 *    widefield/confocal PSF), scaling to `photons` expected photons at full
 *    brightness, Poisson shot noise, Gaussian read noise (σ `readNoise`
 *    photons), an offset, and quantisation to 8 bits.
 *
 * Noise presets: `low` (400 photons, read noise 4) and `high` (60 photons,
 * read noise 8).
 */
import { check } from '../errors.js';
import { Rng } from '../engine/random.js';
import { rasterizeTree } from './rasterize.js';
import type { SwcNode, SwcTree } from './swc.js';

export interface SyntheticNeuronOptions {
  /** `[depth, height, width]`; default [48, 160, 160]. */
  shape?: [number, number, number];
  seed?: number;
  noise?: 'low' | 'high';
  /** Overrides of the preset. */
  photons?: number;
  readNoise?: number;
}

export interface SyntheticNeuron {
  /** 8-bit image, x fastest. */
  image: Uint8Array;
  /** 0/1 truth mask. */
  mask: Uint8Array;
  tree: SwcTree;
  shape: [number, number, number];
}

export const NOISE_PRESETS = { low: { photons: 400, readNoise: 4 }, high: { photons: 60, readNoise: 8 } } as const;

const STEP = 2;

/** Generates one synthetic neuron volume, its mask and its SWC (see the module comment). */
export function syntheticNeuron(options: SyntheticNeuronOptions = {}): SyntheticNeuron {
  const shape = options.shape ?? [48, 160, 160];
  check(shape.length === 3 && shape.every((s) => Number.isInteger(s) && s >= 8), 'shape', shape, 'three integers ≥ 8 [depth, height, width]');
  const noise = options.noise ?? 'low';
  check(noise in NOISE_PRESETS, 'noise', noise, "'low' or 'high'");
  const photons = options.photons ?? NOISE_PRESETS[noise].photons;
  const readNoise = options.readNoise ?? NOISE_PRESETS[noise].readNoise;
  check(photons > 0 && readNoise >= 0, 'photons', photons, 'photons > 0 and readNoise ≥ 0');
  const rng = new Rng(options.seed ?? 1);
  const uniform = (a: number, b: number) => a + (b - a) * rng.next();
  const [depth, height, width] = shape;

  // 1. Tree.
  const nodes: SwcNode[] = [];
  const brightness = new Map<number, number>();
  const somaRadius = uniform(2.5, 4);
  nodes.push({ id: 1, type: 1, x: width / 2 + uniform(-0.1, 0.1) * width, y: height / 2 + uniform(-0.1, 0.1) * height, z: depth / 2 + uniform(-0.1, 0.1) * depth, radius: somaRadius, parent: -1 });
  brightness.set(1, 1);
  interface Branch { from: number; dir: [number, number, number]; radius: number; length: number; level: number; light: number }
  const pending: Branch[] = [];
  const primaries = 3 + rng.int(3);
  for (let k = 0; k < primaries; k++) {
    const angle = (2 * Math.PI * (k + uniform(-0.3, 0.3))) / primaries;
    pending.push({ from: 1, dir: normalise([Math.cos(angle), Math.sin(angle), uniform(-0.3, 0.3)]), radius: uniform(1.2, 2), length: uniform(40, 140), level: 0, light: uniform(0.5, 1) });
  }
  let dropout = 0;
  let dropoutLevel = 1;
  while (pending.length > 0 && nodes.length < 4000) {
    const branch = pending.shift()!;
    let previous = nodes[branch.from - 1];
    let dir = branch.dir;
    let radius = branch.radius;
    const start = branch.from === 1 ? somaRadius : 0;
    for (let step = 0, travelled = 0; travelled < branch.length && step < 150; step++) {
      const stride = step === 0 ? start + STEP : STEP;
      dir = normalise([dir[0] + 0.25 * rng.normal(), dir[1] + 0.25 * rng.normal(), 0.5 * (dir[2] + 0.25 * rng.normal())]);
      const x = previous.x + stride * dir[0];
      const y = previous.y + stride * dir[1];
      const z = previous.z + stride * dir[2];
      if (x < 1 || y < 1 || z < 1 || x > width - 2 || y > height - 2 || z > depth - 2) break;
      radius = Math.max(0.5, radius * 0.985);
      const node: SwcNode = { id: nodes.length + 1, type: 3, x, y, z, radius, parent: previous.id };
      nodes.push(node);
      travelled += stride;
      // Along-fibre brightness: dropouts and gaps last a few steps.
      if (dropout === 0) {
        const u = rng.next();
        if (u < 0.015) [dropout, dropoutLevel] = [2 + rng.int(3), 0];
        else if (u < 0.045) [dropout, dropoutLevel] = [3 + rng.int(6), uniform(0.15, 0.4)];
      }
      brightness.set(node.id, branch.light * (dropout > 0 ? dropoutLevel : 1));
      if (dropout > 0) dropout--;
      if (rng.next() < 0.04 && branch.level < 4) {
        const turn = uniform(25, 60) * (Math.PI / 180) * (rng.next() < 0.5 ? -1 : 1);
        const [c, s] = [Math.cos(turn), Math.sin(turn)];
        pending.push({ from: node.id, dir: normalise([c * dir[0] - s * dir[1], s * dir[0] + c * dir[1], dir[2]]), radius: Math.max(0.5, radius * 0.8), length: uniform(20, 80), level: branch.level + 1, light: Math.min(1, branch.light * uniform(0.8, 1.1)) });
      }
      previous = node;
    }
  }
  const tree: SwcTree = { nodes, comments: [`SYNTHETIC neuron (wavecv syntheticNeuron, seed ${options.seed ?? 1}, shape ${shape.join('x')}); not a real cell`] };

  // 2. Truth mask.
  const size = depth * height * width;
  const mask = new Uint8Array(size);
  rasterizeTree(tree, shape, mask, { pad: 0.25 });

  // 3. Signal.
  const signal = new Float32Array(size);
  rasterizeTree(tree, shape, signal, { pad: 0.7, segmentValue: (child) => brightness.get(child) ?? 1 });

  // 4. Background: haze and blobs (unlabelled).
  const blobs = Array.from({ length: 3 + rng.int(6) }, () => ({ x: uniform(0, width), y: uniform(0, height), z: uniform(0, depth), s: uniform(3, 8), a: uniform(0.2, 0.45) }));
  const haze = Array.from({ length: 4 }, () => ({ x: uniform(0, width), y: uniform(0, height), z: uniform(0, depth), s: uniform(0.3, 0.6) * width, a: uniform(0.03, 0.08) }));
  const psfSignal = gaussianBlur3d(signal, shape, [1.8, 0.9, 0.9]);
  const image = new Uint8Array(size);
  const offset = 6;
  for (let z = 0, i = 0; z < depth; z++) {
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++, i++) {
        let background = 0;
        for (const b of haze) background += b.a * Math.exp(-((x - b.x) ** 2 + (y - b.y) ** 2 + (z - b.z) ** 2) / (2 * b.s * b.s));
        for (const b of blobs) {
          const d2 = (x - b.x) ** 2 + (y - b.y) ** 2 + ((z - b.z) * 2) ** 2;
          if (d2 < 9 * b.s * b.s) background += b.a * Math.exp(-d2 / (2 * b.s * b.s));
        }
        // 5. Photons, shot noise, read noise, offset, 8 bits (full brightness ≈ 200 grey levels).
        const expected = photons * (psfSignal[i] + background);
        const counts = poisson(rng, expected) + readNoise * rng.normal();
        image[i] = Math.max(0, Math.min(255, Math.round(offset + (counts * 200) / photons)));
      }
    }
  }
  return { image, mask, tree, shape };
}

function normalise(v: [number, number, number]): [number, number, number] {
  const n = Math.hypot(...v) || 1;
  return [v[0] / n, v[1] / n, v[2] / n];
}

/** A Poisson draw: Knuth's product method below 30, the normal approximation above. */
function poisson(rng: Rng, lambda: number): number {
  if (lambda <= 0) return 0;
  if (lambda > 30) return Math.max(0, Math.round(lambda + Math.sqrt(lambda) * rng.normal()));
  const limit = Math.exp(-lambda);
  let k = 0;
  let p = rng.next();
  while (p > limit) {
    k++;
    p *= rng.next();
  }
  return k;
}

/** Separable Gaussian blur with standard deviations `[σz, σy, σx]` (kernels truncated at 3σ, borders clamped). */
export function gaussianBlur3d(values: Float32Array, shape: [number, number, number], sigma: [number, number, number]): Float32Array {
  let current = values;
  const strides = [shape[1] * shape[2], shape[2], 1];
  for (let axis = 0; axis < 3; axis++) {
    const s = sigma[axis];
    if (s <= 0) continue;
    const radius = Math.ceil(3 * s);
    const kernel = Array.from({ length: 2 * radius + 1 }, (_, k) => Math.exp(-((k - radius) ** 2) / (2 * s * s)));
    const total = kernel.reduce((a, b) => a + b, 0);
    const next = new Float32Array(current.length);
    const n = shape[axis];
    const stride = strides[axis];
    for (let i = 0; i < current.length; i++) {
      const position = Math.floor(i / stride) % n;
      let sum = 0;
      for (let k = -radius; k <= radius; k++) {
        const p = Math.min(n - 1, Math.max(0, position + k));
        sum += kernel[k + radius] * current[i + (p - position) * stride];
      }
      next[i] = sum / total;
    }
    current = next;
  }
  return current;
}
