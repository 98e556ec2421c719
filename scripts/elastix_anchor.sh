#!/usr/bin/env bash
# The classical anchor: Debian's elastix (B-spline registration, no deep
# learning) on the same test pairs as `wavecv eval register`, scored with the
# same metrics (wavecv's dice, hd95 and the folding % of the determinant that
# transformix writes). Not a dependency of wavecv: a reference point.
#   bash scripts/elastix_anchor.sh PAIRS_DIR OUT_DIR
# PAIRS_DIR holds pair folders with fixed/moving(.nii.gz) and their _labels
# (as `wavecv generate registration` writes them, 2-D or 3-D: elastix takes
# the dimension from the files), and optionally further label sets
# fixed_labels_<set>/moving_labels_<set> (scored the same way, `labelSets` in
# the summary). Settings: one B-spline stage, normalised correlation (the
# similarity the networks train with), 3 resolutions, final control-point
# spacing 16 mm (4 voxels of the 4 mm volumes; 5.3 pixels of the 2-D slices
# at --factor 3, whose pixels are written as 3 mm), ITERATIONS per resolution
# (default 500); labels resampled with nearest neighbours
# (FinalBSplineInterpolationOrder 0). Folding: share of the determinant of
# the spatial Jacobian that transformix writes (-jac all) ≤ 0. Seconds: wall
# time of elastix alone (seconds) and its CPU time (cpuSeconds).
set -euo pipefail
PAIRS=${1:?pairs folder}
OUT=${2:?output folder}
ITERATIONS=${ITERATIONS:-500}
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
mkdir -p "$OUT"
PARAMS="$OUT/bspline.txt"
cat > "$PARAMS" <<PARAM
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
(MaximumNumberOfIterations $ITERATIONS)
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
  TIMEFORMAT='%R %U %S'
  { time elastix -f "$pair/fixed.nii.gz" -m "$pair/moving.nii.gz" -p "$PARAMS" -out "$dir" -threads 1 > "$dir/elastix.out" ; } 2> "$dir/time.txt"
  read -r real user sys < "$dir/time.txt"
  echo "$real" > "$dir/seconds.txt"
  echo "$user + $sys" | bc > "$dir/cpu_seconds.txt"
  sed 's/(FinalBSplineInterpolationOrder 3)/(FinalBSplineInterpolationOrder 0)/; s/(ResultImagePixelType "float")/(ResultImagePixelType "short")/' "$dir/TransformParameters.0.txt" > "$dir/labels.txt"
  transformix -in "$pair/moving_labels.nii.gz" -tp "$dir/labels.txt" -out "$dir/labels" -jac all -threads 1 > "$dir/transformix.out"
  for labels in "$pair"/moving_labels_*.nii.gz; do
    [ -e "$labels" ] || continue
    set=$(basename "$labels" .nii.gz); set=${set#moving_labels_}
    mkdir -p "$dir/labels_$set"
    transformix -in "$labels" -tp "$dir/labels.txt" -out "$dir/labels_$set" -threads 1 > "$dir/transformix_$set.out"
  done
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
  const mean = (v) => { const f = v.filter(Number.isFinite); return f.reduce((a, b) => a + b, 0) / f.length; };
  const map = (v) => ({ data: Int32Array.from(v.data), shape: v.shape });
  const score = (f, m, w) => { const labels = labelsIn(map(f)); return { diceBefore: mean(dice(map(f), map(m), labels)), dice: mean(dice(map(f), map(w), labels)), hd95: mean(hd95(map(f), map(w), labels)) }; };
  const folded = jac.data.reduce((n, v) => n + (v <= 0 ? 1 : 0), 0);
  const labelSets = {};
  for (const file of readdirSync(pair).filter((f) => /^fixed_labels_.+\.nii\.gz$/.test(f)).sort()) {
    const set = file.slice('fixed_labels_'.length, -'.nii.gz'.length);
    labelSets[set] = score(readNifti(join(pair, file)), readNifti(join(pair, 'moving_labels_' + set + '.nii.gz')), readNifti(join(dir, 'labels_' + set, 'result.nii.gz')));
  }
  rows.push({ name, ...score(fixed, moving, warped), foldingPercent: 100 * folded / jac.data.length, seconds: Number(readFileSync(join(dir, 'seconds.txt'), 'utf8')), cpuSeconds: Number(readFileSync(join(dir, 'cpu_seconds.txt'), 'utf8')), labelSets });
}
const m = (k) => rows.reduce((s, r) => s + r[k], 0) / rows.length;
const sets = Object.keys(rows[0].labelSets).filter((set) => rows.every((r) => r.labelSets[set]));
const setMean = (set, k) => rows.reduce((s, r) => s + r.labelSets[set][k], 0) / rows.length;
const summary = { model: 'elastix (B-spline, NCC, ' + $ITERATIONS + ' it.)', pairs: rows.length, dice: m('dice'), diceBefore: m('diceBefore'), foldingPercent: m('foldingPercent'), hd95: m('hd95'), seconds: m('seconds'), cpuSeconds: m('cpuSeconds'),
  labelSets: Object.fromEntries(sets.map((set) => [set, { dice: setMean(set, 'dice'), diceBefore: setMean(set, 'diceBefore'), hd95: setMean(set, 'hd95') }])) };
const header = ['name,dice_before,dice,folding_percent,hd95,seconds', ...sets.map((set) => 'dice_before_' + set + ',dice_' + set + ',hd95_' + set)].join(',');
writeFileSync(join('$OUT', 'pairs.csv'), [header, ...rows.map((r) => [r.name, r.diceBefore, r.dice, r.foldingPercent, r.hd95, r.seconds, ...sets.flatMap((set) => [r.labelSets[set].diceBefore, r.labelSets[set].dice, r.labelSets[set].hd95])].join(','))].join('\n') + '\n');
writeFileSync(join('$OUT', 'summary.json'), JSON.stringify(summary, null, 2) + '\n');
console.log(JSON.stringify(summary));
"
