"""Fixtures: one simulator per session (started on port 0 with extra customer organisations,
stopped at the end), reset before every test; a client on minted tokens and one that gets its
own from the simulator's Maskinporten."""

import os
import sys
import tempfile
from pathlib import Path

import pytest

from altinn_systemuser import Client, Maskinporten, RsaSigner
from altinn_systemuser.testing import Simulator

EXTRA_ORGS = 1200

# The compiled component goes to a cache of this run (and of the CLI processes the tests start),
# not the user's ~/.cache.
os.environ.setdefault("SYSTEMUSER_CACHE_DIR", tempfile.mkdtemp(prefix="altinn-systemuser-test-cache-"))

ROOT = Path(__file__).resolve().parents[3]
#: TEST-ONLY keys of the simulator's fixture (read in place, never copied).
KEYS = ROOT / "simulator" / "tests" / "keys"
CLIENT_KEY = KEYS / "TEST-ONLY-client-key.pk8.pem"
UNREGISTERED_KEY = KEYS / "TEST-ONLY-unregistered-key.pk8.pem"
#: The business certificate (x5c) the fixture registers for CLIENT_KEY.
CLIENT_CERT = KEYS / "TEST-ONLY-client-cert.pem"
CLIENT_ID = "sim-smartregnskap-client"
KID = "sim-test-key-1"


@pytest.fixture(scope="session")
def sim_session():
    s = Simulator.start(extra_orgs=EXTRA_ORGS)
    defaults = s.settings()
    s.defaults = defaults
    yield s
    s.stop()


@pytest.fixture
def sim(sim_session):
    sim_session.reset()
    sim_session.admin("PUT", "settings", sim_session.defaults)
    yield sim_session
    sim_session.admin("DELETE", "faults")


@pytest.fixture
def client(sim):
    return Client(sim.environment, token=sim.token_provider(), timeout=5.0, retries=2, backoff=0.01)


@pytest.fixture
def signer():
    return RsaSigner.from_file(CLIENT_KEY, kid=KID)


@pytest.fixture
def mp_client(sim, signer):
    return Client(sim.environment, maskinporten=Maskinporten(CLIENT_ID, signer), timeout=5.0, retries=2, backoff=0.01)


@pytest.fixture
def show(capsys):
    """Prints past pytest's capture, into the suite's own output: what the secret scan of
    `make test` reads, so that a secret in a printed error would be caught there too."""

    def out(*lines):
        with capsys.disabled():
            for line in lines:
                print(line)

    return out


def pytest_terminal_summary(terminalreporter):
    hostile = sys.modules.get("test_hostile")
    if hostile is not None and hostile.RESULTS:
        terminalreporter.write_line("")
        for line in hostile.summary_lines():
            terminalreporter.write_line(line)
