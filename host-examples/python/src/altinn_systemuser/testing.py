"""Helpers for testing an integration against the local Altinn simulator (`altinn-sim`).

```python
with Simulator.start(extra_orgs=1000) as sim:        # or Simulator.attach("http://127.0.0.1:5101")
    client = Client(sim.environment, token=sim.token_provider())
    ...
    sim.approve(request_id)
```

`PostgresServer` starts a throwaway PostgreSQL (Debian's binaries) for `bulk.PostgresStore`.

The binary: `Simulator.start(binary=...)`, else `$ALTINN_SIM`, else `altinn-sim` on PATH, else
`target/release/altinn-sim` of the repository checkout (`find_simulator_binary`). Its default
fixture is compiled into it (`builtin_fixture()` reads it back), so nothing else is needed.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional, Union

import requests

from .environments import Environment
from .tokens import SimulatorToken

__all__ = [
    "Simulator",
    "PostgresServer",
    "PostgresServerError",
    "SimulatorError",
    "SimulatorNotFoundError",
    "valid_org_numbers",
    "find_simulator_binary",
    "builtin_fixture",
    "default_fixture",
    "BINARY_ENV",
    "VENDOR",
    "STANDARD_SYSTEM",
    "AGENT_SYSTEM",
]

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


#: The environment variable naming the `altinn-sim` binary.
BINARY_ENV = "ALTINN_SIM"


class SimulatorError(RuntimeError):
    """The simulator could not be started, attached to, or answered an admin call with an error."""


class SimulatorNotFoundError(FileNotFoundError):
    """No `altinn-sim` binary: `tried` lists every place looked at, in order."""

    def __init__(self, tried: List[str]) -> None:
        self.tried = list(tried)
        super().__init__(
            "altinn-sim not found; looked at:\n"
            + "\n".join(f"  - {t}" for t in self.tried)
            + "\nInstall it (`cargo install --path simulator` in the altinn-systemuser repository, or "
            "`cargo build --release -p altinn-sim` there), then pass `binary=`, set "
            f"${BINARY_ENV}, or put it on PATH; or run one yourself "
            "(`altinn-sim --listen 127.0.0.1:0 --admin`) and use `Simulator.attach(url)`."
        )


def _exe_name() -> str:
    return "altinn-sim.exe" if os.name == "nt" else "altinn-sim"


def _is_executable(path: Path) -> bool:
    return path.is_file() and os.access(path, os.X_OK)


def _checkouts() -> List[Path]:
    """The repository checkouts this package may run from: one holding this module, then the
    current directory or one of its parents (each at most once)."""
    found: List[Path] = []
    for start in (Path(__file__).resolve().parent, Path.cwd().resolve()):
        for d in (start, *start.parents):
            if (d / "simulator" / "Cargo.toml").is_file() and (d / "Cargo.toml").is_file():
                if d not in found:
                    found.append(d)
                break
    return found


def find_simulator_binary(binary: Union[str, "os.PathLike[str]", None] = None) -> Path:
    """The `altinn-sim` binary: `binary` if given, else `$ALTINN_SIM`, else `altinn-sim` on PATH,
    else `target/release/altinn-sim` of the repository checkout this package or the current
    directory is in. An explicit `binary` or `$ALTINN_SIM` that is not an executable file is an
    error (never silently replaced by another one); when nothing is found,
    `SimulatorNotFoundError` names every place looked at."""
    if binary is not None:
        path = Path(binary)
        if _is_executable(path):
            return path
        raise SimulatorNotFoundError([f"binary={str(binary)!r}: not an executable file"])
    env = os.environ.get(BINARY_ENV)
    if env:
        path = Path(env)
        if _is_executable(path):
            return path
        raise SimulatorNotFoundError([f"${BINARY_ENV}={env!r}: not an executable file"])
    tried = ["the binary= argument: not given", f"${BINARY_ENV}: not set"]
    found = shutil.which("altinn-sim")
    if found:
        return Path(found)
    tried.append("altinn-sim on PATH: not found")
    checkouts = _checkouts()
    for root in checkouts:
        cand = root / "target" / "release" / _exe_name()
        if _is_executable(cand):
            return cand
        tried.append(f"{cand}: not built (`make build` or `cargo build --release -p altinn-sim` in {root})")
    if not checkouts:
        tried.append(
            "target/release/altinn-sim of a repository checkout: neither this package "
            f"({Path(__file__).resolve().parent}) nor the current directory ({Path.cwd()}) is in one"
        )
    raise SimulatorNotFoundError(tried)


def default_fixture(binary: Union[str, "os.PathLike[str]", None] = None) -> Dict[str, Any]:
    """The simulator's default fixture. The binary carries it (compiled in) and serves it on
    `GET /_sim/fixture`, so no file is needed: this is `builtin_fixture(binary)`."""
    return builtin_fixture(binary)


def builtin_fixture(binary: Union[str, "os.PathLike[str]", None] = None) -> Dict[str, Any]:
    """The fixture a simulator binary loads by default, as it serves it on `GET /_sim/fixture`
    (from a short run of the binary): always one that binary accepts, even when the repository's
    `fixtures/default.json` is newer or older than the build."""
    proc = subprocess.Popen(
        [str(find_simulator_binary(binary)), "--listen", "127.0.0.1:0", "--admin"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        stdin=subprocess.DEVNULL,
        text=True,
    )
    try:
        line = proc.stdout.readline() if proc.stdout else ""
        if not line.startswith("listening on "):
            raise SimulatorError(f"altinn-sim did not start: {line!r}")
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
    """The local Altinn for tests: `Simulator.start()` runs `altinn-sim --admin` on a loopback port
    (`stop()` or `with` ends it); `Simulator.attach(url)` uses one that is already running (started
    with `--admin`; `stop()` then leaves it running). Both have the same helpers over the
    simulator's `/_sim/` admin routes: `approve`, `reject`, `token_provider`, `reset`, …"""

    def __init__(self, proc: Optional[subprocess.Popen], base: str, tmpdir: Optional[str], orgs: List[str]) -> None:
        #: The simulator's process; None when attached to one started elsewhere.
        self.proc = proc
        self.base = base
        self._tmpdir = tmpdir
        #: The generated customer organisations (beyond the fixture's own).
        self.orgs = orgs
        self.http = requests.Session()
        self.http.trust_env = False

    @property
    def url(self) -> str:
        """The simulator's base URL, `http://127.0.0.1:PORT` (the same as `base`)."""
        return self.base

    @property
    def attached(self) -> bool:
        """True when this object did not start the simulator (`attach`): `stop()` leaves it running."""
        return self.proc is None

    @classmethod
    def start(
        cls,
        *,
        binary: Union[str, "os.PathLike[str]", None] = None,
        port: int = 0,
        extra_orgs: int = 0,
        args: Optional[List[str]] = None,
    ) -> "Simulator":
        """Starts `altinn-sim --listen 127.0.0.1:PORT --admin` (port 0: a free one) and waits until
        it listens. The binary is `binary`, else `$ALTINN_SIM`, else `altinn-sim` on PATH, else the
        repository checkout's `target/release/altinn-sim` (`find_simulator_binary`). `extra_orgs`
        adds that many valid customer organisations (`orgs`) to the binary's own fixture; `args`
        are more command-line options (`["--page-size", "5"]`)."""
        if not isinstance(port, int) or isinstance(port, bool) or not 0 <= port <= 65535:
            raise ValueError(f"port must be an int from 0 to 65535, got {port!r}")
        exe = find_simulator_binary(binary)
        tmpdir = tempfile.mkdtemp(prefix="altinn-sim-")
        cmd = [str(exe), "--listen", f"127.0.0.1:{port}", "--admin"]
        orgs: List[str] = []
        try:
            if extra_orgs:
                fx = builtin_fixture(exe)
                known = {o["orgNo"] if isinstance(o, dict) else o for o in fx.get("organizations", [])}
                orgs = [o for o in valid_org_numbers(extra_orgs + len(known)) if o not in known][:extra_orgs]
                fx["organizations"] = list(fx.get("organizations", [])) + [
                    {"orgNo": o, "name": f"KUNDE {i} AS"} for i, o in enumerate(orgs)
                ]
                path = os.path.join(tmpdir, "fixture.json")
                with open(path, "w", encoding="utf-8") as f:
                    json.dump(fx, f)
                cmd += ["--fixtures", path]
        except BaseException:
            shutil.rmtree(tmpdir, ignore_errors=True)
            raise
        cmd += list(args or [])
        errlog = open(os.path.join(tmpdir, "stderr.log"), "w+", encoding="utf-8")
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=errlog, stdin=subprocess.DEVNULL, text=True)
        line = proc.stdout.readline() if proc.stdout else ""
        if not line.startswith("listening on "):
            proc.kill()
            proc.wait()
            if proc.stdout:
                proc.stdout.close()
            errlog.seek(0)
            err = errlog.read()
            errlog.close()
            shutil.rmtree(tmpdir, ignore_errors=True)
            raise SimulatorError(f"altinn-sim ({exe}) did not start: {line!r} {err[-500:]!r}")
        errlog.close()
        return cls(proc, line.split("listening on ", 1)[1].strip().rstrip("/"), tmpdir, orgs)

    @classmethod
    def attach(cls, url: str, *, timeout: float = 10.0) -> "Simulator":
        """A simulator that is already running at `url` (`http://127.0.0.1:PORT`), started with
        `--admin`: checked at once (`GET /_sim/settings`), never started or stopped by this
        object (`stop()` only closes its HTTP session)."""
        if not isinstance(url, str) or not url.startswith(("http://", "https://")):
            raise ValueError(f"url must be the simulator's http(s) base URL, got {url!r}")
        sim = cls(None, url.rstrip("/"), None, [])
        try:
            r = sim.http.get(f"{sim.base}/_sim/settings", timeout=timeout)
        except requests.RequestException as e:
            sim.http.close()
            raise SimulatorError(f"no simulator answers at {sim.base}: {e}") from e
        if r.status_code == 404:
            sim.http.close()
            raise SimulatorError(
                f"{sim.base} has no /_sim/ admin routes: start altinn-sim with --admin to attach to it"
            )
        if r.status_code >= 400:
            sim.http.close()
            raise SimulatorError(f"{sim.base}/_sim/settings: {r.status_code} {r.text[:300]}")
        return sim

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
            raise SimulatorError(f"/_sim/{path}: {r.status_code} {r.text[:300]}")
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
        """Ends the simulator this object started (its state goes with it). On an attached one
        (`attach`) it only closes the HTTP session: the simulator keeps running."""
        self.http.close()
        if self.proc is None:
            return
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


class PostgresServerError(RuntimeError):
    """A `PostgresServer` could not be started (initdb or postgres failed), or is not running."""


class PostgresServer:
    """A throwaway PostgreSQL server for tests and benchmarks: Debian's binaries
    (`/usr/lib/postgresql/*/bin`, the newest; or `bin_dir`) run `initdb` in a temporary
    directory and `postgres` on a free loopback port; `dsn` is then
    `postgresql://postgres@127.0.0.1:PORT/postgres` (trust authentication, loopback only).

    ```python
    with PostgresServer() as pg:
        store = PostgresStore(pg.dsn)
    ```

    As root (CI), the server runs as the `postgres` user (initdb refuses root) with the
    temporary directory handed to it. `stop()` (or leaving the `with`) ends the server and
    removes the directory. `settings` are more `-c NAME=VALUE` server settings."""

    def __init__(self, *, bin_dir: Union[str, "os.PathLike[str]", None] = None, settings: Optional[Dict[str, str]] = None,
                 start_timeout: float = 60.0) -> None:
        self.bin_dir = Path(bin_dir) if bin_dir is not None else self.find_bin_dir()
        self.settings = dict(settings or {})
        self.start_timeout = start_timeout
        self.proc: Optional[subprocess.Popen] = None
        self.port = 0
        self._tmpdir: Optional[str] = None

    @staticmethod
    def find_bin_dir() -> Path:
        """The newest `/usr/lib/postgresql/N/bin` holding `initdb` and `postgres`."""
        import glob

        found = [Path(p).parent for p in glob.glob("/usr/lib/postgresql/*/bin/initdb")]
        found = [d for d in found if _is_executable(d / "postgres")]
        if not found:
            raise FileNotFoundError(
                "no PostgreSQL server binaries in /usr/lib/postgresql/*/bin: install Debian's `postgresql` package "
                "(apt-get install postgresql), or pass bin_dir="
            )
        return max(found, key=lambda d: int(d.parent.name) if d.parent.name.isdigit() else 0)

    @property
    def dsn(self) -> str:
        if self.proc is None:
            raise PostgresServerError("PostgresServer is not running: use it in a `with` block (or call start())")
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def _as_owner(self) -> Dict[str, Any]:
        # initdb and postgres refuse to run as root: run them as the `postgres` user then.
        if hasattr(os, "geteuid") and os.geteuid() == 0:
            import pwd

            try:
                pw = pwd.getpwnam("postgres")
            except KeyError:
                raise PostgresServerError(
                    "running as root, and there is no `postgres` user to run PostgreSQL as (initdb refuses root): "
                    "install Debian's postgresql package, which creates it"
                ) from None
            return {"user": pw.pw_uid, "group": pw.pw_gid, "extra_groups": []}
        return {}

    def start(self) -> "PostgresServer":
        import socket
        import time

        owner = self._as_owner()
        self._tmpdir = tempfile.mkdtemp(prefix="altinn-pg-")
        try:
            if owner:
                os.chown(self._tmpdir, owner["user"], owner["group"])
            data = os.path.join(self._tmpdir, "data")
            init = subprocess.run(
                [str(self.bin_dir / "initdb"), "-D", data, "-U", "postgres", "-A", "trust", "-E", "UTF8",
                 "--locale=C", "--no-sync"],
                cwd=self._tmpdir, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                text=True, **owner,
            )
            if init.returncode != 0:
                raise PostgresServerError(f"initdb failed ({init.returncode}): {init.stdout[-800:]}")
            with socket.socket() as s:  # a free port (the server binds it a moment later)
                s.bind(("127.0.0.1", 0))
                self.port = s.getsockname()[1]
            log_path = os.path.join(self._tmpdir, "server.log")
            settings = {"listen_addresses": "127.0.0.1", "unix_socket_directories": self._tmpdir, "max_connections": "200",
                        **self.settings}
            cmd = [str(self.bin_dir / "postgres"), "-D", data, "-p", str(self.port)]
            for k, v in settings.items():
                cmd += ["-c", f"{k}={v}"]
            with open(log_path, "wb") as log:
                if owner:
                    os.chown(log_path, owner["user"], owner["group"])
                self.proc = subprocess.Popen(cmd, cwd=self._tmpdir, stdin=subprocess.DEVNULL, stdout=log,
                                             stderr=subprocess.STDOUT, **owner)
            deadline = time.monotonic() + self.start_timeout
            while True:
                with open(log_path, "rb") as f:
                    text = f.read().decode("utf-8", "replace")
                if "ready to accept connections" in text:
                    break
                if self.proc.poll() is not None or time.monotonic() > deadline:
                    raise PostgresServerError(f"postgres did not start (exit {self.proc.poll()}): {text[-800:]}")
                time.sleep(0.05)
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        """Ends the server (fast shutdown, then a kill) and removes its directory."""
        import signal

        if self.proc is not None:
            if self.proc.poll() is None:
                self.proc.send_signal(signal.SIGINT)  # fast shutdown: ends the sessions
                try:
                    self.proc.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    self.proc.kill()
                    self.proc.wait()
            self.proc = None
        if self._tmpdir:
            shutil.rmtree(self._tmpdir, ignore_errors=True)
            self._tmpdir = None

    def __enter__(self) -> "PostgresServer":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
