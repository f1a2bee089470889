"""`_codec.py` reads wasmtime-py's internals (`_ffi`, `_types`, `_enter`) to convert values 5–10×
faster than its public API does; a patch release may move them. So the package pins wasmtime-py
exactly, and these tests hold the pin and the agreement: the installed version is the pinned one,
and the fast path answers exactly as wasmtime-py's own public conversion (`fast_codec=False`)
does, offline and over real HTTP. To move the pin: change pyproject.toml, run these."""

import re
from importlib import metadata
from pathlib import Path

from altinn_systemuser import Client, Component, RequestStatus, StandardRequest
from altinn_systemuser.testing import STANDARD_SYSTEM

PYPROJECT = Path(__file__).resolve().parents[1] / "pyproject.toml"
PKG = "urn:altinn:accesspackage:skattegrunnlag"


def test_the_installed_wasmtime_is_exactly_the_pinned_one():
    pins = re.findall(r'"wasmtime==([^"]+)"', PYPROJECT.read_text(encoding="utf-8"))
    assert len(pins) == 1 and re.fullmatch(r"\d+\.\d+\.\d+", pins[0]), f"wasmtime is not pinned exactly: {pins}"
    assert metadata.version("wasmtime") == pins[0]


def test_the_fast_codec_answers_as_wasmtime_pys_public_conversion_offline():
    fast, public = Component(), Component(fast_codec=False)
    assert fast.runtime is not public.runtime and public.runtime.fast is False
    req = StandardRequest(STANDARD_SYSTEM, " 0192:310816191 ", external_ref="ERP-1", access_packages=[PKG], redirect_url=None)
    assert fast.validate(req) == public.validate(req)
    for status in RequestStatus:
        for event in ("approve", "reject", "time-out", "escalate"):
            assert fast.transition(status, event) == public.transition(status, event), (status, event)
        assert fast.is_terminal(status) == public.is_terminal(status)
    body = b'{"systemId":"' + STANDARD_SYSTEM.encode() + b'","partyOrgNo":"310816191","accessPackages":[{"urn":"' + PKG.encode() + b'"}]}'
    assert fast.validate_json("standard", body) == public.validate_json("standard", body)


def test_the_fast_codec_answers_as_wasmtime_pys_public_conversion_over_http(sim):
    fast = Client(sim.environment, token=sim.token_provider())
    public = Client(sim.environment, token=sim.token_provider(), component=Component(fast_codec=False))
    created = fast.create_request(StandardRequest(STANDARD_SYSTEM, "310816191", access_packages=[PKG]))
    again = public.create_request(StandardRequest(STANDARD_SYSTEM, "310816191", access_packages=[PKG]))
    assert again.is_new is False and again.request == created.request
    assert public.get_request(created.request.id) == fast.get_request(created.request.id)
    assert public.list_all_requests(STANDARD_SYSTEM) == fast.list_all_requests(STANDARD_SYSTEM)
    assert public.get_registered_system(STANDARD_SYSTEM) == fast.get_registered_system(STANDARD_SYSTEM)
