#!/usr/bin/env bash
# Compiles every kernel file of this folder into ONE fatbin (sm_80 and sm_90 machine code plus
# compute_90 PTX for newer GPUs) through a generated unity file, warnings as errors.
# Usage: build-fatbin.sh OUTPUT.fatbin [NVCC [REPORT]]   (NVCC defaults to $CUDA_HOME/bin/nvcc, then nvcc
# on PATH; an empty NVCC means that default)
# With REPORT, the same compilation also writes ptxas's per-kernel resource usage (--resource-usage)
# there, followed by one "launch_bounds KERNEL maxntid X,Y,Z minnctapersm N" line per kernel that has
# __launch_bounds__ (read from the compute_90 PTX that --keep leaves, since ptxas does not print them);
# kernel-resources.sh checks that report. ptxas's lines go to the report, not to the build log.
set -euo pipefail
out="$1"
here="$(cd "$(dirname "$0")" && pwd)"
nvcc="${2:-}"
report="${3:-}"
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
if [ -s "$out" ] && { [ -z "$report" ] || [ -s "$report" ]; } \
        && [ -z "$(find "$here" \( -name '*.cu' -o -name '*.cuh' -o -name '*.sh' \) -newer "$out")" ]; then
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
flags=(-fatbin -O3 -lineinfo -std=c++17 -I"$here" -Werror all-warnings -Xptxas -Werror
    -gencode arch=compute_80,code=sm_80
    -gencode arch=compute_90,code=sm_90
    -gencode arch=compute_90,code=compute_90)
if [ -z "$report" ]; then
    "$nvcc" "${flags[@]}" -o "$work/kernels.fatbin" "$unity"
else
    mkdir -p "$work/keep" "$(dirname "$report")"
    if ! "$nvcc" "${flags[@]}" --resource-usage --keep --keep-dir "$work/keep" -o "$work/kernels.fatbin" "$unity" \
            > "$work/ptxas.txt" 2>&1; then
        cat "$work/ptxas.txt" >&2
        exit 1
    fi
    awk '/^\.visible \.entry /{ name = $3; sub(/\(.*/, "", name); bounds = ""; next }
         name != "" && /^\.maxntid /{ bounds = $2 $3 $4 }
         name != "" && /^\.minnctapersm /{ min = $2 }
         name != "" && /^\{/{
             if (bounds != "") print "launch_bounds", name, "maxntid", bounds, "minnctapersm", (min == "" ? 0 : min)
             name = ""; min = "" }' "$work/keep/kernels.compute_90.ptx" >> "$work/ptxas.txt"
    mv "$work/ptxas.txt" "$report"
fi
mv "$work/kernels.fatbin" "$out"
echo "build-fatbin: $out ($(stat -c %s "$out") bytes) from $(ls "$here"/*.cu | wc -l) kernel files with $nvcc"
