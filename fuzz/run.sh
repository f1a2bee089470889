#!/usr/bin/env bash
# Fuzzing the altinn-systemuser core.
#
#   bash fuzz/run.sh short          stable Rust, deterministic: the committed corpus of every
#                                   target plus FUZZ_EXECUTIONS (default 20000) mutations each;
#                                   prints a table; fails on any crash. Part of `make test`.
#   bash fuzz/run.sh long [SECONDS] cargo-fuzz (libFuzzer, nightly): each target for SECONDS
#                                   (default 60) from a copy of the committed corpus; prints
#                                   executions and findings per target; fails on any finding.
#                                   Installs cargo-fuzz if missing. Findings: fuzz/artifacts/<t>/.
#   bash fuzz/run.sh replay T FILE… runs files through target T, prints what each gives.
#   bash fuzz/run.sh list           the target names.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"
targets=(parse_response validate_request operation url_guards)
mode="${1:-short}"

case "$mode" in
  replay)
    # bash fuzz/run.sh replay <target> <file>…: what each file gives (a finding's message, or ok).
    target="${2:?usage: $0 replay <target> <file>...}"
    shift 2
    files=""
    for f in "$@"; do files="$files$(cd "$(dirname "$f")" && pwd)/$(basename "$f"):"; done
    FUZZ_REPLAY_TARGET="$target" FUZZ_REPLAY_FILES="$files" \
      cargo test --release --locked --manifest-path "$here/Cargo.toml" --test short_run -q -- --nocapture --exact replay_files </dev/null
    ;;
  list)
    printf '%s\n' "${targets[@]}"
    ;;
  short)
    cargo test --release --locked --manifest-path "$here/Cargo.toml" --test short_run -- --nocapture --test-threads=1 </dev/null
    ;;
  long)
    seconds="${2:-60}"
    if ! cargo fuzz --version >/dev/null 2>&1; then
      echo "fuzz: installing cargo-fuzz" >&2
      cargo install cargo-fuzz --locked </dev/null
    fi
    rustup toolchain list | grep -q '^nightly' || { echo "fuzz: the nightly toolchain is required (rustup toolchain install nightly)" >&2; exit 1; }
    cd "$root"
    logs="$here/target/long-logs"
    mkdir -p "$logs"
    # Findings do not stop a target (-fork=1 -ignore_crashes=1): each is saved as
    # artifacts/<target>/crash-<sha1>, and known findings kept in the committed corpus show up
    # there too until they are fixed.
    # Build all targets once (sanitizer builds are slow), then run each on a working copy of its
    # corpus so new inputs do not land in the committed one.
    cargo +nightly fuzz build --fuzz-dir "$here" --features libfuzzer -O </dev/null
    status=0
    rows=()
    for t in "${targets[@]}"; do
      work="$here/corpus-work/$t"
      rm -rf "$work" "$here/artifacts/$t" && mkdir -p "$work" "$here/artifacts/$t"
      cp "$here/corpus/$t/"* "$work/"
      echo "fuzz: $t for ${seconds}s" >&2
      set +e
      cargo +nightly fuzz run --fuzz-dir "$here" --features libfuzzer -O "$t" "$work" -- \
        -max_total_time="$seconds" -print_final_stats=1 -rss_limit_mb=2048 -max_len=65536 -fork=1 -ignore_crashes=1 \
        >"$logs/$t.log" 2>&1 </dev/null
      rc=$?
      set -e
      # Fork mode (so a finding does not end the run) reports `#N: cov: …` lines; a plain run
      # reports `stat::number_of_executed_units` and `#N DONE`.
      execs="$(grep -Eo 'stat::number_of_executed_units: *[0-9]+' "$logs/$t.log" | grep -Eo '[0-9]+$' | tail -1 || true)"
      [ -n "$execs" ] || execs="$(grep -Eo '^#[0-9]+' "$logs/$t.log" | tail -1 | tr -d '#' || true)"
      findings="$(find "$here/artifacts/$t" -type f \( -name 'crash-*' -o -name 'oom-*' -o -name 'timeout-*' -o -name 'leak-*' \) | wc -l)"
      corpus_size="$(ls "$work" | wc -l)"
      if [ "$rc" -ne 0 ] || [ "$findings" -ne 0 ]; then
        status=1
        echo "fuzz: $t: $findings finding(s) in $here/artifacts/$t/ (exit $rc)" >&2
      fi
      rows+=("$(printf '%-18s %8ss %12s %10s %9s %5s' "$t" "$seconds" "${execs:-?}" "$corpus_size" "$findings" "$rc")")
    done
    echo
    printf '%-18s %9s %12s %10s %9s %5s\n' target time executions corpus findings exit
    printf '%s\n' "${rows[@]}"
    echo "(logs: $logs; findings: $here/artifacts/<target>/; reproduce: cargo +nightly fuzz run --fuzz-dir fuzz --features libfuzzer <target> <file>)"
    exit "$status"
    ;;
  *)
    echo "usage: $0 short | long [SECONDS] | list" >&2
    exit 2
    ;;
esac
