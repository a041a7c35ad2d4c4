#!/usr/bin/env bash
# Writes driver-symbols.txt: every cu* function JCuda's driver library (in the jcuda-natives jar) imports
# from libcuda.so.1, one a line, sorted. The emulator's build generates a stub for each name that
# emu_driver.cpp does not define, so JCuda's library links even with eager binding (LD_BIND_NOW).
# Usage: list-driver-symbols.sh [JAR]   (default: JCuda 12.6.0's natives jar in ~/.m2)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
jar="${1:-$HOME/.m2/repository/org/jcuda/jcuda-natives/12.6.0/jcuda-natives-12.6.0-linux-x86_64.jar}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
unzip -q -o "$jar" 'lib/libJCudaDriver-*.so' -d "$work"
nm -D --undefined-only "$work"/lib/libJCudaDriver-*.so | awk '$2 ~ /^cu/ {print $2}' | sort -u > "$here/driver-symbols.txt"
echo "list-driver-symbols: $(wc -l < "$here/driver-symbols.txt") names from $(basename "$jar")"
