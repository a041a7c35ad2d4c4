#!/usr/bin/env bash
# Diagnostic for the float32 accuracy of one training step (DumpParityTest's "engine float32 error above
# twice PyTorch's" cases): builds engine and nn (test classes), makes weights and a batch for a seed,
# runs nn's ActivationTaps (engine) and python/activation_taps.py (PyTorch) in float32 and float64, and
# prints per-layer errors against float64, ReLU sign flips and max-pool argmax changes.
#   scripts/activation-taps.sh ARCH STEM OBJECTIVE SEED [OUTDIR]   e.g. resnet18 cifar joint 123
# Set SKIP_BUILD=1 to reuse the last build.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/java25.sh
arch=$1 stem=$2 objective=$3 seed=$4
dir=${5:-$(mktemp -d)}
mkdir -p "$dir"
py=${FKT_PYTHON:-/usr/bin/python3}
size=32
[ "$stem" = imagenet ] && size=128
if [ -z "${SKIP_BUILD:-}" ]; then
    mvn -B -q -o -ntp -pl engine,nn -am test-compile -Dfkt.emu.skip=true >&2
    mvn -B -q -o -ntp -pl nn dependency:build-classpath -Dmdep.outputFile="$PWD/nn/target/taps-classpath.txt" >&2
fi
deps=$(tr ':' '\n' < nn/target/taps-classpath.txt | grep -v fkt-engine | paste -sd:)
cp="engine/target/classes:nn/target/classes:nn/target/test-classes:$deps"
"$py" python/torch_step.py make --arch "$arch" --stem "$stem" --classes 5 --proj-hidden 64 --proj-out 32 \
    --batch 4 --size "$size" --seed "$seed" --weights "$dir/w.safetensors" --batch-out "$dir/b.safetensors"
for dtype in float32 float64; do
    java --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED -Xss4m -cp "$cp" \
        org.fkt.nn.objective.ActivationTaps "$arch" "$stem" "$objective" "$dir/w.safetensors" "$dir/b.safetensors" \
        "$dir/engine-$dtype.safetensors" "$dtype" 2>&1 | grep -v WARNING
done
args=(run --arch "$arch" --stem "$stem" --objective "$objective" --weights "$dir/w.safetensors" --batch "$dir/b.safetensors")
"$py" python/activation_taps.py "${args[@]}" --out "$dir/torch-float32.safetensors"
"$py" python/activation_taps.py "${args[@]}" --out "$dir/torch-float64.safetensors" --double
"$py" python/activation_taps.py compare "$dir"/engine-float32.safetensors "$dir"/engine-float64.safetensors \
    "$dir"/torch-float32.safetensors "$dir"/torch-float64.safetensors ${ALL:+--all}
