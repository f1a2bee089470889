#!/usr/bin/env bash
# Builds the .NET binding here with Debian's Mono (no .NET SDK on this machine): the library
# (Altinn.SystemUser.dll, the component embedded), the tests, the demo and the bench, into
# target/dotnet/. Installs mono-devel/mono-mcs with apt-get when missing, and fails loudly.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
out="$root/target/dotnet"
cd "$root"

if ! command -v mcs >/dev/null || ! command -v mono >/dev/null; then
    command -v apt-get >/dev/null || { echo "build.sh: Mono is missing and there is no apt-get: install mono-devel and mono-mcs" >&2; exit 1; }
    echo "build.sh: installing Debian's mono-devel and mono-mcs" >&2
    apt-get update -qq || { echo "build.sh: apt-get update failed" >&2; exit 1; }
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq mono-devel mono-mcs >/dev/null || { echo "build.sh: apt-get install mono-devel mono-mcs failed" >&2; exit 1; }
fi
command -v mcs >/dev/null && command -v mono >/dev/null || { echo "build.sh: mcs/mono still missing after the install" >&2; exit 1; }

# What the binding needs from the workspace: libsystemuser, the simulator, the components.
if [[ -z "${DOTNET_NO_CARGO:-}" ]]; then
    cargo build -q --release -p systemuser-c -p altinn-sim
    [[ -f target/wasm/altinn_systemuser.wasm ]] || cargo run -q -p xtask -- component
    [[ -f target/wasm/altinn_systemuser.test-trap.wasm ]] || cargo run -q -p xtask -- component --test-trap
fi

mkdir -p "$out"
# The .NET Framework 4.7.2 reference assemblies (Mono's 4.7.2-api): the library compiles against
# the API surface of the oldest runtime it targets; tests/NetStandardTests.cs then checks every
# type it references is in netstandard 2.0.
MCS=(mcs -nologo -langversion:7.2 -debug:portable -warnaserror+ -nowarn:1591)
"${MCS[@]}" -sdk:4.7.2 -target:library -out:"$out/Altinn.SystemUser.dll" -doc:"$out/Altinn.SystemUser.xml" \
    -r:System.Net.Http.dll \
    -resource:target/wasm/altinn_systemuser.wasm,altinn_systemuser.wasm \
    "$here"/src/Altinn.SystemUser/*.cs
cp target/release/libsystemuser.so "$out/libsystemuser.so"

cecil=$(ls /usr/lib/mono/gac/Mono.Cecil/0.11.*/Mono.Cecil.dll 2>/dev/null | head -n 1 || true)
[[ -n "$cecil" ]] || { echo "build.sh: Mono.Cecil 0.11 (part of mono-devel) is missing" >&2; exit 1; }
cp "$cecil" "$out/"
"${MCS[@]}" -target:exe -out:"$out/Altinn.SystemUser.Tests.exe" -r:"$out/Altinn.SystemUser.dll" -r:System.Net.Http.dll \
    -r:"$out/Mono.Cecil.dll" -r:System.Numerics.dll "$here"/tests/*.cs
"${MCS[@]}" -target:exe -out:"$out/Altinn.SystemUser.Demo.exe" -r:"$out/Altinn.SystemUser.dll" -r:System.Net.Http.dll "$here"/demo/*.cs
"${MCS[@]}" -target:exe -out:"$out/Altinn.SystemUser.Bench.exe" -r:"$out/Altinn.SystemUser.dll" -r:System.Net.Http.dll "$here"/bench/*.cs
echo "build.sh: built $out (mcs $(mcs --version | awk '{print $NF}'))" >&2
