#!/usr/bin/env bash
# Regenerates the CIFAR-10 sample bundled in the jar (fkt/src/main/resources/org/fkt/data/cifar10-sample.zip)
# from the image-folder zip of the full data set: 200 training and 50 test JPEGs per class, bytes unchanged,
# the same output byte for byte on every run. Usage: scripts/make-cifar10-sample.sh [path/to/cifar10-jpg.zip]
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/java25.sh
src="${1:-../shared/data/cifar10-jpg.zip}"
if [ ! -f "$src" ]; then
    echo "error: $src does not exist; pass the path of cifar10-jpg.zip" >&2
    exit 1
fi
java fkt/src/test/java/org/fkt/data/MakeCifar10Sample.java "$src" fkt/src/main/resources/org/fkt/data/cifar10-sample.zip
