"""The limits policy (SECURITY.md) as this package's transport obeys it, against the simulator's
hostile faults over real HTTP: no compression asked for and none undone, the answer cap counted
on the bytes received, one deadline for the whole exchange however slowly a server trickles,
and bounded memory when a server sends a bomb, 100 MB or an endless body."""

import http.server
import json
import subprocess
import sys
import threading
import time

import pytest
import requests

from altinn_systemuser import Client, RequestsTransport, TransportError, TransportErrorKind
from altinn_systemuser.testing import STANDARD_SYSTEM
from shared import CALLS, within

READ = ["altinn:authentication/systemuser.request.read"]
REGISTER = ["altinn:authentication/systemregister.write"]
CAP = 1024 * 1024
#: What any one test may cost in resident memory (SECURITY.md: the answer cap is 1 MiB).
RSS_LIMIT_MB = 200


def get_url(sim):
    return f"{sim.base}/authentication/api/v1/systemuser/request/vendor/{CALLS['get']['id']}"


def register_url(sim):
    return f"{sim.base}/authentication/api/v1/systemregister/vendor/{STANDARD_SYSTEM}"


def bearer(sim, scopes):
    return [("Authorization", "Bearer " + sim.mint(scopes)), ("Accept", "application/json")]


def send(transport, url, headers, timeout=5.0, **kw):
    return transport.send("GET", url, headers, None, timeout, **kw)


def too_large(fn):
    elapsed, value, error = within(20, fn)
    assert isinstance(error, TransportError), f"no TransportError but {value if error is None else repr(error)!s:.200}"
    assert error.kind is TransportErrorKind.TOO_LARGE, repr(error)
    return elapsed, error


# -- compression -------------------------------------------------------------------------------


class _Recorder(http.server.BaseHTTPRequestHandler):
    seen = []

    def do_GET(self):  # noqa: N802 - the stdlib's name
        type(self).seen.append(self.headers.get_all("Accept-Encoding"))
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, *args):
        pass


def test_no_request_asks_for_compression():
    # A loopback server that keeps what each request asked for (the simulator does not show
    # request headers).
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Recorder)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/x"
        t = RequestsTransport()
        send(t, url, [])
        send(t, url, [("Accept-Encoding", "gzip, br")])
        send(t, url, [("accept-encoding", "identity")])
    finally:
        server.shutdown()
        server.server_close()
    assert _Recorder.seen == [["identity"]] * 3


def test_a_compressed_answer_is_refused_unread(sim):
    # A small bomb (1 KB of zeros once expanded): refused for being compressed at all.
    sim.fault("get_request", "gzip_bomb", expandBytes=1000)
    elapsed, e = too_large(lambda: send(RequestsTransport(), get_url(sim), bearer(sim, READ)))
    assert "compressed" in str(e) and elapsed < 2


# -- the answer cap ------------------------------------------------------------------------------


def test_the_answer_cap_counts_the_bytes_received(sim):
    t = RequestsTransport()
    headers = bearer(sim, REGISTER)
    status, _, body = send(t, register_url(sim), headers)
    assert status == 200 and len(body) > 100
    n = len(body)
    assert send(t, register_url(sim), headers, max_response_bytes=n)[2] == body
    _, e = too_large(lambda: send(t, register_url(sim), headers, max_response_bytes=n - 1))
    assert f"cap of {n - 1}" in str(e)
    # The connection that was cut short is not reused; the next exchange works.
    assert send(t, register_url(sim), headers)[2] == body


def test_an_announced_length_over_the_cap_is_refused_before_reading(sim):
    sim.fault("get_request", "huge_body", sizeBytes=50_000_000)
    elapsed, e = too_large(lambda: send(RequestsTransport(), get_url(sim), bearer(sim, READ)))
    assert "announces 50000000 bytes" in str(e) and elapsed < 2


def test_the_component_asks_for_a_cap_of_1_mib(sim):
    # One byte over the cap each request carries is `too-large`, refused by the transport before
    # a byte of the body is read (not retried: the same answer would come again).
    c = Client(sim.environment, token=sim.token_provider(), retries=2)
    sim.fault("get_request", "huge_body", sizeBytes=CAP + 1, count=3)
    _, e = too_large(lambda: c.get_request(CALLS["get"]["id"]))
    assert f"announces {CAP + 1} bytes, more than the cap of {CAP}" in str(e)
    assert c.stats.http_requests == 1


# -- one deadline per exchange -------------------------------------------------------------------


def test_a_trickled_head_ends_at_the_exchange_timeout(sim):
    # One byte of the head every 300 ms, never ending: `requests`' per-read timeout never fires.
    sim.fault("*", "slow_headers", intervalMs=300)
    elapsed, _, error = within(15, lambda: send(RequestsTransport(), get_url(sim), bearer(sim, READ), timeout=1.5))
    assert isinstance(error, TransportError) and error.kind is TransportErrorKind.TIMEOUT, repr(error)
    assert 1.4 <= elapsed < 2.5


def test_your_own_session_keeps_the_deadline_too(sim):
    session = requests.Session()
    session.trust_env = False
    t = RequestsTransport(session)
    sim.fault("*", "slow_headers", intervalMs=300)
    elapsed, _, error = within(15, lambda: send(t, get_url(sim), bearer(sim, READ), timeout=1.0))
    assert isinstance(error, TransportError) and error.kind is TransportErrorKind.TIMEOUT, repr(error)
    assert elapsed < 2
    assert send(t, register_url(sim), bearer(sim, REGISTER))[0] == 200


def test_a_trickled_body_ends_at_the_exchange_timeout(sim):
    # One byte of the body every 2 s: each read is within a 3 s read timeout, the whole is not.
    sim.fault("get_request", "slow_body", intervalMs=2000)
    elapsed, _, error = within(15, lambda: send(RequestsTransport(), get_url(sim), bearer(sim, READ), timeout=3.0))
    assert isinstance(error, TransportError) and error.kind is TransportErrorKind.TIMEOUT, repr(error)
    assert 2.9 <= elapsed < 4


def test_the_operation_deadline_bounds_the_retries(sim, show):
    # Every connection trickles its head; each exchange gets 1 s and the operation 2.5 s in all,
    # so the budget of 5 retries is never used up.
    sim.fault("*", "slow_headers", intervalMs=300, count=20)
    c = Client(sim.environment, token=sim.token_provider(), timeout=1.0, deadline=2.5, retries=5, backoff=0.05)
    elapsed, _, error = within(15, lambda: c.get_request(CALLS["get"]["id"]))
    assert isinstance(error, TransportError) and error.kind is TransportErrorKind.TIMEOUT, repr(error)
    show(f"deadline: {error!r} after {elapsed:.2f} s and {c.stats.http_requests} exchanges")
    assert elapsed < 3.0 and 2 <= c.stats.http_requests <= 3


def test_the_watchdog_leaves_kept_alive_connections_alone(sim):
    # An exchange that ended before its deadline must not have its socket shut down when the
    # deadline passes later: the pooled connection serves the next exchange.
    t = RequestsTransport()
    headers = bearer(sim, REGISTER)
    for _ in range(3):
        assert send(t, register_url(sim), headers, timeout=0.3)[0] == 200
        time.sleep(0.4)
    pools = list(t._session().get_adapter(sim.base).poolmanager.pools._container.values())
    assert [p.num_connections for p in pools] == [1]


# -- memory --------------------------------------------------------------------------------------

# Peak resident memory from the kernel's VmHWM: it starts again at exec, where `ru_maxrss`
# keeps the forking parent's (the test process's) peak.
_HOSTILE_RUN = r"""
import json, sys
import requests
from altinn_systemuser import Client, Environment, SimulatorToken, TransportError
base, rid = sys.argv[1], sys.argv[2]
admin = requests.Session()
client = Client(Environment.local(base), token=SimulatorToken(base, "314248295"), timeout=2.0, deadline=6.0, retries=2, backoff=0.05)
out = {}
for fault in json.loads(sys.argv[3]):
    admin.delete(base + "/_sim/faults", timeout=5)
    assert admin.post(base + "/_sim/faults", json=fault, timeout=5).status_code == 201
    try:
        client.get_request(rid)
        out[fault["kind"]] = "returned"
    except TransportError as e:
        out[fault["kind"]] = e.kind.value
admin.delete(base + "/_sim/faults", timeout=5)
peak = next(int(l.split()[1]) for l in open("/proc/self/status") if l.startswith("VmHWM:"))
print(json.dumps({"kinds": out, "peak_rss_mb": round(peak / 1024, 1)}))
"""


def test_a_bomb_a_huge_and_an_endless_body_cost_little_memory(sim, show):
    # In a fresh process, so that its peak resident memory is its own: a 2 MB gzip bomb that
    # expands to 2 GiB, a 100 MB body and an endless one, each through the client with retries.
    faults = [
        {"route": "get_request", "kind": "gzip_bomb", "count": 3},
        {"route": "get_request", "kind": "huge_body", "sizeBytes": 100_000_000, "count": 3},
        {"route": "get_request", "kind": "endless_body", "count": 3},
    ]
    run = subprocess.run(
        [sys.executable, "-c", _HOSTILE_RUN, sim.base, CALLS["get"]["id"], json.dumps(faults)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, f"exit {run.returncode}: {run.stderr[-1500:]}"
    result = json.loads(run.stdout.strip().splitlines()[-1])
    show(f"hostile bodies in a fresh process: {result}")
    assert result["kinds"] == {"gzip_bomb": "too-large", "huge_body": "too-large", "endless_body": "too-large"}
    assert 20 < result["peak_rss_mb"] < RSS_LIMIT_MB, result


@pytest.mark.parametrize("timeout", [0.0, -1.0])
def test_no_time_left_is_a_timeout_without_sending(sim, timeout):
    sim.admin("DELETE", "calls")
    with pytest.raises(TransportError) as ei:
        send(RequestsTransport(), register_url(sim), [], timeout=timeout)
    assert ei.value.kind is TransportErrorKind.TIMEOUT
    assert [c for c in sim.admin("GET", "calls")["calls"] if not c["path"].startswith("/_sim/")] == []
