#!/usr/bin/env bash
# Runs every test of every module (the command CI runs). Finds a JDK 25 itself and installs the
# PyTorch oracle of the parity tests when it is missing.
set -euo pipefail
cd "$(dirname "$0")"
source scripts/java25.sh
source scripts/torch-oracle.sh
echo "using $(java -version 2>&1 | head -n 1) from $JAVA_HOME"
exec mvn -B -ntp verify "$@"
