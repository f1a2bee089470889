"""The README says what the code does (issue #18): the client table's signatures use the real
parameter names (`system_user_token(customer_org_no, …)`), and the samples of "Ten lines" and
"Everyday use" run as written against the simulator, with only the environment, the key and
the system id replaced by the simulator's."""

import inspect
import os
import re
import threading
import time

import pytest

from altinn_systemuser import Client
from altinn_systemuser.testing import STANDARD_SYSTEM
from conftest import CLIENT_ID, CLIENT_KEY, KID
from shared import ROOT

README = (ROOT / "host-examples" / "python" / "README.md").read_text(encoding="utf-8")


def section(title):
    start = README.index(f"\n## {title}\n")
    end = README.find("\n## ", start + 1)
    return README[start:end if end != -1 else None]


def python_blocks(text):
    return re.findall(r"```python\n(.*?)```", text, re.S)


def table_signatures():
    table = section("Ten lines").split("### The client", 1)[1].split("\n\n", 1)[1]
    for line in table.splitlines():
        if not line.startswith("| `"):
            continue
        for name, params in re.findall(r"`(\w+)\(([^`]*)\)`", line.split(" | ")[0]):
            yield name, params


def test_the_client_table_names_the_real_parameters():
    checked = 0
    for name, params in table_signatures():
        fn = getattr(Client, name, None)
        assert fn is not None, f"README lists Client.{name}, which does not exist"
        sig = inspect.signature(fn).parameters
        for p in params.split(","):
            p = p.strip().split("=")[0].strip()
            if not re.fullmatch(r"[a-z_][a-z0-9_]*", p):
                continue  # a type (`StandardRequest`), `*`, `…`, `**members`
            assert p in sig, f"README: {name}({params}) names {p!r}; the parameters are {list(sig)}"
        checked += 1
    assert checked >= 30
    assert "system_user_token(customer_org_no" in README and "system_user_token(org_no" not in README


def _runnable(code, sim):
    for old, new in [
        ("Environment.TT02", f"Environment.local({sim.base!r})"),
        ('"my-client-id"', repr(CLIENT_ID)),
        ('"mp-key.pem"', repr(str(CLIENT_KEY))),
        ('"my-kid"', repr(KID)),
        ('"991825827_smartcloud"', repr(STANDARD_SYSTEM)),
    ]:
        code = code.replace(old, new)
    return code


def _approve_when_asked(sim, ref, stop):
    while not stop.is_set():
        for r in sim.requests():
            if r.get("externalRef") == ref and r.get("status") == "New":
                time.sleep(0.3)
                sim.approve(r["id"])
                return
        time.sleep(0.05)


def test_the_samples_run_as_written(sim, capsys):
    blocks = python_blocks(section("Ten lines"))[:1] + python_blocks(section("Everyday use"))
    assert len(blocks) == 5
    ns = {}
    exec(compile(_runnable(blocks[0], sim), "README: Ten lines", "exec"), ns)
    assert ns["created"].is_new
    stop = threading.Event()
    helper = threading.Thread(target=_approve_when_asked, args=(sim, "cust-43", stop))
    helper.start()
    try:
        for i, block in enumerate(blocks[1:], 1):
            exec(compile(_runnable(block, sim), f"README: Everyday use #{i}", "exec"), ns)
    finally:
        stop.set()
        helper.join()
    out = capsys.readouterr().out
    assert "party_org_no must be a str" in out
    assert "New\nAccepted\n" in out
    assert re.search(r"s  Accepted\n", out) and ns["user"] is not None  # wait_for_decision saw the approval
    assert ns["client"].closed


def test_the_many_workers_sample_runs_as_written(capsys):
    text = section("Bulk onboarding").split("### Many workers", 1)[1]
    (block,) = python_blocks(text)
    exec(compile(block, "README: Many workers", "exec"), {})
    out = capsys.readouterr().out
    assert out == "200 True\n50 150\n"
    assert "# 200 True" in block and "# 50 150" in block


def test_the_schema_sample_is_what_schema_sql_prints():
    from altinn_systemuser.bulk import PostgresStore

    text = section("Bulk onboarding").split("### Many workers", 1)[1]
    shown = re.search(r"\$ python -c .*?PostgresStore.schema_sql\(\)\)'\n(.*?)```", text, re.S).group(1)
    assert shown == PostgresStore.schema_sql()
