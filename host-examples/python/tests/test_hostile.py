"""The hostile-input catalogue (tests/hostile/catalogue.json at the repository root; its `about`
says what each op means) through this package, every case its own test: identifiers and create
bodies through the offline validation, server answers through `Component.parse`, tokens that
cannot be sent through a `Client`, and the hostile servers (gzip bomb, huge, endless and slow
answers, 429 and 503 with `Retry-After`, endless page tokens, an echoed token, answers to another
question) against the simulator's faults over real HTTP, each within its time bounds. The same
list runs through the Rust and Node hosts."""

import asyncio
import inspect
import json
import logging

import pytest

from altinn_systemuser import AsyncClient, SystemUserError, Client, Component, Environment, RequestKind, TransportError, UnavailableError, ValidationError
from shared import CALLS, ERROR_NAMES, ROOT, leaks, outcome_name, run_call, texts_of, wit_call, within

CATALOGUE = json.loads((ROOT / "tests" / "hostile" / "catalogue.json").read_text(encoding="utf-8"))
SYSTEMS = json.loads((ROOT / "tests" / "vectors" / "systems.json").read_text(encoding="utf-8"))
CASES = CATALOGUE["cases"]
SYSTEM_ID = CATALOGUE["system_id"]

OPS = ("identifier", "create", "response", "token", "server")
# Every member a case or its expectation may have: a new one fails the first test below rather
# than being ignored.
CASE_KEYS = {
    "name", "category", "op", "check", "input", "kind", "body", "system", "call", "env", "status", "headers",
    "expect", "task", "token", "fault", "config", "max_seconds", "min_seconds", "no_secret", "setup",
}
EXPECT_KEYS = {"error", "code", "ok", "next", "sent", "transport", "retry_after_seconds", "message_contains"}
# The `about`'s "create (a standard request for the fixture system)".
TASK_ALIASES = {"create": "create-standard"}

RESULTS = {}


def generate(spec):
    """The catalogue's generators: text, {hex}, {repeat, times}, {concat}, {json}."""
    if isinstance(spec, str):
        return spec.encode("utf-8")
    if "hex" in spec:
        return bytes.fromhex(spec["hex"])
    if "repeat" in spec:
        return (spec["repeat"] * spec["times"]).encode("utf-8")
    if "concat" in spec:
        return b"".join(generate(x) for x in spec["concat"])
    if "json" in spec:
        return json.dumps(spec["json"], separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    raise AssertionError(f"unknown generator {spec!r}")


def text(spec):
    return generate(spec).decode("utf-8")


def task(client, name):
    """(the WIT task's case, a thunk running it through the client's public method)."""
    if name == "list-all":
        return "list-all-requests", lambda: client.list_all_requests(SYSTEM_ID, RequestKind.STANDARD)
    if name == "list-all-users":
        return "list-all-system-users", lambda: client.list_all_system_users(SYSTEM_ID)
    call = TASK_ALIASES.get(name, name)
    return CALLS[call]["call"], lambda: run_call(client, call)


def error_got(e):
    got = {"error": ERROR_NAMES.get(type(e), type(e).__name__), "message": str(e)}
    if isinstance(e, ValidationError):
        got["codes"] = e.codes
    if isinstance(e, TransportError):
        got["transport"] = e.kind.value
    if isinstance(e, UnavailableError):
        got["retry_after_seconds"] = e.retry_after_seconds
    return got


def meets(expect, got):
    if "ok" in expect:
        return got.get("ok") == expect["ok"] and ("next" not in expect or got.get("next") == expect["next"])
    checks = [
        got.get("error") == expect["error"] or (expect["error"] == "violation" and got.get("error") == "validation"),
        "code" not in expect or expect["code"] in got.get("codes", []),
        "sent" not in expect or got.get("sent") == expect["sent"],
        "transport" not in expect or got.get("transport") == expect["transport"],
        "retry_after_seconds" not in expect or got.get("retry_after_seconds") == expect["retry_after_seconds"],
        "message_contains" not in expect or expect["message_contains"] in got.get("message", ""),
    ]
    return all(checks)


# -- the ops -------------------------------------------------------------------------------------


def run_identifier(comp, case):
    check = {
        "org-no": comp.check_org_no,
        "system-id": comp.check_system_id,
        "external-ref": comp.check_external_ref,
        "request-id": comp.check_request_id,
    }[case["check"]]
    try:
        return {"ok": f"valid {check(text(case['input']))[:40]}"}
    except ValidationError as e:
        return error_got(e)


def run_create(comp, case):
    system = case.get("system")
    if system is None:
        system_json = None
    elif isinstance(system, str) and not system.startswith("{"):
        system_json = json.dumps(SYSTEMS[system]).encode("utf-8")
    else:
        system_json = generate(system)
    try:
        comp.validate_json(RequestKind(case["kind"]), generate(case["body"]), system_json)
        return {"ok": "valid"}
    except ValidationError as e:
        return error_got(e)


def run_response(comp, case):
    if case.get("env", "tt02") == "custom":
        env = Environment.custom("http://127.0.0.1:5101", "http://127.0.0.1:5102", "http://127.0.0.1:5103/")
    else:
        env = Environment.TT02
    headers = list((case.get("headers") or {}).items())
    try:
        value = comp.parse(Component.wit_config(env), wit_call(case["call"]), case["status"], headers, generate(case["body"]))
    except SystemUserError as e:
        return error_got(e)
    return {"ok": outcome_name(CALLS[case["call"]]["call"], value), "next": getattr(value, "next_page", None)}


class Blocking:
    """An `AsyncClient` whose coroutine methods each run to completion on an event loop of their
    own, so that the catalogue's thunks drive it exactly as they drive `Client`."""

    def __init__(self, aclient):
        self._a = aclient

    def __getattr__(self, name):
        attr = getattr(self._a, name)
        if not inspect.iscoroutinefunction(attr):
            return attr
        return lambda *a, **kw: asyncio.run(attr(*a, **kw))


def make_client(kind, *args, **kw):
    return Client(*args, **kw) if kind == "sync" else Blocking(AsyncClient(*args, **kw))


def run_token(sim, case, kind="sync"):
    # Any text a provider gives: the component must refuse it before sending anything.
    token = text(case["token"])
    client = make_client(kind, sim.environment, token=lambda scopes: token, retries=0)
    sim.admin("DELETE", "calls")
    _, thunk = task(client, case["task"])
    try:
        thunk()
        got = {"ok": "returned"}
    except SystemUserError as e:
        got = error_got(e)
    # What reached the server, by its own log; the client's count must agree.
    got["sent"] = len([c for c in sim.admin("GET", "calls")["calls"] if not c["path"].startswith("/_sim/")])
    assert got["sent"] == client.stats.http_requests
    return got


def run_server(sim, case, caplog, show, kind="sync"):
    config = case["config"]
    tokens = []
    minted = sim.token_provider()

    def provider(scopes):
        t = minted.get_token(scopes)
        tokens.append(t)
        return t

    # A fresh client: its own connections (a slow head is decided per connection).
    client = make_client(
        kind,
        sim.environment,
        token=provider,
        timeout=config["timeoutMs"] / 1000,
        deadline=config["deadlineMs"] / 1000,
        retries=config["retryBudget"],
        backoff=config["backoffMs"] / 1000,
    )
    for step in case.get("setup", []):
        assert step == "create", f"unknown setup step {step!r}"
        # One request for the fixture system, made before any fault (by another client).
        run_call(Client(sim.environment, token=provider), TASK_ALIASES["create"])
    for fault in case["fault"] if isinstance(case["fault"], list) else [case["fault"]]:
        sim.admin("POST", "faults", fault)
    tag, thunk = task(client, case["task"])
    caplog.set_level(logging.DEBUG)
    elapsed, value, error = within(case["max_seconds"] + 30, thunk)
    if error is not None and not isinstance(error, SystemUserError):
        raise error
    got = {"ok": outcome_name(tag, value)} if error is None else error_got(error)
    got["seconds"] = round(elapsed, 2)
    show(f"  {case['name']}: {got.get('ok') or got['error']} in {elapsed:.2f} s" + ("" if error is None else f": {error!r}"))
    assert elapsed <= case["max_seconds"], f"took {elapsed:.2f} s, more than {case['max_seconds']} s"
    assert elapsed >= case.get("min_seconds", 0), f"took {elapsed:.2f} s, less than {case['min_seconds']} s"
    if case.get("no_secret"):
        assert tokens, "no token was handed out: the check could not fail"
        texts = ([] if error is None else texts_of(error)) + [r.getMessage() for r in caplog.records]
        assert leaks(texts, tokens) == []
    return got


# -- the tests -----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def comp():
    return Component()


def summary_lines():
    """The cases run and passed per category (printed at the end of the session by conftest, in
    the suite's output)."""
    lines = [f"hostile catalogue through the Python package: {len(RESULTS)} of {len(CASES)} cases run, "
             f"{sum(RESULTS.values())} passed", f"{'category':12} {'cases':>6} {'passed':>6}"]
    for category in sorted({c["category"] for c in CASES}):
        mine = [ok for (cat, _), ok in RESULTS.items() if cat == category]
        lines.append(f"{category:12} {len(mine):>6} {sum(mine):>6}")
    return lines


def test_the_catalogue_is_all_here():
    assert len(CASES) >= 170, f"the catalogue has {len(CASES)} cases"
    assert len({c["name"] for c in CASES}) == len(CASES), "case names are unique"
    assert {c["op"] for c in CASES} <= set(OPS), "an op this runner does not know"
    assert sum(c["op"] == "server" for c in CASES) >= 15
    for c in CASES:
        assert set(c) <= CASE_KEYS, (c["name"], set(c) - CASE_KEYS)
        assert set(c["expect"]) <= EXPECT_KEYS, (c["name"], set(c["expect"]) - EXPECT_KEYS)


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_case(case, comp, request, caplog, show):
    op = case["op"]
    RESULTS[(case["category"], case["name"])] = False
    if op == "identifier":
        got = run_identifier(comp, case)
    elif op == "create":
        got = run_create(comp, case)
    elif op == "response":
        got = run_response(comp, case)
    elif op == "token":
        got = run_token(request.getfixturevalue("sim"), case)
    else:
        got = run_server(request.getfixturevalue("sim"), case, caplog, show)
    assert meets(case["expect"], got), f"expected {case['expect']}, got {json.dumps(got)[:300]}"
    RESULTS[(case["category"], case["name"])] = True


ASYNC_CASES = [c for c in CASES if c["op"] in ("token", "server")]


@pytest.mark.parametrize("case", ASYNC_CASES, ids=[c["name"] for c in ASYNC_CASES])
def test_case_through_the_async_client(case, request, caplog, show):
    """The cases that cross the transport (tokens that cannot be sent, hostile servers) through
    `AsyncClient` too: its httpx transport keeps the same limits as the sync one."""
    sim = request.getfixturevalue("sim")
    got = run_token(sim, case, "async") if case["op"] == "token" else run_server(sim, case, caplog, show, "async")
    assert meets(case["expect"], got), f"expected {case['expect']}, got {json.dumps(got)[:300]}"
