#!/usr/bin/env bash
# Browser test of the simulator's confirm page: Debian's Chromium driven by playwright-core.
# Works from a fresh clone, non-interactive (CI=true, no stdin). Run from anywhere.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"

# 1. Debian's chromium (never a browser downloaded by playwright).
if [ ! -x /usr/bin/chromium ]; then
  if [ "$(id -u)" != 0 ]; then
    echo "browser-test: /usr/bin/chromium is missing and we are not root to apt-get install it" >&2
    exit 1
  fi
  echo "browser-test: installing Debian chromium" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq </dev/null
  apt-get install -y -qq chromium </dev/null
  if [ ! -x /usr/bin/chromium ]; then
    echo "browser-test: apt-get install chromium did not provide /usr/bin/chromium" >&2
    exit 1
  fi
fi

# 2. playwright-core, pinned by the lock file. No browser download happens: playwright-core
#    has no install script, and the test passes executablePath.
cd "$here"
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
if [ -f package-lock.json ]; then
  npm ci --no-audit --no-fund </dev/null
else
  npm install --no-audit --no-fund </dev/null
fi

# 3. The simulator binary (a no-op when it is up to date).
(cd "$root" && cargo build --release -p altinn-sim </dev/null)

# 4. The test itself; it starts and stops the simulator.
export ALTINN_SIM_BIN="$root/target/release/altinn-sim"
node --test confirm.test.mjs </dev/null
