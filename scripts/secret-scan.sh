#!/usr/bin/env bash
# Secret hygiene: fails when any secret the test suite used shows up in any captured output.
#
#   bash scripts/secret-scan.sh SECRET_LOG LOG_DIR_OR_FILE... [--keys DIR]
#
# SECRET_LOG is the file the simulator appended every secret to while the suites ran (env
# ALTINN_SIM_SECRET_LOG): every access token it minted, every assertion it received, its token
# key. The TEST-ONLY private keys under simulator/tests/keys (or --keys DIR) are added: each
# base64 line of their PEM bodies. For a JWT-shaped secret, its signature segment is searched
# for too (a leaked signature is a leaked token; the header segment is shared by every token and
# is not a secret).
#
# Every file under each LOG_DIR (and every LOG file given) is searched for every needle, as
# fixed strings. A hit prints FILE:LINE and a masked prefix of the secret (its first 6
# characters), never the secret itself, and the scan exits 1. It exits 2 when it cannot do its
# job: no secret log, an empty one (a check that cannot fail is a defect), or no log bytes.
set -euo pipefail
export LC_ALL=C

usage() { echo "usage: $0 SECRET_LOG LOG_DIR_OR_FILE... [--keys DIR]" >&2; exit 2; }
[[ $# -ge 2 ]] || usage

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
keys_dir="$root/simulator/tests/keys"
secret_log="$1"
shift
logs=()
while [[ $# -gt 0 ]]; do
    case "$1" in
        --keys) [[ $# -ge 2 ]] || usage; keys_dir="$2"; shift 2 ;;
        *) logs+=("$1"); shift ;;
    esac
done
[[ ${#logs[@]} -gt 0 ]] || usage

if [[ ! -f "$secret_log" ]]; then
    echo "secret-scan: no secret log at $secret_log (run the suites with ALTINN_SIM_SECRET_LOG=$secret_log)" >&2
    exit 2
fi

# Needles: unique, at least 16 characters (shorter ones would match by chance).
needles="$(mktemp)"
trap 'rm -f "$needles"' EXIT
secrets=$(grep -c . "$secret_log" || true)
if [[ "$secrets" -eq 0 ]]; then
    echo "secret-scan: the secret log $secret_log is empty: nothing was recorded, so the scan could not fail (is ALTINN_SIM_SECRET_LOG passed to the suites?)" >&2
    exit 2
fi
shopt -s nullglob
pems=()
if [[ -d "$keys_dir" ]]; then
    # Private keys only: a certificate is public and may be printed.
    for pem in "$keys_dir"/*.pem; do
        grep -q 'PRIVATE KEY-----' "$pem" && pems+=("$pem")
    done
fi
key_lines=0
{
    # Whole secrets, and the signature segment of JWT-shaped ones.
    awk 'length($0) >= 16 { print; n = split($0, p, "."); if (n == 3 && length(p[3]) >= 16) print p[3] }' "$secret_log"
    for pem in ${pems[@]+"${pems[@]}"}; do
        awk '/^-----/ { next } length($0) >= 16 { print }' "$pem"
    done
} | sort -u >"$needles"
for pem in ${pems[@]+"${pems[@]}"}; do
    key_lines=$((key_lines + $(awk '/^-----/ { next } length($0) >= 16' "$pem" | wc -l)))
done
needle_count=$(wc -l <"$needles")

# The logs: every regular file under each directory given, and each file given.
files=()
for l in "${logs[@]}"; do
    if [[ -d "$l" ]]; then
        while IFS= read -r -d '' f; do files+=("$f"); done < <(find "$l" -type f -print0 | sort -z)
    elif [[ -f "$l" ]]; then
        files+=("$l")
    else
        echo "secret-scan: no log at $l" >&2
        exit 2
    fi
done
bytes=0
for f in ${files[@]+"${files[@]}"}; do bytes=$((bytes + $(wc -c <"$f"))); done
if [[ ${#files[@]} -eq 0 || "$bytes" -eq 0 ]]; then
    echo "secret-scan: no log bytes to scan in ${logs[*]}" >&2
    exit 2
fi

# grep -F with many patterns is one Aho-Corasick pass per file. -o prints only the match, which
# awk masks at once: the secret never reaches the terminal.
hits="$(grep -HnoF -f "$needles" -- "${files[@]}" 2>/dev/null \
    | awk '{ i = index($0, ":"); rest = substr($0, i + 1); j = index(rest, ":");
             printf "%s:%s: secret %s… (%d chars)\n", substr($0, 1, i - 1), substr(rest, 1, j - 1), substr(rest, j + 1, 6), length(rest) - j }' \
    | sort -u || true)"

echo "secret-scan: $secrets secrets from $secret_log + $key_lines TEST-ONLY key lines ($needle_count needles); scanned $bytes bytes in ${#files[@]} files"
if [[ -n "$hits" ]]; then
    count=$(printf '%s\n' "$hits" | wc -l)
    echo "secret-scan: FAILED: $count hit(s) of a secret in test output:" >&2
    printf '%s\n' "$hits" >&2
    exit 1
fi
echo "secret-scan: OK, no secret in any log"
