#!/usr/bin/env python3
"""Builds data/fashion-mnist-subset/: a class-balanced random subset of
Fashion-MNIST (Xiao, Rasul & Vollgraf 2017, MIT licence, Zalando SE) that the
demo (`npm run demo`) and the tests use, written as gzipped IDX files with the
original file names so any Fashion-MNIST reader opens the folder.

300 images per class from the training set (3000) and 100 per class from the
test set (1000), drawn with numpy's default_rng(seed 20240501) and then
shuffled; `indices.json` records which original images were taken.

Run: /usr/bin/python3 scripts/make_demo_subset.py [/usr/share/datasets/fashion-mnist]
"""
import gzip
import json
import os
import struct
import sys

import numpy as np

SOURCE = sys.argv[1] if len(sys.argv) > 1 else '/usr/share/datasets/fashion-mnist'
TARGET = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'data', 'fashion-mnist-subset')
PER_CLASS = {'train': 300, 't10k': 100}


def read_idx(path):
    with gzip.open(path, 'rb') as f:
        raw = f.read()
    zero, dtype, ndim = struct.unpack('>HBB', raw[:4])
    assert zero == 0 and dtype == 0x08, f'{path}: not an unsigned-byte IDX file'
    dims = struct.unpack('>' + 'I' * ndim, raw[4:4 + 4 * ndim])
    return np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims)


def write_idx(path, array):
    header = struct.pack('>HBB', 0, 0x08, array.ndim) + struct.pack('>' + 'I' * array.ndim, *array.shape)
    with open(path, 'wb') as f:
        # mtime=0 keeps the bytes reproducible
        with gzip.GzipFile(fileobj=f, mode='wb', compresslevel=9, mtime=0, filename='') as g:
            g.write(header + np.ascontiguousarray(array, dtype=np.uint8).tobytes())


rng = np.random.default_rng(20240501)
os.makedirs(TARGET, exist_ok=True)
chosen = {}
for split, per_class in PER_CLASS.items():
    images = read_idx(os.path.join(SOURCE, f'{split}-images-idx3-ubyte.gz'))
    labels = read_idx(os.path.join(SOURCE, f'{split}-labels-idx1-ubyte.gz'))
    picks = np.concatenate([rng.choice(np.flatnonzero(labels == c), per_class, replace=False) for c in range(10)])
    picks = rng.permutation(picks)
    write_idx(os.path.join(TARGET, f'{split}-images-idx3-ubyte.gz'), images[picks])
    write_idx(os.path.join(TARGET, f'{split}-labels-idx1-ubyte.gz'), labels[picks])
    chosen[split] = picks.tolist()
with open(os.path.join(TARGET, 'indices.json'), 'w') as f:
    json.dump({'source': 'Fashion-MNIST (github.com/zalandoresearch/fashion-mnist)', 'seed': 20240501,
               'train': chosen['train'], 't10k': chosen['t10k']}, f)
for name in sorted(os.listdir(TARGET)):
    print(name, os.path.getsize(os.path.join(TARGET, name)))
