#!/usr/bin/env bash
# The classical anchor: Debian's elastix (B-spline registration, no deep
# learning) on the same test pairs as `wavecv eval register`, scored with the
# same metrics (wavecv's dice, hd95 and the folding % of the determinant that
# transformix writes). Not a dependency of wavecv: a reference point.
#   bash scripts/elastix_anchor.sh PAIRS_DIR OUT_DIR
# PAIRS_DIR holds pair folders with fixed/moving(.nii.gz) and their _labels
# (as `wavecv generate registration --dims 3` writes them). Settings: one
# B-spline stage, normalised correlation (the similarity the networks train
# with), 3 resolutions, final control-point spacing 16 mm (4 voxels of the
# 4 mm volumes), 500 iterations per resolution; labels resampled with
# nearest neighbours (FinalBSplineInterpolationOrder 0).
set -euo pipefail
PAIRS=${1:?pairs folder}
OUT=${2:?output folder}
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
mkdir -p "$OUT"
PARAMS="$OUT/bspline.txt"
cat > "$PARAMS" <<'PARAM'
(FixedInternalImagePixelType "float")
(MovingInternalImagePixelType "float")
(Registration "MultiResolutionRegistration")
(Interpolator "BSplineInterpolator")
(ResampleInterpolator "FinalBSplineInterpolator")
(Resampler "DefaultResampler")
(FixedImagePyramid "FixedSmoothingImagePyramid")
(MovingImagePyramid "MovingSmoothingImagePyramid")
(Optimizer "AdaptiveStochasticGradientDescent")
(Transform "BSplineTransform")
(Metric "AdvancedNormalizedCorrelation")
(FinalGridSpacingInPhysicalUnits 16)
(NumberOfResolutions 3)
(MaximumNumberOfIterations 500)
(NumberOfSpatialSamples 4096)
(NewSamplesEveryIteration "true")
(ImageSampler "RandomCoordinate")
(BSplineInterpolationOrder 1)
(FinalBSplineInterpolationOrder 3)
(DefaultPixelValue 0)
(WriteResultImage "false")
(ResultImageFormat "nii.gz")
(AutomaticTransformInitialization "false")
(HowToCombineTransforms "Compose")
PARAM
for pair in "$PAIRS"/*/; do
  name=$(basename "$pair")
  dir="$OUT/$name"
  mkdir -p "$dir/labels"
  start=$(date +%s.%N)
  elastix -f "$pair/fixed.nii.gz" -m "$pair/moving.nii.gz" -p "$PARAMS" -out "$dir" -threads 1 > "$dir/elastix.out"
  end=$(date +%s.%N)
  echo "$end - $start" | bc > "$dir/seconds.txt"
  sed 's/(FinalBSplineInterpolationOrder 3)/(FinalBSplineInterpolationOrder 0)/; s/(ResultImagePixelType "float")/(ResultImagePixelType "short")/' "$dir/TransformParameters.0.txt" > "$dir/labels.txt"
  transformix -in "$pair/moving_labels.nii.gz" -tp "$dir/labels.txt" -out "$dir/labels" -jac all -threads 1 > "$dir/transformix.out"
done
node --input-type=module -e "
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
const { readNifti, dice, hd95, labelsIn } = await import('$ROOT/dist/index.js');
const rows = [];
for (const name of readdirSync('$PAIRS').sort()) {
  const pair = join('$PAIRS', name);
  const dir = join('$OUT', name);
  const fixed = readNifti(join(pair, 'fixed_labels.nii.gz'));
  const moving = readNifti(join(pair, 'moving_labels.nii.gz'));
  const warped = readNifti(join(dir, 'labels', 'result.nii.gz'));
  const jac = readNifti(join(dir, 'labels', 'spatialJacobian.nii.gz'));
  const labels = labelsIn(fixed);
  const mean = (v) => { const f = v.filter(Number.isFinite); return f.reduce((a, b) => a + b, 0) / f.length; };
  const a = { data: Int32Array.from(fixed.data), shape: fixed.shape };
  const folded = jac.data.reduce((n, v) => n + (v <= 0 ? 1 : 0), 0);
  rows.push({ name, diceBefore: mean(dice(a, { data: Int32Array.from(moving.data), shape: moving.shape }, labels)), dice: mean(dice(a, { data: Int32Array.from(warped.data), shape: warped.shape }, labels)),
    foldingPercent: 100 * folded / jac.data.length, hd95: mean(hd95(a, { data: Int32Array.from(warped.data), shape: warped.shape }, labels)), seconds: Number(readFileSync(join(dir, 'seconds.txt'), 'utf8')) });
}
const m = (k) => rows.reduce((s, r) => s + r[k], 0) / rows.length;
const summary = { model: 'elastix (B-spline, NCC)', pairs: rows.length, dice: m('dice'), diceBefore: m('diceBefore'), foldingPercent: m('foldingPercent'), hd95: m('hd95'), seconds: m('seconds') };
writeFileSync(join('$OUT', 'pairs.csv'), ['name,dice_before,dice,folding_percent,hd95,seconds', ...rows.map((r) => [r.name, r.diceBefore, r.dice, r.foldingPercent, r.hd95, r.seconds].join(','))].join('\n') + '\n');
writeFileSync(join('$OUT', 'summary.json'), JSON.stringify(summary, null, 2) + '\n');
console.log(JSON.stringify(summary));
"
