#!/usr/bin/env bash
# Proves scripts/secret-scan.sh can fail: a planted secret is found (exit 1, FILE:LINE, never
# the secret itself), a clean log passes (exit 0), an empty secret log is refused (exit 2).
set -uo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
t="$(mktemp -d)"
trap 'rm -rf "$t"' EXIT
mkdir -p "$t/logs" "$t/keys"
secret="eyJhbGciOiJIUzI1NiJ9.eyJqdGkiOiJzZWxmdGVzdCJ9.c2VsZnRlc3Qtc2lnbmF0dXJlLXBhcnQtMTIzNDU2Nzg5"
echo "$secret" >"$t/secrets.txt"
printf 'line one\nall good here\n' >"$t/logs/clean.log"
fail=0
check() { if [[ "$1" != "$2" ]]; then echo "secret-scan-selftest: $3 (exit $1, expected $2)" >&2; fail=1; fi; }

out="$(bash "$here/secret-scan.sh" "$t/secrets.txt" "$t/logs" --keys "$t/keys" 2>&1)"; check $? 0 "a clean log must pass"
printf 'x\nDEBUG token=%s\n' "${secret##*.}" >"$t/logs/leak.log"
out="$(bash "$here/secret-scan.sh" "$t/secrets.txt" "$t/logs" --keys "$t/keys" 2>&1)"; check $? 1 "a leaked signature must fail"
grep -q "leak.log:2:" <<<"$out" || { echo "secret-scan-selftest: no FILE:LINE in: $out" >&2; fail=1; }
if grep -qF "${secret##*.}" <<<"$out"; then echo "secret-scan-selftest: the scan printed the secret" >&2; fail=1; fi
: >"$t/empty.txt"
bash "$here/secret-scan.sh" "$t/empty.txt" "$t/logs" --keys "$t/keys" >/dev/null 2>&1; check $? 2 "an empty secret log must be refused"
[[ $fail -eq 0 ]] && echo "secret-scan-selftest: OK"
exit $fail
