#!/usr/bin/env bash
# The C binding test: builds tests/pump.c with `cc` against include/systemuser.h and
# target/release/libsystemuser.so, starts the simulator on a free loopback port, runs it,
# stops the simulator. Closing line: "pump.c: N passed, M failed in S.SSs".
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
cd "$root"

lib=target/release/libsystemuser.so
sim=target/release/altinn-sim
component=target/wasm/altinn_systemuser.wasm
trap_component=target/wasm/altinn_systemuser.test-trap.wasm
key=simulator/tests/keys/TEST-ONLY-client-key.pk8.pem
out=target/c-tests

# What the test needs: the library and the simulator up to date (a no-op when they are), the
# components when missing (`make build` builds them, with wasm-opt).
cargo build -q --release -p systemuser-c -p altinn-sim
[ -f "$component" ] || cargo run -q -p xtask -- component
[ -f "$trap_component" ] || cargo run -q -p xtask -- component --test-trap
# OpenSSL's headers for the binding's RS256 signatures (Debian's libssl-dev).
if ! printf '#include <openssl/evp.h>\n' | cc -E -x c - >/dev/null 2>&1; then
    command -v apt-get >/dev/null || { echo "run-tests.sh: OpenSSL's headers are missing (install libssl-dev)" >&2; exit 1; }
    apt-get update -qq && apt-get install -y -qq libssl-dev >/dev/null
fi

mkdir -p "$out"
cc -std=c11 -O2 -Wall -Wextra -Werror -pthread -I "$here/include" "$here/tests/pump.c" \
    -L target/release -lsystemuser -lcrypto -Wl,-rpath,"$root/target/release" -o "$out/pump"

# The simulator prints one line, `listening on http://127.0.0.1:PORT`, then serves until killed.
"$sim" --admin --listen 127.0.0.1:0 >"$out/sim.out" 2>"$out/sim.err" &
sim_pid=$!
trap 'kill "$sim_pid" 2>/dev/null || true; wait "$sim_pid" 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do
    grep -q "^listening on " "$out/sim.out" && break
    kill -0 "$sim_pid" 2>/dev/null || { cat "$out/sim.err" >&2; exit 1; }
    sleep 0.05
done
base=$(sed -n 's/^listening on //p' "$out/sim.out")
[ -n "$base" ] || { echo "run-tests.sh: the simulator did not start" >&2; exit 1; }

"$out/pump" "$base" "$component" "$trap_component" "$key"
