/**
 * The forgery panel: a detector the user loads (the `model.json` and
 * `weights.bin` of a `wavecv train forgery` run's `model/`) and a photo;
 * every face found is cropped and scored as `wavecv detect` does
 * (`detectForgeries`: crop of 1.3 × the face box at the model's input size,
 * softmax probability of the `fake` class, fake at ≥ 0.5), and drawn as a box
 * on the photo, red when called fake, green when real. `#forgery-result`
 * carries the faces (box, detector score, fake probability) as JSON in
 * `data-faces` and the section counts finished runs in `data-rendered`.
 */
import type { RgbImage } from '../../src/data/faces/image.js';
import { detectForgeries, FAKE_THRESHOLD, type ForgeryModel } from '../../src/tasks/forgery-score.js';
import { detectAllFaces } from './face-detector.js';
import { rgbaToRgb } from './face.js';
import { loadModelFromFiles } from './model-files.js';
import { decodeToRgba } from './pixels.js';
import { element } from './dom.js';

export class ForgeryPanel {
  private readonly section = element<HTMLElement>('forgery');
  private readonly modelFiles = element<HTMLInputElement>('forgery-model-files');
  private readonly photoFile = element<HTMLInputElement>('forgery-file');
  private readonly canvas = element<HTMLCanvasElement>('forgery-photo');
  private readonly result = element<HTMLElement>('forgery-result');
  private loaded: ForgeryModel | undefined;
  private photo: RgbImage | undefined;
  private rendered = 0;

  constructor() {
    this.modelFiles.addEventListener('change', () => void this.loadModel());
    this.photoFile.addEventListener('change', () => void this.loadPhoto());
  }

  private async loadModel(): Promise<void> {
    if (!this.modelFiles.files?.length) return;
    try {
      this.loaded?.model.dispose();
      this.loaded = undefined;
      const { model, metadata } = await loadModelFromFiles(this.modelFiles.files, 'forgery');
      const fakeClass = metadata.classNames?.indexOf('fake') ?? -1;
      if (fakeClass < 0 || metadata.preprocessing.inputShape.length !== 3) {
        model.dispose();
        throw new Error(`model: classes ${JSON.stringify(metadata.classNames)}, expected a 2-D forgery detector whose classes include "fake"`);
      }
      this.loaded = { model, metadata, fakeClass };
    } catch (error) {
      this.result.textContent = `error: ${(error as Error).message}`;
    }
    await this.run();
  }

  private async loadPhoto(): Promise<void> {
    const file = this.photoFile.files?.[0];
    if (!file) return;
    try {
      this.photo = rgbaToRgb(await decodeToRgba(file));
    } catch (error) {
      this.result.textContent = `error: ${file.name}: ${(error as Error).message}`;
    }
    await this.run();
  }

  private async run(): Promise<void> {
    const { loaded, photo } = this;
    if (!loaded || !photo) return;
    try {
      const faces = await detectForgeries(photo, loaded, { detect: detectAllFaces });
      this.draw(photo, faces);
      this.result.dataset.faces = JSON.stringify(faces);
      this.result.textContent = faces.length
        ? faces.map((f, i) => `face ${i + 1}: ${f.fake ? 'FAKE' : 'real'} (fake probability ${f.fakeProbability.toFixed(3)}, threshold ${FAKE_THRESHOLD})`).join('; ')
        : 'no face found';
    } catch (error) {
      this.result.textContent = `error: ${(error as Error).message}`;
    }
    this.section.dataset.rendered = String(++this.rendered);
  }

  private draw(photo: RgbImage, faces: Array<{ box: { x: number; y: number; width: number; height: number }; fake: boolean }>): void {
    this.canvas.width = photo.width;
    this.canvas.height = photo.height;
    const context = this.canvas.getContext('2d');
    if (context === null) throw new Error('no 2-D canvas context in this browser');
    const image = context.createImageData(photo.width, photo.height);
    for (let p = 0; p < photo.width * photo.height; p++) {
      image.data.set(photo.data.subarray(3 * p, 3 * p + 3), 4 * p);
      image.data[4 * p + 3] = 255;
    }
    context.putImageData(image, 0, 0);
    context.lineWidth = Math.max(2, photo.width / 200);
    for (const { box, fake } of faces) {
      context.strokeStyle = fake ? '#d00' : '#0a0';
      context.strokeRect(box.x, box.y, box.width, box.height);
    }
  }
}
