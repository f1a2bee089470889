"""The compiled component in the user's cache (`_compiled`): compiled on the first start,
loaded from the cache after, never loaded when damaged or of another wasmtime, off on request."""

import os
import stat

import pytest

from altinn_systemuser import Component, RequestStatus, StandardRequest
from altinn_systemuser._compiled import CACHE_DIR_ENV, cache_file, default_cache_dir
from altinn_systemuser._runtime import Runtime, locate_component

REQ = StandardRequest("991825827_smartcloud", "310816191", access_packages=["urn:altinn:accesspackage:skattegrunnlag"])


@pytest.fixture
def cache(tmp_path, monkeypatch):
    d = tmp_path / "cache"
    monkeypatch.setenv(CACHE_DIR_ENV, str(d))
    # A fresh process as far as the runtime is concerned: no component compiled yet.
    monkeypatch.setattr(Runtime, "_cache", {})
    return d


def _file(d):
    path = locate_component(None).resolve()
    return cache_file(path.read_bytes(), True, d)


def _works(c: Component) -> None:
    assert c.is_terminal(RequestStatus.ACCEPTED) is True
    assert c.validate(REQ).party_org_no == "310816191"


def test_compiled_once_then_loaded_from_the_cache(cache, monkeypatch):
    cold = Component()
    assert cold.runtime.from_cache is False
    f = _file(cache)
    assert f.is_file() and f.stat().st_size > 100_000
    assert stat.S_IMODE(cache.stat().st_mode) == 0o700
    _works(cold)
    monkeypatch.setattr(Runtime, "_cache", {})
    warm = Component()
    assert warm.runtime.from_cache is True
    assert warm.runtime is not cold.runtime
    _works(warm)


def test_a_damaged_file_is_compiled_again_and_replaced(cache, monkeypatch):
    Component()
    f = _file(cache)
    good = f.read_bytes()
    data = bytearray(good)
    data[len(data) // 2] ^= 0xFF
    f.write_bytes(bytes(data))
    monkeypatch.setattr(Runtime, "_cache", {})
    again = Component()
    assert again.runtime.from_cache is False
    _works(again)
    assert f.read_bytes() != bytes(data)
    monkeypatch.setattr(Runtime, "_cache", {})
    assert Component().runtime.from_cache is True


def test_an_artifact_wasmtime_refuses_is_compiled_again(cache, monkeypatch):
    import hashlib

    Component()
    f = _file(cache)
    # A sound file (its digest matches) whose artifact is not one this wasmtime accepts, as a
    # file written by another wasmtime release would be.
    junk = b"\x00asm-not-a-compiled-artifact" * 100
    f.write_bytes(junk + hashlib.sha256(junk).digest())
    monkeypatch.setattr(Runtime, "_cache", {})
    c = Component()
    assert c.runtime.from_cache is False
    _works(c)


def test_off_writes_nothing(tmp_path, monkeypatch):
    monkeypatch.setenv(CACHE_DIR_ENV, "off")
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setattr(Runtime, "_cache", {})
    assert default_cache_dir() is None
    c = Component()
    assert c.runtime.from_cache is False
    _works(c)
    assert list(tmp_path.iterdir()) == []


def test_an_unwritable_cache_costs_a_compilation_not_a_failure(tmp_path, monkeypatch):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    monkeypatch.setenv(CACHE_DIR_ENV, str(blocker / "cache"))
    monkeypatch.setattr(Runtime, "_cache", {})
    c = Component()
    assert c.runtime.from_cache is False
    _works(c)


def test_default_directory_follows_xdg(monkeypatch, tmp_path):
    monkeypatch.delenv(CACHE_DIR_ENV, raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert default_cache_dir() == tmp_path / "altinn-systemuser"
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert default_cache_dir() == tmp_path / "home" / ".cache" / "altinn-systemuser"
    assert os.fspath(default_cache_dir()).endswith("altinn-systemuser")
