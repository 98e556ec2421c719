#!/usr/bin/env bash
# The models and examples bundled with the browser app (`npm run web:models`):
# runs `wavecv demo` (a vanilla and a Haar-DWT cnn28, width 16, 3 epochs on the
# bundled Fashion-MNIST subset, seed 0; see src/tasks/demo.ts), copies both
# trained models (model.json with wavecv's metadata + weights.bin) into
# web/public/models/fashion-mnist-{vanilla,haar}/ and writes the example
# images (scripts/web-examples.mjs). OUT (default runs/web-demo) keeps the
# demo's own outputs (robustness.json, demo.png) beside them.
# The registration demo: `wavecv generate registration --dims 2` (the ITK brain
# slices of Debian's insighttoolkit4-examples under seeded synthetic
# deformations, 32 training pairs), a WiNet with C = 4 trained one epoch on
# them (about 10 minutes on two busy cores), copied into
# web/public/models/registration-winet/, and its first synthetic test pair as
# PNGs at the network's size (scripts/web-registration-pair.mjs). REG (default
# runs/web-registration) keeps the data and the run.
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
REG=${REG:-runs/web-registration}
rm -rf "$REG"
node dist/cli/main.js generate registration --out "$REG/data" --dims 2 --train 32 --test 2 --seed 1
node dist/cli/main.js train register --data "$REG/data/train" --model winet --start-channels 4 --epochs 1 --seed 0 --out "$REG/run" --progress lines
target=web/public/models/registration-winet
rm -rf "$target"
mkdir -p "$target"
cp "$REG/run/model/model.json" "$REG/run/model/weights.bin" "$target/"
node scripts/web-registration-pair.mjs "$REG/data" "$REG/run"
du -sh web/public/models/*
