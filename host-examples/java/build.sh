#!/usr/bin/env bash
# Builds the Java package without Maven Central: javac (Java 17) against Debian's jars, then
# target/altinn-systemuser-0.1.0.jar with the native library (linux-x86-64/libsystemuser.so, JNA's
# resource-path convention) and the component (no/altinn/systemuser/altinn_systemuser.wasm)
# inside, then the tests, the example and the benchmark against that jar.
#
#   bash host-examples/java/build.sh          # from anywhere
#   JAVA_BUILD_NO_CARGO=1 bash …/build.sh     # take target/release/libsystemuser.so and the
#                                             # component as they are (no cargo run)
#
# On a fresh Debian machine it installs what is missing (apt-get, as root):
# default-jdk-headless (javac, jar, keytool), libjna-java (/usr/share/java/jna.jar) and junit5
# (the JUnit 5 console launcher); anywhere else it says what is missing and fails.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
VERSION=0.1.0
OUT="$HERE/target"
JAR="$OUT/altinn-systemuser-$VERSION.jar"
SHARE=/usr/share/java
say() { echo "java-build: $*" >&2; }

# ---- the JDK and Debian's jars ----------------------------------------------------------------
missing=()
command -v javac >/dev/null || missing+=(default-jdk-headless)
command -v jar >/dev/null || missing+=(default-jdk-headless)
[[ -f $SHARE/jna.jar ]] || missing+=(libjna-java)
[[ -f $SHARE/junit-platform-console-standalone.jar && -f $SHARE/junit-jupiter-api.jar ]] || missing+=(junit5)
command -v openssl >/dev/null || missing+=(openssl) # the tests make a PKCS#12 store with it
if ((${#missing[@]})); then
    pkgs="$(printf '%s\n' "${missing[@]}" | sort -u | tr '\n' ' ')"
    if [[ $(id -u) == 0 ]] && command -v apt-get >/dev/null; then
        say "installing $pkgs(apt-get)"
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -qq </dev/null >&2
        # shellcheck disable=SC2086
        apt-get install -y -qq $pkgs </dev/null >&2
    else
        say "missing: $pkgs— install them (Debian/Ubuntu: sudo apt-get install -y $pkgs) and run again"
        exit 1
    fi
fi
major="$(javac -version 2>&1 | sed -E 's/^javac ([0-9]+).*/\1/')"
if [[ ! $major =~ ^[0-9]+$ ]] || ((major < 17)); then
    say "javac 17 or later is required (found: $(javac -version 2>&1))"
    exit 1
fi

# ---- the native library and the component ------------------------------------------------------
LIB="$ROOT/target/release/libsystemuser.so"
WASM="$ROOT/target/wasm/altinn_systemuser.wasm"
if [[ -z "${JAVA_BUILD_NO_CARGO:-}" ]]; then
    command -v cargo >/dev/null || { say "cargo is required to build libsystemuser (https://rustup.rs)"; exit 1; }
    say "cargo build --release -p systemuser-c (a no-op when it is up to date)"
    (cd "$ROOT" && cargo build --release -q -p systemuser-c </dev/null)
    if [[ ! -f $WASM ]]; then
        say "building the component (make component)"
        (cd "$ROOT" && make component </dev/null)
    fi
fi
[[ -f $LIB ]] || { say "no $LIB: run \`cargo build --release -p systemuser-c\`"; exit 1; }
[[ -f $WASM ]] || { say "no $WASM: run \`make component\`"; exit 1; }

# ---- the jar -----------------------------------------------------------------------------------
rm -rf "$OUT/classes" "$OUT/test-classes" "$OUT/example-classes" "$OUT/bench-classes"
mkdir -p "$OUT/classes/linux-x86-64" "$OUT/classes/no/altinn/systemuser" "$OUT/classes/META-INF"
say "javac --release 17: the package"
javac --release 17 -Xlint:all -Xlint:-serial -Werror -encoding UTF-8 -d "$OUT/classes" -cp "$SHARE/jna.jar" \
    $(find "$HERE/src/main/java" -name '*.java' | sort)
# Symbols off (about 5 MB of the 21 MB; the exports stay): a smaller jar, less to copy at first load.
if command -v strip >/dev/null; then
    strip --strip-unneeded -o "$OUT/classes/linux-x86-64/libsystemuser.so" "$LIB"
else
    cp "$LIB" "$OUT/classes/linux-x86-64/libsystemuser.so"
fi
cp "$WASM" "$OUT/classes/no/altinn/systemuser/altinn_systemuser.wasm"
cat >"$OUT/MANIFEST.MF" <<MF
Implementation-Title: altinn-systemuser
Implementation-Version: $VERSION
Automatic-Module-Name: no.altinn.systemuser
MF
jar --create --file "$JAR" --manifest "$OUT/MANIFEST.MF" -C "$OUT/classes" .
say "$(basename "$JAR"): $(du -k "$JAR" | cut -f1) KiB (libsystemuser.so $(du -k "$OUT/classes/linux-x86-64/libsystemuser.so" | cut -f1) KiB, component $(du -k "$WASM" | cut -f1) KiB)"

# ---- tests, example, benchmark (against the jar) -------------------------------------------------
TEST_CP="$JAR:$SHARE/jna.jar:$SHARE/junit-jupiter-api.jar:$SHARE/junit-jupiter-params.jar:$SHARE/apiguardian-api.jar:$SHARE/opentest4j.jar:$SHARE/junit-platform-commons.jar"
say "javac: tests"
mkdir -p "$OUT/test-classes"
javac --release 17 -Xlint:all -Xlint:-serial -Xlint:-try -Werror -encoding UTF-8 -d "$OUT/test-classes" -cp "$TEST_CP" \
    $(find "$HERE/src/test/java" -name '*.java' | sort)
say "javac: the example and the benchmark"
mkdir -p "$OUT/example-classes" "$OUT/bench-classes"
javac --release 17 -Xlint:all -Werror -encoding UTF-8 -d "$OUT/example-classes" -cp "$JAR:$SHARE/jna.jar" $(find "$HERE/examples" -name '*.java' | sort)
javac --release 17 -Xlint:all -Werror -encoding UTF-8 -d "$OUT/bench-classes" -cp "$JAR:$SHARE/jna.jar" $(find "$HERE/bench" -name '*.java' | sort)
say "done: $JAR"
