#!/usr/bin/env bash
# Runs the launchers of a built distribution folder (argument 1) and checks what they answer:
# fkt --help, native-check (exit 0 with a GPU, 3 with the no-GPU message without), bench -l.
set -euo pipefail
dist="$1"
fail() { echo "test-dist: $*" >&2; exit 1; }
[ -x "$dist/bin/fkt" ] || fail "$dist/bin/fkt missing or not executable"
out="$("$dist/bin/fkt" --help 2>&1)" || fail "fkt --help exited $?: $out"
grep -q "Usage: fkt" <<<"$out" || fail "fkt --help printed no usage: $out"
set +e
nc="$("$dist/bin/native-check" --no-suite 2>&1)"
code=$?
set -e
case "$code" in
    0) grep -q "^device:" <<<"$nc" || fail "native-check exited 0 without a device line: $nc" ;;
    3) grep -q "^no GPU: " <<<"$nc" || fail "native-check exited 3 without 'no GPU:': $nc" ;;
    *) fail "native-check --no-suite exited $code: $nc" ;;
esac
"$dist/bin/bench" -l 2>&1 | grep -q "SgemmBenchmark" || fail "bench -l does not list SgemmBenchmark"
if [ -d "$dist/runtime" ]; then
    "$dist/runtime/bin/java" --list-modules | grep -q "jdk.incubator.vector" || fail "runtime/ lacks jdk.incubator.vector"
fi
echo "test-dist: $dist ok (fkt --help, native-check exit $code, bench -l$([ -d "$dist/runtime" ] && echo ', runtime/'))"
