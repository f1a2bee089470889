#!/usr/bin/env bash
# The edge handler in workerd (through miniflare), Deno and Bun, from a fresh clone,
# non-interactive: the package's own npm ci and transpile (generated/), then npm ci here (the
# three runtimes from the npm registry, pinned by package-lock.json; their binaries come in the
# registry's platform packages), then node --test: one
# simulator, each runtime started on a free loopback port, the same scenarios against each.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
node_dir="$(cd "$here/.." && pwd)"
root="$(cd "$here/../../.." && pwd)"

suite=edge-tests
# shellcheck source=../scripts/prerequisites.sh
source "$node_dir/scripts/prerequisites.sh"

cd "$node_dir"
npm ci --no-audit --no-fund --loglevel=error </dev/null
npm run --silent build </dev/null

cd "$here"
# The runtimes' install scripts only link the binary that the registry's platform package holds
# (@cloudflare/workerd-linux-64, @deno/linux-x64-glibc, @oven/bun-linux-x64); their fallback
# fetches that package from the npm registry too. The check below says plainly if one is missing.
npm ci --no-audit --no-fund --loglevel=error </dev/null
for runtime in workerd deno bun; do
  if ! version="$("node_modules/.bin/$runtime" --version 2>&1)"; then
    echo "edge-tests: $runtime from npm does not run here: $version" >&2
    exit 1
  fi
  echo "edge-tests: $runtime $version" >&2
done
export ALTINN_SIM_BIN="$root/target/release/altinn-sim"
node --test test/*.test.js </dev/null
