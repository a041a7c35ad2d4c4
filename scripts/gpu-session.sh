#!/usr/bin/env bash
# One stage of the checks on a lent GPU machine, where the repository arrives as a copy of the working tree
# with no JDK, no Maven and no network, and whatever the command writes under $OUT comes back. The engine
# travels as the distribution with a jlinked Java in dist-carry/fkt-dist.tar.gz (git-ignored; built here by
# `scripts/gpu-session.sh pack`). Each stage fits the 10-minute limit of one command; run them in this order
# (docs/gpu-server.md, "A session on a lent GPU"):
#
#   pack      (here) build the distribution with its runtime into dist-carry/
#   look      nvidia-smi, the driver, python3's torch, where cuBLAS/cuDNN live, native-check's report
#   parity    native-check's parity suite: every gpu-tagged test of engine, nn and fkt (dump vs PyTorch too)
#   ntxent    NtXentBenchmark on cuda against PyTorch's two formulations (float32, then TF32)
#   resnet50  the ResNet-50 step benchmark against PyTorch (float32 and TF32, 224 and 32 pixels)
set -uo pipefail
cd "$(dirname "$0")/.."
stage="${1:?usage: scripts/gpu-session.sh pack|look|parity|ntxent|resnet50 [extra arguments]}"
shift
out="${OUT:-$PWD/gpu-session-out}"
mkdir -p "$out"

if [[ "$stage" == pack ]]; then
    source scripts/java25.sh
    mvn -B -q -ntp package -DskipTests -Dfkt.emu.skip=true -Ddist.jlink=true -pl native-check -am || exit 1
    mkdir -p dist-carry
    cp native-check/target/fkt-dist.tar.gz dist-carry/
    ls -l dist-carry/fkt-dist.tar.gz
    exit 0
fi

dist=/tmp/fkt-dist
if [[ ! -x "$dist/bin/fkt-java" ]]; then
    tar xzf dist-carry/fkt-dist.tar.gz -C /tmp || { echo "no dist-carry/fkt-dist.tar.gz: run 'pack' here first"; exit 1; }
fi
site="$(python3 -c 'import site; print(site.getsitepackages()[0])' 2>/dev/null)"

run_stage() {
    case "$stage" in
        look)
            nvidia-smi
            echo "--- python3: $(command -v python3)"
            python3 -c 'import torch; print("torch", torch.__version__, "cuda", torch.version.cuda,
                "cudnn", torch.backends.cudnn.version(), torch.cuda.get_device_name(0))'
            echo "--- cuBLAS/cuDNN under $site/nvidia"
            ls "$site"/nvidia/*/lib 2>/dev/null | grep -E 'cublas|cudnn|^/' || echo "none there"
            ls -l /usr/lib/x86_64-linux-gnu/libcuda.so* /usr/local/nvidia/lib64/libcuda.so* 2>/dev/null
            "$dist/bin/native-check" --no-suite
            ;;
        parity)
            "$dist/bin/native-check" "$@"
            ;;
        ntxent)
            local cases=fused:512x128,composed:512x128,fused:4096x128,composed:4096x128,fused:16384x128
            cases+=,composed:16384x128,fused:65536x128,gemm:65536x128,fused:512x2048,composed:512x2048
            for tf32 in false true; do
                "$dist/bin/bench" NtXentBenchmark -p device=cuda -p benchCase="$cases" -f 1 -wi 5 -w 1 -i 10 -r 1 \
                    -jvmArgsAppend "-Dfkt.cuda.tf32=$tf32" -rf json -rff "$out/ntxent-tf32-$tf32.json" \
                    | tee "$out/ntxent-tf32-$tf32.log"
                python3 "$dist/python/ntxent_torch_bench.py" --device cuda --jmh-json "$out/ntxent-tf32-$tf32.json" \
                    --jmh-log "$out/ntxent-tf32-$tf32.log"
            done
            ;;
        resnet50)
            "$dist/scripts/resnet50-gpu-step.sh" --out "$out/resnet50-gpu-step.md" "$@"
            ;;
        *)
            echo "unknown stage '$stage': pack, look, parity, ntxent or resnet50"
            return 2
            ;;
    esac
}

echo "== $stage, $(date -u '+%Y-%m-%d %H:%M UTC'), $(hostname)"
run_stage "$@" 2>&1 | tee "$out/$stage.log"
exit "${PIPESTATUS[0]}"
