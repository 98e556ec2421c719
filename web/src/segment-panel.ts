/**
 * The segmentation panel: a model the user loads (the `model.json` and
 * `weights.bin` of a `wavecv train segment` run's `model/`, e.g. a WaveSNet)
 * and an image; shows the image with the predicted classes blended in, in the
 * training data's palette, and the share of each class. The section counts
 * finished segmentations in `data-rendered` and `#segment-info` carries the
 * class pixel counts in `data-counts`, for tests.
 */
import type { SegmentModelExtension } from '../../src/tasks/segment.js';
import { loadModelFromFiles, type LoadedModel } from './model-files.js';
import type { Rgba } from './image-tensor.js';
import { decodeToRgba, drawFloatImage } from './pixels.js';
import { segmentPixels } from './segment.js';
import { element } from './dom.js';

export class SegmentPanel {
  private readonly section = element<HTMLElement>('segment');
  private readonly modelFiles = element<HTMLInputElement>('segment-model-files');
  private readonly imageFile = element<HTMLInputElement>('segment-file');
  private readonly canvas = element<HTMLCanvasElement>('segment-overlay');
  private readonly info = element<HTMLElement>('segment-info');
  private loaded: LoadedModel<SegmentModelExtension> | undefined;
  private pixels: Rgba | undefined;
  private rendered = 0;

  constructor() {
    this.modelFiles.addEventListener('change', () => void this.loadModel());
    this.imageFile.addEventListener('change', () => void this.loadImage());
  }

  private async loadModel(): Promise<void> {
    if (!this.modelFiles.files?.length) return;
    try {
      this.loaded?.model.dispose();
      this.loaded = undefined;
      this.loaded = await loadModelFromFiles<SegmentModelExtension>(this.modelFiles.files, 'segment');
      await this.render();
    } catch (error) {
      this.info.textContent = `error: ${(error as Error).message}`;
    }
  }

  private async loadImage(): Promise<void> {
    const file = this.imageFile.files?.[0];
    if (!file) return;
    try {
      this.pixels = await decodeToRgba(file);
      await this.render();
    } catch (error) {
      this.info.textContent = `error: ${file.name}: ${(error as Error).message}`;
    }
  }

  private async render(): Promise<void> {
    const loaded = this.loaded;
    const pixels = this.pixels;
    if (!loaded || !pixels) return;
    try {
      const { overlay, counts } = await segmentPixels(loaded.model, loaded.metadata, pixels);
      drawFloatImage(this.canvas, Float32Array.from(overlay, (v) => v / 255), pixels.height, pixels.width, 3);
      this.canvas.style.width = `${Math.max(pixels.width, 384)}px`;
      const names = loaded.metadata.classNames ?? [];
      const total = pixels.width * pixels.height;
      this.info.dataset.counts = JSON.stringify(counts);
      this.info.textContent = `${loaded.metadata.model.name}: ${counts.map((n, k) => `${names[k] ?? `class ${k}`} ${((100 * n) / total).toFixed(1)} %`).join(', ')}`;
    } catch (error) {
      this.info.textContent = `error: ${(error as Error).message}`;
    }
    this.section.dataset.rendered = String(++this.rendered);
  }
}
