#!/usr/bin/env bash
# The Java package's tests from a fresh clone, non-interactive: build.sh (javac against Debian's
# jars, the jar with libsystemuser and the component inside), then the JUnit 5 console launcher
# over the test classes and that jar, against the simulator over real HTTP (each test class
# starts target/release/altinn-sim on port 0 and stops it). Builds the simulator and the
# test-trap component when they are missing. Prints the launcher's summary and one closing line
# `java: N passed, M failed in S s` (the form scripts/test-summary.sh counts).
#
#   bash host-examples/java/run-tests.sh                    # everything
#   bash host-examples/java/run-tests.sh --select-class no.altinn.systemuser.OperationsTest
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
SHARE=/usr/share/java

bash "$HERE/build.sh"

if [[ ! -x "$ROOT/target/release/altinn-sim" ]]; then
    echo "java-tests: building the simulator" >&2
    (cd "$ROOT" && cargo build --release -q -p altinn-sim </dev/null)
fi
trap_wasm="$ROOT/target/wasm/altinn_systemuser.test-trap.wasm"
if [[ ! -f $trap_wasm || $trap_wasm -ot "$ROOT/target/wasm/altinn_systemuser.wasm" ]]; then
    echo "java-tests: building the test-trap component" >&2
    (cd "$ROOT" && cargo run -q -p xtask -- component --test-trap </dev/null)
fi

CP="$HERE/target/test-classes:$HERE/target/altinn-systemuser-0.1.0.jar:$SHARE/jna.jar"
args=("$@")
((${#args[@]})) || args=(--select-package no.altinn.systemuser)
cd "$HERE"
started=$SECONDS
status=0
# Every test has a timeout (120 s unless it says less); the whole run has one too.
XDG_CACHE_HOME="$HERE/target/cache" timeout --kill-after=10 1800 java -Xmx512m -Daltinn.repo="$ROOT" -Daltinn.test.classpath="$CP" -Djava.io.tmpdir="$HERE/target" \
    -jar "$SHARE/junit-platform-console-standalone.jar" \
    --class-path "$CP" --disable-banner --details=tree --details-theme=ascii --disable-ansi-colors --fail-if-no-tests \
    --config=junit.jupiter.execution.timeout.default=120s \
    --reports-dir="$HERE/target/test-reports" "${args[@]}" </dev/null | tee "$HERE/target/junit.out" || status=$?
# The launcher's summary counts; one plain line for scripts/test-summary.sh (its pytest-style rule).
passed="$(grep -oE '\[ +[0-9]+ tests successful +\]' "$HERE/target/junit.out" | grep -oE '[0-9]+' || echo 0)"
failed="$(grep -oE '\[ +[0-9]+ tests failed +\]' "$HERE/target/junit.out" | grep -oE '[0-9]+' || echo 0)"
if [[ $status != 0 && $failed == 0 ]]; then failed=1; fi # the launcher itself failed (a timeout, a crash)
echo "java: $passed passed, $failed failed in $((SECONDS - started)).0s"
exit "$status"
