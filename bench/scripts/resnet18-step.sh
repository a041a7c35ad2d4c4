#!/usr/bin/env bash
# ResNet-18 CPU training step (CIFAR stem, batch 32, 32x32): this engine (JMH) and PyTorch on the same
# cores, one after the other in one invocation, then the ratio of images per second.
#   bench/scripts/resnet18-step.sh [threads]
set -euo pipefail
cd "$(dirname "$0")/../.."
source scripts/java25.sh
threads=${1:-$(nproc)}
mvn -B -q -ntp package -DskipTests -pl bench -am
java $FKT_JVM_FLAGS -Dfkt.cpu.threads="$threads" -jar bench/target/benchmarks.jar ResNetStepBenchmark \
    -jvmArgsAppend "-Dfkt.cpu.threads=$threads" -rf json -rff /tmp/resnet-step.json | tail -n 5
engine=$(/usr/bin/python3 -c "import json; r=json.load(open('/tmp/resnet-step.json'))[0]; print(32000.0 / r['primaryMetric']['score'])")
torch_line=$(/usr/bin/python3 bench/scripts/resnet18_step_torch.py --threads "$threads" --steps 10)
torch=$(echo "$torch_line" | sed -n 's/.*: \([0-9.]*\) images\/s.*/\1/p')
echo "engine: $(printf '%.1f' "$engine") images/s"
echo "$torch_line"
/usr/bin/python3 -c "print(f'ratio engine/torch: {$engine / $torch:.2f}')"
