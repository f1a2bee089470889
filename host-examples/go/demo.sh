#!/usr/bin/env bash
# The whole vendor story through the Go package against a local Altinn (examples/demo starts
# target/release/altinn-sim itself): like `make demo`, from Go.
source "$(dirname "$0")/common.sh"
exec go run ./examples/demo "$@"
