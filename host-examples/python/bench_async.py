#!/usr/bin/env python3
"""Benchmark of `AsyncClient` against `Client` in the same run: prints a table, asserts nothing.

N creates (default 200) against the local simulator with an added latency per answer (default
50 ms), in Maskinporten mode (grants signed with the simulator's TEST-ONLY key):

- `AsyncClient`, `asyncio.gather` with at most C (default 32) in flight (a semaphore);
- `Client`, C threads.

Also: `AsyncClient` with each component call handed to a worker thread instead (the
alternative to running them on the loop's thread), the time one call takes on the loop, and what
handing one call to a worker thread and back costs.

    host-examples/python/.venv/bin/python host-examples/python/bench_async.py [--creates 200] [--concurrency 32] [--latency 50]
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import statistics
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from altinn_systemuser import AsyncClient, Client, Maskinporten, RsaSigner, StandardRequest
from altinn_systemuser.testing import STANDARD_SYSTEM, Simulator

PKG = "urn:altinn:accesspackage:skattegrunnlag"
KEYS = Path(__file__).resolve().parents[2] / "simulator" / "tests" / "keys"
CLIENT_ID, KID = "sim-smartregnskap-client", "sim-test-key-1"


def grants(sim: Simulator) -> int:
    return sum(1 for c in sim.calls() if c["method"] == "POST" and c["path"] == "/token")


class _OffLoop(AsyncClient):
    """The alternative: each component call in one worker thread (one store: one thread)."""

    async def _enter(self, name, *args, inst=None):
        return await asyncio.get_running_loop().run_in_executor(self._one, functools.partial(self._component, name, *args, inst=inst))


def run_async(sim: Simulator, mp: Maskinporten, orgs, concurrency: int, cls=AsyncClient):
    async def main():
        async with cls(sim.environment, maskinporten=mp) as client:
            client._one = ThreadPoolExecutor(1)
            gate = asyncio.Semaphore(concurrency)

            async def create(org):
                async with gate:
                    return await client.create_standard_request(StandardRequest(STANDARD_SYSTEM, org, access_packages=[PKG]))

            t0 = time.perf_counter()
            out = await asyncio.gather(*(create(o) for o in orgs))
            wall = time.perf_counter() - t0
            return wall, out, client.stats, client.component_calls

    return asyncio.run(main())


def run_threads(sim: Simulator, mp: Maskinporten, orgs, concurrency: int):
    with Client(sim.environment, maskinporten=mp) as client:
        t0 = time.perf_counter()
        with ThreadPoolExecutor(concurrency) as pool:
            out = list(pool.map(lambda o: client.create_standard_request(StandardRequest(STANDARD_SYSTEM, o, access_packages=[PKG])), orgs))
        return time.perf_counter() - t0, out, client.stats, None


def hand_off_cost(n: int = 2000) -> float:
    """Seconds per round trip to a worker thread and back (`run_in_executor`, one thread)."""

    async def main():
        loop = asyncio.get_running_loop()
        with ThreadPoolExecutor(1) as one:
            await loop.run_in_executor(one, int)
            t0 = time.perf_counter()
            for _ in range(n):
                await loop.run_in_executor(one, int)
            return (time.perf_counter() - t0) / n

    return asyncio.run(main())


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--creates", type=int, default=200)
    ap.add_argument("--concurrency", type=int, default=32)
    ap.add_argument("--latency", type=int, default=50, help="ms the simulator adds to each answer")
    ap.add_argument("--rounds", type=int, default=3)
    a = ap.parse_args()
    mp = Maskinporten(CLIENT_ID, RsaSigner.from_file(KEYS / "TEST-ONLY-client-key.pk8.pem", kid=KID))
    sim = Simulator.start(extra_orgs=2 * a.creates, args=["--latency", str(a.latency)])
    rows = {"AsyncClient (gather)": [], "AsyncClient, component off the loop": [], "Client (threads)": []}
    per_call = []
    try:
        Client(sim.environment, maskinporten=mp).get_registered_system(STANDARD_SYSTEM)  # compiled, warm
        for r in range(a.rounds):
            # Alternate the order: neither always runs on a warmer simulator.
            order = [
                ("AsyncClient (gather)", run_async),
                ("AsyncClient, component off the loop", functools.partial(run_async, cls=_OffLoop)),
                ("Client (threads)", run_threads),
            ]
            for name, fn in order if r % 2 == 0 else order[::-1]:
                sim.reset()
                sim.clear_calls()
                half = sim.orgs[: a.creates]
                wall, out, stats, calls = fn(sim, mp, half, a.concurrency)
                assert len(sim.requests()) == a.creates and all(x.is_new for x in out)
                rows[name].append((wall, grants(sim), stats))
                if calls and name == "AsyncClient (gather)":
                    per_call.append(stats.component_seconds / calls)
        handoff = hand_off_cost()
    finally:
        sim.stop()
    print(f"{a.creates} creates, concurrency {a.concurrency}, simulator latency {a.latency} ms, Maskinporten mode, "
          f"median of {a.rounds} rounds")
    print(f"{'':36} {'wall s':>8} {'creates/s':>10} {'grants':>7} {'component s*':>12}")
    for name, rs in rows.items():
        wall = statistics.median(x[0] for x in rs)
        comp = statistics.median(x[2].component_seconds for x in rs)
        print(f"{name:36} {wall:8.3f} {a.creates / wall:10.1f} {rs[0][1]:7d} {comp:12.3f}")
    print("* summed over the calls in flight: loop time for the first row only (the others include waiting "
          "for the GIL or the worker)")
    print(f"component call on the loop: {statistics.median(per_call) * 1e6:.0f} µs each (mean); "
          f"a hand-off to a worker thread and back: {handoff * 1e6:.0f} µs")


if __name__ == "__main__":
    main()
