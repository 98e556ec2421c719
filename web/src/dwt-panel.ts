/**
 * The DWT explorer: the multilevel 2-D DWT of the current image drawn as the
 * subband mosaic of `wavecv dwt` (`dwtMosaic`: pywt's `wavedec2`, packed by
 * `coeffsToArray`, each band scaled for display), for any of the library's
 * wavelets (all of pywt's discrete ones), any of pywt's nine modes and any
 * level from 1 to `dwtMaxLevel`. Grey (mean of R, G, B) by default, each RGB
 * channel with "colour".
 *
 * The section's `data-rendered` attribute counts finished drawings, and the
 * mosaic's shape and settings are written to `data-*` attributes of the
 * canvas, so a test can wait for a drawing and check it.
 */
import * as tf from '@tensorflow/tfjs';
import { dwtMaxLevel, dwtMosaic, MODES, wavelet, wavelist } from '../../src/browser.js';
import { rgbaToImage, type Rgba } from './image-tensor.js';
import { drawFloatImage } from './pixels.js';
import { element } from './dom.js';

export class DwtPanel {
  private readonly section = element<HTMLElement>('dwt');
  private readonly wave = element<HTMLSelectElement>('dwt-wavelet');
  private readonly mode = element<HTMLSelectElement>('dwt-mode');
  private readonly level = element<HTMLInputElement>('dwt-level');
  private readonly colour = element<HTMLInputElement>('dwt-colour');
  private readonly canvas = element<HTMLCanvasElement>('dwt-mosaic');
  private readonly info = element<HTMLElement>('dwt-info');
  private pixels: Rgba | undefined;
  private rendered = 0;

  constructor() {
    for (const name of wavelist()) this.wave.add(new Option(name, name, name === 'db2', name === 'db2'));
    for (const m of MODES) this.mode.add(new Option(m, m, m === 'periodization', m === 'periodization'));
    for (const control of [this.wave, this.mode, this.level, this.colour]) control.addEventListener('change', () => this.render());
  }

  /** Shows the DWT of new pixels. */
  setImage(pixels: Rgba): void {
    this.pixels = pixels;
    this.render();
  }

  private render(): void {
    if (!this.pixels) return;
    const { width, height } = this.pixels;
    const maxLevel = dwtMaxLevel(Math.min(width, height), wavelet(this.wave.value));
    this.level.max = String(Math.max(1, maxLevel));
    const level = Math.min(Math.max(1, Math.round(Number(this.level.value) || 1)), Math.max(1, maxLevel));
    this.level.value = String(level);
    const channels = this.colour.checked ? 3 : 1;
    try {
      const image = rgbaToImage(this.pixels, channels);
      try {
        const { mosaic, levels } = dwtMosaic(image, { wave: this.wave.value, level, mode: this.mode.value });
        const [h, w] = mosaic.shape;
        drawFloatImage(this.canvas, mosaic.dataSync(), h, w, channels);
        // small images are shown enlarged (pixelated), large ones fit the page (max-width in the style sheet)
        this.canvas.style.width = `${Math.max(w, 512)}px`;
        mosaic.dispose();
        Object.assign(this.canvas.dataset, { wavelet: this.wave.value, mode: this.mode.value, level: String(level), channels: String(channels) });
        this.info.textContent = `${height}×${width} ${channels === 3 ? 'RGB' : 'grey'}, ${this.wave.value}, ${this.mode.value}: ${levels.map((l) => `level ${l.level} details ${l.shape[0]}×${l.shape[1]}`).join(', ')}; mosaic ${h}×${w}`;
      } finally {
        image.dispose();
      }
    } catch (error) {
      this.info.textContent = `error: ${(error as Error).message}`;
    }
    this.section.dataset.rendered = String(++this.rendered);
    this.section.dataset.tensors = String(tf.memory().numTensors);
  }
}
