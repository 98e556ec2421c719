/**
 * The registration panel: the bundled demo WiNet (2-D, trained by `npm run
 * web:models` on deformed ITK brain slices) or a registration model the user
 * loads (the `model.json` and `weights.bin` of a 2-D `wavecv train register`
 * run's `model/`), and two images — the bundled demo pair (an ITK slice and
 * its synthetic deformation, a test pair the model did not see) until the
 * user uploads a fixed and a moving image. Shows `registerPixels`' figure (fixed, moving, warped, difference,
 * checkerboard, deformed grid) and the mean squared difference to the fixed
 * image before and after. The section counts finished registrations in
 * `data-rendered`; `#register-info` carries the two differences in
 * `data-mse-before` / `data-mse-after`, for tests.
 */
import type { RegisterModelExtension } from '../../src/tasks/register.js';
import { loadModelFromFiles, loadModelFromUrl, type LoadedModel } from './model-files.js';
import type { Rgba } from './image-tensor.js';
import { decodeToRgba, drawFloatImage, fetchRgba } from './pixels.js';
import { registerPixels } from './register.js';
import { element } from './dom.js';

/** The demo model and pair written by `npm run web:models` (scripts/build-web-models.sh). */
export const DEMO_MODEL = 'models/registration-winet/model.json';
export const DEMO_PAIR = { fixed: 'examples/registration-fixed.png', moving: 'examples/registration-moving.png' };

export class RegisterPanel {
  private readonly section = element<HTMLElement>('register');
  private readonly modelFiles = element<HTMLInputElement>('register-model-files');
  private readonly fixedFile = element<HTMLInputElement>('register-fixed-file');
  private readonly movingFile = element<HTMLInputElement>('register-moving-file');
  private readonly canvas = element<HTMLCanvasElement>('register-figure');
  private readonly info = element<HTMLElement>('register-info');
  private loaded: LoadedModel<RegisterModelExtension> | undefined;
  private fixed: Rgba | undefined;
  private moving: Rgba | undefined;
  private rendered = 0;

  constructor() {
    this.modelFiles.addEventListener('change', () => void this.loadModel());
    this.fixedFile.addEventListener('change', () => void this.loadImage(this.fixedFile, (p) => (this.fixed = p)));
    this.movingFile.addEventListener('change', () => void this.loadImage(this.movingFile, (p) => (this.moving = p)));
    element<HTMLButtonElement>('register-demo').addEventListener('click', () => void this.loadDemoPair());
  }

  /** Loads the bundled demo model and pair and registers them. */
  async loadBundled(): Promise<void> {
    this.loaded = await loadModelFromUrl<RegisterModelExtension>(DEMO_MODEL, 'register');
    await this.loadDemoPair();
  }

  private async loadDemoPair(): Promise<void> {
    try {
      [this.fixed, this.moving] = await Promise.all([fetchRgba(DEMO_PAIR.fixed), fetchRgba(DEMO_PAIR.moving)]);
      await this.render();
    } catch (error) {
      this.info.textContent = `error: ${(error as Error).message}`;
    }
  }

  private async loadModel(): Promise<void> {
    if (!this.modelFiles.files?.length) return;
    try {
      this.loaded?.model.dispose();
      this.loaded = undefined;
      this.loaded = await loadModelFromFiles<RegisterModelExtension>(this.modelFiles.files, 'register');
      await this.render();
    } catch (error) {
      this.info.textContent = `error: ${(error as Error).message}`;
    }
  }

  private async loadImage(input: HTMLInputElement, keep: (pixels: Rgba) => void): Promise<void> {
    const file = input.files?.[0];
    if (!file) return;
    try {
      keep(await decodeToRgba(file));
      await this.render();
    } catch (error) {
      this.info.textContent = `error: ${file.name}: ${(error as Error).message}`;
    }
  }

  private async render(): Promise<void> {
    const { loaded, fixed, moving } = this;
    if (!loaded || !fixed || !moving) return;
    try {
      const r = await registerPixels(loaded.model, loaded.metadata, fixed, moving);
      const { data, width, height } = r.figure;
      drawFloatImage(this.canvas, Float32Array.from(data, (v) => v / 255), height, width, 1);
      this.info.dataset.mseBefore = String(r.mseBefore);
      this.info.dataset.mseAfter = String(r.mseAfter);
      this.info.textContent = `${loaded.metadata.model.name} (${loaded.metadata.extension.field}) at ${r.shape.join('×')}: mean squared difference to the fixed image ${r.mseBefore.toFixed(5)} (moving) → ${r.mseAfter.toFixed(5)} (warped). Panels: fixed, moving, warped, |fixed − warped|, checkerboard, deformed grid.`;
    } catch (error) {
      this.info.textContent = `error: ${(error as Error).message}`;
    }
    this.section.dataset.rendered = String(++this.rendered);
  }
}
