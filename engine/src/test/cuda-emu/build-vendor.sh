#!/usr/bin/env bash
# Builds the fake cuBLAS and cuDNN of the CPU CUDA emulator into the folder given as argument 1:
# libcublas.so.13 (emu_cublas.cpp) and libcudnn.so.9 (emu_cudnn.cpp + emu_cudnn_conv.cpp). Host C++ only;
# no CUDA toolkit needed. Both check operands against the emulated driver's allocations when it is loaded
# (emu_bounds.h). No cuDNN sub-library stubs are made: the engine opens those only when present.
set -euo pipefail
out="${1:?usage: build-vendor.sh <output folder>}"
here="$(cd "$(dirname "$0")" && pwd)"
cxx="${CXX:-g++}"
if ! command -v "$cxx" >/dev/null 2>&1; then
    echo "build-vendor.sh: C++ compiler '$cxx' not found; install g++ (or set CXX) to build the fake cuBLAS/cuDNN" >&2
    exit 2
fi
mkdir -p "$out"
flags=(-std=c++17 -O2 -fPIC -shared -fvisibility=hidden -Wall -Wextra -Werror)
"$cxx" "${flags[@]}" -Wl,-soname,libcublas.so.13 -o "$out/libcublas.so.13" "$here/emu_cublas.cpp" -ldl
"$cxx" "${flags[@]}" -Wl,-soname,libcudnn.so.9 -o "$out/libcudnn.so.9" \
    "$here/emu_cudnn.cpp" "$here/emu_cudnn_conv.cpp" -ldl
