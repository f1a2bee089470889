#!/usr/bin/env bash
# Instructions per operation, component against native, under callgrind (counts are repeatable
# on a busy machine; wall time is not). For each operation (create: build + parse; a 50-item
# list page: build + parse) and each side (native core; component with fuel, the product path;
# component without fuel; component with epoch interruption) it runs
# `systemuser-bench profile run DIR OP SIDE N` under `valgrind --tool=callgrind`, collecting only
# inside the measured loop (setup, compile/load, instantiation and the warm-up calls are left
# out), then prints two markdown tables: Ir per operation with ratios, and where the
# component's instructions go (guest JIT code, lowering/lifting, call entry, malloc, memcpy …).
#
#   bash bench/profile.sh                    # about 1-2 minutes on 2 busy cores
#   PROFILE_N=2000 PROFILE_LIST_N=200 ...    # operations per run (create, list page)
#   PROFILE_COMPONENT=FILE ...               # profile another build of the component
#   PROFILE_OUT=FILE ...                     # also write the tables to FILE
#   PROFILE_KEEP=DIR ...                     # keep the callgrind files and callgrind_annotate
#                                            # listings (self and inclusive) in DIR
#   PROFILE_JOBS=2 ...                       # callgrind runs at once (counts do not depend on it)
#   BENCH_NO_BUILD=1 ...                     # use target/release/systemuser-bench as it is
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
N="${PROFILE_N:-2000}"
LIST_N="${PROFILE_LIST_N:-200}"
JOBS="${PROFILE_JOBS:-2}"
COMPONENT="${PROFILE_COMPONENT:-$ROOT/target/wasm/altinn_systemuser.wasm}"
BIN="$ROOT/target/release/systemuser-bench"
started=$SECONDS
say() { printf '== profile: %s (%ss)\n' "$*" "$((SECONDS - started))" >&2; }

command -v valgrind >/dev/null || { echo "profile.sh: valgrind is required (apt-get install valgrind)" >&2; exit 1; }
[[ -f "$COMPONENT" ]] || { echo "profile.sh: no component at $COMPONENT (run \`make build\`)" >&2; exit 1; }
if [[ -z "${BENCH_NO_BUILD:-}" || ! -x "$BIN" ]]; then
    say "build: systemuser-bench (release)"
    cargo build --release -q -p systemuser-bench </dev/null
fi
if [[ ! -x target/release/altinn-sim ]]; then
    say "build: the simulator (release; prepare asks it for real responses once)"
    cargo build --release -q -p altinn-sim </dev/null
fi

if [[ -n "${PROFILE_KEEP:-}" ]]; then
    DIR="$PROFILE_KEEP"
    mkdir -p "$DIR"
    rm -f "$DIR"/*.callgrind "$DIR"/*.annotate.txt
else
    DIR="$(mktemp -d "${TMPDIR:-/tmp}/systemuser-profile.XXXXXX")"
    trap 'rm -rf "$DIR"' EXIT
fi

# Responses recorded once from the simulator, and the component precompiled per setup. Under
# valgrind (nulgrind, no instrumentation) so that cranelift targets the CPU features valgrind
# reports; code compiled for the real CPU may use some that valgrind hides, and wasmtime
# refuses to load it there.
say "prepare: simulator responses, precompiled component ($(stat -c %s "$COMPONENT") B)"
valgrind -q --tool=none "$BIN" profile prepare "$DIR" --component "$COMPONENT" </dev/null

run_one() { # op side n
    valgrind -q --tool=callgrind --collect-atstart=no --toggle-collect='*profile::measured*' \
        --callgrind-out-file="$DIR/$1.$2.callgrind" "$BIN" profile run "$DIR" "$1" "$2" "$3" </dev/null
}
say "callgrind: create x $N, list page x $LIST_N; native, component with fuel, without, with epochs ($JOBS at once)"
pids=()
status=0
for op in create list; do
    n=$N
    [[ $op == list ]] && n=$LIST_N
    for side in fuel nofuel epoch native; do
        run_one "$op" "$side" "$n" &
        pids+=($!)
        if ((${#pids[@]} >= JOBS)); then
            wait "${pids[0]}" || status=$?
            pids=("${pids[@]:1}")
        fi
    done
done
for pid in "${pids[@]}"; do wait "$pid" || status=$?; done
[[ $status == 0 ]] || { echo "profile.sh: a callgrind run failed ($status)" >&2; exit "$status"; }

if [[ -n "${PROFILE_KEEP:-}" ]]; then
    for f in "$DIR"/*.callgrind; do
        callgrind_annotate --inclusive=no --threshold=99.9 "$f" >"${f%.callgrind}.self.annotate.txt" 2>/dev/null || true
        callgrind_annotate --inclusive=yes --threshold=99 "$f" >"${f%.callgrind}.inclusive.annotate.txt" 2>/dev/null || true
    done
    say "kept in $DIR (callgrind_annotate listings: *.annotate.txt)"
fi

say "report"
"$BIN" profile report "$DIR" create list | tee "${PROFILE_OUT:-/dev/null}"
say "done"
