#!/usr/bin/env bash
# The Node package's tests from a fresh clone, non-interactive (CI=true, no stdin):
# npm ci (pinned by package-lock.json), the jco transpile, then node --test against the
# simulator (each test file starts its own on port 0 and stops it). Run from anywhere.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"

suite=node-tests
# shellcheck source=scripts/prerequisites.sh
source "$here/scripts/prerequisites.sh"

# The test-trap build (panics on request) proves a trap leaves the client working.
trap_wasm="$root/target/wasm/altinn_systemuser.test-trap.wasm"
if [ ! -f "$trap_wasm" ] || [ "$trap_wasm" -ot "$root/target/wasm/altinn_systemuser.wasm" ]; then
  echo "node-tests: building the test-trap component" >&2
  (cd "$root" && cargo run -q -p xtask -- component --test-trap </dev/null)
fi

cd "$here"
npm ci --no-audit --no-fund --loglevel=error </dev/null
npm run --silent build </dev/null
SYSTEMUSER_COMPONENT="$trap_wasm" ALTINN_SYSTEMUSER_OUT="$here/generated-trap" node scripts/build.js </dev/null
export ALTINN_SIM_BIN="$root/target/release/altinn-sim"
node --test test/*.test.js </dev/null
