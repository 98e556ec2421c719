#!/usr/bin/env bash
# Small-scale, honest check of the WaveSNet claim (Li & Shen, "Wavelet-based
# segmentation network", 2020: DWT down-sampling that keeps the details and
# IDWT up-sampling that puts them back segment better than max-pooling and
# unpooling/transposed convolutions, mainly on fine structures): U-Net and
# SegNet (VGG16-BN encoder at reduced width) as vanilla networks and as
# WaveSNets (Haar and one other wavelet), with the same seed, data order and
# budget, on two data sets made on this machine from real images:
#   scenes   `wavecv generate scenes`: real Fashion-MNIST objects on 96x96
#            canvases (11 classes; synthetic arrangement);
#   anatomy  `wavecv generate anatomy`: axial slices of the Colin27 brain with
#            the AAL atlas grouped into lobes (9 classes; real data).
# Each model is then evaluated clean and under additive Gaussian noise:
# mIoU, boundary F1 (2 px), mIoU at noise σ.
#
# Budget (environment variables, defaults in brackets):
#   MODELS [unet segnet]  WAVELETS [haar db2]  DATASETS [scenes anatomy]
#   WIDTH [8]  BATCH [8]  LR [0.05] (SGD momentum 0.9, wd 5e-4, poly 0.9)
#   SCENE_TRAIN [600] SCENE_TEST [200] SCENE_EPOCHS [2]   ANATOMY_EPOCHS [15]
#   SIGMA [0.1]  SEED [0]  OUT [runs/wavesnet]  DATA_DIR [data-generated]
#   WAVECV [node dist/cli/main.js]
# A finished model is reused; an interrupted one resumes from its checkpoint.
# The table is written to $OUT/results.md and printed.
set -euo pipefail
cd "$(dirname "$0")/.."
MODELS=${MODELS:-unet segnet}
WAVELETS=${WAVELETS-haar db2}
DATASETS=${DATASETS:-scenes anatomy}
WIDTH=${WIDTH:-8}
BATCH=${BATCH:-8}
LR=${LR:-0.05}
SCENE_TRAIN=${SCENE_TRAIN:-600}
SCENE_TEST=${SCENE_TEST:-200}
SCENE_EPOCHS=${SCENE_EPOCHS:-2}
ANATOMY_EPOCHS=${ANATOMY_EPOCHS:-15}
SIGMA=${SIGMA:-0.1}
SEED=${SEED:-0}
OUT=${OUT:-runs/wavesnet}
DATA_DIR=${DATA_DIR:-data-generated}
if [ -z "${WAVECV:-}" ]; then
  [ -f dist/cli/main.js ] || npm run build
  WAVECV="node dist/cli/main.js"
fi

[ -d "$DATA_DIR/scenes" ] || $WAVECV generate scenes --out "$DATA_DIR/scenes" --train "$SCENE_TRAIN" --test "$SCENE_TEST" --seed 1
[ -d "$DATA_DIR/anatomy" ] || $WAVECV generate anatomy --out "$DATA_DIR/anatomy"

rows=()
for dataset in $DATASETS; do
  epochs=$([ "$dataset" = scenes ] && echo "$SCENE_EPOCHS" || echo "$ANATOMY_EPOCHS")
  for model in $MODELS; do
    for wavelet in none $WAVELETS; do
      name=$([ "$wavelet" = none ] && echo vanilla || echo "$wavelet")
      run="$OUT/$dataset-$model-$name"
      if [ ! -f "$run/model/model.json" ]; then
        resume=()
        [ -d "$run/checkpoints" ] && resume=(--resume)
        $WAVECV train segment --model "$model" --wavelet "$wavelet" --model-option width="$WIDTH" \
          --data "$DATA_DIR/$dataset" --epochs "$epochs" --batch-size "$BATCH" --lr "$LR" \
          --seed "$SEED" --out "$run" --progress lines "${resume[@]}"
      fi
      clean=$($WAVECV eval segment --model "$run" --data "$DATA_DIR/$dataset" --json)
      noisy=$($WAVECV eval segment --model "$run" --data "$DATA_DIR/$dataset" --noise-sigma "$SIGMA" --seed "$SEED" --json)
      seconds=$(node -e "console.log(JSON.parse(require('fs').readFileSync('$run/metrics.json','utf8')).trainSeconds.toFixed(0))")
      rows+=("$(node -e "
        const c = JSON.parse(process.argv[1]), n = JSON.parse(process.argv[2]);
        const p = (v) => (100 * v).toFixed(1);
        console.log('| $dataset | $model | $name | ' + p(c.mIoU) + ' | ' + p(c.pixelAccuracy) + ' | ' + p(c.boundaryF1) + ' | ' + p(n.mIoU) + ' | ' + p(n.boundaryF1) + ' | $seconds |');
      " "$clean" "$noisy")")
    done
  done
done
{
  echo "| data | model | wavelet | mIoU | pixel acc. | boundary F1 | mIoU σ=$SIGMA | boundary F1 σ=$SIGMA | train s |"
  echo "|---|---|---|---:|---:|---:|---:|---:|---:|"
  printf '%s\n' "${rows[@]}"
} > "$OUT/results.md"
cat "$OUT/results.md"
