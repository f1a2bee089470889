# Sourced by run-tests.sh, demo.sh and bench.sh: Debian's Go toolchain (installed with apt-get
# when missing), then what the Go package needs from the repository: libsystemuser
# (target/release/libsystemuser.so), the simulator and the components. cgo links the library
# with -L/-rpath to target/release (see cgo.go); no Go module proxy is used (standard library only).
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)

if ! command -v go >/dev/null 2>&1; then
    command -v apt-get >/dev/null || { echo "host-examples/go: Go is missing and there is no apt-get to install it (Debian's golang-go)" >&2; exit 1; }
    echo "host-examples/go: installing Debian's golang-go" >&2
    apt-get update -qq || { echo "host-examples/go: apt-get update failed" >&2; exit 1; }
    apt-get install -y -qq -o DPkg::Lock::Timeout=600 golang-go >/dev/null || { echo "host-examples/go: apt-get install golang-go failed" >&2; exit 1; }
fi
command -v cc >/dev/null 2>&1 || { echo "host-examples/go: cgo needs a C compiler (cc)" >&2; exit 1; }
go_version=$(go env GOVERSION)
case "$go_version" in
    go1.1[0-8]|go1.1[0-8].*|go1.[0-9]|go1.[0-9].*) echo "host-examples/go: $go_version is older than go.mod's 1.19" >&2; exit 1 ;;
esac

# Offline and reproducible: no module proxy, no toolchain download, cgo on.
export GOPROXY=off GOSUMDB=off GOTOOLCHAIN=local CGO_ENABLED=1
export GOCACHE=${GOCACHE:-$root/target/go-cache}

cd "$root"
cargo build -q --release -p systemuser-c -p altinn-sim
# The components, when missing or older than the sources they are built from (`make build`
# builds them too; wasm-opt comes from tools/, installed with npm as the Makefile does).
stale() { [ ! -f "$1" ] || [ -n "$(find wit src xtask Cargo.toml -newer "$1" -type f -print -quit)" ]; }
if stale target/wasm/altinn_systemuser.wasm || stale target/wasm/altinn_systemuser.test-trap.wasm; then
    [ -x tools/node_modules/.bin/wasm-opt ] || npm ci --prefix tools --no-audit --no-fund --loglevel=error
    cargo run -q -p xtask -- component
    cargo run -q -p xtask -- component --test-trap
fi
cd "$here"
