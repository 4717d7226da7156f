"""A real PostgreSQL for the test session: the embedded server, a fresh database."""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.engine import make_url

from medrec_app import db
from medrec_app.settings import PROJECT_ROOT, get_settings

TEST_PG_DIR = PROJECT_ROOT / "data" / "test-pg"


@pytest.fixture(scope="session")
def pg_server() -> Iterator[Any]:
    """The embedded test server's handle (None when TEST_DATABASE_URL names another)."""
    if os.environ.get("TEST_DATABASE_URL"):
        yield None
        return
    server, _ = db.start_embedded(TEST_PG_DIR, database="postgres")
    yield server
    server.stop()


@pytest.fixture(scope="session")
def pg_admin_url(pg_server: Any) -> str:
    """URL of the test server's maintenance database (embedded unless TEST_DATABASE_URL)."""
    if pg_server is None:
        return os.environ["TEST_DATABASE_URL"]
    return pg_server.get_uri(driver="psycopg")


def fresh_database(admin_url: str, prefix: str) -> str:
    """Create an empty database with a unique name; returns its URL."""
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    db.ensure_database(admin_url, name)
    url = make_url(db.normalize_url(admin_url)).set(database=name)
    return url.render_as_string(hide_password=False)


@pytest.fixture
def new_database(pg_admin_url: str) -> Iterator[Callable[..., str]]:
    """Make empty databases (``new_database(prefix)`` returns the URL); dropped after the
    test."""
    made: list[str] = []

    def make(prefix: str = "medrec_new") -> str:
        made.append(fresh_database(pg_admin_url, prefix))
        return made[-1]

    yield make
    for url in made:
        db.drop_database(pg_admin_url, db.database_name(url))


@contextmanager
def app_database(url: str, data_dir: Path) -> Iterator[str]:
    """Point this process's settings and engine at ``url`` (and ``data_dir``) meanwhile."""
    old = {k: os.environ.get(k) for k in ("DATABASE_URL", "MEDREC_DATA_DIR")}
    os.environ["DATABASE_URL"], os.environ["MEDREC_DATA_DIR"] = url, str(data_dir)
    get_settings.cache_clear()
    db.get_engine.cache_clear()
    try:
        yield url
    finally:
        if db.get_engine.cache_info().currsize:
            db.get_engine().dispose()
        db.get_engine.cache_clear()
        for key, value in old.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        get_settings.cache_clear()


@pytest.fixture(scope="session")
def database_url(pg_admin_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A migrated database for this test session, set as the app's DATABASE_URL."""
    from medrec_app.migrations import migrate

    url = fresh_database(pg_admin_url, "medrec_test")
    migrate(url)
    with app_database(url, tmp_path_factory.mktemp("data")):
        yield url
    db.drop_database(pg_admin_url, db.database_name(url))
