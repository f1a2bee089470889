"""The limits' defaults are the core's (issue #18: they had drifted to retries=2, backoff=0.5):
`Config::new` in the component's crate is read here and every place of this package that has a
default for them (`defaults.py`, `Client`, `Component.wit_config`, the command line, the README)
must agree with it."""

import inspect
import re

from altinn_systemuser import Client, Component, defaults
from altinn_systemuser.cli import _parser
from shared import ROOT

HERE = ROOT / "host-examples" / "python"


def core_defaults():
    src = (ROOT / "src" / "model" / "environment.rs").read_text(encoding="utf-8")
    m = re.search(r"Config\s*\{\s*environment,([^}]*)\}", src)
    assert m, "Config::new not found in src/model/environment.rs"
    fields = dict(re.findall(r"(\w+):\s*([0-9_]+)", m.group(1)))
    num = lambda k: int(fields[k].replace("_", ""))
    return {
        "timeout": num("timeout_ms") / 1000,
        "deadline": num("deadline_ms") / 1000,
        "retries": num("retry_budget"),
        "backoff": num("backoff_ms") / 1000,
    }


def test_defaults_module_restates_config_new():
    assert {
        "timeout": defaults.TIMEOUT, "deadline": defaults.DEADLINE, "retries": defaults.RETRIES, "backoff": defaults.BACKOFF
    } == core_defaults()


def test_client_and_wit_config_take_the_core_defaults():
    core = core_defaults()
    for fn in (Client.__init__, Component.wit_config):
        params = inspect.signature(fn).parameters
        assert {k: params[k].default for k in core} == core, fn.__qualname__


def test_a_client_sends_the_core_defaults_to_the_component(sim):
    c = Client(sim.environment, token=sim.token_provider())
    cfg = c._current_config().__dict__
    core = core_defaults()
    assert cfg["retry-budget"] == core["retries"]
    assert cfg["backoff-ms"] == round(core["backoff"] * 1000)
    assert cfg["timeout-ms"] == round(core["timeout"] * 1000)
    assert cfg["deadline-ms"] == round(core["deadline"] * 1000)


def test_the_command_line_takes_the_core_defaults():
    core = core_defaults()
    for cmd in (["onboard", "--db", "x.db", "--system-id", "s"], ["agents", "--bureau", "1"]):
        a = _parser().parse_args(cmd)
        assert {k: getattr(a, k) for k in core} == core, cmd


def test_the_readme_states_the_core_defaults():
    readme = (HERE / "README.md").read_text(encoding="utf-8")
    core = core_defaults()
    options = re.search(r"Options: `Client\(env,(.*?)`", readme, re.S).group(1)
    for k, v in core.items():
        assert re.search(rf"\b{k}={v:g}\b", options), (k, v)
