# Sourced by the project's scripts: puts a JDK 25 (or newer) first on PATH and exports JAVA_HOME.
# Looks at $JAVA_HOME first, then every JDK under /usr/lib/jvm; stops with a clear message if none.

java_major() {  # prints the feature version of the java binary $1, or nothing
    "$1" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java\.specification\.version = \([0-9]*\).*/\1/p' | head -n 1
}

fkt_find_jdk() {
    local candidates=()
    [ -n "${JAVA_HOME:-}" ] && candidates+=("$JAVA_HOME")
    for d in /usr/lib/jvm/*; do
        [ -d "$d" ] && candidates+=("$d")
    done
    for home in "${candidates[@]}"; do
        if [ -x "$home/bin/java" ] && [ -x "$home/bin/javac" ]; then
            local v
            v=$(java_major "$home/bin/java")
            if [ -n "$v" ] && [ "$v" -ge 25 ]; then
                echo "$home"
                return 0
            fi
        fi
    done
    return 1
}

if ! FKT_JDK=$(fkt_find_jdk); then
    echo "error: this project needs a JDK 25 or newer (java and javac)." >&2
    echo "  looked at: JAVA_HOME=${JAVA_HOME:-<unset>} and /usr/lib/jvm/*" >&2
    echo "  install one (e.g. a Temurin 25 JDK under /usr/lib/jvm) or point JAVA_HOME at it." >&2
    exit 1
fi
export JAVA_HOME="$FKT_JDK"
export PATH="$JAVA_HOME/bin:$PATH"
# Maven 3.8 bundles a Guava that calls sun.misc.Unsafe; JDK 25 would warn about it on every build.
export MAVEN_OPTS="${MAVEN_OPTS:-} --sun-misc-unsafe-memory-access=allow"
if ! command -v mvn >/dev/null 2>&1; then
    echo "error: Apache Maven (mvn) is not on PATH; install it (apt-get install -y maven)." >&2
    exit 1
fi
# JVM flags every launch of the engine needs: the Vector API and native memory access.
FKT_JVM_FLAGS="--add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED"
export FKT_JVM_FLAGS
