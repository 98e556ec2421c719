/**
 * Drawing an SWC tree into a volume as the 3D WaveUNet data preparation
 * builds its labels (Li et al., Bioinformatics 38(3):809, 2022, Sec. 2.2): a
 * sphere of radius r + pad (pad 0.25) at every node and along every
 * child→parent segment, the radius interpolated linearly between the two
 * ends — i.e. every voxel whose centre lies within the interpolated radius
 * (plus pad) of the segment. Coordinates are voxel units (x, y, z = column,
 * row, slice); voxels outside the volume are clipped.
 */
import type { SwcTree } from './swc.js';

export interface RasterizeOptions {
  /** Added to every radius (0.25 for labels, as the reference). */
  pad?: number;
  /** Value written for the segment from node `child` (default 1); the largest value wins where segments overlap. */
  segmentValue?: (child: number, parent: number) => number;
}

/** Writes the tree into `into` (`depth·height·width`, x fastest), keeping the maximum where it is already set. */
export function rasterizeTree(tree: SwcTree, shape: [number, number, number], into: Float32Array | Uint8Array, options: RasterizeOptions = {}): void {
  const [depth, height, width] = shape;
  const pad = options.pad ?? 0.25;
  const byId = new Map(tree.nodes.map((n) => [n.id, n]));
  for (const node of tree.nodes) {
    const parent = node.parent === -1 ? node : byId.get(node.parent)!;
    const value = options.segmentValue ? options.segmentValue(node.id, parent.id) : 1;
    if (value <= 0) continue;
    const [ax, ay, az, ra] = [node.x, node.y, node.z, node.radius + pad];
    const [bx, by, bz, rb] = [parent.x, parent.y, parent.z, parent.radius + pad];
    const r = Math.max(ra, rb);
    const [ux, uy, uz] = [bx - ax, by - ay, bz - az];
    const uu = ux * ux + uy * uy + uz * uz;
    const lo = (a: number, b: number) => Math.max(0, Math.ceil(Math.min(a, b) - r));
    const hi = (a: number, b: number, n: number) => Math.min(n - 1, Math.floor(Math.max(a, b) + r));
    for (let z = lo(az, bz); z <= hi(az, bz, depth); z++) {
      for (let y = lo(ay, by); y <= hi(ay, by, height); y++) {
        for (let x = lo(ax, bx); x <= hi(ax, bx, width); x++) {
          const t = uu === 0 ? 0 : Math.min(1, Math.max(0, ((x - ax) * ux + (y - ay) * uy + (z - az) * uz) / uu));
          const dx = ax + t * ux - x;
          const dy = ay + t * uy - y;
          const dz = az + t * uz - z;
          const radius = ra + t * (rb - ra);
          if (dx * dx + dy * dy + dz * dz <= radius * radius) {
            const i = (z * height + y) * width + x;
            if (into[i] < value) into[i] = value;
          }
        }
      }
    }
  }
}
