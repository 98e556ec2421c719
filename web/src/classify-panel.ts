/**
 * The classification panel: the current image classified by each loaded
 * WaveCNet at every noise level of {@link NOISE_LEVELS} (class and
 * confidence, side by side), and a slider that shows the model input under
 * any σ with each model's answer. The two Fashion-MNIST models bundled with
 * the app load at start (vanilla max-pool and Haar-DWT `cnn28`, the pair
 * `wavecv demo` trains); "load a model" adds any `wavecv train classify` run's
 * `model/` files as another column.
 *
 * Each result cell carries `data-class-index` and `data-confidence` (full
 * precision) and the section counts finished evaluations in `data-rendered`,
 * for the end-to-end test.
 */
import { classifierInput, noisyInput, predictUnderNoise, type ClassifierInput, type Invert } from './classify.js';
import { rgbaToImage, type Rgba } from './image-tensor.js';
import { loadModelFromFiles, loadModelFromUrl, type LoadedModel } from './model-files.js';
import { drawFloatImage } from './pixels.js';
import { element } from './dom.js';

/** The noise levels of the table: clean, then `wavecv demo`'s σ (ImageNet-C's Gaussian-noise severities) and one milder level. */
export const NOISE_LEVELS = [0, 0.04, 0.08, 0.12, 0.18, 0.26, 0.38];

/** The bundled models (produced by `npm run web:models`), in column order. */
export const BUNDLED_MODELS = [
  { label: 'vanilla cnn28 (max-pool)', url: 'models/fashion-mnist-vanilla/model.json' },
  { label: 'Haar WaveCNet cnn28', url: 'models/fashion-mnist-haar/model.json' },
];

interface Column {
  label: string;
  loaded: LoadedModel;
}

export class ClassifyPanel {
  private readonly section = element<HTMLElement>('classify');
  private readonly table = element<HTMLTableElement>('classify-table');
  private readonly invert = element<HTMLSelectElement>('classify-invert');
  private readonly files = element<HTMLInputElement>('classify-model-files');
  private readonly slider = element<HTMLInputElement>('noise-sigma');
  private readonly sigmaText = element<HTMLElement>('noise-sigma-value');
  private readonly preview = element<HTMLCanvasElement>('noise-preview');
  private readonly previewText = element<HTMLElement>('noise-prediction');
  private readonly info = element<HTMLElement>('classify-info');
  private readonly columns: Column[] = [];
  private pixels: Rgba | undefined;
  private rendered = 0;

  constructor() {
    this.invert.addEventListener('change', () => this.render());
    this.slider.addEventListener('input', () => this.renderPreview());
    this.files.addEventListener('change', () => void this.addFromFiles());
  }

  /** Loads the bundled models. */
  async loadBundled(): Promise<void> {
    for (const { label, url } of BUNDLED_MODELS) this.columns.push({ label, loaded: await loadModelFromUrl(url, 'classify') });
    this.render();
  }

  setImage(pixels: Rgba): void {
    this.pixels = pixels;
    this.render();
  }

  private async addFromFiles(): Promise<void> {
    if (!this.files.files || this.files.files.length === 0) return;
    try {
      const loaded = await loadModelFromFiles(this.files.files, 'classify');
      const { name, options } = loaded.metadata.model;
      this.columns.push({ label: `${name}${options.wavelet ? ` (${String(options.wavelet)})` : ''}, loaded`, loaded });
      this.render();
    } catch (error) {
      this.info.textContent = `error: ${(error as Error).message}`;
    }
  }

  private invertChoice(): Invert {
    return this.invert.value === 'auto' ? 'auto' : this.invert.value === 'on';
  }

  /** Each column's model input (models may differ in input shape). */
  private inputs(): ClassifierInput[] {
    const pixels = this.pixels!;
    return this.columns.map(({ loaded }) => {
      const shape = loaded.metadata.preprocessing.inputShape;
      const image = rgbaToImage(pixels, shape[2] === 3 ? 3 : 1);
      try {
        return classifierInput(image, shape, this.invertChoice());
      } finally {
        image.dispose();
      }
    });
  }

  private render(): void {
    if (!this.pixels || this.columns.length === 0) return;
    try {
      const inputs = this.inputs();
      const results = this.columns.map((c, i) => predictUnderNoise(c.loaded.model, c.loaded.metadata, inputs[i], NOISE_LEVELS));
      const head = `<tr><th>noise σ</th>${this.columns.map((c) => `<th>${c.label}</th>`).join('')}</tr>`;
      const rows = NOISE_LEVELS.map(
        (sigma, k) =>
          `<tr data-sigma="${sigma}"><td>${sigma === 0 ? 'clean' : sigma.toFixed(2)}</td>${results
            .map((r, m) => `<td data-model="${m}" data-class-index="${r[k].classIndex}" data-confidence="${r[k].confidence}">${r[k].className} <small>${(100 * r[k].confidence).toFixed(1)} %</small></td>`)
            .join('')}</tr>`,
      );
      this.table.innerHTML = head + rows.join('');
      this.info.textContent = `input ${inputs[0].shape[0]}×${inputs[0].shape[1]}${inputs[0].inverted ? ', inverted (light background)' : ''}; noise seeded as in wavecv eval robustness`;
      this.renderPreview(inputs);
    } catch (error) {
      this.info.textContent = `error: ${(error as Error).message}`;
    }
    this.section.dataset.rendered = String(++this.rendered);
  }

  private renderPreview(inputs = this.pixels && this.columns.length ? this.inputs() : []): void {
    if (inputs.length === 0) return;
    const sigma = Number(this.slider.value);
    this.sigmaText.textContent = sigma.toFixed(2);
    const [h, w, c] = inputs[0].shape;
    drawFloatImage(this.preview, noisyInput(inputs[0], sigma), h, w, c);
    this.previewText.textContent = this.columns
      .map((col, i) => {
        const [p] = predictUnderNoise(col.loaded.model, col.loaded.metadata, inputs[i], [sigma]);
        return `${col.label}: ${p.className} (${(100 * p.confidence).toFixed(1)} %)`;
      })
      .join(' · ');
  }
}
