#!/usr/bin/env bash
# The vendor's story against the simulator through the .NET binding (Mono here):
# builds (build.sh), starts target/release/altinn-sim on a free loopback port, runs the demo,
# stops the simulator. Exit 1 on the first surprise.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
out="$root/target/dotnet"
bash "$here/build.sh"
cd "$root"
log=$(mktemp)
target/release/altinn-sim --admin --listen 127.0.0.1:0 >"$log" 2>&1 &
sim_pid=$!
trap 'kill "$sim_pid" 2>/dev/null || true; wait "$sim_pid" 2>/dev/null || true; rm -f "$log"' EXIT
for _ in $(seq 1 100); do
    grep -q "^listening on " "$log" && break
    kill -0 "$sim_pid" 2>/dev/null || { cat "$log" >&2; exit 1; }
    sleep 0.05
done
base=$(sed -n 's/^listening on //p' "$log")
[[ -n "$base" ]] || { echo "demo.sh: the simulator did not start" >&2; exit 1; }
timeout 120 mono "$out/Altinn.SystemUser.Demo.exe" "$base" simulator/tests/keys/TEST-ONLY-client-key.pk8.pem
