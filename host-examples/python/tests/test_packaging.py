"""Where the component comes from."""

from pathlib import Path

import altinn_systemuser as asu
from altinn_systemuser import COMPONENT_ENV, locate_component


def test_locate_component_env_first(monkeypatch, tmp_path):
    real = locate_component()
    assert real.is_file() and real.name == "altinn_systemuser.wasm"
    copy = tmp_path / "x.wasm"
    copy.write_bytes(real.read_bytes())
    monkeypatch.setenv(COMPONENT_ENV, str(copy))
    assert locate_component() == copy


def test_locate_component_prefers_the_bundled_copy(monkeypatch):
    monkeypatch.delenv(COMPONENT_ENV, raising=False)
    bundled = Path(asu.__file__).resolve().parent / "altinn_systemuser.wasm"
    found = locate_component()
    if bundled.is_file():
        assert found == bundled
    else:  # an editable install: the repository's build
        assert found.parent.name == "wasm" and found.parent.parent.name == "target"


def test_the_component_imports_only_our_interfaces():
    c = asu.Component()
    names = set(c.runtime.component.type.imports(c.runtime.engine).keys())
    assert names == {f"altinn:systemuser/{i}@0.1.0" for i in ("types", "http", "token", "timer", "signer", "clock", "random")}
