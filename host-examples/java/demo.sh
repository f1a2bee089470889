#!/usr/bin/env bash
# The vendor's story through the Java package (examples/Demo.java) against the simulator:
# builds what it needs (build.sh, the simulator), starts target/release/altinn-sim --admin on a
# free loopback port, runs the demo with the TEST-ONLY key of sim-smartregnskap-client, stops
# the simulator. Exit 1 when a step of the story did not behave as expected.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
SHARE=/usr/share/java

bash "$HERE/build.sh" >&2
if [[ ! -x "$ROOT/target/release/altinn-sim" ]]; then
    echo "java-demo: building the simulator" >&2
    (cd "$ROOT" && cargo build --release -q -p altinn-sim </dev/null)
fi

work="$(mktemp -d "${TMPDIR:-/tmp}/altinn-java-demo.XXXXXX")"
"$ROOT/target/release/altinn-sim" --admin --listen 127.0.0.1:0 >"$work/sim.out" </dev/null &
sim=$!
cleanup() { kill "$sim" 2>/dev/null || true; wait "$sim" 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
for _ in $(seq 100); do
    grep -q '^listening on ' "$work/sim.out" && break
    sleep 0.1
done
url="$(sed -n 's/^listening on //p' "$work/sim.out")"
[[ -n $url ]] || { echo "java-demo: the simulator did not start" >&2; exit 1; }

timeout 120 java -cp "$HERE/target/example-classes:$HERE/target/altinn-systemuser-0.1.0.jar:$SHARE/jna.jar" \
    Demo "$url" "$ROOT/simulator/tests/keys/TEST-ONLY-client-key.pk8.pem" </dev/null
