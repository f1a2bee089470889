# Sourced by run-tests.sh here and in edge-runtimes/: checks Node 20+ and npm, and builds the
# component and the simulator when they are missing (no-ops after `make build`).
# Expects $root (the repository) and $suite (the name errors start with).
command -v node >/dev/null || { echo "$suite: Node.js 20+ is required" >&2; exit 1; }
command -v npm >/dev/null || { echo "$suite: npm is required" >&2; exit 1; }
major="$(node -p 'process.versions.node.split(".")[0]')"
if [ "$major" -lt 20 ]; then
  echo "$suite: Node.js 20+ is required (found $(node --version))" >&2
  exit 1
fi

if [ ! -f "$root/target/wasm/altinn_systemuser.wasm" ]; then
  echo "$suite: building the component" >&2
  (cd "$root" && make component </dev/null)
fi
if [ ! -x "$root/target/release/altinn-sim" ]; then
  echo "$suite: building the simulator" >&2
  (cd "$root" && cargo build --release -p altinn-sim </dev/null)
fi
