// Writes the registration demo pair of the browser app: the first synthetic
// test pair of a `wavecv generate registration --dims 2` set (an ITK brain
// slice of Debian's insighttoolkit4-examples and its seeded synthetic
// deformation, unseen in training; the one-epoch demo model improves it, NCC
// 0.205 → 0.223, where it leaves the ITK B-spline pair as it was), each
// min–max scaled and padded around the centre to the size of the demo
// model's network — what `wavecv register` feeds the network — as 8-bit grey
// PNGs web/public/examples/registration-{fixed,moving}.png.
// Usage: node scripts/web-registration-pair.mjs DATA RUN (DATA: the generated
// set, RUN: the demo model's run folder). Run by scripts/build-web-models.sh.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { centerFit, initEngine, loadRegistrationModel, normalizeMinMax, readScan } from '../dist/index.js';

const [data, run] = process.argv.slice(2);
const root = fileURLToPath(new URL('..', import.meta.url));
await initEngine();
const { model, metadata } = await loadRegistrationModel(run);
model.dispose();
const [h, w] = metadata.size;
mkdirSync(join(root, 'web/public/examples'), { recursive: true });
for (const role of ['fixed', 'moving']) {
  const scan = await readScan(join(data, 'test', 'synthetic0000', `${role}.nii.gz`));
  const fitted = centerFit(normalizeMinMax(scan.values), scan.shape, metadata.size);
  await sharp(Buffer.from(Uint8Array.from(fitted, (v) => Math.round(255 * v))), { raw: { width: w, height: h, channels: 1 } }).png().toFile(join(root, `web/public/examples/registration-${role}.png`));
}
console.log(`wrote web/public/examples/registration-{fixed,moving}.png (${h}×${w})`);
