/**
 * The face-verification panel: a face model the user loads (the `model.json`
 * and `weights.bin` of a `wavecv train face` run's `model/`; the app bundles
 * none, because no identity-labelled face photos come with wavecv to train
 * one on), two photos, and the decision "same person" when the cosine of
 * their embeddings reaches the model's threshold — the unified threshold its
 * loss learned (UCE/USS), or one stored by `eval verification`. Faces are
 * found and aligned in the browser (face-api's detector and 68 landmarks, the
 * five ArcFace points), or the photos are taken as aligned crops.
 *
 * `#face-result` carries `data-similarity`, `data-threshold`,
 * `data-decision` and `data-faces` (box, score and five landmarks of each), and the section counts finished verifications in
 * `data-rendered`, for tests.
 */
import type { DetectedFace } from '../../src/data/faces/detection.js';
import type { RgbImage } from '../../src/data/faces/image.js';
import type { FaceModelExtension } from '../../src/tasks/face.js';
import { detectMainFace } from './face-detector.js';
import { faceCrop, rgbaToRgb, verifyCrops } from './face.js';
import { loadModelFromFiles, type LoadedModel } from './model-files.js';
import { decodeToRgba, drawFloatImage } from './pixels.js';
import { element } from './dom.js';

export class FacePanel {
  private readonly section = element<HTMLElement>('face');
  private readonly modelFiles = element<HTMLInputElement>('face-model-files');
  private readonly photoInputs = [element<HTMLInputElement>('face-a-file'), element<HTMLInputElement>('face-b-file')];
  private readonly crops = [element<HTMLCanvasElement>('face-a-crop'), element<HTMLCanvasElement>('face-b-crop')];
  private readonly align = element<HTMLSelectElement>('face-align');
  private readonly result = element<HTMLElement>('face-result');
  private readonly info = element<HTMLElement>('face-info');
  private loaded: LoadedModel<FaceModelExtension> | undefined;
  /** The two photos, each with its main face once detected (detection runs once per photo). */
  private readonly photos: Array<{ name: string; image: RgbImage; face?: DetectedFace } | undefined> = [undefined, undefined];
  private rendered = 0;

  constructor() {
    this.modelFiles.addEventListener('change', () => void this.loadModel());
    this.photoInputs.forEach((input, i) => input.addEventListener('change', () => void this.loadPhoto(i)));
    this.align.addEventListener('change', () => void this.verify());
  }

  private async loadModel(): Promise<void> {
    if (!this.modelFiles.files?.length) return;
    try {
      this.loaded?.model.dispose();
      this.loaded = undefined;
      this.loaded = await loadModelFromFiles<FaceModelExtension>(this.modelFiles.files, 'face');
      const { model, preprocessing, extension } = this.loaded.metadata;
      this.info.textContent = `model: ${model.name}, ${extension.loss} loss, input ${preprocessing.inputShape.join('×')}`;
    } catch (error) {
      this.info.textContent = `error: ${(error as Error).message}`;
    }
    await this.verify();
  }

  private async loadPhoto(i: number): Promise<void> {
    const file = this.photoInputs[i].files?.[0];
    if (!file) return;
    try {
      this.photos[i] = { name: file.name, image: rgbaToRgb(await decodeToRgba(file)) };
    } catch (error) {
      this.info.textContent = `error: ${file.name}: ${(error as Error).message}`;
    }
    await this.verify();
  }

  private async verify(): Promise<void> {
    const loaded = this.loaded;
    const [a, b] = this.photos;
    if (!loaded || !a || !b) return;
    try {
      const detect = this.align.value === 'detect';
      if (detect) for (const photo of [a, b]) photo.face ??= await detectMainFace(photo.image, photo.name);
      const faces = [a, b].map((photo) => (detect ? photo.face : undefined));
      const crops = [a, b].map((photo, i) => faceCrop(photo.image, loaded.metadata, faces[i])) as [RgbImage, RgbImage];
      crops.forEach((crop, i) => drawFloatImage(this.crops[i], Float32Array.from(crop.data, (v) => v / 255), crop.height, crop.width, 3));
      const v = await verifyCrops(loaded.model, loaded.metadata, crops);
      const found = faces.map((f) => (f ? { box: f.box, score: f.score, landmarks5: f.landmarks5 } : null));
      Object.assign(this.result.dataset, { similarity: String(v.similarity), threshold: String(v.threshold), decision: v.same ? 'same' : 'different', faces: JSON.stringify(found) });
      this.result.textContent = `cosine similarity ${v.similarity.toFixed(4)} ${v.same ? '≥' : '<'} threshold ${v.threshold.toFixed(4)} (${v.thresholdSource}): ${v.same ? 'SAME person' : 'DIFFERENT people'}`;
      this.info.textContent = faces.every((f) => f) ? `faces found with confidence ${faces.map((f) => f!.score.toFixed(3)).join(' and ')}` : 'photos taken as aligned crops';
    } catch (error) {
      this.result.textContent = '';
      delete this.result.dataset.decision;
      this.info.textContent = `error: ${(error as Error).message}`;
    }
    this.section.dataset.rendered = String(++this.rendered);
  }
}
