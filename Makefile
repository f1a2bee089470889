# `make demo` runs the story against the component; `make test` runs every test.
# Both install what they need on a fresh machine and fail loudly.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
CARGO ?= cargo
COMPONENT := target/wasm/altinn_systemuser.wasm
CLI := target/release/systemuser

.PHONY: all setup build component hosts demo test lint test-core test-host test-simulator test-browser test-node test-python test-fuzz fuzz bench clean

all: build

setup:
	@command -v rustup >/dev/null || { echo "rustup is required (https://rustup.rs)"; exit 1; }
	rustup target add wasm32-unknown-unknown
	rustup component add rustfmt clippy

build: setup component hosts

# binaryen's wasm-opt from npm (pinned in tools/package-lock.json; no native build).
WASM_OPT := tools/node_modules/.bin/wasm-opt
$(WASM_OPT): tools/package.json tools/package-lock.json
	@command -v npm >/dev/null || { echo "npm (Node.js 20+) is required to install wasm-opt"; exit 1; }
	npm ci --prefix tools --no-audit --no-fund --loglevel=error
	@touch $@

# The component: wasm32-unknown-unknown core module, wasm-opt, then wit-component (no WASI imports).
component: $(WASM_OPT)
	$(CARGO) run -q -p xtask -- component

hosts:
	$(CARGO) build --release -p systemuser-host -p altinn-sim

# The whole vendor story against the simulator, in-process (see `systemuser demo --help`).
demo: build
	$(CLI) demo

test: build lint test-core test-fuzz test-host test-simulator test-browser test-node test-python

lint:
	$(CARGO) fmt --all --check
	$(CARGO) clippy --release --workspace --all-targets -- -D warnings
	$(CARGO) clippy --target wasm32-unknown-unknown --profile wasm -p altinn-systemuser --lib -- -D warnings

# The core, natively: unit tests and the shared vectors.
test-core:
	$(CARGO) test --release -p altinn-systemuser

# Fuzz targets, short: the committed seed corpus plus a fixed number of deterministic
# mutations per target (stable Rust; `make fuzz` is the long libFuzzer run on nightly).
test-fuzz:
	bash fuzz/run.sh short

fuzz:
	bash fuzz/run.sh long $(or $(FUZZ_SECONDS),60)

# The built component through the Rust host: import list, size, vectors, CLI.
test-host:
	$(CARGO) test --release -p systemuser-host

test-simulator:
	$(CARGO) test --release -p altinn-sim

test-browser:
	bash simulator/browser-test/run.sh

# The npm package over jco: installs its packages, transpiles, runs node --test.
test-node:
	bash host-examples/node/run-tests.sh

# The Python package over wasmtime-py: its own virtualenv, pip install, pytest.
test-python:
	bash host-examples/python/run-tests.sh

# Benchmarks: tables with same-run baselines, written to BENCHMARKS.md (under 15 minutes).
bench:
	bash bench/run.sh

clean:
	$(CARGO) clean
