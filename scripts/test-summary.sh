#!/usr/bin/env bash
# One plain closing line for `make test`, summed from the closing lines every suite wrote into
# its log (cargo's "test result:", node --test's "# pass/# fail", pytest's "N passed").
set -euo pipefail
dir=${1:?usage: test-summary.sh LOG_DIR}
passed=0
failed=0
add() { passed=$((passed + $1)); failed=$((failed + $2)); }
while read -r p f; do add "$p" "$f"; done < <(grep -hoE "^test result: [a-zA-Z]+\. [0-9]+ passed; [0-9]+ failed" "$dir"/*.log | awk '{print $4, $6}')
while read -r kind n; do
    if [ "$kind" = pass ]; then add "$n" 0; else add 0 "$n"; fi
done < <(grep -hE "^# (pass|fail) [0-9]+$" "$dir"/*.log | awk '{print $2, $3}')
for log in "$dir"/*.log; do
    last=$(grep -vE "^test result:" "$log" | grep -E "[0-9]+ (passed|failed).* in [0-9.]+s" | tail -n 1 || true)
    [ -n "$last" ] || continue
    p=$(grep -oE "[0-9]+ passed" <<<"$last" | grep -oE "[0-9]+" || echo 0)
    f=$(grep -oE "[0-9]+ failed" <<<"$last" | grep -oE "[0-9]+" || echo 0)
    add "$p" "$f"
done
[ "$passed" -gt 0 ] || { echo "test-summary: no test results found in $dir" >&2; exit 1; }
echo "make test: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
