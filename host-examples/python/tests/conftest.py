"""Fixtures: one simulator per session (started on port 0 with extra customer organisations,
stopped at the end), reset before every test."""

import pytest

from altinn_systemuser import Client
from altinn_systemuser.testing import Simulator

EXTRA_ORGS = 1200


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
