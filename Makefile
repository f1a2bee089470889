# `make demo` runs the story against the component; `make test` runs every test.
# Both install what they need on a fresh machine and fail loudly.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
CARGO ?= cargo
COMPONENT := target/wasm/altinn_systemuser.wasm
CLI := target/release/systemuser

# Secret hygiene: the simulator appends every token it issues, every assertion it receives and
# its token key to SECRET_LOG; every suite's output goes to TEST_LOGS; `secret-scan` fails on any
# of those secrets in any of that output.
SECRET_LOG := $(CURDIR)/target/secret-log.txt
TEST_LOGS := $(CURDIR)/target/test-logs
export ALTINN_SIM_SECRET_LOG := $(SECRET_LOG)
# Runs a suite with its output also kept in $(TEST_LOGS)/$(1).log.
logged = mkdir -p $(TEST_LOGS) && $(2) 2>&1 | tee -a $(TEST_LOGS)/$(1).log

.PHONY: all setup build component hosts dist test-dist demo demo-java demo-dotnet demo-go test lint test-core test-host test-wasi-http test-simulator test-browser test-node test-edge test-python test-c test-java test-dotnet test-go test-fuzz fuzz bench test-logs-reset secret-scan clean

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
# Also its test-trap build (never shipped), with which the hosts' tests prove they survive a trap,
# and the onboarding service (service/): the same core as a wasi:http component.
component: $(WASM_OPT)
	$(CARGO) run -q -p xtask -- component
	$(CARGO) run -q -p xtask -- component --test-trap
	$(CARGO) run -q -p xtask -- service

hosts:
	$(CARGO) build --release -p systemuser-host -p altinn-sim -p systemuser-c

# Installable artefacts in dist/ (gitignored), none of which needs Rust to install:
#   altinn_systemuser-V-py3-none-any.whl   the Python package, the component inside (pure Python
#                                          over wasmtime-py: one wheel for every platform)
#   altinn-systemuser-V.tgz                the npm package (`npm pack`), the transpiled component inside
#   systemuser-V-TRIPLE.tar.gz             bin/systemuser (the CLI), bin/altinn-sim (the simulator)
#                                          and wasm/altinn_systemuser.wasm, where the CLI finds it
#   SHA256SUMS
# `make test-dist` installs each into a fresh venv / npm project with no cargo on PATH.
DIST := dist
PYTHON ?= python3
HOST_TRIPLE = $(shell rustc -vV | sed -n 's/^host: //p')
HOST_VERSION = $(shell sed -n 's/^version = "\(.*\)"$$/\1/p' host-examples/rust/Cargo.toml | head -n 1)

dist: build
	rm -rf $(DIST) host-examples/python/build host-examples/python/src/*.egg-info
	mkdir -p $(DIST)
	SYSTEMUSER_COMPONENT=$(CURDIR)/$(COMPONENT) PIP_DISABLE_PIP_VERSION_CHECK=1 \
		$(PYTHON) -m pip wheel -q --no-deps -w $(DIST) ./host-examples/python
	rm -rf host-examples/python/build host-examples/python/src/*.egg-info
	cd host-examples/node && npm ci --no-audit --no-fund --loglevel=error </dev/null \
		&& npm pack --silent --pack-destination $(CURDIR)/$(DIST) </dev/null >/dev/null
	cli=systemuser-$(HOST_VERSION)-$(HOST_TRIPLE) \
		&& mkdir -p $(DIST)/$$cli/bin $(DIST)/$$cli/wasm \
		&& cp target/release/systemuser target/release/altinn-sim $(DIST)/$$cli/bin/ \
		&& cp $(COMPONENT) $(DIST)/$$cli/wasm/ \
		&& tar --owner=0 --group=0 --numeric-owner -C $(DIST) -czf $(DIST)/$$cli.tar.gz $$cli \
		&& rm -rf $(DIST)/$$cli
	cd $(DIST) && sha256sum -- * > SHA256SUMS
	@ls -l $(DIST)

# The artefacts installed as a user would (fresh venv, fresh npm project, unpacked CLI; no cargo
# or rustc on PATH), each running a sample against the simulator; and the Rust library's
# dependency tree without the simulator.
test-dist: dist
	$(call logged,dist,bash scripts/test-dist.sh)

# The whole vendor story against the simulator, in-process (see `systemuser demo --help`).
demo: build
	$(CLI) demo

test: build lint test-logs-reset test-core test-fuzz test-host test-wasi-http test-simulator test-browser test-node test-edge test-python test-c test-java test-dotnet test-go test-dist secret-scan
	@bash scripts/test-summary.sh $(TEST_LOGS)

test-logs-reset:
	rm -rf $(TEST_LOGS) $(SECRET_LOG)
	mkdir -p $(TEST_LOGS)

lint:
	$(CARGO) fmt --all --check
	$(CARGO) clippy --release --workspace --all-targets -- -D warnings
	$(CARGO) clippy --target wasm32-unknown-unknown --profile wasm -p altinn-systemuser --lib -- -D warnings
	$(CARGO) clippy --target wasm32-unknown-unknown --profile wasm -p onboarding-service -- -D warnings
	$(CARGO) run -q -p xtask -- c-header --check
	$(PYTHON) scripts/vocabulary.py --check

# The core, natively: unit tests and the shared vectors.
test-core:
	$(call logged,core,$(CARGO) test --release -p altinn-systemuser)

# Fuzz targets, short: the committed seed corpus plus a fixed number of deterministic
# mutations per target (stable Rust; `make fuzz` is the long libFuzzer run on nightly).
test-fuzz:
	$(call logged,fuzz,bash fuzz/run.sh short)

fuzz:
	bash fuzz/run.sh long $(or $(FUZZ_SECONDS),60)

# The built component through the Rust host: import list, size, vectors, CLI.
test-host:
	$(call logged,host,$(CARGO) test --release -p systemuser-host)

# The onboarding service component served by wasmtime's own wasi:http (host-examples/wasi-http)
# against the simulator: onboard, approve, status, refusals, limits, its imports.
test-wasi-http:
	$(call logged,wasi-http,$(CARGO) test --release -p onboarding-service -p wasi-http-serve)

test-simulator:
	$(call logged,simulator,$(CARGO) test --release -p altinn-sim)

test-browser:
	$(call logged,browser,bash simulator/browser-test/run.sh)

# The npm package over jco: installs its packages, transpiles, runs node --test.
test-node:
	$(call logged,node,bash host-examples/node/run-tests.sh)

# The npm package's edge handler, unchanged, in workerd (miniflare), Deno and Bun from npm.
test-edge:
	$(call logged,edge,bash host-examples/node/edge-runtimes/run-tests.sh)

# The Python package over wasmtime-py: its own virtualenv, pip install, pytest.
test-python:
	$(call logged,python,bash host-examples/python/run-tests.sh)

# libsystemuser (the C ABI): its Rust tests through the C functions, then a C program pumping
# operations against the simulator.
test-c:
	$(call logged,c-abi,$(CARGO) test --release -p systemuser-c)
	$(call logged,c,bash host-examples/c/run-tests.sh)

# The Java package on libsystemuser (JNA; javac with Debian's jars, JUnit 5's console launcher).
test-java:
	$(call logged,java,bash host-examples/java/run-tests.sh)

# The C# package on libsystemuser (netstandard2.0 sources built and run with Debian's Mono).
test-dotnet:
	$(call logged,dotnet,bash host-examples/dotnet/run-tests.sh)

# The Go module on libsystemuser (cgo; Debian's Go toolchain, standard library only; -race too).
test-go:
	$(call logged,go,bash host-examples/go/run-tests.sh)

# The whole story through the Java, C# and Go packages, against the simulator.
demo-java: build
	bash host-examples/java/demo.sh

demo-dotnet: build
	bash host-examples/dotnet/demo.sh

demo-go: build
	bash host-examples/go/demo.sh

# The scan first proves it can fail, then scans every suite's output.
secret-scan:
	bash scripts/secret-scan-selftest.sh
	bash scripts/secret-scan.sh $(SECRET_LOG) $(TEST_LOGS)

# Benchmarks: tables with same-run baselines, written to BENCHMARKS.md (with the 100,000-customer
# scale table over half an hour on 2 cores; BENCH_SCALE_N=20000 makes it about 15 minutes).
bench:
	bash bench/run.sh

clean:
	$(CARGO) clean
