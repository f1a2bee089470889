#!/usr/bin/env python3
"""Seconds to give up and peak memory of each host against each hostile server.

For every `server` case of tests/hostile/catalogue.json and every host (the Rust CLI, the
Python package, the Node package), this starts the simulator, arms the case's fault, runs the
case's task in a child process of that host with the host's DEFAULT settings (not the case's
short test config: these are the figures a user gets), and prints one table row: wall seconds,
peak RSS of the child (`wait4` rusage), and how it ended. A child is killed after --timeout
seconds or when its RSS passes --max-rss-mb, and the row says so.

    python3 scripts/hostile-figures.py                        # this checkout's hosts
    python3 scripts/hostile-figures.py --root /tmp/before     # another checkout's hosts (built),
                                                              # against this checkout's simulator

Needs the built component, target/release/{systemuser,altinn-sim}, the Python package's
.venv and the Node package's generated/ (run `make test` once, or the hosts' run-tests.sh).
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

HERE = Path(__file__).resolve().parent.parent
SYSTEM = "314248295_smartregnskap"
VENDOR = "314248295"
SCOPES = [
    "altinn:authentication/systemuser.request.read",
    "altinn:authentication/systemuser.request.write",
    "altinn:authentication/systemregister.write",
]
REQUEST_ID = "0f9a5c8e-3f4b-4e2a-9d1c-2b7e6a1d4c3f"

PYTHON_DRIVER = r"""
import sys
from altinn_systemuser import Client, Environment, StandardRequest
from altinn_systemuser.models import Right
url, token, task = sys.argv[1:4]
client = Client(Environment.local(url), token=token)
try:
    if task == "get":
        client.get_request("{id}")
    elif task == "list-all":
        client.list_all_requests("{system}")
    else:
        client.create_standard_request(StandardRequest(system_id="{system}", party_org_no="310816191",
            rights=[Right.for_resource("ske-krav-og-betalinger")]))
    print("ok")
except Exception as e:
    kind = getattr(getattr(e, "kind", None), "value", None)
    print("error:", type(e).__name__, f"({kind})" if kind else "", str(e)[:160])
""".format(id=REQUEST_ID, system=SYSTEM)

NODE_DRIVER = r"""
const [url, token, task, pkg] = process.argv.slice(1);
const { createClient } = await import(pkg);
const client = await createClient({
  environment: { platformUrl: url, confirmUrl: url, maskinportenIssuer: url + '/' },
  token: async () => token,
});
try {
  if (task === 'get') await client.getRequest('%ID%');
  else if (task === 'list-all') await client.listAllRequests({ systemId: '%SYS%' });
  else await client.createRequest({ systemId: '%SYS%', partyOrgNo: '310816191',
    rights: [{ resource: [{ id: 'urn:altinn:resource', value: 'ske-krav-og-betalinger' }] }] });
  console.log('ok');
} catch (e) {
  console.log('error:', e?.constructor?.name, e?.transportKind ? `(${e.transportKind})` : '', String(e?.message).slice(0, 160));
}
""".replace("%ID%", REQUEST_ID).replace("%SYS%", SYSTEM)


def post(url: str, body: dict) -> dict:
    req = urllib.request.Request(url, data=json.dumps(body).encode(), headers={"content-type": "application/json"})
    with urllib.request.urlopen(req, timeout=10) as r:
        return json.loads(r.read() or b"{}")


class Simulator:
    def __init__(self, binary: Path) -> None:
        self.proc = subprocess.Popen([str(binary), "--admin", "--listen", "127.0.0.1:0"], stdout=subprocess.PIPE, text=True)
        line = self.proc.stdout.readline().strip()
        if not line.startswith("listening on "):
            raise SystemExit(f"the simulator did not start: {line!r}")
        self.url = line.removeprefix("listening on ")
        self.token = post(f"{self.url}/_sim/token", {"vendorOrgNo": VENDOR, "scopes": SCOPES})["access_token"]

    def close(self) -> None:
        self.proc.kill()
        self.proc.wait()


def host_command(host: str, root: Path, url: str, task: str) -> list[str]:
    if host == "rust":
        cli = [str(root / "target/release/systemuser"), "--component", str(root / "target/wasm/altinn_systemuser.wasm"), "--base-url", url]
        if task == "get":
            return cli + ["request", "get", REQUEST_ID, "--kind", "standard"]
        if task == "list-all":
            return cli + ["request", "list", "--system-id", SYSTEM]
        return cli + ["request", "create", "--system-id", SYSTEM, "--org", "310816191", "--right", "ske-krav-og-betalinger"]
    if host == "python":
        return [str(root / "host-examples/python/.venv/bin/python"), "-c", PYTHON_DRIVER, url, "{token}", task]
    pkg = (root / "host-examples/node/src/index.js").as_uri()
    return ["node", "--input-type=module", "-e", NODE_DRIVER, url, "{token}", task, pkg]


def measure(cmd: list[str], env: dict, timeout: float, max_rss_mb: int) -> tuple[float, int, str]:
    started = time.monotonic()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env, text=True, start_new_session=True)
    killed: list[str] = []

    def running() -> bool:
        # Without reaping the child: `wait4` below must get its rusage.
        try:
            return os.waitid(os.P_PID, proc.pid, os.WEXITED | os.WNOHANG | os.WNOWAIT) is None
        except ChildProcessError:
            return False  # reaped by wait4

    def watchdog() -> None:
        while running():
            if time.monotonic() - started > timeout:
                killed.append(f"killed after {timeout:.0f} s")
            else:
                try:
                    rss_kb = next(int(l.split()[1]) for l in open(f"/proc/{proc.pid}/status") if l.startswith("VmRSS:"))
                except (OSError, StopIteration, ValueError):
                    rss_kb = 0
                if rss_kb > max_rss_mb * 1024:
                    killed.append(f"killed at {rss_kb // 1024} MB RSS")
            if killed:
                os.killpg(proc.pid, signal.SIGKILL)
                return
            time.sleep(0.05)

    threading.Thread(target=watchdog, daemon=True).start()
    output = proc.stdout.read()
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.monotonic() - started
    lines = [l for l in output.strip().splitlines() if l.strip()]
    last = [l for l in lines if l.startswith("error")][:1] or lines[-1:] or [""]
    if killed:
        outcome = killed[0]
    elif os.WIFSIGNALED(status):
        outcome = f"died of signal {os.WTERMSIG(status)}"
    else:
        code = os.WEXITSTATUS(status)
        outcome = f"exit {code}: {last[0][:90]}" if code else last[0][:100]
    return seconds, usage.ru_maxrss // 1024, outcome


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--root", type=Path, default=HERE, help="the checkout whose hosts to run (default: this one)")
    ap.add_argument("--sim", type=Path, default=HERE / "target/release/altinn-sim", help="the simulator binary")
    ap.add_argument("--hosts", default="rust,python,node")
    ap.add_argument("--cases", default="", help="only cases whose name contains this")
    ap.add_argument("--timeout", type=float, default=150.0)
    ap.add_argument("--max-rss-mb", type=int, default=6000)
    args = ap.parse_args()
    catalogue = json.loads((HERE / "tests/hostile/catalogue.json").read_text())
    cases = [c for c in catalogue["cases"] if c["op"] == "server" and args.cases in c["name"]]
    print(f"hosts of {args.root} (git {subprocess.run(['git', '-C', str(args.root), 'rev-parse', '--short', 'HEAD'], capture_output=True, text=True).stdout.strip()}), default settings")
    print("| case | host | seconds | peak RSS MB | how it ended |")
    print("|---|---|---:|---:|---|")
    for case in cases:
        for host in args.hosts.split(","):
            sim = Simulator(args.sim)
            try:
                for step in case.get("setup", []):
                    subprocess.run(host_command("rust", HERE, sim.url, step), env={**os.environ, "SYSTEMUSER_TOKEN": sim.token}, capture_output=True)
                faults = case["fault"] if isinstance(case["fault"], list) else [case["fault"]]
                for fault in faults:
                    if fault["kind"] in ("slow_headers", "slow_body"):
                        # One byte every 2 s, as the issue measured: slower than any read timeout.
                        fault = {**fault, "intervalMs": 2000, "count": 100}
                    post(f"{sim.url}/_sim/faults", fault)
                cmd = [sim.token if part == "{token}" else part for part in host_command(host, args.root, sim.url, case["task"])]
                env = {**os.environ, "SYSTEMUSER_TOKEN": sim.token, "NO_COLOR": "1"}
                seconds, rss, outcome = measure(cmd, env, args.timeout, args.max_rss_mb)
                outcome = outcome.replace(sim.token, "[token]").replace("|", "/")
                print(f"| {case['name'].removeprefix('server: ')} | {host} | {seconds:.1f} | {rss} | {outcome} |", flush=True)
            finally:
                sim.close()


if __name__ == "__main__":
    sys.exit(main())
