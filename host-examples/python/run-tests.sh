#!/usr/bin/env bash
# Runs the Python package's tests against the local simulator, from a fresh clone:
# creates host-examples/python/.venv, installs the package (bundling the built component) with
# its dependencies (wasmtime, requests, cryptography for the Maskinporten key) and its test
# dependencies, and runs pytest. Needs `make build` first (the component and
# target/release/altinn-sim); builds the simulator itself if only it is missing.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
cd "$HERE"

COMPONENT="${ALTINN_SYSTEMUSER_COMPONENT:-$ROOT/target/wasm/altinn_systemuser.wasm}"
if [[ ! -f "$COMPONENT" ]]; then
    echo "run-tests.sh: no component at $COMPONENT; run \`make build\` (or \`make component\`) first" >&2
    exit 1
fi
if [[ -z "${ALTINN_SIM:-}" && ! -x "$ROOT/target/release/altinn-sim" ]]; then
    echo "run-tests.sh: building the simulator" >&2
    (cd "$ROOT" && cargo build --release -q -p altinn-sim)
fi

# Debian's PostgreSQL server binaries, for tests/test_postgres.py (testing.PostgresServer).
if ! compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null; then
    if [[ "$(id -u)" != 0 ]]; then
        echo "run-tests.sh: no PostgreSQL server in /usr/lib/postgresql/*/bin and not root to apt-get install postgresql" >&2
        exit 1
    fi
    echo "run-tests.sh: installing Debian's postgresql" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq </dev/null
    apt-get install -y -qq postgresql </dev/null
    if ! compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null; then
        echo "run-tests.sh: apt-get install postgresql did not provide /usr/lib/postgresql/*/bin/initdb" >&2
        exit 1
    fi
fi

PY="${PYTHON:-}"
if [[ -z "$PY" ]]; then
    for cand in python3.11 python3.12 python3.13 python3.10 python3; do
        if command -v "$cand" >/dev/null 2>&1 && "$cand" -c 'import sys; sys.exit(sys.version_info < (3, 9))'; then
            PY="$cand"
            break
        fi
    done
fi
[[ -n "$PY" ]] || { echo "run-tests.sh: Python 3.9+ is required" >&2; exit 1; }

if [[ ! -x .venv/bin/python ]]; then
    "$PY" -m venv .venv
fi
export PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_INPUT=1
# A regular (not editable) install: the tests run against the installed package and its bundled component.
.venv/bin/python -m pip install -q ".[test,postgres]"
rm -rf build src/*.egg-info

exec .venv/bin/python -m pytest -q -p no:cacheprovider tests "$@"
