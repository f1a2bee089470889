#!/usr/bin/env bash
# `make bench`: where the component stands against native code, plain host-language code and
# the runtime's limits. From a fresh clone: builds what it needs, runs the Rust bench
# (systemuser-bench), the Python and Node benches in quick modes, the Java, C# and Go packages' benches, prints every table and writes
# them all, with the machine and the date, to BENCHMARKS.md. Asserts nothing about time.
#
#   bash bench/run.sh            # the full Rust bench (about 3-5 minutes on 2 cores)
#   BENCH_QUICK=1 bash bench/run.sh   # fewer samples everywhere (noisier figures)
#   BENCH_SKIP_HOSTS=1 ...       # leave out the Python and Node benches
#   BENCH_NO_BUILD=1 ...         # skip `make build` (use what target/ holds)
#   BENCH_SKIP_PROFILE=1 ...     # leave out the callgrind profile (bench/profile.sh, about a minute)
#   BENCH_SCALE_N=20000 ...      # customers in the onboarding-at-scale table (default 100,000:
#                                # about 15 minutes; BENCH_QUICK: 10,000); BENCH_SKIP_SCALE=1 leaves it out
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
OUT="$ROOT/BENCHMARKS.md"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/systemuser-bench.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT
started=$SECONDS
# Taken before anything is written: BENCHMARKS.md itself is about to change.
commit="$(git rev-parse --short HEAD 2>/dev/null || echo '?')$(git diff --quiet HEAD -- . ':!BENCHMARKS.md' 2>/dev/null || echo ' (with uncommitted changes)')"
say() { printf '\n== %s (%ss)\n' "$*" "$((SECONDS - started))" >&2; }

if [[ -z "${BENCH_NO_BUILD:-}" ]]; then
    say "build: component, hosts, simulator (make build)"
    make build </dev/null
else
    say "BENCH_NO_BUILD set: using the component and binaries already in target/"
fi
if [[ -z "${BENCH_NO_BUILD:-}" || ! -x target/release/systemuser-bench ]]; then
    say "build: systemuser-bench (release)"
    cargo build --release -q -p systemuser-bench </dev/null
fi

RUST_ARGS=(--out "$WORK/rust.md")
[[ -n "${BENCH_QUICK:-}" ]] && RUST_ARGS+=(--quick)
say "Rust host: systemuser-bench ${RUST_ARGS[*]}"
rust_status=0
target/release/systemuser-bench "${RUST_ARGS[@]}" </dev/null || rust_status=$?

profile_status=skipped profile_skip="BENCH_SKIP_PROFILE was set"
if [[ -z "${BENCH_SKIP_PROFILE:-}" ]] && ! command -v valgrind >/dev/null; then
    profile_skip="valgrind is not installed"
elif [[ -z "${BENCH_SKIP_PROFILE:-}" ]]; then
    # Instruction counts (callgrind): repeatable where the µs above are not, and where the
    # component's instructions go. The bench binary was built above.
    say "profile: bench/profile.sh (callgrind, instructions per operation)"
    profile_status=0
    BENCH_NO_BUILD=1 bash bench/profile.sh >"$WORK/profile.md" </dev/null || profile_status=$?
    cat "$WORK/profile.md"
fi

py_status=skipped node_status=skipped edge_status=skipped wasihttp_status=skipped java_status=skipped dotnet_status=skipped go_status=skipped
if [[ -z "${BENCH_SKIP_HOSTS:-}" ]]; then
    # Python: the package's own venv, reinstalled so that it bundles the component just built.
    say "Python host: venv + install (run-tests.sh --co), then bench.py in its quick mode"
    py_status=0
    {
        bash host-examples/python/run-tests.sh --co -q >"$WORK/python-setup.log" 2>&1 &&
            host-examples/python/.venv/bin/python host-examples/python/bench.py --iterations 500 --customers 1000 </dev/null &&
            host-examples/python/.venv/bin/python host-examples/python/bench_async.py --rounds 3 </dev/null
    } >"$WORK/python.md" 2>"$WORK/python.err" || py_status=$?
    cat "$WORK/python.md"
    [[ $py_status == 0 ]] || { tail -20 "$WORK/python-setup.log" "$WORK/python.err" >&2 || true; }

    say "Node host: npm ci if needed, then npm run bench with BENCH_SCALE=0.2"
    node_status=0
    {
        cd host-examples/node
        [[ -d node_modules ]] || npm ci --no-audit --no-fund --loglevel=error </dev/null
        BENCH_SCALE=0.2 npm run --silent bench </dev/null
    } >"$WORK/node.md" 2>"$WORK/node.err" || node_status=$?
    cd "$ROOT"
    cat "$WORK/node.md"
    [[ $node_status == 0 ]] || tail -20 "$WORK/node.err" >&2 || true

    # Edge runtimes (#19): workerd, Deno, Bun, each against the same handler written plainly.
    say "edge runtimes: host-examples/node/edge-runtimes/bench.js (BENCH_SCALE=0.5)"
    edge_status=0
    {
        [[ -x host-examples/node/edge-runtimes/node_modules/.bin/deno ]] ||
            (cd host-examples/node/edge-runtimes && npm ci --no-audit --no-fund --loglevel=error </dev/null) >&2
        (cd host-examples/node/edge-runtimes && BENCH_SCALE=0.5 node bench.js </dev/null)
    } >"$WORK/edge.md" 2>"$WORK/edge.err" || edge_status=$?
    cat "$WORK/edge.md"
    [[ $edge_status == 0 ]] || tail -20 "$WORK/edge.err" >&2 || true

    # The wasi:http service component (#19) against the Rust host and a plain GET, same run.
    say "wasi:http service: cargo run --release -p wasi-http-serve --example overhead"
    wasihttp_status=0
    cargo run --release -q -p wasi-http-serve --example overhead 5 100 </dev/null >"$WORK/wasihttp.md" 2>"$WORK/wasihttp.err" || wasihttp_status=$?
    cat "$WORK/wasihttp.md"
    [[ $wasihttp_status == 0 ]] || tail -20 "$WORK/wasihttp.err" >&2 || true

    # The packages on libsystemuser (C ABI): each against plain code of its language, same run.
    for lang in java dotnet go; do
        say "$lang package (libsystemuser): its bench script"
        script=host-examples/$lang/bench.sh
        [[ $lang == dotnet ]] && script=host-examples/dotnet/bench/run.sh
        status=0
        BENCH_ITERATIONS=${BENCH_QUICK:+200} BENCH_SAMPLES=${BENCH_QUICK:+100} \
            bash "$script" </dev/null >"$WORK/$lang.md" 2>"$WORK/$lang.err" || status=$?
        printf -v "${lang}_status" '%s' "$status"
        cat "$WORK/$lang.md"
        [[ $status == 0 ]] || tail -20 "$WORK/$lang.err" >&2 || true
    done
fi

# The simulator under 100,000 stored requests: per-call cost at 1k / 10k / 100k, same run.
say "simulator: cargo run --release -p altinn-sim --example load"
simload_status=0
cargo run --release -q -p altinn-sim --example load </dev/null >"$WORK/simload.md" 2>"$WORK/simload.err" || simload_status=$?
cat "$WORK/simload.md"
[[ $simload_status == 0 ]] || tail -20 "$WORK/simload.err" >&2 || true

# Onboarding at scale (#20): the Python package over PostgreSQL, 1 and 4 worker processes.
scale_status=skipped scale_skip="BENCH_SKIP_SCALE was set"
scale_n=${BENCH_SCALE_N:-$([[ -n "${BENCH_QUICK:-}" ]] && echo 10000 || echo 100000)}
if [[ -z "${BENCH_SKIP_SCALE:-}" ]]; then
    say "onboarding at scale: bench/scale.py --customers $scale_n (PostgreSQL, 50 ms latency)"
    scale_status=0
    {
        [[ -x host-examples/python/.venv/bin/python ]] ||
            bash host-examples/python/run-tests.sh --co -q >"$WORK/scale-setup.log" 2>&1
        host-examples/python/.venv/bin/python bench/scale.py --customers "$scale_n" --latency-ms 50 </dev/null
    } >"$WORK/scale.md" 2>"$WORK/scale.err" || scale_status=$?
    cat "$WORK/scale.md"
    [[ $scale_status == 0 ]] || tail -20 "$WORK/scale.err" >&2 || true
fi

say "writing $OUT"
cpu="$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//' || true)"
mem="$(awk '/MemTotal/ {printf "%.1f GiB", $2/1048576}' /proc/meminfo 2>/dev/null || true)"
wasmtime_v="$(awk '/^name = "wasmtime"$/ {getline; gsub(/"/, "", $3); print $3; exit}' Cargo.lock)"
section() { # title, status, file[, why it was skipped]
    echo "## $1"
    echo
    if [[ "$2" == skipped ]]; then
        echo "(skipped: ${4:-BENCH_SKIP_HOSTS was set})"
    elif [[ "$2" != 0 ]]; then
        echo "(this bench failed with status $2; its output so far follows)"
    fi
    echo
    cat "$3" 2>/dev/null || true
    echo
}
{
    echo "# Benchmarks"
    echo
    echo "Written by \`make bench\` (\`bench/run.sh\`); do not edit by hand. Every table carries its baseline measured"
    echo "in the same run and a ratio column; nothing here is an assertion on time."
    echo
    echo "| | |"
    echo "|:---|:---|"
    echo "| date | $(date -u '+%Y-%m-%d %H:%M UTC') |"
    echo "| machine | $(nproc) CPUs, ${cpu:-unknown CPU}, ${mem:-? GiB} RAM, $(uname -sr) |"
    echo "| load average at the end | $(cut -d' ' -f1-3 /proc/loadavg) |"
    echo "| toolchain | $(rustc --version), wasmtime ${wasmtime_v:-?}, $(node --version 2>/dev/null || echo 'no node'), $(host-examples/python/.venv/bin/python --version 2>/dev/null || echo 'no python venv') |"
    echo "| commit | $commit |"
    echo "| run | \`bash bench/run.sh\`${BENCH_QUICK:+ with BENCH_QUICK=1}, $((SECONDS - started)) s in all |"
    echo
    echo "Figures taken on a shared or busy machine are noisy; compare ratios, and re-run on a quiet machine before quoting."
    echo
    section "Rust host (wasmtime): the component against the same core compiled natively" "$rust_status" "$WORK/rust.md"
    section "Rust host under callgrind: instructions per operation, and where the component's go (\`bench/profile.sh\`)" "$profile_status" "$WORK/profile.md" "$profile_skip"
    section "Python host (wasmtime-py): \`bench.py --iterations 500 --customers 1000\`, \`bench_async.py --rounds 3\`" "$py_status" "$WORK/python.md"
    section "Node host (jco): \`BENCH_SCALE=0.2 npm run bench\`" "$node_status" "$WORK/node.md"
    section "Edge runtimes (workerd, Deno, Bun): \`BENCH_SCALE=0.5 node host-examples/node/edge-runtimes/bench.js\`" "$edge_status" "$WORK/edge.md"
    section "wasi:http service component: \`cargo run --release -p wasi-http-serve --example overhead 5 100\`" "$wasihttp_status" "$WORK/wasihttp.md"
    section "Java package on libsystemuser (JNA): \`host-examples/java/bench.sh\`" "$java_status" "$WORK/java.md"
    section "C# package on libsystemuser (P/Invoke, Mono): \`host-examples/dotnet/bench/run.sh\`" "$dotnet_status" "$WORK/dotnet.md"
    section "Go package on libsystemuser (cgo): \`host-examples/go/bench.sh\`" "$go_status" "$WORK/go.md"
    section "Simulator holding 100,000 requests: \`cargo run --release -p altinn-sim --example load\`" "$simload_status" "$WORK/simload.md"
    section "Onboarding at scale (Python, PostgreSQL): \`bench/scale.py --customers $scale_n --latency-ms 50\`" "$scale_status" "$WORK/scale.md" "$scale_skip"
} >"$OUT"
say "done: $OUT"
[[ $rust_status == 0 ]]
