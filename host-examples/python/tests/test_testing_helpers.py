"""`altinn_systemuser.testing` away from this repository (issue #18): the `altinn-sim` binary
found by argument, `$ALTINN_SIM`, PATH, then a checkout's `target/release`, with an error that
names every place tried; the fixture read from the binary (no file from the repository); and
`Simulator.attach(url)` for a simulator started separately.

Every outside-the-repo case runs in a fresh Python process whose current directory is a temporary
directory outside the repository. Where the package's own location must not lead back to the
repository (the venv lives inside it), the installed package is copied outside first and put
first on `sys.path` (its dependencies still come from the venv)."""

import json
import re
import os
import shutil
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

import pytest

import altinn_systemuser
from altinn_systemuser import Client, StandardRequest
from altinn_systemuser.testing import (
    STANDARD_SYSTEM,
    Simulator,
    SimulatorError,
    SimulatorNotFoundError,
    find_simulator_binary,
)
from shared import ROOT

PACKAGE_DIR = Path(altinn_systemuser.__file__).resolve().parent
BUILT = ROOT / "target" / "release" / "altinn-sim"

# Started, used and stopped with nothing from the repository: creates a request, approves and
# rejects through the admin routes, reads the statuses back through the component.
SCRIPT = textwrap.dedent(
    """
    import json, os, sys
    import altinn_systemuser
    from altinn_systemuser import Client, StandardRequest
    from altinn_systemuser.testing import Simulator, STANDARD_SYSTEM, find_simulator_binary

    binary = str(find_simulator_binary())
    with Simulator.start(extra_orgs=3) as sim:
        client = Client(sim.environment, token=sim.token_provider())
        a = client.create_request(StandardRequest(system_id=STANDARD_SYSTEM, party_org_no=sim.orgs[0],
                                                  access_packages=["urn:altinn:accesspackage:skattegrunnlag"]))
        b = client.create_request(StandardRequest(system_id=STANDARD_SYSTEM, party_org_no=sim.orgs[1],
                                                  access_packages=["urn:altinn:accesspackage:skattegrunnlag"]))
        sim.approve(a.request.id)
        sim.reject(b.request.id)
        statuses = [str(client.get_request(a.request.id).status), str(client.get_request(b.request.id).status)]
        pid = sim.proc.pid
    print(json.dumps({"binary": binary, "package": altinn_systemuser.__file__, "cwd": os.getcwd(),
                      "statuses": statuses, "pid": pid}))
    """
)


def _inside(path, root):
    try:
        Path(path).resolve().relative_to(Path(root).resolve())
        return True
    except ValueError:
        return False


@pytest.fixture
def outside(tmp_path_factory):
    """A directory outside the repository, with `bin/` (for PATH) and `lib/` (a copy of the
    installed package)."""
    d = Path(tempfile.mkdtemp(prefix="altinn-testing-outside-"))
    assert not _inside(d, ROOT), f"{d} is inside the repository"
    (d / "bin").mkdir()
    yield d
    shutil.rmtree(d, ignore_errors=True)


def _copy_package(outside):
    lib = outside / "lib"
    shutil.copytree(PACKAGE_DIR, lib / "altinn_systemuser", ignore=shutil.ignore_patterns("__pycache__"))
    assert (lib / "altinn_systemuser" / "altinn_systemuser.wasm").is_file(), "the installed package bundles the component"
    return lib


def _env(path_dirs, **extra):
    """An environment with no `$ALTINN_SIM` and a PATH of only `path_dirs`."""
    env = {k: v for k, v in os.environ.items() if k not in ("ALTINN_SIM", "PYTHONPATH")}
    env["PATH"] = os.pathsep.join(str(p) for p in path_dirs)
    env.update(extra)
    return env


def _run(code, cwd, env):
    proc = subprocess.run([sys.executable, "-c", code], cwd=cwd, env=env, capture_output=True, text=True, timeout=120)
    return proc


def _ok(proc):
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout.strip().splitlines()[-1])


def _assert_ran(out, cwd):
    assert out["statuses"] == ["Accepted", "Rejected"]
    assert Path(out["cwd"]).resolve() == Path(cwd).resolve()


def _gone(pid):
    """The process that ran the script has exited: a simulator it left running would now be an
    orphan, still alive."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


def test_outside_the_repo_the_binary_from_the_environment_variable(outside):
    env = _env([outside / "bin"], ALTINN_SIM=str(BUILT))
    out = _ok(_run(SCRIPT, outside, env))
    _assert_ran(out, outside)
    assert out["binary"] == str(BUILT)
    assert Path(out["package"]).resolve().parent == PACKAGE_DIR, "imported from the venv"
    assert _gone(out["pid"]), "stop() ended the simulator"


def test_outside_the_repo_the_binary_on_path(outside):
    # A copy on PATH (not the repository's file): it must be the one used, ahead of the checkout
    # the venv's package sits in.
    shutil.copy2(BUILT, outside / "bin" / "altinn-sim")
    env = _env([outside / "bin"])
    out = _ok(_run(SCRIPT, outside, env))
    _assert_ran(out, outside)
    assert Path(out["binary"]).resolve() == (outside / "bin" / "altinn-sim").resolve()
    assert Path(out["package"]).resolve().parent == PACKAGE_DIR, "imported from the venv"


def test_a_package_outside_any_checkout_finds_the_binary_by_variable_and_by_path(outside):
    lib = _copy_package(outside)
    pre = f"import sys; sys.path.insert(0, {str(lib)!r})\n"
    out = _ok(_run(pre + SCRIPT, outside, _env([outside / "bin"], ALTINN_SIM=str(BUILT))))
    _assert_ran(out, outside)
    assert _inside(out["package"], outside), out["package"]
    shutil.copy2(BUILT, outside / "bin" / "altinn-sim")
    out = _ok(_run(pre + SCRIPT, outside, _env([outside / "bin"])))
    _assert_ran(out, outside)
    assert Path(out["binary"]).resolve() == (outside / "bin" / "altinn-sim").resolve()


def test_from_the_repository_root_the_checkout_build_is_found(outside):
    # The package outside the repository: only the current directory (the repository root) can
    # lead to target/release/altinn-sim. The search used to skip the current directory itself.
    lib = _copy_package(outside)
    pre = f"import sys; sys.path.insert(0, {str(lib)!r})\n"
    out = _ok(_run(pre + SCRIPT, ROOT, _env([outside / "bin"])))
    _assert_ran(out, ROOT)
    assert _inside(out["package"], outside), out["package"]
    assert Path(out["binary"]).resolve() == BUILT.resolve()
    # And from a directory below the root.
    out = _ok(_run(pre + SCRIPT, ROOT / "simulator", _env([outside / "bin"])))
    assert Path(out["binary"]).resolve() == BUILT.resolve()


def test_not_found_names_every_place_tried(outside):
    lib = _copy_package(outside)
    code = textwrap.dedent(
        f"""
        import sys; sys.path.insert(0, {str(lib)!r})
        from altinn_systemuser.testing import Simulator, SimulatorNotFoundError
        try:
            Simulator.start()
        except SimulatorNotFoundError as e:
            assert isinstance(e, FileNotFoundError)
            print(str(e)); print("TRIED", len(e.tried)); sys.exit(3)
        """
    )
    proc = _run(code, outside, _env([outside / "bin"]))
    assert proc.returncode == 3, proc.stdout + proc.stderr
    msg = proc.stdout
    assert msg.startswith("altinn-sim not found; looked at:"), msg
    for place in ("binary= argument: not given", "$ALTINN_SIM: not set", "altinn-sim on PATH: not found"):
        assert place in msg, msg
    assert "target/release/altinn-sim of a repository checkout" in msg
    assert str(outside.resolve()) in msg, "names the current directory it searched from"
    assert "Simulator.attach(url)" in msg and "cargo build --release -p altinn-sim" in msg
    assert "TRIED 4" in msg


def test_an_explicit_binary_or_variable_that_is_wrong_is_an_error_not_a_fallback(outside, monkeypatch):
    missing = outside / "no-such-altinn-sim"
    with pytest.raises(SimulatorNotFoundError) as e:
        find_simulator_binary(missing)
    assert str(missing) in str(e.value) and "not an executable file" in str(e.value)
    with pytest.raises(SimulatorNotFoundError):
        Simulator.start(binary=missing)
    not_executable = outside / "altinn-sim"
    not_executable.write_text("#!/bin/sh\n")
    not_executable.chmod(0o644)
    monkeypatch.setenv("ALTINN_SIM", str(not_executable))
    with pytest.raises(SimulatorNotFoundError) as e:
        find_simulator_binary()
    assert f"$ALTINN_SIM={str(not_executable)!r}" in str(e.value)
    # The argument wins over the variable.
    assert find_simulator_binary(BUILT) == BUILT
    monkeypatch.setenv("ALTINN_SIM", str(BUILT))
    assert find_simulator_binary() == BUILT


def test_start_with_an_explicit_binary_and_port():
    with Simulator.start(binary=BUILT) as probe:
        port = int(probe.url.rsplit(":", 1)[1])
    with Simulator.start(binary=str(BUILT), port=port) as sim:
        assert sim.url == f"http://127.0.0.1:{port}"
        assert not sim.attached
        assert sim.settings()  # the admin routes answer
    with pytest.raises(ValueError, match="port"):
        Simulator.start(port=70000)


@pytest.fixture
def separate_simulator():
    """An `altinn-sim --admin` started by hand, as a user would in another terminal."""
    proc = subprocess.Popen(
        [str(BUILT), "--listen", "127.0.0.1:0", "--admin"], stdout=subprocess.PIPE, stdin=subprocess.DEVNULL, text=True
    )
    line = proc.stdout.readline()
    assert line.startswith("listening on "), line
    yield proc, line.split("listening on ", 1)[1].strip()
    proc.terminate()
    proc.wait(timeout=10)
    proc.stdout.close()


def test_attach_to_a_simulator_started_separately(separate_simulator):
    proc, url = separate_simulator
    sim = Simulator.attach(url + "/")
    assert sim.attached and sim.proc is None and sim.url == url
    client = Client(sim.environment, token=sim.token_provider())
    org_a, org_b = "310816191", "314224965"
    pkg = ["urn:altinn:accesspackage:skattegrunnlag"]
    a = client.create_request(StandardRequest(system_id=STANDARD_SYSTEM, party_org_no=org_a, access_packages=pkg))
    b = client.create_request(StandardRequest(system_id=STANDARD_SYSTEM, party_org_no=org_b, access_packages=pkg))
    sim.approve(a.request.id)
    sim.reject(b.request.id)
    assert client.get_request(a.request.id).status == "Accepted"
    assert client.get_request(b.request.id).status == "Rejected"
    assert {r["id"] for r in sim.requests()} == {a.request.id, b.request.id}
    with sim:
        pass  # `with` and stop() leave an attached simulator running
    sim.stop()
    assert proc.poll() is None, "stop() on an attached simulator must not end it"
    again = Simulator.attach(url)
    assert len(again.requests()) == 2, "its state is still there"
    again.reset()
    assert again.requests() == []
    again.stop()


def test_attach_refuses_what_is_not_an_admin_simulator(outside):
    with pytest.raises(ValueError, match="url"):
        Simulator.attach("127.0.0.1:5101")
    # Nothing listens.
    import socket

    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    with pytest.raises(SimulatorError, match=f"no simulator answers at http://127.0.0.1:{port}"):
        Simulator.attach(f"http://127.0.0.1:{port}", timeout=5)
    # A simulator without --admin.
    proc = subprocess.Popen([str(BUILT), "--listen", "127.0.0.1:0"], stdout=subprocess.PIPE, stdin=subprocess.DEVNULL, text=True)
    try:
        url = proc.stdout.readline().split("listening on ", 1)[1].strip()
        with pytest.raises(SimulatorError, match="start altinn-sim with --admin"):
            Simulator.attach(url)
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        proc.stdout.close()


# -- the README's "Testing your integration" samples, as written ------------------------------------

README = (ROOT / "host-examples" / "python" / "README.md").read_text(encoding="utf-8")


def _readme_blocks():
    start = README.index("\n## Testing your integration\n")
    end = README.index("\n## ", start + 1)
    return re.findall(r"```python\n(.*?)```", README[start:end], re.S)


def test_the_readme_pytest_sample_runs_as_written_outside_the_repo(outside):
    first = _readme_blocks()[0]
    (outside / "test_onboarding.py").write_text(first, encoding="utf-8")
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "test_onboarding.py"],
        cwd=outside,
        env=_env([outside / "bin"], ALTINN_SIM=str(BUILT)),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-2000:]
    assert "1 passed" in proc.stdout


def test_the_readme_attach_sample_runs_as_written(separate_simulator):
    proc, url = separate_simulator
    second = _readme_blocks()[1]
    assert '"http://127.0.0.1:5101"' in second
    out = subprocess.run(
        [sys.executable, "-c", second.replace("http://127.0.0.1:5101", url)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.split() == [url, "True"]
    assert proc.poll() is None, "still running after the sample's stop()"
