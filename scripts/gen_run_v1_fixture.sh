#!/usr/bin/env bash
# Regenerates test/fixtures/run-v1/: run folders in the first on-disk format
# (model metadata as flat userDefinedMetadata keys), written by wavecv at
# commit 9b4fc6b, the last version before the typed run metadata. The
# compatibility tests load them with today's reader, so this script must be
# run with a checkout of that commit (git worktree add /tmp/v1 9b4fc6b).
# Data: a synthetic 16×16 grey IDX set, 4 classes (the bright quadrant plus noise).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
OUT=$ROOT/test/fixtures/run-v1
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
mkdir -p "$OUT/data"
node - "$OUT/data" <<'JS'
const { writeFileSync } = require('node:fs');
const { join } = require('node:path');
const dir = process.argv[2];
let s = 3;
const rnd = () => (s = (s * 1103515245 + 12345) >>> 0) / 4294967296;
const S = 16;
const write = (prefix, n) => {
  const images = Buffer.alloc(16 + n * S * S);
  images.writeUInt32BE(0x803, 0); images.writeUInt32BE(n, 4); images.writeUInt32BE(S, 8); images.writeUInt32BE(S, 12);
  const labels = Buffer.alloc(8 + n);
  labels.writeUInt32BE(0x801, 0); labels.writeUInt32BE(n, 4);
  for (let i = 0; i < n; i++) {
    const label = Math.floor(rnd() * 4);
    labels[8 + i] = label;
    for (let p = 0; p < S * S; p++) {
      const q = (Math.floor(p / ((S * S) / 2)) << 1) | (p % S >= S / 2 ? 1 : 0);
      images[16 + i * S * S + p] = Math.min(255, Math.floor(rnd() * 90) + (q === label ? 160 : 0));
    }
  }
  writeFileSync(join(dir, `${prefix}-images-idx3-ubyte`), images);
  writeFileSync(join(dir, `${prefix}-labels-idx1-ubyte`), labels);
};
write('train', 64);
write('t10k', 32);
JS
cd "$ROOT"
node --import tsx src/cli/main.ts train classify --model cnn28 --model-option width=2 --wavelet haar --data "$OUT/data" \
  --epochs 1 --batch-size 16 --seed 3 --progress lines --out "$TMP/classify"
node --import tsx src/cli/main.ts train face --backbone iresnet-tiny --model-option 'widths=[4,8]' --model-option embeddingSize=8 \
  --loss uce --data "$OUT/data" --classes 0-2 --epochs 1 --batch-size 16 --seed 3 --progress lines --out "$TMP/face"
for task in classify face; do
  mkdir -p "$OUT/$task/model"
  cp "$TMP/$task/model/model.json" "$TMP/$task/model/weights.bin" "$OUT/$task/model/"
  cp "$TMP/$task/config.json" "$TMP/$task/metrics.json" "$OUT/$task/"
done
