"""The REST API over real HTTP: the app's backend (``reflex run --env prod
--backend-only``) on the test session's database, and clients with API tokens."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import httpx
import pytest

from medrec_app.db import make_engine, session_scope
from medrec_app.domain.permissions import Role
from medrec_app.services import tokens
from tests.e2e.conftest import AppServer, _free_port
from tests.plugins.factories import ClinicData, make_clinic


@pytest.fixture(scope="session")
def api_server(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[AppServer]:
    """The backend on a free port, sharing this process's database and data folder (so
    files the tests store are the app's files, and its signed links verify)."""
    port = _free_port()
    log = tmp_path_factory.mktemp("api-server") / "reflex.log"
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "MEDREC_DATA_DIR": os.environ["MEDREC_DATA_DIR"],
        "MEDREC_PORT": str(port),
        "MEDREC_DEMO_DATA": "false",
        "REFLEX_TELEMETRY_ENABLED": "false",
        "REFLEX_CHECK_LATEST_VERSION": "false",
    }
    server = AppServer(
        url=f"http://127.0.0.1:{port}",
        port=port,
        db=make_engine(database_url),
        log=log,
        env=env,
        backend_only=True,
    )
    try:
        server.start()
        yield server
    finally:
        server.stop()
        server.db.dispose()


def issue_token(clinic: ClinicData, role: Role, **options) -> str:
    """A new API token for the clinic's user of ``role``, issued by its admin."""
    with session_scope() as session:
        user_id = clinic.actors[role].user_id
        return tokens.create_token(
            session, clinic.actors[Role.ADMIN], user_id=user_id, name=f"{role} test", **options
        ).secret


@dataclass
class ApiClinic:
    """A clinic with an HTTP client per role, each with its own API token."""

    data: ClinicData
    clients: dict[Role, httpx.Client] = field(default_factory=dict)
    _used: int = 0

    def __getitem__(self, role: Role) -> httpx.Client:
        return self.clients[role]

    def take_appointment(self) -> int:
        """An appointment no test has used yet (so it has no record)."""
        self._used += 1
        return self.data.appointment_ids[self._used - 1]


@pytest.fixture(scope="session")
def api_clinic(api_server: AppServer) -> Iterator[Callable[..., ApiClinic]]:
    """Makes clinics whose users call the API with their own tokens.

    Making one hashes four passwords (about a second each on a busy machine): tests
    that need no clinic of their own share ``clinic`` and ``other_clinic``.
    """
    made: list[ApiClinic] = []

    def make(appointments: int = 3) -> ApiClinic:
        clinic = ApiClinic(make_clinic("API clinic", appointments=appointments))
        for role in Role:
            clinic.clients[role] = httpx.Client(
                base_url=f"{api_server.url}/api",
                headers={"Authorization": f"Bearer {issue_token(clinic.data, role)}"},
                timeout=30,
            )
        made.append(clinic)
        return clinic

    yield make
    for clinic in made:
        for client in clinic.clients.values():
            client.close()


@pytest.fixture(scope="session")
def clinic(api_clinic: Callable[..., ApiClinic]) -> ApiClinic:
    """A clinic shared by the tests: take fresh appointments with ``take_appointment``."""
    return api_clinic(appointments=100)


@pytest.fixture(scope="session")
def other_clinic(api_clinic: Callable[..., ApiClinic]) -> ApiClinic:
    return api_clinic(appointments=40)


@pytest.fixture
def anonymous(api_server: AppServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=f"{api_server.url}/api", timeout=30) as client:
        yield client
