/**
 * The wavecv browser app (`npm run web`): starts a TF.js backend, then wires
 * the panels — the DWT explorer, WaveCNet classification under noise, face
 * verification, segmentation, registration and forgery detection — to their
 * uploads. Each panel starts with an example (the bundled
 * `data/images/chelsea.png` for the DWT, a Fashion-MNIST test image for the
 * classifier, the demo WiNet on an ITK slice pair for registration), so the
 * page works before anything is uploaded.
 *
 * `document.body.dataset.state` is `starting`, then `ready` (or `error`, with
 * the message in `#app-error`); `#backend` names the backend in use.
 */
import '../../src/browser.js';
import chelsea from '../../data/images/chelsea.png?url';
import { requestedBackend, startBackend } from './backend.js';
import { ClassifyPanel } from './classify-panel.js';
import { DwtPanel } from './dwt-panel.js';
import { FacePanel } from './face-panel.js';
import { ForgeryPanel } from './forgery-panel.js';
import { SegmentPanel } from './segment-panel.js';
import { RegisterPanel } from './register-panel.js';
import { decodeToRgba, fetchRgba } from './pixels.js';
import type { Rgba } from './image-tensor.js';
import { element } from './dom.js';

/** Fashion-MNIST test images shipped with the app (written by `npm run web:models`). */
const CLASSIFY_EXAMPLES = ['examples/fashion-mnist-0.png', 'examples/fashion-mnist-1.png', 'examples/fashion-mnist-2.png', 'examples/fashion-mnist-3.png'];

/** Calls `show` with the pixels of each file picked in `input`. */
function onUpload(input: HTMLInputElement, show: (pixels: Rgba) => void, report: HTMLElement): void {
  input.addEventListener('change', async () => {
    const file = input.files?.[0];
    if (!file) return;
    try {
      show(await decodeToRgba(file));
    } catch (error) {
      report.textContent = `error: ${file.name}: ${(error as Error).message}`;
    }
  });
}

async function start(): Promise<void> {
  element('backend').textContent = await startBackend(requestedBackend(location.search));
  const dwt = new DwtPanel();
  onUpload(element('dwt-file'), (p) => dwt.setImage(p), element('dwt-info'));
  dwt.setImage(await fetchRgba(chelsea));

  const classify = new ClassifyPanel();
  onUpload(element('classify-file'), (p) => classify.setImage(p), element('classify-info'));
  const examples = element('classify-examples');
  for (const url of CLASSIFY_EXAMPLES) {
    const button = document.createElement('img');
    button.src = url;
    button.alt = `example ${url}`;
    button.className = 'example';
    button.addEventListener('click', async () => classify.setImage(await fetchRgba(url)));
    examples.append(button);
  }
  await classify.loadBundled();
  classify.setImage(await fetchRgba(CLASSIFY_EXAMPLES[0]));
  new FacePanel();
  new SegmentPanel();
  await new RegisterPanel().loadBundled();
  new ForgeryPanel();
}

start().then(
  () => {
    document.body.dataset.state = 'ready';
  },
  (error: unknown) => {
    element('app-error').textContent = error instanceof Error ? error.message : String(error);
    document.body.dataset.state = 'error';
  },
);
