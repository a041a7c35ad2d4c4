#!/usr/bin/env bash
# Compiles every kernel file of this folder into ONE fatbin (sm_80 and sm_90 machine code plus
# compute_90 PTX for newer GPUs) through a generated unity file, warnings as errors.
# Usage: build-fatbin.sh OUTPUT.fatbin [NVCC]   (NVCC defaults to $CUDA_HOME/bin/nvcc, then nvcc on PATH)
set -euo pipefail
out="$1"
here="$(cd "$(dirname "$0")" && pwd)"
nvcc="${2:-}"
if [ -z "$nvcc" ]; then
    if [ -n "${CUDA_HOME:-}" ] && [ -x "$CUDA_HOME/bin/nvcc" ]; then
        nvcc="$CUDA_HOME/bin/nvcc"
    elif [ -x /usr/local/cuda/bin/nvcc ]; then
        nvcc=/usr/local/cuda/bin/nvcc
    else
        nvcc="$(command -v nvcc || true)"
    fi
fi
if [ -z "$nvcc" ] || [ ! -x "$nvcc" ]; then
    echo "build-fatbin: no nvcc (looked at \$2, \$CUDA_HOME/bin, /usr/local/cuda/bin, PATH); kernels not built" >&2
    exit 0
fi
if [ -s "$out" ] && [ -z "$(find "$here" \( -name '*.cu' -o -name '*.cuh' -o -name '*.sh' \) -newer "$out")" ]; then
    echo "build-fatbin: $out is up to date"
    exit 0
fi
mkdir -p "$(dirname "$out")"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
unity="$work/kernels.cu"
for f in "$here"/*.cu; do
    echo "#include \"$f\"" >> "$unity"
done
"$nvcc" -fatbin -O3 -lineinfo -std=c++17 -I"$here" -Werror all-warnings -Xptxas -Werror \
    -gencode arch=compute_80,code=sm_80 \
    -gencode arch=compute_90,code=sm_90 \
    -gencode arch=compute_90,code=compute_90 \
    -o "$work/kernels.fatbin" "$unity"
mv "$work/kernels.fatbin" "$out"
echo "build-fatbin: $out ($(stat -c %s "$out") bytes) from $(ls "$here"/*.cu | wc -l) kernel files with $nvcc"
