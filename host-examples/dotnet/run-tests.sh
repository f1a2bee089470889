#!/usr/bin/env bash
# The .NET binding's tests on Mono: builds (build.sh: Mono from Debian when missing, libsystemuser,
# the simulator, the components), then runs the test runner, which starts its own simulators
# (target/release/altinn-sim on free loopback ports). Closing line:
# "dotnet: N passed, M failed in S.SSs". Arguments: substrings of test names to run only those.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
bash "$here/build.sh"
cd "$root/target/dotnet"
# The whole suite stays well under this; a hang ends here, not in CI's limit.
exec timeout 900 mono --debug Altinn.SystemUser.Tests.exe "$@"
