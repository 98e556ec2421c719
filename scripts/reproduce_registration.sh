#!/usr/bin/env bash
# Registration on real anatomy, small enough for 2 CPU cores; WiNet, WiNet-Diff
# and the baselines (VoxelMorph U-Net, coarse-to-fine pyramid) trained with the
# same seed, data and budget, then evaluated on held-out test pairs (Dice
# before/after over every label set, folding %, HD95, seconds per pair).
#  - DIMS=3 (default): the Colin27 brain and its AAL and HarvardOxford atlases
#    (Debian's mricron-data) reduced FACTOR× (default 4: 45×54×45 voxels of
#    4 mm), training pairs under seeded random smooth diffeomorphic
#    deformations (synthetic) and test pairs from another seed range (Dice
#    over the AAL labels and, in labelSets, the HarvardOxford ones); also
#    evaluated on the real inter-subject pair (ITK's T1 brain → Colin27:
#    grey/white-matter and brain-mask Dice).
#  - DIMS=2: the proton-density and T1 brain slices of Debian's
#    insighttoolkit4-examples reduced FACTOR× (default 3: 85×73 pixels of
#    3 mm, padded to 96×80 by the trainer), training pairs under seeded synthetic
#    deformations; test pairs: ITK's shifted (13, 17 px), rotated (10°),
#    rotated-and-shifted and B-spline-deformed versions of the PD slice plus
#    TEST synthetic ones. Labels by one per-image rule (tissue classes by
#    2-means inside the head, and the head mask in labelSets.head); synthetic
#    fixed labels are the moving labels warped by the pair's deformation.
# Variables: DIMS, OUT (default runs/register-<DIMS>d), TRAIN, TEST, EPOCHS, C
# (WiNet start channels), LR, SEED, MODELS, FACTOR, MAGNITUDE and SPACING (of
# the deformations, in reduced voxels), WAVECV (the command, default node
# dist/cli/main.js). One Adam step per training pair and epoch (batch 1):
# TRAIN × EPOCHS steps per network.
set -euo pipefail
cd "$(dirname "$0")/.."
DIMS=${DIMS:-3}
case "$DIMS" in 2) DEFAULT_FACTOR=3 ;; 3) DEFAULT_FACTOR=4 ;; *) echo "reproduce_registration.sh: DIMS must be 2 or 3, got $DIMS" >&2; exit 2 ;; esac
OUT=${OUT:-runs/register-${DIMS}d}
TRAIN=${TRAIN:-32}
TEST=${TEST:-8}
EPOCHS=${EPOCHS:-2}
C=${C:-8}
LR=${LR:-0.001}
SEED=${SEED:-1}
MODELS=${MODELS:-"winet winet-diff vxm-unet pyramid-unet"}
FACTOR=${FACTOR:-$DEFAULT_FACTOR}
MAGNITUDE=${MAGNITUDE:-3}
SPACING=${SPACING:-16}
WAVECV=${WAVECV:-node dist/cli/main.js}
[ -d "$OUT/data/train" ] || $WAVECV generate registration --dims "$DIMS" --out "$OUT/data" --train "$TRAIN" --test "$TEST" --seed "$SEED" --magnitude "$MAGNITUDE" --spacing "$SPACING" --factor "$FACTOR"
for model in $MODELS; do
  [ -f "$OUT/$model/registration.json" ] || $WAVECV train register --data "$OUT/data/train" --model "$model" --start-channels "$C" \
    --epochs "$EPOCHS" --optimizer adam --lr "$LR" --weight-decay 0 --seed "$SEED" --progress lines --out "$OUT/$model"
  $WAVECV eval register --model "$OUT/$model" --pairs "$OUT/data/test" --json | tee "$OUT/$model.eval.json"
  if [ -d "$OUT/data/inter-subject" ]; then
    $WAVECV eval register --model "$OUT/$model" --pairs "$OUT/data/inter-subject" --out "$OUT/$model/eval-inter-subject" --json | tee "$OUT/$model.inter-subject.json"
  fi
done
