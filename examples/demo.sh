#!/usr/bin/env bash
# Validates sample requests through the component with the `systemuser` CLI.
# (`make demo` builds everything first.)
set -euo pipefail
cd "$(dirname "$0")/.."
cli=target/release/systemuser
[ -x "$cli" ] || { echo "missing $cli: run make build" >&2; exit 2; }

show() {
  local title=$1; shift
  printf '\n\033[1m== %s\033[0m\n$ systemuser %s\n' "$title" "$*"
  set +e
  "$cli" "$@"
  local code=$?
  set -e
  echo "(exit code $code)"
}

show "A valid standard request, checked against the registered system" \
  validate --request examples/requests/standard-valid.json --system examples/systems/smartregnskap.json
show "A redirect URL the system never registered (path case and trailing slash differ)" \
  validate --request examples/requests/standard-unregistered-redirect.json --system examples/systems/smartregnskap.json
show "A placeholder org number and a path-injecting external ref" \
  validate --request examples/requests/standard-placeholder-org.json
show "A valid agent request for a client system" \
  validate --agent --request examples/requests/agent-valid.json --system examples/systems/smartbyraa.json
show "Rights on an agent request (Altinn would silently drop them), as JSON for scripts" \
  validate --agent --json --request examples/requests/agent-with-rights.json
