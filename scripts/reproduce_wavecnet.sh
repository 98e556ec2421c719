#!/usr/bin/env bash
# Small-scale, honest reproduction of the noise-robustness claim of WaveCNet
# (Li et al., "Wavelet Integrated CNNs for Noise-Robust Image Classification",
# CVPR 2020): the CIFAR-size ResNet-18 (`resnet18-cifar`) trained on
# Fashion-MNIST as a vanilla network and as WaveCNets (strided convolutions ->
# DWT low band), with the same seed, data order and budget, then evaluated
# clean and under additive Gaussian noise of several strengths, plus FGSM.
#
# The 28x28 images are used as they are (no padding to 32): the network's
# stride-1 stem keeps 28x28, and its three down-samplings give 14, 7 and 4.
#
# The budget is set by environment variables (defaults in brackets); on two
# CPU cores (TensorFlow.js wasm, one core per process) the defaults take
# hours, so they train on a subset for one epoch:
#   TRAIN_LIMIT [4000]   training images (the first n of the 60,000)
#   EPOCHS      [1]      epochs
#   BATCH       [32]     batch size (SGD, momentum 0.9, lr 0.05, cosine, wd 5e-4)
#   TEST_LIMIT  [1000]   test images for every evaluation (the first n of 10,000)
#   WAVELETS    [haar db2]  wavelets of the WaveCNets (the vanilla net always runs)
#   SIGMAS      [0.08,0.12,0.18,0.26,0.38]  noise standard deviations (ImageNet-C's)
#   EPS         [0.01,0.03]  FGSM radii, on ATTACK_LIMIT [500] images ('' for none)
#   MODEL [resnet18-cifar]  SEED [0]  DATA [fashion-mnist]  OUT [runs/reproduce]
#   WAVECV [node dist/cli/main.js]  the wavecv command (built if absent)
# A finished model is reused; an interrupted one resumes from its checkpoint.
# The result table is written to $OUT/eval/robustness.md and printed.
set -euo pipefail
cd "$(dirname "$0")/.."
TRAIN_LIMIT=${TRAIN_LIMIT:-4000}
EPOCHS=${EPOCHS:-1}
BATCH=${BATCH:-32}
TEST_LIMIT=${TEST_LIMIT:-1000}
WAVELETS=${WAVELETS-haar db2}
SIGMAS=${SIGMAS:-0.08,0.12,0.18,0.26,0.38}
EPS=${EPS-0.01,0.03}
ATTACK_LIMIT=${ATTACK_LIMIT:-500}
MODEL=${MODEL:-resnet18-cifar}
SEED=${SEED:-0}
DATA=${DATA:-fashion-mnist}
OUT=${OUT:-runs/reproduce}
if [ -z "${WAVECV:-}" ]; then
  [ -f dist/cli/main.js ] || npm run build
  WAVECV="node dist/cli/main.js"
fi

models=()
for wavelet in none $WAVELETS; do
  name=$([ "$wavelet" = none ] && echo vanilla || echo "$wavelet")
  run="$OUT/$name"
  if [ ! -f "$run/model/model.json" ]; then
    resume=()
    [ -d "$run/checkpoints" ] && resume=(--resume)
    $WAVECV train classify --model "$MODEL" --wavelet "$wavelet" --data "$DATA" \
      --epochs "$EPOCHS" --train-limit "$TRAIN_LIMIT" --test-limit "$TEST_LIMIT" --batch-size "$BATCH" \
      --optimizer sgd --lr 0.05 --momentum 0.9 --weight-decay 5e-4 --schedule cosine \
      --seed "$SEED" --out "$run" --progress lines "${resume[@]}"
  fi
  models+=(--model "$run")
done

attack=()
[ -n "$EPS" ] && attack=(--eps "$EPS" --attacks fgsm --attack-limit "$ATTACK_LIMIT")
$WAVECV eval robustness "${models[@]}" --data "$DATA" --limit "$TEST_LIMIT" \
  --corruptions none --noise-sigmas "$SIGMAS" "${attack[@]}" --seed "$SEED" --out "$OUT/eval"
cat "$OUT/eval/robustness.md"
