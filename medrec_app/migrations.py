"""Running Alembic from code, and the autogenerate rules shared with alembic/env.py."""

from __future__ import annotations

from typing import Any

from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection

from alembic import command
from medrec_app.settings import PROJECT_ROOT

# Indexes on expressions or with operator classes, written by hand in the migrations;
# autogenerate cannot represent them, so it must not propose dropping them.
HAND_WRITTEN_INDEXES = {"idx_medical_records_drawing_data", "idx_medical_records_form_data"}


def include_object(
    obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any
) -> bool:
    return not (type_ == "index" and name in HAND_WRITTEN_INDEXES)


def alembic_config(url: str) -> Config:
    config = Config(str(PROJECT_ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(PROJECT_ROOT / "alembic"))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    config.attributes["configure_logging"] = False
    return config


def migrate(url: str, revision: str = "head") -> None:
    """Upgrade the database at ``url`` to ``revision`` (the newest by default)."""
    command.upgrade(alembic_config(url), revision)


def schema_is_current(connection: Connection) -> bool:
    """Whether the database is at the newest revision (read-only: the app's role can ask)."""
    script = ScriptDirectory(str(PROJECT_ROOT / "alembic"))
    applied = MigrationContext.configure(connection).get_current_heads()
    return set(applied) == set(script.get_heads())


def downgrade(url: str, revision: str = "base") -> None:
    command.downgrade(alembic_config(url), revision)


def server_has_lz4(bind: Any) -> bool:
    """Whether the server was built with lz4 (then JSONB columns use it for TOAST)."""
    enumvals = bind.exec_driver_sql(
        "SELECT enumvals FROM pg_settings WHERE name = 'default_toast_compression'"
    ).scalar()
    return bool(enumvals) and "lz4" in enumvals
