"""The compiled component kept on disk, so that a process starts in milliseconds instead of
compiling it (cranelift takes most of a second for this component), as the Rust CLI does.

The file is `<dir>/<sha256 of the component>-py<wasmtime-py version>-<machine>-fuel<0|1>.cwasm`:
a new component, wasmtime-py release or engine setting gets a new file, never a stale one. It
holds wasmtime's serialized artifact followed by the artifact's SHA-256, checked before
loading: a damaged file is compiled again and replaced, never loaded; wasmtime itself refuses
an artifact of another version or configuration (then it is compiled again too).

Loading maps machine code into the process: **the directory must be trusted** (writable only by
the service's user; one this creates is mode 0700), as a file planted there runs with the
process's rights. `SYSTEMUSER_CACHE_DIR=off` turns the cache off.
"""

from __future__ import annotations

import hashlib
import os
import platform
import sys
from importlib import metadata
from pathlib import Path
from typing import Optional, Tuple

import wasmtime
from wasmtime import component as wc

#: The environment variable naming the cache directory (`off` or empty: no cache), as in the
#: Rust CLI, Java and .NET packages.
CACHE_DIR_ENV = "SYSTEMUSER_CACHE_DIR"
_DIGEST_LEN = 32


def default_cache_dir() -> Optional[Path]:
    """`$SYSTEMUSER_CACHE_DIR` (`off` or empty: none), else `$XDG_CACHE_HOME/altinn-systemuser`,
    else `~/.cache/altinn-systemuser` (`~/Library/Caches/…` on macOS, `%LOCALAPPDATA%\\…\\cache`
    on Windows); `None` when there is no home."""
    if CACHE_DIR_ENV in os.environ:
        v = os.environ[CACHE_DIR_ENV]
        return None if v in ("", "off") else Path(v)
    if sys.platform == "win32":
        local = os.environ.get("LOCALAPPDATA")
        return Path(local) / "altinn-systemuser" / "cache" if local else None
    home = os.environ.get("HOME")
    if sys.platform == "darwin":
        return Path(home) / "Library" / "Caches" / "altinn-systemuser" if home else None
    xdg = os.environ.get("XDG_CACHE_HOME")
    if xdg:
        return Path(xdg) / "altinn-systemuser"
    return Path(home) / ".cache" / "altinn-systemuser" if home else None


def _wasmtime_py_version() -> str:
    try:
        return metadata.version("wasmtime")
    except metadata.PackageNotFoundError:  # pragma: no cover - an unusual install
        return "unknown"


def cache_file(component: bytes, fuel: bool, directory: Path) -> Path:
    digest = hashlib.sha256(component).hexdigest()
    return directory / f"{digest}-py{_wasmtime_py_version()}-{platform.machine() or 'any'}-fuel{int(fuel)}.cwasm"


def load_or_compile(engine: wasmtime.Engine, component: bytes, fuel: bool, directory: Optional[Path]) -> Tuple[wc.Component, bool]:
    """The component and whether it came from the cache. A cache that cannot be read or
    written costs a compilation, never a failure."""
    if directory is None:
        return wc.Component(engine, component), False
    file = cache_file(component, fuel, directory)
    try:
        data = file.read_bytes()
    except OSError:
        data = b""
    artifact, digest = data[:-_DIGEST_LEN], data[-_DIGEST_LEN:]
    if artifact and hashlib.sha256(artifact).digest() == digest:
        try:
            return wc.Component.deserialize(engine, artifact), True
        except wasmtime.WasmtimeError:
            pass  # another wasmtime or configuration: compiled again below
    compiled = wc.Component(engine, component)
    try:
        artifact = compiled.serialize()
        _write_atomically(directory, file, artifact + hashlib.sha256(artifact).digest())
    except (OSError, wasmtime.WasmtimeError):
        pass
    return compiled, False


def _write_atomically(directory: Path, file: Path, data: bytes) -> None:
    # Only this user may write (or read) a directory this creates: its files are machine code.
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    temp = directory / f".{file.name}.{os.getpid()}.{os.urandom(4).hex()}.tmp"
    try:
        with open(temp, "wb") as f:
            f.write(data)
        os.replace(temp, file)
    finally:
        if temp.exists():
            temp.unlink()
