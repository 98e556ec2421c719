#!/usr/bin/env bash
# The models and examples bundled with the browser app (`npm run web:models`):
# runs `wavecv demo` (a vanilla and a Haar-DWT cnn28, width 16, 3 epochs on the
# bundled Fashion-MNIST subset, seed 0; see src/tasks/demo.ts), copies both
# trained models (model.json with wavecv's metadata + weights.bin) into
# web/public/models/fashion-mnist-{vanilla,haar}/ and writes the example
# images (scripts/web-examples.mjs). OUT (default runs/web-demo) keeps the
# demo's own outputs (robustness.json, demo.png) beside them.
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${OUT:-runs/web-demo}
npm run build
node dist/cli/main.js demo --out "$OUT"
for variant in vanilla haar; do
  target=web/public/models/fashion-mnist-$variant
  rm -rf "$target"
  mkdir -p "$target"
  cp "$OUT/$variant/model/model.json" "$OUT/$variant/model/weights.bin" "$target/"
done
node scripts/web-examples.mjs
du -sh web/public/models/*
