"""Readiness on real PostgreSQL and a real (unreachable) S3 endpoint (issue 15 item 3): it
says which of database, schema and blob store is wrong, and nothing else."""

from __future__ import annotations

import socket
import time

from medrec_app import db, migrations
from medrec_app.services.health import readiness
from medrec_app.settings import get_settings
from tests.plugins.database import app_database, fresh_database

ALL_OK = {"database": "ok", "migrations": "ok", "blob_store": "ok"}


def test_the_test_database_and_local_store_are_ready(database_url):
    found = readiness()
    assert found.ready and found.checks == ALL_OK


def test_a_database_behind_the_newest_migration_is_not_ready(pg_admin_url, tmp_path):
    url = fresh_database(pg_admin_url, "medrec_health_behind")
    try:
        migrations.migrate(url, "0018")
        with app_database(url, tmp_path):
            found = readiness()
        assert not found.ready
        assert found.checks == {**ALL_OK, "migrations": "not at the newest migration"}
    finally:
        db.drop_database(pg_admin_url, db.database_name(url))


def test_an_unreachable_database_is_not_ready_and_says_only_that(tmp_path):
    closed = _closed_port()
    with app_database(f"postgresql+psycopg://medrec@127.0.0.1:{closed}/medrec", tmp_path):
        found = readiness()
    assert not found.ready
    assert found.checks == {**ALL_OK, "database": "unreachable", "migrations": "unknown"}


def test_an_unreachable_blob_store_is_not_ready(database_url, monkeypatch):
    monkeypatch.setenv("MEDREC_STORAGE_BACKEND", "s3")
    monkeypatch.setenv("MEDREC_S3_BUCKET", "medrec-health")
    monkeypatch.setenv("MEDREC_S3_ENDPOINT_URL", f"http://127.0.0.1:{_closed_port()}")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "test")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "test")
    get_settings.cache_clear()
    try:
        found = readiness()
    finally:
        monkeypatch.undo()
        get_settings.cache_clear()
    assert not found.ready and found.checks == {**ALL_OK, "blob_store": "unreachable"}


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_a_database_that_never_answers_is_not_ready_within_the_connect_timeout(
    tmp_path, monkeypatch
):
    """A server that takes the connection and says nothing (a firewall dropping packets
    after the handshake, a hung host) is given up on after the connect timeout, not after
    the operating system's TCP timeout of about two minutes."""
    monkeypatch.setenv("MEDREC_DB_CONNECT_TIMEOUT_SECONDS", "1")
    get_settings.cache_clear()
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        port = silent.getsockname()[1]
        try:
            with app_database(f"postgresql+psycopg://medrec@127.0.0.1:{port}/medrec", tmp_path):
                started = time.monotonic()
                found = readiness()
                waited = time.monotonic() - started
        finally:
            monkeypatch.undo()
            get_settings.cache_clear()
    assert found.checks == {**ALL_OK, "database": "unreachable", "migrations": "unknown"}
    assert waited < 5, f"waited {waited:.1f} s for a server that never answers"
