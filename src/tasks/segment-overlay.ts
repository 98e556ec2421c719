/**
 * A label map drawn over its image: each class's palette colour blended into
 * the RGB pixels at opacity `alpha`, the background class 0 left as it is.
 * Browser-safe; `wavecv segment --overlay` and the browser app draw with it.
 */
import { check } from '../errors.js';
import type { Palette } from '../io/indexed-png.js';

/** `rgb` (8-bit, interleaved) with the colours of `labels` blended in at `alpha` ∈ [0, 1] (class 0 not coloured). */
export function overlayLabels(rgb: Uint8Array, labels: ArrayLike<number>, palette: Palette, alpha: number): Uint8Array {
  check(Number.isFinite(alpha) && alpha >= 0 && alpha <= 1, 'alpha', alpha, 'an opacity in [0, 1]');
  check(rgb.length === 3 * labels.length, 'rgb', `${rgb.length} bytes`, `3 per label (${labels.length} labels)`);
  const blended = new Uint8Array(rgb.length);
  for (let i = 0; i < labels.length; i++) {
    const colour = palette[labels[i]];
    check(colour !== undefined, 'labels', labels[i], `a class of the palette (0 to ${palette.length - 1})`);
    const a = labels[i] === 0 ? 0 : alpha;
    for (let k = 0; k < 3; k++) blended[3 * i + k] = Math.round((1 - a) * rgb[3 * i + k] + a * colour[k]);
  }
  return blended;
}
