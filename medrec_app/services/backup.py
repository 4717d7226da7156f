"""``cli backup DIR``: a ``pg_dump -Fc`` of the database, the blobs it names (copied
when the store is the local folder; read for their checksums when it is S3), and
``manifest.json`` written last (``domain/backup_manifest.py``).

The dump and the list of blob keys come from one snapshot of the database
(``pg_export_snapshot``), so every key the dump names is in the manifest.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import BinaryIO

from sqlalchemy import Connection, column, func, select, table, text, union
from sqlalchemy.exc import OperationalError

from medrec_app.db import make_engine
from medrec_app.domain import backup_manifest as mf
from medrec_app.domain.backup_manifest import BlobEntry, DumpEntry, Manifest
from medrec_app.services import pg_tools
from medrec_app.services.errors import BackupFailed, BackupRefused
from medrec_app.settings import PROJECT_ROOT, get_settings
from medrec_app.storage import BlobNotFound, BlobStore, InvalidKey, LocalBlobStore, get_store

# Every column that holds a blob-store key (tests/integration/test_backup.py checks that
# no other column of the schema ends in "_key").
BLOB_KEY_COLUMNS = (
    ("patient_files", "s3_key"),
    ("patient_files", "thumbnail_key"),
    ("patient_files", "display_key"),
    ("template_versions", "background_file_key"),
)

Progress = Callable[[str], None]


@dataclass(frozen=True)
class Snapshot:
    """What the backup read from the database, all in one transaction."""

    revision: str
    table_rows: dict[str, int]
    keys: list[str]
    dump: DumpEntry


def make_backup(url: str, directory: Path, progress: Progress = print) -> Manifest:
    """Write a backup of the database at ``url`` and the app's store into ``directory``."""
    _claim(directory)
    store = get_store()
    snapshot = _dump_database(url, directory)
    progress(f"Database dumped: {len(snapshot.table_rows)} tables; reading the blobs...")
    copy_to = directory / mf.BLOBS_DIR if isinstance(store, LocalBlobStore) else None
    blobs, missing = _read_blobs(store, snapshot.keys, copy_to)
    manifest = Manifest(
        medrec_version=medrec_version(),
        alembic_revision=snapshot.revision,
        created_at=datetime.now(UTC),
        storage_backend=get_settings().storage_backend,
        bucket=store.bucket,
        blobs_copied=copy_to is not None,
        database=snapshot.dump,
        table_rows=snapshot.table_rows,
        blobs=blobs,
        missing=missing,
    )
    write_atomically(directory / mf.MANIFEST_NAME, mf.encode(manifest))
    return manifest


def _claim(directory: Path) -> None:
    if directory.exists() and (not directory.is_dir() or any(directory.iterdir())):
        raise BackupRefused(
            f"{directory} exists and is not an empty folder: back up into a new folder."
        )
    directory.mkdir(parents=True, exist_ok=True)


def medrec_version() -> str:
    try:
        with (PROJECT_ROOT / "pyproject.toml").open("rb") as f:
            return str(tomllib.load(f)["project"]["version"])
    except (OSError, KeyError, tomllib.TOMLDecodeError):
        return "unknown"


@contextmanager
def connected(url: str) -> Iterator[Connection]:
    """A connection to ``url``; an unreachable database is a ``BackupFailed``."""
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            yield connection
    except OperationalError as error:
        first = str(error.orig).strip().splitlines()[0] if error.orig else "no answer"
        raise BackupFailed(f"The database cannot be reached: {first}") from None
    finally:
        engine.dispose()


def _dump_database(url: str, directory: Path) -> Snapshot:
    with connected(url) as connection:
        connection = connection.execution_options(isolation_level="REPEATABLE READ")
        with connection.begin():
            exported = connection.execute(text("SELECT pg_export_snapshot()")).scalar_one()
            revision = alembic_revision(connection)
            rows = table_rows(connection)
            keys = blob_keys(connection)
            dump = _run_pg_dump(connection, url, directory / mf.DUMP_NAME, exported)
    return Snapshot(revision=revision, table_rows=rows, keys=keys, dump=dump)


def alembic_revision(connection: Connection) -> str:
    has_table = connection.execute(text("SELECT to_regclass('public.alembic_version')")).scalar()
    if has_table is None:
        raise BackupRefused("The database holds no medrec schema (no alembic_version table).")
    revisions = connection.execute(text("SELECT version_num FROM alembic_version")).scalars()
    return ",".join(sorted(revisions))


def table_rows(connection: Connection) -> dict[str, int]:
    """Rows per table of the ``public`` schema, by table name."""
    names = connection.execute(
        text(
            "SELECT table_name FROM information_schema.tables "
            "WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY table_name"
        )
    ).scalars()
    return {
        name: connection.execute(select(func.count()).select_from(table(name))).scalar_one()
        for name in names
    }


def blob_keys(connection: Connection) -> list[str]:
    """Every key the database names, once each, sorted."""
    queries = [
        select(column(name).label("key")).select_from(table(owner)).where(column(name).is_not(None))
        for owner, name in BLOB_KEY_COLUMNS
    ]
    return sorted(connection.execute(union(*queries)).scalars())


def _run_pg_dump(connection: Connection, url: str, path: Path, exported: str) -> DumpEntry:
    server = pg_tools.server_major(connection)
    pg_dump, version = pg_tools.program("pg_dump", server)
    pg_tools.run([str(pg_dump), "--format=custom", f"--snapshot={exported}", f"--file={path}"], url)
    _fsync(path)
    with path.open("rb") as f:
        size, sha256 = mf.digest(f)
    return DumpEntry(
        file=mf.DUMP_NAME, size=size, sha256=sha256, pg_dump_version=version, server_version=server
    )


def _read_blobs(
    store: BlobStore, keys: list[str], copy_to: Path | None
) -> tuple[list[BlobEntry], list[str]]:
    blobs, missing = [], []
    for key in keys:
        try:
            with store.open(key) as stream:
                size, sha256 = _copy(stream, copy_to / key) if copy_to else mf.digest(stream)
        except (BlobNotFound, InvalidKey):
            missing.append(key)
            continue
        blobs.append(BlobEntry(key=key, size=size, sha256=sha256))
    return blobs, missing


def _copy(stream: BinaryIO, path: Path) -> tuple[int, str]:
    """Copy ``stream`` to ``path`` (made of a checked key, so inside the folder)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as out:
        size, sha256 = mf.digest(_Tee(stream, out))
        out.flush()
        os.fsync(out.fileno())
    return size, sha256


class _Tee:
    """Reads from a stream, writing what it read to another: one pass copies and hashes."""

    def __init__(self, source: BinaryIO, sink: BinaryIO) -> None:
        self._source, self._sink = source, sink

    def read(self, size: int = -1) -> bytes:
        data = self._source.read(size)
        self._sink.write(data)
        return data


def write_atomically(path: Path, data: bytes) -> None:
    part = path.with_name(f".{path.name}.part")
    with part.open("wb") as out:
        out.write(data)
        out.flush()
        os.fsync(out.fileno())
    os.replace(part, path)


def _fsync(path: Path) -> None:
    with path.open("rb+") as f:
        os.fsync(f.fileno())
