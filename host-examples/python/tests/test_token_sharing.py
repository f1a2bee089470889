"""One Maskinporten token cache per client, shared by its threads (issue #18: 16
`asyncio.to_thread` calls made 6 grants; they must make 1). Grants are counted in the
simulator's call record (`POST /token`)."""

import asyncio
import threading
from concurrent.futures import ThreadPoolExecutor

from altinn_systemuser import Client, Maskinporten, StandardRequest
from altinn_systemuser.testing import STANDARD_SYSTEM
from conftest import CLIENT_ID

ORG = "310816191"
PKG = "urn:altinn:accesspackage:skattegrunnlag"


def grants(sim):
    return sum(1 for c in sim.calls() if c["method"] == "POST" and c["path"] == "/token")


def test_sixteen_to_thread_calls_make_one_grant(sim, signer):
    client = Client(sim.environment, maskinporten=Maskinporten(CLIENT_ID, signer))
    sim.admin("DELETE", "calls")

    async def main():
        return await asyncio.gather(
            *(asyncio.to_thread(client.get_registered_system, STANDARD_SYSTEM) for _ in range(16))
        )

    systems = asyncio.run(main())
    assert all(s.id == STANDARD_SYSTEM for s in systems)
    assert grants(sim) == 1
    # and later calls, on any thread, still make none
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(lambda _: client.get_registered_system(STANDARD_SYSTEM), range(16)))
    assert grants(sim) == 1


def test_threads_started_together_share_one_grant_per_scope(sim, signer):
    # What one create needs, on one thread: a grant per scope it uses.
    one = Client(sim.environment, maskinporten=Maskinporten(CLIENT_ID, signer))
    sim.admin("DELETE", "calls")
    one.create_standard_request(StandardRequest(STANDARD_SYSTEM, ORG, external_ref="one", access_packages=[PKG]))
    per_create = grants(sim)
    assert per_create >= 1
    client = Client(sim.environment, maskinporten=Maskinporten(CLIENT_ID, signer))
    sim.admin("DELETE", "calls")
    start = threading.Barrier(12)
    errors = []

    def work(i):
        try:
            start.wait()
            client.create_standard_request(StandardRequest(STANDARD_SYSTEM, ORG, external_ref=f"t{i}", access_packages=[PKG]))
        except Exception as e:  # pragma: no cover - reported below
            errors.append(e)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(12)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert len(sim.requests()) == 13
    assert grants(sim) == per_create


def test_system_user_tokens_are_shared_too_and_each_client_has_its_own_cache(sim, signer):
    client = Client(sim.environment, maskinporten=Maskinporten(CLIENT_ID, signer))
    r = client.create_standard_request(StandardRequest(STANDARD_SYSTEM, ORG, access_packages=[PKG])).request
    sim.approve(r.id)
    sim.admin("DELETE", "calls")
    with ThreadPoolExecutor(6) as pool:
        toks = list(pool.map(lambda _: client.system_user_token(ORG, scopes=["ttd:regnskap.read"]), range(12)))
    assert len({t.token for t in toks}) == 1
    assert all(t.expires_at >= toks[0].expires_at.replace(microsecond=0) - __import__("datetime").timedelta(seconds=5) for t in toks)
    assert grants(sim) == 1
    other = Client(sim.environment, maskinporten=client.maskinporten)
    other.system_user_token(ORG, scopes=["ttd:regnskap.read"])
    assert grants(sim) == 2
