"""`wait_for_decision` (with progress callbacks) and iterating over every page of a list, against
the simulator; the customer approves or rejects through the simulator's admin routes while the
client waits (issue #18)."""

import threading
import time

import pytest

from altinn_systemuser import AgentRequest, DecisionTimeoutError, RequestKind, RequestStatus, StandardRequest
from altinn_systemuser.testing import AGENT_SYSTEM, STANDARD_SYSTEM

ORG = "310816191"
PKG = "urn:altinn:accesspackage:skattegrunnlag"


def _create(client, ref="wait"):
    return client.create_standard_request(StandardRequest(STANDARD_SYSTEM, ORG, external_ref=ref, access_packages=[PKG])).request


def _later(seconds, fn, *args):
    t = threading.Timer(seconds, fn, args)
    t.start()
    return t


def test_wait_for_decision_returns_once_the_customer_approves(client, sim):
    req = _create(client)
    seen = []
    t = _later(0.4, sim.approve, req.id)
    try:
        done = client.wait_for_decision(req.id, timeout=10, interval=0.05, on_progress=lambda r, s: seen.append((r.status, s)))
    finally:
        t.join()
    assert done.status is RequestStatus.ACCEPTED and done.id == req.id
    assert seen[0][0] is RequestStatus.NEW and seen[-1][0] is RequestStatus.ACCEPTED
    assert len(seen) >= 2 and all(b[1] >= a[1] for a, b in zip(seen, seen[1:]))
    assert client.verify_system_user(STANDARD_SYSTEM, ORG, "wait") is not None


def test_wait_for_decision_of_an_agent_request_that_is_rejected(client, sim):
    req = client.create_agent_request(
        AgentRequest(AGENT_SYSTEM, ORG, external_ref="wait-a", access_packages=["regnskapsforer-lonn"])
    ).request
    t = _later(0.2, sim.reject, req.id)
    try:
        done = client.wait_for_decision(req.id, kind="agent", timeout=10, interval=0.05)
    finally:
        t.join()
    assert done.status is RequestStatus.REJECTED and done.kind is RequestKind.AGENT


def test_wait_for_decision_times_out_with_the_last_state(client, sim):
    req = _create(client, "undecided")
    seen = []
    t0 = time.monotonic()
    with pytest.raises(DecisionTimeoutError) as e:
        client.wait_for_decision(req.id, timeout=0.5, interval=0.05, on_progress=lambda r, s: seen.append(s))
    took = time.monotonic() - t0
    assert isinstance(e.value, TimeoutError)
    assert e.value.request.status is RequestStatus.NEW and e.value.request.id == req.id
    assert "still New after 0.5 s" in str(e.value)
    assert 0.45 <= took < 3 and len(seen) >= 3
    # already decided: one read, no wait
    sim.approve(req.id)
    assert client.wait_for_decision(req.id, timeout=0).status is RequestStatus.ACCEPTED


def test_wait_for_decision_checks_its_arguments(client):
    with pytest.raises(TypeError, match="on_progress"):
        client.wait_for_decision("x", on_progress="print")
    with pytest.raises(ValueError, match="timeout"):
        client.wait_for_decision("x", timeout=-1)


def test_iter_requests_walks_every_page_lazily(client, sim):
    sim.settings(pageSize=3, listQuirks=False)
    orgs = sim.orgs[:8]
    made = {client.create_standard_request(StandardRequest(STANDARD_SYSTEM, o, access_packages=[PKG])).request.id for o in orgs}
    sim.admin("DELETE", "calls")
    it = client.iter_requests(STANDARD_SYSTEM)
    first = next(it)
    lists = [c for c in sim.calls() if "bysystem" in c["path"]]
    assert len(lists) == 1  # one page fetched so far
    rest = list(it)
    ids = [first.id] + [r.id for r in rest]
    assert set(ids) == made and len(ids) == len(made)
    lists = [c for c in sim.calls() if "bysystem" in c["path"]]
    assert len(lists) == 3  # 8 items, 3 a page
    assert [r.id for r in client.iter_requests(STANDARD_SYSTEM)] == ids  # a fresh walk, same order


def test_iter_system_users_walks_every_page(client, sim):
    sim.settings(pageSize=2)
    ids = set()
    for o in sim.orgs[10:15]:
        r = client.create_standard_request(StandardRequest(STANDARD_SYSTEM, o, access_packages=[PKG])).request
        sim.approve(r.id)
        ids.add(r.id)
    got = [u.id for u in client.iter_system_users(STANDARD_SYSTEM)]
    assert set(got) == ids and len(got) == 5
    with pytest.raises(TypeError, match="system_id"):
        client.iter_system_users(5)
