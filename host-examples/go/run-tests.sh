#!/usr/bin/env bash
# The Go binding's tests: builds what they need (common.sh), then `go vet`, `go test -v` of the
# whole package against altinn-sim over loopback (TestMain starts and stops it), and the
# concurrency tests again under the race detector. Closing line (counted by
# scripts/test-summary.sh): "go test: N passed, M failed in S.SSs", summed over both runs
# from go test's "--- PASS"/"--- FAIL" lines (tests and subtests, as gotestsum counts).
source "$(dirname "$0")/common.sh"
start=$(date +%s%N)
log=$(mktemp)
trap 'rm -f "$log"' EXIT

go vet ./...
status=0
# -p 1: one test binary at a time.
timeout 1200 go test -count=1 -p 1 -timeout 15m -v . 2>&1 | tee -a "$log" || status=1
echo "== the concurrency tests again, under the race detector =="
timeout 1200 go test -count=1 -race -timeout 15m -v -run 'TestEightGoroutinesOneClientNoDuplicates|TestConcurrentMixedCalls|TestCancellation|TestTrapThenSuccessfulCalls' . 2>&1 | tee -a "$log" || status=1

passed=$(grep -cE '^ *--- PASS: ' "$log" || true)
failed=$(grep -cE '^ *--- FAIL: ' "$log" || true)
# A run that broke before any test (build failure, panic) has no "--- FAIL" line: count it.
if [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; then failed=1; fi
ns=$(( $(date +%s%N) - start ))
printf 'go test: %d passed, %d failed in %d.%02ds\n' "$passed" "$failed" $((ns / 1000000000)) $((ns / 10000000 % 100))
[ "$status" -eq 0 ] && [ "$failed" -eq 0 ]
