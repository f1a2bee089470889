#!/usr/bin/env bash
# The Go binding's per-operation overhead against plain Go (net/http + encoding/json), same
# run, same simulator: prints a markdown table.
source "$(dirname "$0")/common.sh"
exec go run ./bench "$@"
