#!/usr/bin/env bash
# ResNet-50 GPU training step (batch 256; 224x224 ImageNet stem and 32x32 CIFAR stem; float32 and TF32):
# this engine against PyTorch eager on one GPU in one invocation, alternating rounds, then images/s, peak
# device memory and their ratios, and a markdown fragment for bench/RESULTS.md. The GPU twin of
# resnet18-step.sh. Works from a repository checkout (builds the bench jar with Maven when it is missing)
# and from the distribution (fkt-dist/scripts/, no JDK or Maven: the engine runs on fkt-dist/bin/fkt-java).
#   resnet50-gpu-step.sh [--smoke] [--rounds R] [--steps N] [--warmup W] [--sizes 224,32] [--math fp32,tf32]
#                        [--batch B] [--cudnn-find] [--device cuda:N] [--out FILE]
# --smoke: batch 2, one step, 32x32, PyTorch skipped when it has no CUDA device (the emulator).
# PYTHON picks the interpreter (default python3, which needs a CUDA build of torch for the comparison).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
if [ -x "$here/../bin/fkt-java" ]; then
    engine="$here/../bin/fkt-java org.fkt.bench.GpuStepBench"
else
    repo="$(cd "$here/../.." && pwd)"
    jar="$repo/bench/target/benchmarks.jar"
    source "$repo/scripts/java25.sh" >/dev/null
    if [ ! -f "$jar" ]; then
        (cd "$repo" && mvn -B -q -ntp package -DskipTests -pl bench -am)
    fi
    engine="$JAVA_HOME/bin/java $FKT_JVM_FLAGS ${FKT_JAVA_OPTS:-} -cp $jar org.fkt.bench.GpuStepBench"
fi
exec "${PYTHON:-python3}" "$here/resnet50_step_torch_gpu.py" --engine "$engine" \
    --command "$(basename "$0") $*" "$@"
