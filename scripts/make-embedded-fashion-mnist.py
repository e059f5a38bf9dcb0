#!/usr/bin/env python3
"""Write the embedded Fashion-MNIST subset under data/fashion-mnist-subset/.

Source: the Debian package `dataset-fashion-mnist` (MIT licence, Zalando Research), which installs
the original IDX files in /usr/share/datasets/fashion-mnist/. We keep, in file order, the first
TRAIN_PER_CLASS training images of each class and the first TEST_PER_CLASS test images of each
class, and write them as gzip'd IDX files (gzip mtime 0, so reruns are byte-identical), plus
subset.json recording the source files' SHA-256 and the chosen indices.

Usage: apt-get install -y dataset-fashion-mnist && python3 scripts/make-embedded-fashion-mnist.py
Standard library only.
"""
import gzip
import hashlib
import json
import os
import struct
import sys

SRC = os.environ.get("FASHION_MNIST_DIR", "/usr/share/datasets/fashion-mnist")
OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "data", "fashion-mnist-subset")
TRAIN_PER_CLASS = 200
TEST_PER_CLASS = 50
CLASSES = 10


def read_idx(path):
    with gzip.open(path, "rb") as f:
        raw = f.read()
    zero, dtype, ndim = struct.unpack(">HBB", raw[:4])
    assert zero == 0 and dtype == 0x08, f"{path}: not a uint8 IDX file"
    dims = struct.unpack(">" + "I" * ndim, raw[4:4 + 4 * ndim])
    return raw, dims, raw[4 + 4 * ndim:]


def write_idx_gz(path, dims, data):
    header = struct.pack(">HBB", 0, 0x08, len(dims)) + struct.pack(">" + "I" * len(dims), *dims)
    with open(path, "wb") as f:
        with gzip.GzipFile(filename="", mode="wb", fileobj=f, mtime=0, compresslevel=9) as g:
            g.write(header + data)


def subset(prefix, per_class):
    img_raw, img_dims, img = read_idx(os.path.join(SRC, f"{prefix}-images-idx3-ubyte.gz"))
    lab_raw, lab_dims, lab = read_idx(os.path.join(SRC, f"{prefix}-labels-idx1-ubyte.gz"))
    n, h, w = img_dims
    assert lab_dims == (n,)
    taken = [0] * CLASSES
    indices = []
    for i, label in enumerate(lab):
        if taken[label] < per_class:
            taken[label] += 1
            indices.append(i)
    assert taken == [per_class] * CLASSES, taken
    size = h * w
    images = b"".join(img[i * size:(i + 1) * size] for i in indices)
    labels = bytes(lab[i] for i in indices)
    write_idx_gz(os.path.join(OUT, f"{prefix}-images-idx3-ubyte.gz"), (len(indices), h, w), images)
    write_idx_gz(os.path.join(OUT, f"{prefix}-labels-idx1-ubyte.gz"), (len(indices),), labels)
    return {
        "source_images_sha256": hashlib.sha256(img_raw).hexdigest(),
        "source_labels_sha256": hashlib.sha256(lab_raw).hexdigest(),
        "count": len(indices),
        "per_class": per_class,
        "images_sha256": hashlib.sha256(images).hexdigest(),
        "labels": list(labels),
        "source_indices": indices,
    }


def main():
    if not os.path.isdir(SRC):
        sys.exit(f"{SRC} not found: apt-get install -y dataset-fashion-mnist (or set FASHION_MNIST_DIR)")
    os.makedirs(OUT, exist_ok=True)
    info = {
        "script": "scripts/make-embedded-fashion-mnist.py",
        "source": "Debian package dataset-fashion-mnist, " + SRC,
        "licence": "MIT (Copyright 2017 Zalando SE)",
        "python": sys.version.split()[0],
        "train": subset("train", TRAIN_PER_CLASS),
        "test": subset("t10k", TEST_PER_CLASS),
    }
    with open(os.path.join(OUT, "subset.json"), "w") as f:
        json.dump(info, f, separators=(",", ":"))
        f.write("\n")
    print(f"wrote {OUT}: train {info['train']['count']}, test {info['test']['count']}")


if __name__ == "__main__":
    main()
