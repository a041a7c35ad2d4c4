#!/usr/bin/env bash
# The fkt command: builds the project when needed, then runs it. With no arguments it runs the
# main job: RT against FT on the bundled CIFAR-10 sample (fkt paper --dataset cifar10-sample --seeds 1).
set -euo pipefail
cd "$(dirname "$0")"
source scripts/java25.sh
stale=$(find engine nn fkt pom.xml \( -name '*.java' -o -name pom.xml \) -newer fkt/target/.built 2>/dev/null | head -n 1 || true)
if [ ! -f fkt/target/.built ] || [ -n "$stale" ] || [ ! -d fkt/target/lib ]; then
    echo "building (mvn package, tests skipped) ..." >&2
    mvn -B -q -ntp package -DskipTests -Dfkt.emu.skip=true -pl fkt -am >&2
    touch fkt/target/.built
fi
exec java $FKT_JVM_FLAGS -cp "fkt/target/fkt-cli-0.1.0-SNAPSHOT.jar:fkt/target/lib/*" org.fkt.cli.Main "$@"
