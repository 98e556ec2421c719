#!/usr/bin/env bash
# Registration on real anatomy, small enough for 2 CPU cores: the Colin27 brain
# and its AAL and HarvardOxford atlases (Debian's mricron-data) reduced FACTOR×
# (default 4: 45×54×45 voxels of 4 mm), training pairs under seeded random
# smooth diffeomorphic deformations (synthetic) and held-out test pairs from
# another seed range; WiNet, WiNet-Diff and the baselines (VoxelMorph U-Net,
# coarse-to-fine pyramid) trained with the same seed, data and budget, then
# evaluated on the test pairs (Dice before/after over the AAL labels and over
# the HarvardOxford labels, folding %, HD95, seconds per pair) and on the real
# inter-subject pair (ITK's T1 brain → Colin27: grey/white-matter and brain-mask
# Dice).
# Variables: OUT, TRAIN, TEST, EPOCHS, C (WiNet start channels), LR, SEED, MODELS,
# FACTOR, MAGNITUDE and SPACING (of the deformations, in reduced voxels),
# WAVECV (the command, default node dist/cli/main.js).
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${OUT:-runs/register-3d}
TRAIN=${TRAIN:-32}
TEST=${TEST:-8}
EPOCHS=${EPOCHS:-2}
C=${C:-8}
LR=${LR:-0.001}
SEED=${SEED:-1}
MODELS=${MODELS:-"winet winet-diff vxm-unet pyramid-unet"}
FACTOR=${FACTOR:-4}
MAGNITUDE=${MAGNITUDE:-3}
SPACING=${SPACING:-16}
WAVECV=${WAVECV:-node dist/cli/main.js}
[ -d "$OUT/data/train" ] || $WAVECV generate registration --dims 3 --out "$OUT/data" --train "$TRAIN" --test "$TEST" --seed "$SEED" --magnitude "$MAGNITUDE" --spacing "$SPACING" --factor "$FACTOR"
for model in $MODELS; do
  [ -f "$OUT/$model/registration.json" ] || $WAVECV train register --data "$OUT/data/train" --model "$model" --start-channels "$C" \
    --epochs "$EPOCHS" --optimizer adam --lr "$LR" --weight-decay 0 --seed "$SEED" --progress lines --out "$OUT/$model"
  $WAVECV eval register --model "$OUT/$model" --pairs "$OUT/data/test" --json | tee "$OUT/$model.eval.json"
  $WAVECV eval register --model "$OUT/$model" --pairs "$OUT/data/inter-subject" --out "$OUT/$model/eval-inter-subject" --json | tee "$OUT/$model.inter-subject.json"
done
