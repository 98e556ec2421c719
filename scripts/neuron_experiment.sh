#!/bin/bash
# 3-D U-Net against 3D WaveUNet V3/V4 on held-out SYNTHETIC neurons at two
# noise levels (same seed, data and budget for every model): voxel Dice of the
# cube-assembled segmentation, then ESA/DSA/PDS/F1 of the traced trees against
# the true SWC. Variables: OUT, TRAIN, TEST, SHAPE, CUBE, EPOCHS, CUBES, SEED,
# VARIANTS, NOISES. Prints a markdown table and writes $OUT/results.md.
set -euo pipefail
OUT=${OUT:-runs/neuron-experiment}
TRAIN=${TRAIN:-4}; TEST=${TEST:-2}; SHAPE=${SHAPE:-32,96,96}; CUBE=${CUBE:-16,64,64}
EPOCHS=${EPOCHS:-2}; CUBES=${CUBES:-4}; SEED=${SEED:-1}
VARIANTS=${VARIANTS:-"unet-v1 wavesnet-v3 wavesnet-v4"}; NOISES=${NOISES:-"low high"}
WAVECV="node dist/cli/main.js"
mkdir -p "$OUT"
rows=()
for noise in $NOISES; do
  data="$OUT/data-$noise"
  [ -d "$data" ] || $WAVECV generate neurons --out "$data" --train "$TRAIN" --test "$TEST" --shape "$SHAPE" --noise "$noise" --seed "$SEED" >/dev/null 2>&1
  for variant in $VARIANTS; do
    run="$OUT/$noise-$variant"
    [ -f "$run/metrics.json" ] || $WAVECV train segment3d --data "$data" --model-option variant=$variant --cube "$CUBE" \
      --epochs "$EPOCHS" --cubes-per-volume "$CUBES" --batch-size 2 --seed "$SEED" --out "$run" --progress lines > "$run.log" 2>&1
    dice=$(node -e "console.log(JSON.parse(require('fs').readFileSync('$run/metrics.json','utf8')).test.meanDice.toFixed(4))")
    esa=0; dsa=0; pds=0; f1=0; n=0
    for image in "$data"/test/images/*.tif; do
      name=$(basename "$image" .tif)
      if ! $WAVECV segment3d "$image" --model "$run" --out "$run/seg-$name.tif" --swc "$run/seg-$name.swc" > "$run/seg-$name.log" 2>&1; then
        echo "$run: $name not traced ($(tail -n 1 "$run/seg-$name.log"))" >&2; continue
      fi
      read -r e d p f < <($WAVECV eval swc "$run/seg-$name.swc" "$data/test/swc/$name.swc" --json | node -e "const r=JSON.parse(require('fs').readFileSync(0,'utf8'));console.log(r.esa,r.dsa,r.pds,r.f1)")
      esa=$(node -e "console.log($esa+$e)"); dsa=$(node -e "console.log($dsa+$d)"); pds=$(node -e "console.log($pds+$p)"); f1=$(node -e "console.log($f1+$f)"); n=$((n+1))
    done
    row=$(node -e "const n=$n;console.log('| $noise | $variant | $dice | '+(n?[$esa/n,$dsa/n,$pds/n,$f1/n].map(v=>v.toFixed(3)).join(' | '):'no tree (empty mask) | – | – | –')+' | $n of $TEST |')")
    rows+=("$row"); echo "$row"
  done
done
{ echo '| noise | model | voxel Dice | ESA | DSA | PDS | F1 (2 vox) | traced |'; echo '|---|---|---:|---:|---:|---:|---:|---:|'; printf '%s\n' "${rows[@]}"; } | tee "$OUT/results.md"
