"""Helpers for testing an integration against the local Altinn simulator (`altinn-sim`).

```python
with Simulator.start(extra_orgs=1000) as sim:
    client = Client(sim.environment, token=sim.token_provider())
    ...
    sim.approve(request_id)
```
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional

import requests

from .environments import Environment
from .tokens import SimulatorToken

__all__ = ["Simulator", "valid_org_numbers", "find_simulator_binary", "VENDOR", "STANDARD_SYSTEM", "AGENT_SYSTEM"]

VENDOR = "314248295"
STANDARD_SYSTEM = "314248295_smartregnskap"
AGENT_SYSTEM = "314248295_smartbyraa"

_WEIGHTS = (3, 2, 7, 6, 5, 4, 3, 2)


def org_check_digit(first8: str) -> Optional[int]:
    r = sum(int(d) * w for d, w in zip(first8, _WEIGHTS)) % 11
    if r == 1:
        return None
    return 0 if r == 0 else 11 - r


def valid_org_numbers(n: int, start: int = 32000000) -> Iterator[str]:
    """`n` valid organisation numbers (mod 11), deterministic, from `start` (8 digits) upwards."""
    made = 0
    p = start
    while made < n:
        s = f"{p:08d}"
        c = org_check_digit(s)
        p += 1
        if c is not None:
            made += 1
            yield s + str(c)


def _repo_root() -> Optional[Path]:
    for parent in Path(__file__).resolve().parents:
        if (parent / "simulator").is_dir() and (parent / "Cargo.toml").is_file():
            return parent
    for parent in Path.cwd().resolve().parents:
        if (parent / "simulator").is_dir() and (parent / "Cargo.toml").is_file():
            return parent
    return None


def find_simulator_binary() -> Path:
    """`$ALTINN_SIM`, else `target/release/altinn-sim` of the repository, else `altinn-sim` on PATH."""
    env = os.environ.get("ALTINN_SIM")
    if env:
        return Path(env)
    root = _repo_root()
    if root is not None:
        cand = root / "target" / "release" / "altinn-sim"
        if cand.is_file():
            return cand
    found = shutil.which("altinn-sim")
    if found:
        return Path(found)
    raise FileNotFoundError("altinn-sim not found: run `cargo build --release -p altinn-sim` or set $ALTINN_SIM")


def default_fixture() -> Dict[str, Any]:
    root = _repo_root()
    if root is None:
        raise FileNotFoundError("simulator/fixtures/default.json not found")
    return json.loads((root / "simulator" / "fixtures" / "default.json").read_text(encoding="utf-8"))


def builtin_fixture(binary: Optional[Path] = None) -> Dict[str, Any]:
    """The fixture a simulator binary loads by default, as it serves it on `GET /_sim/fixture`
    (from a short run of the binary): always one that binary accepts, even when the repository's
    `fixtures/default.json` is newer or older than the build."""
    proc = subprocess.Popen(
        [str(binary or find_simulator_binary()), "--listen", "127.0.0.1:0", "--admin"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        stdin=subprocess.DEVNULL,
        text=True,
    )
    try:
        line = proc.stdout.readline() if proc.stdout else ""
        if not line.startswith("listening on "):
            raise RuntimeError(f"altinn-sim did not start: {line!r}")
        with requests.Session() as http:
            http.trust_env = False
            r = http.get(line.split("listening on ", 1)[1].strip() + "/_sim/fixture", timeout=30)
            r.raise_for_status()
            return r.json()
    finally:
        proc.kill()
        proc.wait()
        if proc.stdout:
            proc.stdout.close()


class Simulator:
    """A running `altinn-sim --admin` on a free loopback port; `stop()` (or `with`) ends it."""

    def __init__(self, proc: subprocess.Popen, base: str, tmpdir: Optional[str], orgs: List[str]) -> None:
        self.proc = proc
        self.base = base
        self._tmpdir = tmpdir
        #: The generated customer organisations (beyond the fixture's own).
        self.orgs = orgs
        self.http = requests.Session()
        self.http.trust_env = False

    @classmethod
    def start(cls, *, extra_orgs: int = 0, args: Optional[List[str]] = None) -> "Simulator":
        binary = find_simulator_binary()
        tmpdir = tempfile.mkdtemp(prefix="altinn-sim-")
        cmd = [str(binary), "--listen", "127.0.0.1:0", "--admin"]
        orgs: List[str] = []
        if extra_orgs:
            try:
                fx = builtin_fixture(binary)
            except (RuntimeError, OSError, ValueError, requests.RequestException):
                fx = default_fixture()
            known = {o["orgNo"] if isinstance(o, dict) else o for o in fx.get("organizations", [])}
            orgs = [o for o in valid_org_numbers(extra_orgs + len(known)) if o not in known][:extra_orgs]
            fx["organizations"] = list(fx.get("organizations", [])) + [
                {"orgNo": o, "name": f"KUNDE {i} AS"} for i, o in enumerate(orgs)
            ]
            path = os.path.join(tmpdir, "fixture.json")
            with open(path, "w", encoding="utf-8") as f:
                json.dump(fx, f)
            cmd += ["--fixtures", path]
        cmd += list(args or [])
        errlog = open(os.path.join(tmpdir, "stderr.log"), "w+", encoding="utf-8")
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=errlog, stdin=subprocess.DEVNULL, text=True)
        line = proc.stdout.readline() if proc.stdout else ""
        if not line.startswith("listening on "):
            proc.kill()
            proc.wait()
            errlog.seek(0)
            err = errlog.read()
            shutil.rmtree(tmpdir, ignore_errors=True)
            raise RuntimeError(f"altinn-sim did not start: {line!r} {err[-500:]!r}")
        errlog.close()
        return cls(proc, line.split("listening on ", 1)[1].strip(), tmpdir, orgs)

    # -- plumbing -----------------------------------------------------------------------------

    @property
    def environment(self) -> Environment:
        return Environment.local(self.base)

    def token_provider(self, vendor: str = VENDOR) -> SimulatorToken:
        return SimulatorToken(self.base, vendor)

    def mint(self, scopes: List[str], vendor: str = VENDOR, expires_in: int = 3600, omit_consumer: bool = False) -> str:
        r = self.admin(
            "POST",
            "token",
            {"vendorOrgNo": vendor, "scopes": scopes, "expiresIn": expires_in, "omitConsumer": omit_consumer},
        )
        return r["access_token"]

    def admin(self, method: str, path: str, body: Any = None) -> Any:
        r = self.http.request(method, f"{self.base}/_sim/{path}", json=body, timeout=30)
        if r.status_code >= 400:
            raise RuntimeError(f"/_sim/{path}: {r.status_code} {r.text[:300]}")
        return r.json() if r.content else None

    def reset(self) -> None:
        self.admin("POST", "reset")

    def requests(self) -> List[dict]:
        return self.admin("GET", "requests")["requests"]

    def dedupe(self) -> List[dict]:
        return self.admin("GET", "dedupe")["keys"]

    def approve(self, request_id: str) -> dict:
        return self.admin("POST", f"requests/{request_id}/approve")

    def reject(self, request_id: str) -> dict:
        return self.admin("POST", f"requests/{request_id}/reject")

    def change_requests(self) -> List[dict]:
        """Every change request the simulator holds (deleted ones too, `isDeleted`)."""
        return self.admin("GET", "changerequests")["changeRequests"]

    def approve_change(self, change_request_id: str) -> dict:
        """The customer approves a change request (what its confirm page's Approve does)."""
        return self.admin("POST", f"changerequests/{change_request_id}/approve")

    def reject_change(self, change_request_id: str) -> dict:
        return self.admin("POST", f"changerequests/{change_request_id}/reject")

    def system_users(self) -> List[dict]:
        """Every system user, with the rights and packages it holds now."""
        return self.admin("GET", "systemusers")["systemUsers"]

    def system_user(self, system_user_id: str) -> dict:
        return self.admin("GET", f"systemusers/{system_user_id}")

    def delete_system_user(self, system_user_id: str) -> None:
        """The customer deletes a system user in the portal."""
        self.admin("DELETE", f"systemusers/{system_user_id}")

    def calls(self) -> List[dict]:
        """The simulator's call log (`seq`, `method`, `path`, `route`, `status`, `fault`), admin
        routes included."""
        return self.admin("GET", "calls")["calls"]

    def clear_calls(self) -> None:
        self.admin("DELETE", "calls")

    def settings(self, **patch: Any) -> dict:
        return self.admin("PATCH", "settings", patch) if patch else self.admin("GET", "settings")

    def fault(self, route: str, kind: str, **kw: Any) -> dict:
        return self.admin("POST", "faults", {"route": route, "kind": kind, **kw})

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self.proc.stdout:
            self.proc.stdout.close()
        if self._tmpdir:
            shutil.rmtree(self._tmpdir, ignore_errors=True)

    def __enter__(self) -> "Simulator":
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
