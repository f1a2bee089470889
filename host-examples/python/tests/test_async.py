"""`AsyncClient` (issue #18): the component's operation machine pumped with httpx and asyncio,
over real HTTP against the simulator. The same results as `Client`, one store and one grant per
scope set for any number of concurrent tasks, the limits of the sync transport, `Retry-After`,
cancellation, and no secret in any error."""

import asyncio
import http.server
import inspect
import threading

import pytest

from altinn_systemuser import (
    AgentRequest,
    AltinnError,
    AsyncClient,
    Client,
    ComponentTrapError,
    DecisionTimeoutError,
    HttpxTransport,
    Maskinporten,
    MaskinportenError,
    NotFoundError,
    RequestKind,
    StandardRequest,
    TokenError,
    TransportError,
    TransportErrorKind,
    ValidationError,
)
from altinn_systemuser.testing import AGENT_SYSTEM, STANDARD_SYSTEM
from conftest import CLIENT_ID
from shared import CALLS, leaks, texts_of

ORG = "310816191"
PKG = "urn:altinn:accesspackage:skattegrunnlag"
AGENT_PKG = "urn:altinn:accesspackage:regnskapsforer-lonn"
CAP = 1024 * 1024


@pytest.fixture
def rid(client):
    """A request the simulator holds."""
    return client.create_standard_request(StandardRequest(STANDARD_SYSTEM, ORG, external_ref="held", access_packages=[PKG])).request.id


def run(coro):
    return asyncio.run(coro)


def aclient(sim, **kw):
    """As the `client` fixture, asynchronous (token mode unless `maskinporten` is given)."""
    if "maskinporten" not in kw:
        kw.setdefault("token", sim.token_provider())
    return AsyncClient(sim.environment, **{"timeout": 5.0, "retries": 2, "backoff": 0.01, **kw})


def mp_aclient(sim, signer, **kw):
    return aclient(sim, maskinporten=Maskinporten(CLIENT_ID, signer), **kw)


def grants(sim):
    return sum(1 for c in sim.calls() if c["method"] == "POST" and c["path"] == "/token")


def vendor_calls(sim):
    return [c for c in sim.calls() if not c["path"].startswith("/_sim")]


def test_the_same_methods_as_client_each_a_coroutine():
    public = {n for n, v in vars(Client).items() if callable(v) and not n.startswith("_")}
    sync_only = {"close", "validate"}  # aclose instead; validate needs no network
    for name in public - sync_only:
        method = getattr(AsyncClient, name)
        if not name.startswith("iter_"):  # those give async iterators
            assert inspect.iscoroutinefunction(method), name
        assert inspect.signature(method).parameters.keys() == inspect.signature(getattr(Client, name)).parameters.keys(), name
    assert callable(AsyncClient.validate) and callable(AsyncClient.aclose)


# -- the operations, standard and agent ---------------------------------------------------------


def test_create_get_list_withdraw_standard_and_agent(sim):
    async def main():
        async with aclient(sim) as c:
            std = await c.create_standard_request(StandardRequest(STANDARD_SYSTEM, ORG, external_ref="a1", access_packages=[PKG]))
            agent = await c.create_agent_request(AgentRequest(AGENT_SYSTEM, ORG, external_ref="a2", access_packages=[AGENT_PKG]))
            again = await c.create_request({"systemId": STANDARD_SYSTEM, "partyOrgNo": ORG, "externalRef": "a1",
                                            "accessPackages": [{"urn": PKG}]})
            got_std = await c.get_request(std.request.id)
            got_agent = await c.get_request(agent.request.id, RequestKind.AGENT)
            by_ref = await c.get_request_by_external_ref(STANDARD_SYSTEM, ORG, "a1")
            page = await c.list_requests(STANDARD_SYSTEM)
            every = await c.list_all_requests(AGENT_SYSTEM, "agent")
            walked = [r.id async for r in c.iter_requests(STANDARD_SYSTEM)]
            await c.withdraw_request(std.request.id)
            await c.withdraw_request(agent.request.id)
            return std, agent, again, got_std, got_agent, by_ref, page, every, walked, c.transport

    std, agent, again, got_std, got_agent, by_ref, page, every, walked, transport = run(main())
    assert std.is_new and agent.is_new and not again.is_new and again.request.id == std.request.id
    assert got_std.id == by_ref.id == std.request.id and got_agent.id == agent.request.id
    assert [r.id for r in page.items] == walked == [std.request.id]
    assert [r.id for r in every] == [agent.request.id]
    assert transport._own is None  # `async with` closed the httpx client it made
    with pytest.raises(NotFoundError):  # withdrawn
        Client(sim.environment, token=sim.token_provider()).get_request(std.request.id)


def test_results_equal_the_sync_clients(sim, client):
    created = client.create_standard_request(StandardRequest(STANDARD_SYSTEM, ORG, external_ref="eq", access_packages=[PKG]))
    sim.approve(created.request.id)
    rid = created.request.id
    pending = StandardRequest(STANDARD_SYSTEM, ORG, external_ref="eq2", access_packages=[PKG])
    client.create_standard_request(pending)
    calls = [
        ("create_standard_request", (pending,), {}),  # found again: is_new False
        ("create_standard_request", (StandardRequest(STANDARD_SYSTEM, ORG, external_ref="eq", access_packages=[PKG]),), {}),
        ("get_request", (rid,), {}),
        ("get_request_by_external_ref", (STANDARD_SYSTEM, ORG, "eq"), {}),
        ("list_requests", (STANDARD_SYSTEM,), {}),
        ("list_all_requests", (STANDARD_SYSTEM,), {}),
        ("verify_system_user", (STANDARD_SYSTEM, ORG, "eq"), {}),
        ("list_all_system_users", (STANDARD_SYSTEM,), {}),
        ("get_registered_system", (STANDARD_SYSTEM,), {}),
        ("list_systems", (), {}),
        ("list_change_requests", (STANDARD_SYSTEM,), {}),
    ]

    def outcome(fn, *args, **kw):
        try:
            return fn(*args, **kw)
        except Exception as e:  # the same error, in class and words
            return type(e), str(e)

    want = [outcome(getattr(client, name), *args, **kw) for name, args, kw in calls]

    async def main():
        async with aclient(sim) as c:
            got = await asyncio.gather(*(getattr(c, name)(*args, **kw) for name, args, kw in calls), return_exceptions=True)
        return [(type(g), str(g)) if isinstance(g, Exception) else g for g in got]

    got = run(main())
    for (name, _, _), w, g in zip(calls, want, got):
        assert g == w, name
    assert not got[0].is_new and got[1][0] is AltinnError  # the approved key: a system user exists
    assert got[2].status.value == "Accepted" and got[6] is not None


def test_system_user_tokens_and_change_requests_in_maskinporten_mode(sim, signer):
    sync = Client(sim.environment, maskinporten=Maskinporten(CLIENT_ID, signer))
    r = sync.create_standard_request(StandardRequest(STANDARD_SYSTEM, ORG, access_packages=[PKG])).request
    sim.approve(r.id)
    from altinn_systemuser import ChangeRequest

    async def main():
        async with mp_aclient(sim, signer) as c:
            toks = await asyncio.gather(*(c.system_user_token(ORG, scopes=["ttd:regnskap.read"]) for _ in range(8)))
            change = await c.create_change_request(ChangeRequest(STANDARD_SYSTEM, ORG, required_access_packages=["merverdiavgift"]))
            same = await c.create_change_request(ChangeRequest(STANDARD_SYSTEM, ORG, required_access_packages=["merverdiavgift"]))
            got = await c.get_change_request(change.change_request.id)
            await c.withdraw_change_request(change.change_request.id)
            return toks, change, same, got

    sim.admin("DELETE", "calls")
    toks, change, same, got = run(main())
    assert len({t.token for t in toks}) == 1
    assert change.is_new and not same.is_new and got.id == change.change_request.id
    assert sum(1 for c in sim.calls() if c["path"] == "/token") >= 1


def test_register_a_system_and_delegate_a_client_by_org_number(sim, signer):
    # Methods that post-process (register_system) or run several operations (add_client by org
    # number: a list, then the add) behave as Client's.
    from altinn_systemuser import Bureau, RegisteredSystem
    from altinn_systemuser.testing import VENDOR

    sim.admin("POST", "clientadministrators", {"orgNo": ORG, "externalRef": "byraa-selv"})
    created = Client(sim.environment, token=sim.token_provider()).create_agent_request(
        AgentRequest(AGENT_SYSTEM, ORG, access_packages=[AGENT_PKG, "regnskapsforer-med-signeringsrettighet"]))
    agent = sim.approve(created.request.id)["systemUserId"]
    bureau = Bureau(ORG, "byraa-selv")

    async def main():
        async with aclient(sim) as vendor:
            reg = await vendor.register_system(RegisteredSystem(
                id=f"{VENDOR}_asyncportal", vendor_org_no=VENDOR, name="Async", description="Async",
                access_packages=["skattegrunnlag"], client_ids=["sim-spare-client"], is_visible=True))
            log = await vendor.system_changelog(f"{VENDOR}_asyncportal")
        async with mp_aclient(sim, signer) as c:
            agents = await c.list_agents(bureau)
            added = await c.add_client(bureau, agent, "314224965")
            listed = await c.list_clients(bureau, agent)
            removed = await c.remove_client(bureau, agent, "314224965")
        return reg, log, agents, added, listed, removed

    reg, log, agents, added, listed, removed = run(main())
    assert reg.system_id == f"{VENDOR}_asyncportal" and log
    assert any(a.id == agent for a in agents)
    assert listed.find("314224965") is not None and added == removed
    assert sim.system_user(agent)["clients"] == []


def test_wait_for_decision(sim, rid):
    seen = []

    async def progress(req, elapsed):
        seen.append(req.status.value)
        if len(seen) == 2:
            await asyncio.to_thread(sim.approve, rid)

    async def main():
        async with aclient(sim) as c:
            done = await c.wait_for_decision(rid, interval=0.01, on_progress=progress)
            other = (await c.create_standard_request(StandardRequest(STANDARD_SYSTEM, ORG, external_ref="w", access_packages=[PKG]))).request
            with pytest.raises(DecisionTimeoutError) as ei:
                await c.wait_for_decision(other.id, timeout=0.05, interval=0.01)
            with pytest.raises(ValueError, match="interval"):
                await c.wait_for_decision(other.id, interval=-1)
            return done, ei.value

    done, e = run(main())
    assert done.status.value == "Accepted" and seen[:2] == ["New", "New"] and seen[-1] == "Accepted"
    assert e.request.status.value == "New"


# -- many tasks, one client ---------------------------------------------------------------------


def test_fifty_concurrent_creates_share_one_store_and_one_grant_per_scope_set(sim, signer):
    # What one create needs on its own: a grant per scope set it uses.
    one = Client(sim.environment, maskinporten=Maskinporten(CLIENT_ID, signer))
    sim.admin("DELETE", "calls")
    one.create_standard_request(StandardRequest(STANDARD_SYSTEM, sim.orgs[0], access_packages=[PKG]))
    per_create = grants(sim)
    assert per_create >= 1
    sim.reset()

    async def main():
        async with mp_aclient(sim, signer) as c:
            out = await asyncio.gather(
                *(c.create_standard_request(StandardRequest(STANDARD_SYSTEM, org, access_packages=[PKG])) for org in sim.orgs[:50])
            )
            made = grants(sim)
            # Reads need another scope: one more grant for ten of them, then none.
            await asyncio.gather(*(c.get_request(r.request.id) for r in out[:10]))
            await c.get_request(out[0].request.id)
            return out, made, c

    sim.admin("DELETE", "calls")
    out, made, c = run(main())
    assert len({r.request.id for r in out}) == 50 and all(r.is_new for r in out)
    assert len(sim.requests()) == 50
    assert made == per_create
    assert grants(sim) == per_create + 1 == c.grants.sent
    assert c.session.instantiations == 1 and c.stats.operations == 61


def test_an_async_token_provider_and_an_async_signer(sim, signer):
    asked = []

    async def provider(scopes):
        asked.append(tuple(scopes))
        await asyncio.sleep(0)
        return sim.mint(scopes)

    class Kms:
        def identity(self):
            return signer.identity()

        async def sign(self, data):
            await asyncio.sleep(0)
            return signer.sign(data)

    async def main():
        async with aclient(sim, token=provider) as c:
            a = await c.get_registered_system(STANDARD_SYSTEM)
        async with AsyncClient(sim.environment, maskinporten=Maskinporten(CLIENT_ID, Kms())) as c:
            b = await c.get_registered_system(STANDARD_SYSTEM)
        return a, b

    a, b = run(main())
    assert a == b and a.id == STANDARD_SYSTEM and asked


# -- refused before sending; Retry-After; the answer cap ------------------------------------------


def test_a_refusal_before_sending_reaches_no_server(sim):
    sim.admin("DELETE", "calls")

    async def main():
        async with aclient(sim) as c:
            with pytest.raises(ValidationError) as ei:
                await c.create_standard_request(StandardRequest(STANDARD_SYSTEM, "123456789", access_packages=[PKG]))
            with pytest.raises(TypeError, match="party_org_no"):
                await c.create_standard_request(StandardRequest(STANDARD_SYSTEM, 310816191, access_packages=[PKG]))
            return ei.value

    e = run(main())
    assert any(v.field == "partyOrgNo" or "org" in v.field.lower() for v in e.violations), e.violations
    assert vendor_calls(sim) == []


def test_a_429_with_retry_after_is_honoured(sim, rid):
    slept = []

    async def sleep(seconds):
        slept.append(seconds)
        await asyncio.sleep(seconds)

    sim.fault("get_request", "status429", retryAfterSecs=1)

    async def main():
        async with aclient(sim, sleep=sleep) as c:
            return await c.get_request(rid), c.stats.http_requests

    r, sent = run(main())
    assert r.id == rid and sent == 2
    assert slept == [1.0]  # the server's Retry-After, not the 10 ms back-off


def test_an_oversized_answer_is_refused(sim):
    sim.fault("get_request", "huge_body", sizeBytes=CAP + 1, count=3)

    async def main():
        async with aclient(sim) as c:
            with pytest.raises(TransportError) as ei:
                await c.get_request(CALLS["get"]["id"])
            return ei.value, c.stats.http_requests

    e, sent = run(main())
    assert e.kind is TransportErrorKind.TOO_LARGE and f"announces {CAP + 1} bytes, more than the cap of {CAP}" in str(e)
    assert sent == 1  # not retried: the same answer would come again


class _Endless(http.server.BaseHTTPRequestHandler):
    """Chunked, never ending and without a length: only counting the bytes can stop it."""

    protocol_version = "HTTP/1.1"
    sent = []

    def do_GET(self):  # noqa: N802 - the stdlib's name
        self.send_response(200)
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        chunk = b" " * 65536
        n = 0
        try:
            while n < 64 * CAP:
                self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
                n += len(chunk)
        except OSError:
            pass
        type(self).sent.append(n)

    def log_message(self, *args):
        pass


def test_an_unannounced_body_is_counted_and_cut_at_the_cap():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Endless)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/x"

    async def main():
        t = HttpxTransport()
        out = []
        try:
            for cap in (CAP, 100):
                with pytest.raises(TransportError) as ei:
                    await t.send("GET", url + "?secret=1", [], None, 10.0, max_response_bytes=cap)
                out.append(ei.value)
        finally:
            await t.aclose()
        return out

    try:
        errors = run(main())
    finally:
        server.shutdown()
        server.server_close()
    for e, cap in zip(errors, (CAP, 100)):
        assert e.kind is TransportErrorKind.TOO_LARGE and f"is longer than the cap of {cap} bytes" in str(e)
        assert "127.0.0.1" in str(e) and "secret" not in str(e)
    assert max(_Endless.sent) < 64 * CAP  # the server was cut off, not read to its end


def test_a_compressed_answer_and_a_trickled_head_are_refused(sim):
    sim.fault("get_request", "gzip_bomb", expandBytes=1000)

    async def main():
        async with aclient(sim, timeout=1.0, retries=0) as c:
            with pytest.raises(TransportError) as bomb:
                await c.get_request(CALLS["get"]["id"])
            sim.fault("*", "slow_headers", intervalMs=300)
            with pytest.raises(TransportError) as slow:
                await c.get_request(CALLS["get"]["id"])
            return bomb.value, slow.value

    bomb, slow = run(main())
    assert bomb.kind is TransportErrorKind.TOO_LARGE and "compressed" in str(bomb)
    assert slow.kind is TransportErrorKind.TIMEOUT and "within 1 s" in str(slow)


# -- cancellation --------------------------------------------------------------------------------


def test_a_cancelled_task_leaves_the_client_usable(sim, signer, rid):
    sim.fault("get_request", "delay", delayMs=3000)
    sim.fault("maskinporten_token", "delay", delayMs=1500)

    async def main():
        async with mp_aclient(sim, signer) as c:
            slow = asyncio.ensure_future(c.get_request(rid))
            await asyncio.sleep(0.5)  # the grant is on its way: the task waits in the middle of it
            slow.cancel()
            with pytest.raises(asyncio.CancelledError):
                await slow
            assert not c.grants._in_flight
            # The same client, the same store: the next calls work (a new grant; the get's delay
            # fault is still armed for the first of these).
            out = await asyncio.gather(*(c.get_request(rid) for _ in range(5)))
            with pytest.raises(asyncio.TimeoutError):
                await asyncio.wait_for(c.get_registered_system(STANDARD_SYSTEM), 0.0001)
            return out, await c.get_registered_system(STANDARD_SYSTEM), c

    out, system, c = run(main())
    assert {r.id for r in out} == {rid} and system.id == STANDARD_SYSTEM
    assert c.session.instantiations == 1


def test_a_closed_client_refuses_and_one_client_serves_one_loop_after_another(sim, rid):
    c = aclient(sim)

    async def get():
        return await c.get_request(rid)

    first = run(get())
    second = run(get())  # a new event loop: a new httpx client, the same store
    assert first == second and c.session.instantiations == 1
    run(c.aclose())
    with pytest.raises(RuntimeError, match="closed"):
        run(get())


def test_a_trap_loses_only_the_operations_of_that_store_and_the_client_goes_on(sim, rid):
    sim.fault("get_request", "delay", delayMs=1500)

    async def main():
        async with aclient(sim) as c:
            waiting = asyncio.ensure_future(c.get_request(rid))
            await asyncio.sleep(0.5)  # its exchange is under way, its operation in the store
            c.session.fuel = 10_000
            with pytest.raises(ComponentTrapError, match="fuel"):
                await c.get_registered_system(STANDARD_SYSTEM)
            c.session.fuel = 10_000_000_000
            with pytest.raises(ComponentTrapError, match="rebuilt after a trap"):
                await waiting
            return await c.get_request(rid), c.session

    r, session = run(main())
    assert r.id == rid and session.traps == 1 and session.instantiations == 2


# -- secrets -------------------------------------------------------------------------------------


def test_no_token_in_any_exception(sim, signer):
    seen = []

    def provider(scopes):
        t = sim.mint(scopes)
        seen.append(t)
        return t

    def failing(scopes):
        raise RuntimeError("vault said no: access_token=acc3ss-t0ken-5e6f7a8b")

    async def main():
        errors = []
        async with aclient(sim, token=provider) as c:
            sim.fault("get_request", "echo_token")
            with pytest.raises(AltinnError) as ei:
                await c.get_request(CALLS["get"]["id"])
            errors.append(ei.value)
            sim.fault("get_request", "huge_body", sizeBytes=CAP + 1)
            with pytest.raises(TransportError) as ei:
                await c.get_request(CALLS["get"]["id"])
            errors.append(ei.value)
        async with aclient(sim, token=failing) as c:
            with pytest.raises(TokenError) as ei:
                await c.get_registered_system(STANDARD_SYSTEM)
            errors.append(ei.value)
        sim.fault("maskinporten_token", "echo_token")
        async with mp_aclient(sim, signer, retries=0) as c:
            with pytest.raises(MaskinportenError) as ei:
                await c.list_requests(STANDARD_SYSTEM)
            errors.append(ei.value)
        return errors

    errors = run(main())
    assert seen and len(errors) == 4
    texts = [t for e in errors for t in texts_of(e)]
    assert leaks(texts, seen + ["acc3ss-t0ken-5e6f7a8b"]) == []
    assert "[redacted]" in str(errors[0]) and "vault said no" in str(errors[2])
    assert not any("eyJ" in t for t in texts)


# -- the README ----------------------------------------------------------------------------------


def test_the_readme_sample_runs_as_written(sim, capsys):
    from test_readme import _runnable, python_blocks, section

    (block,) = python_blocks(section("asyncio"))
    ns = {}
    exec(compile(_runnable(block, sim), "README: asyncio", "exec"), ns)
    assert len(ns["created"]) == 3 and all(c.is_new for c in ns["created"])
    assert capsys.readouterr().out.count(" New\n") == 3
