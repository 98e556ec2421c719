// Writes the example images of the browser app: the first four test images of
// the bundled Fashion-MNIST subset (data/fashion-mnist-subset, MIT-licensed
// Fashion-MNIST) as 28×28 grey PNGs, web/public/examples/fashion-mnist-K.png.
// Run by scripts/build-web-models.sh after `npm run build`.
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { readIdx } from '../dist/index.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const images = await readIdx(`${root}data/fashion-mnist-subset/t10k-images-idx3-ubyte.gz`);
const [, h, w] = images.shape;
mkdirSync(`${root}web/public/examples`, { recursive: true });
for (let k = 0; k < 4; k++) {
  const pixels = Buffer.from(images.data.subarray(k * h * w, (k + 1) * h * w));
  await sharp(pixels, { raw: { width: w, height: h, channels: 1 } }).png().toFile(`${root}web/public/examples/fashion-mnist-${k}.png`);
}
console.log(`wrote web/public/examples/fashion-mnist-{0..3}.png (${h}×${w})`);
