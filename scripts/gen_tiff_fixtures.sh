#!/bin/sh
# TIFF stacks written by ImageMagick (libtiff) for test/io/volume-files.test.ts:
# the reader must decode files it did not write itself. Samples are
# v[i] = (i·1009 + 7) mod 2^bits over the whole stack, x fastest, then y, then page.
set -e
OUT=test/fixtures/neuron
mkdir -p "$OUT"
samples() { /usr/bin/python3 -c "
import numpy as np, sys
n, bits = int(sys.argv[1]), int(sys.argv[2])
v = (np.arange(n, dtype=np.int64) * 1009 + 7) % (1 << bits)
sys.stdout.buffer.write(v.astype('<u2' if bits == 16 else 'u1').tobytes())" "$1" "$2"; }
# 3 pages of 6×11, 16-bit, LZW, little-endian (ImageMagick also reads the raw samples in the -endian order)
samples 198 16 | convert -size 11x6x3 -depth 16 gray:- -compress lzw -endian LSB "$OUT/stack16-lzw-le.tif"
# 2 pages of 5×4, 8-bit, deflate (zip)
samples 40 8 | convert -size 4x5x2 -depth 8 gray:- -compress zip "$OUT/stack8-zip.tif"
# unsupported: RGB, and 32-bit floating point
samples 48 8 | convert -size 4x4 -depth 8 rgb:- -compress none "$OUT/rgb8.tif"
# (ImageMagick warns about the Predictor tag of float TIFFs and still writes the file)
/usr/bin/python3 -c "import numpy as np, sys; sys.stdout.buffer.write((np.arange(16) * 0.25).astype('<f4').tobytes())" |
  convert -size 4x4 -depth 32 -define quantum:format=floating-point -endian LSB gray:- -compress none "$OUT/float32.tif" || test -s "$OUT/float32.tif"
