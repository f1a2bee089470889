#!/usr/bin/env bash
# The .NET binding's benchmark: builds (../build.sh), starts the simulator on a free loopback
# port, prints a markdown table (library vs plain C#, same run). BENCH_SAMPLES (default 300).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../.." && pwd)
bash "$here/../build.sh" >&2
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
[[ -n "$base" ]] || { echo "bench/run.sh: the simulator did not start" >&2; exit 1; }
timeout 600 mono "$root/target/dotnet/Altinn.SystemUser.Bench.exe" "$base" "${BENCH_SAMPLES:-300}"
