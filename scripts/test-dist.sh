#!/usr/bin/env bash
# Installs the artefacts of `make dist` as a user without Rust would, and runs a sample with each:
#
#   the wheel        into a fresh venv, then a request created and approved on the simulator
#   the npm tarball  into a fresh npm project, the same story through altinn-systemuser/testing
#   the CLI tarball  unpacked, then `systemuser demo` (the whole story, the simulator in-process)
#
# Each runs in a temporary directory outside the repository, with `env -i` and a PATH holding
# only python3, node and npm (symlinks in a temporary bin/): no cargo, rustc or rustup, and
# nothing of the checkout to fall back on. Dependencies come from the registries (wasmtime,
# requests, cryptography and urllib3 from PyPI; the npm package has none). The simulator is
# $ALTINN_SIM if set, else the altinn-sim of the CLI tarball.
#
# Also checks that the Rust library builds without the simulator (tokio + hyper): those are the
# CLI's `demo` feature only. Closes with "dist: N passed, M failed in S s" (scripts/test-summary.sh).
#
#   bash scripts/test-dist.sh            # after `make dist` (or: make test-dist)
set -euo pipefail
export LC_ALL=C
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
dist="${DIST_DIR:-$root/dist}"
start=$(date +%s.%N)
passed=0
failed=0
failures=()

tmp="$(mktemp -d "${TMPDIR:-/tmp}/systemuser-dist.XXXXXX")"
cleanup() { rm -rf "$tmp"; }
trap cleanup EXIT
case "$tmp/" in "$root"/*) echo "test-dist: the temporary directory $tmp is inside the repository" >&2; exit 2 ;; esac

# run NAME FUNCTION: one check, counted; its own errexit (a subshell not in a condition).
run() {
    local name=$1 rc
    shift
    echo "--- $name"
    set +e
    (set -euo pipefail; "$@")
    rc=$?
    set -e
    if [ "$rc" -eq 0 ]; then
        echo "ok $name"
        passed=$((passed + 1))
    else
        echo "FAILED $name (exit $rc)"
        failed=$((failed + 1))
        failures+=("$name")
    fi
}

one() { # the single file matching a glob in dist/, or an error
    local matches=("$dist"/$1)
    if [ "${#matches[@]}" -ne 1 ] || [ ! -f "${matches[0]}" ]; then
        echo "expected exactly one dist/$1, found: ${matches[*]}" >&2
        return 1
    fi
    echo "${matches[0]}"
}

# ---- the Rust library without the simulator (with the repository's toolchain, outside the sandbox)

simulator_deps() { # how many tokio/hyper crates a dependency tree holds
    local tree
    tree=$(cd "$root" && cargo tree -q "$@" -e normal --prefix none)
    [ -n "$tree" ]
    grep -cE '^(tokio|hyper)(-util)? ' <<<"$tree" || true
}

rust_lib_without_simulator() {
    local with without c
    with=$(simulator_deps -p systemuser-host)
    without=$(simulator_deps -p systemuser-host --no-default-features)
    c=$(simulator_deps -p systemuser-c)
    echo "tokio/hyper crates: systemuser-host $with (default features: the CLI's demo), $without without default features; systemuser-c $c"
    [ "$with" -gt 0 ] # the check can see them
    [ "$without" -eq 0 ]
    [ "$c" -eq 0 ]
    (cd "$root" && cargo build -q --release -p systemuser-host --no-default-features --lib)
}

# ---- the artefacts themselves

artefacts() {
    local wheel npm cli
    wheel=$(one 'altinn_systemuser-*-py3-none-any.whl')
    npm=$(one 'altinn-systemuser-*.tgz')
    cli=$(one "systemuser-*-*.tar.gz")
    ls -l "$dist"
    (cd "$dist" && sha256sum -c --quiet SHA256SUMS)
    # The wheel: pure Python, the component inside, the same bytes as the CLI's, wasmtime pinned.
    mkdir -p "$tmp/cli"
    tar -C "$tmp/cli" -xzf "$cli"
    python3 - "$wheel" "$tmp"/cli/systemuser-*/wasm/altinn_systemuser.wasm <<'EOF'
import sys, zipfile
wheel, cli_component = sys.argv[1:]
z = zipfile.ZipFile(wheel)
names = z.namelist()
inside = z.read("altinn_systemuser/altinn_systemuser.wasm")
assert inside[:4] == b"\0asm", "the bundled component is not WebAssembly"
assert inside == open(cli_component, "rb").read(), "the wheel's component differs from the CLI's"
meta = next(n for n in names if n.endswith(".dist-info/METADATA"))
requires = [l for l in z.read(meta).decode().splitlines() if l.startswith("Requires-Dist:") and "extra ==" not in l]
assert any(r.startswith("Requires-Dist: wasmtime==") for r in requires), requires
wheel_meta = z.read(meta.replace("METADATA", "WHEEL")).decode()
assert "Root-Is-Purelib: true" in wheel_meta and "Tag: py3-none-any" in wheel_meta, wheel_meta
print(f"wheel: {len(names)} files, component {len(inside)} bytes, {'; '.join(r.split(': ', 1)[1] for r in requires)}")
EOF
    # The npm tarball: publishable, the transpiled component inside, no build scripts.
    tar -tzf "$npm" >"$tmp/npm-files"
    for f in package/package.json package/src/index.js package/src/testing.js \
        package/generated/altinn_systemuser.js package/generated/altinn_systemuser.core.wasm; do
        grep -qx "$f" "$tmp/npm-files" || { echo "$f missing from $npm" >&2; return 1; }
    done
    if grep -E '^package/(scripts|test|node_modules)/' "$tmp/npm-files"; then return 1; fi
    tar -xzOf "$npm" package/package.json | node -e '
        const p = JSON.parse(require("fs").readFileSync(0, "utf8"));
        if (p.private) throw new Error("package.json is private");
        if (Object.keys(p.dependencies ?? {}).length) throw new Error("runtime dependencies: " + Object.keys(p.dependencies));
        console.log(`npm: ${p.name}@${p.version}, no runtime dependencies`);'
    echo "npm tarball: $(wc -l <"$tmp/npm-files") files"
    # The CLI tarball: the binaries and the component where the CLI looks (bin/../wasm/).
    local d=("$tmp"/cli/systemuser-*)
    [ -x "${d[0]}/bin/systemuser" ] && [ -x "${d[0]}/bin/altinn-sim" ] && [ -f "${d[0]}/wasm/altinn_systemuser.wasm" ]
}

# ---- the sandbox: a PATH with python3, node and npm only, a clean environment

sandbox_bin="$tmp/bin"
mkdir -p "$sandbox_bin" "$tmp/home-tmp"
ln -s "$(python3 -c 'import os, sys; print(os.path.realpath(sys.executable))')" "$sandbox_bin/python3"
ln -s "$(readlink -f "$(command -v node)")" "$sandbox_bin/node"
ln -s "$(readlink -f "$(command -v npm)")" "$sandbox_bin/npm"

sim_binary() { # $ALTINN_SIM, else the CLI tarball's
    if [ -n "${ALTINN_SIM:-}" ]; then echo "$ALTINN_SIM"; else echo "$(ls -d "$tmp"/cli/systemuser-*)/bin/altinn-sim"; fi
}

# sandboxed DIR COMMAND...: runs in DIR with only the sandbox PATH and what the registries and the
# simulator need (proxies, CA bundles, pip/npm settings, the secret log `make test` scans).
sandboxed() {
    local dir=$1 keep=() name
    shift
    while IFS='=' read -r name _; do
        case "$name" in
            HTTP_PROXY | HTTPS_PROXY | NO_PROXY | http_proxy | https_proxy | no_proxy | ALL_PROXY | all_proxy | \
                SSL_CERT_FILE | SSL_CERT_DIR | REQUESTS_CA_BUNDLE | CURL_CA_BUNDLE | NODE_EXTRA_CA_CERTS | \
                PIP_* | npm_config_* | NPM_CONFIG_* | ALTINN_SIM_SECRET_LOG)
                keep+=("$name=${!name}") ;;
        esac
    done < <(env)
    (cd "$dir" && env -i "${keep[@]}" HOME="$HOME" TMPDIR="$tmp/home-tmp" LANG=C.UTF-8 PATH="$sandbox_bin" \
        ALTINN_SIM="$(sim_binary)" "$@")
}

sandbox_has_no_rust() {
    sandboxed "$tmp" /bin/sh -c '
        for tool in cargo rustc rustup; do
            if command -v "$tool"; then echo "$tool is on the sandbox PATH" >&2; exit 1; fi
        done
        command -v python3 && command -v node && command -v npm'
    # ...and no checkout around the directory the samples run in (nothing to fall back on).
    sandboxed "$tmp" /bin/sh -c '
        d=$PWD
        while [ -n "$d" ]; do
            if [ -e "$d/Cargo.toml" ]; then echo "$d/Cargo.toml: the samples would run in a checkout" >&2; exit 1; fi
            d=${d%/*}
        done'
}

# ---- the wheel in a fresh venv

python_wheel() {
    local wheel
    wheel=$(one 'altinn_systemuser-*-py3-none-any.whl')
    mkdir -p "$tmp/py"
    sandboxed "$tmp/py" python3 -m venv venv
    sandboxed "$tmp/py" venv/bin/python -m pip install -q --disable-pip-version-check "$wheel"
    sandboxed "$tmp/py" venv/bin/altinn-systemuser --help >/dev/null
    cat >"$tmp/py/sample.py" <<'EOF'
import sys
from pathlib import Path

import altinn_systemuser
from altinn_systemuser import Client, StandardRequest, locate_component
from altinn_systemuser.testing import STANDARD_SYSTEM, Simulator

venv = Path(sys.prefix).resolve()
component = locate_component().resolve()
assert venv in component.parents, f"the component comes from {component}, not the installed package"
assert venv in Path(altinn_systemuser.__file__).resolve().parents

with Simulator.start(extra_orgs=2) as sim:
    client = Client(sim.environment, token=sim.token_provider())
    created = client.create_request(StandardRequest(
        system_id=STANDARD_SYSTEM, party_org_no=sim.orgs[0], access_packages=["skattegrunnlag"]))
    sim.approve(created.request.id)
    status = client.get_request(created.request.id).status
    assert status == "Accepted", status
print(f"python: request {created.request.id} {status} (component {component.relative_to(venv)})")
EOF
    sandboxed "$tmp/py" venv/bin/python sample.py
}

# ---- the npm tarball in a fresh npm project

npm_tarball() {
    local npm
    npm=$(one 'altinn-systemuser-*.tgz')
    mkdir -p "$tmp/app"
    sandboxed "$tmp/app" npm init -y >/dev/null
    sandboxed "$tmp/app" npm install --no-audit --no-fund --loglevel=error "$npm"
    cat >"$tmp/app/sample.mjs" <<'EOF'
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createClient } from 'altinn-systemuser';
import { STANDARD_SYSTEM, startSimulator } from 'altinn-systemuser/testing';

const installed = fileURLToPath(import.meta.resolve('altinn-systemuser'));
assert.ok(installed.startsWith(`${process.cwd()}/node_modules/altinn-systemuser/`), installed);
assert.deepEqual(readdirSync('node_modules').filter((n) => !n.startsWith('.')), ['altinn-systemuser']);

const sim = await startSimulator();
try {
  const client = await createClient({ environment: sim.environment, token: sim.tokens() });
  const { request } = await client.createStandardRequest({
    systemId: STANDARD_SYSTEM,
    partyOrgNo: '310816191',
    accessPackages: ['urn:altinn:accesspackage:skattegrunnlag'],
  });
  await sim.approve(request.id);
  const status = (await client.getRequest(request.id)).status;
  assert.equal(status, 'Accepted');
  console.log(`node: request ${request.id} ${status} (package ${installed})`);
} finally {
  await sim.stop();
}
EOF
    sandboxed "$tmp/app" node sample.mjs
}

# ---- the CLI, unpacked

cli_tarball() {
    local d=("$tmp"/cli/systemuser-*)
    mkdir -p "$tmp/cli-run"
    sandboxed "$tmp/cli-run" "${d[0]}/bin/systemuser" --version
    sandboxed "$tmp/cli-run" "${d[0]}/bin/systemuser" demo >"$tmp/demo.out"
    tail -n 1 "$tmp/demo.out"
    grep -q "demo finished: every step behaved as expected" "$tmp/demo.out"
}

run "rust library without the simulator (no tokio/hyper without default features; --lib builds)" rust_lib_without_simulator
run "artefacts in dist/ (wheel py3-none-any with the component, npm tarball not private, CLI tarball)" artefacts
run "sandbox PATH: python3, node, npm; no cargo, rustc or rustup" sandbox_has_no_rust
run "python wheel into a fresh venv: a request approved on the simulator" python_wheel
run "npm tarball into a fresh npm project: a request approved on the simulator" npm_tarball
run "CLI tarball unpacked: systemuser demo" cli_tarball

elapsed=$(awk -v s="$start" -v e="$(date +%s.%N)" 'BEGIN { printf "%.1f", e - s }')
for f in "${failures[@]}"; do echo "failed: $f"; done
echo "dist: $passed passed, $failed failed in ${elapsed}s"
[ "$failed" -eq 0 ]
