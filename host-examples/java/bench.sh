#!/usr/bin/env bash
# The Java binding's benchmark (bench/Bench.java): per-operation cost through libsystemuser
# against plain java.net.http + a JSON parse in the same run, and start-up with and without the
# compiled-code cache, against the simulator on loopback. Prints markdown tables; asserts
# nothing about time.   BENCH_ITERATIONS=N (default 1000) sets the samples per row.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
SHARE=/usr/share/java

bash "$HERE/build.sh" >&2
if [[ ! -x "$ROOT/target/release/altinn-sim" ]]; then
    (cd "$ROOT" && cargo build --release -q -p altinn-sim </dev/null)
fi
work="$(mktemp -d "${TMPDIR:-/tmp}/altinn-java-bench.XXXXXX")"
"$ROOT/target/release/altinn-sim" --admin --listen 127.0.0.1:0 >"$work/sim.out" </dev/null &
sim=$!
cleanup() { kill "$sim" 2>/dev/null || true; wait "$sim" 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
for _ in $(seq 100); do
    grep -q '^listening on ' "$work/sim.out" && break
    sleep 0.1
done
url="$(sed -n 's/^listening on //p' "$work/sim.out")"
[[ -n $url ]] || { echo "java-bench: the simulator did not start" >&2; exit 1; }
XDG_CACHE_HOME="$work/cache" timeout 900 java -Djava.io.tmpdir="$work" \
    -cp "$HERE/target/bench-classes:$HERE/target/altinn-systemuser-0.1.0.jar:$SHARE/jna.jar" \
    no.altinn.systemuser.Bench "$url" "${BENCH_ITERATIONS:-1000}" </dev/null
