"""``python -m medrec_app.cli backup DIR`` and ``restore DIR`` run as an operator runs them:
what they print, their exit codes, and that no password, patient name or file name is
in what they print or write."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

from sqlalchemy.engine import make_url
from sqlmodel import SQLModel

from medrec_app.db import normalize_url
from medrec_app.domain import backup_manifest as mf
from medrec_app.migrations import migrate
from medrec_app.services.demo import CLINICS, ensure_demo_data
from medrec_app.settings import PROJECT_ROOT
from tests.integration.test_backup import every_row, files_under
from tests.plugins.database import app_database

COMMAND = [sys.executable, "-m", "medrec_app.cli"]
PASSWORD = "pw-not-to-be-printed-7Q"


def cli(*args: str, url: str, data_dir: Path) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "MEDREC_DATA_DIR": str(data_dir),
        "MEDREC_DEMO_DATA": "false",
        "MEDREC_STORAGE_BACKEND": "local",
    }
    return subprocess.run(
        [*COMMAND, *args],
        env=env,
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def closed_port_url(url: str) -> str:
    """``url`` pointing at a local port nothing listens on, with a password in it."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    parsed = make_url(normalize_url(url)).set(
        host="127.0.0.1", port=port, password=PASSWORD, query={}
    )
    return parsed.render_as_string(hide_password=False)


def test_backup_and_restore_commands(new_database, tmp_path: Path) -> None:
    source_url, source_dir = new_database("medrec_source"), tmp_path / "source"
    migrate(source_url)
    with app_database(source_url, source_dir):
        ensure_demo_data()
    backup_dir = tmp_path / "backup"

    made = cli("backup", str(backup_dir), url=source_url, data_dir=source_dir)
    assert made.returncode == 0, made.stderr
    manifest = mf.decode((backup_dir / "manifest.json").read_bytes())
    assert made.stdout.splitlines() == [
        f"Database dumped: {len(manifest.table_rows)} tables; reading the blobs...",
        f"Backed up {len(manifest.table_rows)} tables, {manifest.row_count} rows "
        f"({manifest.database.size / 1024:.1f} KB dump, schema revision "
        f"{manifest.alembic_revision}) and {len(manifest.blobs)} blobs, "
        f"{manifest.blob_bytes / 1024:.1f} KB (copied into the backup; checksums in the "
        f"manifest) to {backup_dir}.",
    ]
    assert len(manifest.table_rows) == len(SQLModel.metadata.tables) + 1, "alembic_version"
    assert len(manifest.blobs) == 10 and manifest.blob_bytes > 1024

    again = cli("backup", str(backup_dir), url=source_url, data_dir=source_dir)
    assert again.returncode == 2
    assert again.stderr.splitlines()[-1] == (
        f"The backup was refused: {backup_dir} exists and is not an empty folder: back up "
        "into a new folder."
    )

    target_url, target_dir = new_database(), tmp_path / "target"
    restored = cli("restore", str(backup_dir), url=target_url, data_dir=target_dir)
    assert restored.returncode == 0, restored.stderr
    assert restored.stdout.splitlines() == [
        f"Restored {len(manifest.table_rows)} tables, {manifest.row_count} rows (schema "
        f"revision {manifest.alembic_revision}, row counts as in the manifest) and "
        f"{len(manifest.blobs)} blobs put and read back, {manifest.blob_bytes / 1024:.1f} KB, "
        f"from the backup of {manifest.created_at:%Y-%m-%d %H:%M} UTC."
    ]
    assert every_row(target_url) == every_row(source_url)
    assert files_under(target_dir / "files") == files_under(source_dir / "files")

    refused = cli("restore", str(backup_dir), url=target_url, data_dir=tmp_path / "other")
    assert refused.returncode == 2
    assert "The restore was refused: The database is not empty" in refused.stderr

    unreachable = closed_port_url(target_url)
    for args in (["backup", str(tmp_path / "never")], ["restore", str(backup_dir)]):
        down = cli(*args, url=unreachable, data_dir=tmp_path / "other")
        assert down.returncode == 1, down.stderr
        assert "failed: The database cannot be reached: connection failed" in down.stderr
        assert "Traceback" not in down.stderr

    printed = "".join(p.stdout + p.stderr for p in (made, again, restored, refused, down))
    written = (backup_dir / "manifest.json").read_text()
    names = [first for spec in CLINICS for first, _last, _born in spec["patients"]]
    for text in (printed, written):
        assert PASSWORD not in text
        assert not [name for name in names if name in text]
        assert "xray" not in text and "imaging-report" not in text
