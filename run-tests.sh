#!/usr/bin/env bash
# Runs every test of every module (the command CI runs). Finds a JDK 25 itself.
set -euo pipefail
cd "$(dirname "$0")"
source scripts/java25.sh
echo "using $(java -version 2>&1 | head -n 1) from $JAVA_HOME"
exec mvn -B -ntp verify "$@"
