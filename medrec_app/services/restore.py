"""``cli restore DIR``: a backup of ``services/backup.py`` into an empty database and store.

Everything is checked before anything is written: the manifest, the dump's and every
copied blob's checksum, that the database holds no rows and the local store no files
(or, for a backup that left the blobs in S3, that the bucket holds every object at the
recorded size). ``pg_restore`` runs in one transaction, so a failed restore leaves the
database as it was. Then the blobs are put and read back, and the restored schema
revision and row counts are compared with the manifest.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Connection, text

from medrec_app.domain import backup_manifest as mf
from medrec_app.domain.backup_manifest import BlobEntry, Manifest
from medrec_app.domain.file_types import stored_type
from medrec_app.migrations import schema_is_current
from medrec_app.services import pg_tools
from medrec_app.services.backup import alembic_revision, connected, table_rows
from medrec_app.services.errors import BackupFailed, BackupRefused
from medrec_app.storage import BlobNotFound, BlobStore, LocalBlobStore, get_store

_LISTED = 10


@dataclass(frozen=True)
class Restored:
    manifest: Manifest
    blobs_put: int
    schema_is_newest: bool


def restore_backup(url: str, directory: Path) -> Restored:
    """Restore the backup in ``directory`` into the database at ``url`` and the app's store."""
    manifest = read_manifest(directory)
    _check_file(
        directory / manifest.database.file, manifest.database.size, manifest.database.sha256
    )
    store = get_store()
    if manifest.blobs_copied:
        _check_copied_blobs(directory, manifest.blobs)
        _check_store_empty(store, manifest.blobs)
    else:
        _check_bucket(store, manifest.blobs)
    with connected(url) as connection:
        _check_database_empty(connection)
        _run_pg_restore(connection, url, directory, manifest)
    put = _put_blobs(store, directory, manifest.blobs) if manifest.blobs_copied else 0
    with connected(url) as connection:
        newest = _check_restored(connection, manifest)
    return Restored(manifest=manifest, blobs_put=put, schema_is_newest=newest)


def read_manifest(directory: Path) -> Manifest:
    path = directory / mf.MANIFEST_NAME
    if not path.is_file():
        raise BackupRefused(
            f"{directory} holds no {mf.MANIFEST_NAME}: it is not a medrec backup, or one that "
            "did not finish (the manifest is written last)."
        )
    try:
        return mf.decode(path.read_bytes())
    except mf.ManifestUnreadable as error:
        raise BackupRefused(f"{directory}: {error}.") from None


def _check_file(path: Path, size: int, sha256: str) -> None:
    if _digest_of(path) != (size, sha256):
        raise BackupRefused(
            f"{path.name} does not match the manifest's checksum: the backup is damaged. "
            "Nothing was restored."
        )


def _digest_of(path: Path) -> tuple[int, str] | None:
    try:
        with path.open("rb") as f:
            return mf.digest(f)
    except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
        return None


def _check_copied_blobs(directory: Path, blobs: list[BlobEntry]) -> None:
    root = directory / mf.BLOBS_DIR
    bad = [b.key for b in blobs if _digest_of(root / b.key) != (b.size, b.sha256)]
    if bad:
        raise BackupRefused(
            f"{len(bad)} blob(s) in the backup are missing or do not match the manifest's "
            f"checksums: {_listed(bad)}. Nothing was restored."
        )


def _check_store_empty(store: BlobStore, blobs: list[BlobEntry]) -> None:
    if isinstance(store, LocalBlobStore):
        if any(path.is_file() for path in store.root.rglob("*")):
            raise BackupRefused(
                f"The file store {store.root} already holds files: restore into an empty "
                "store. Nothing was restored."
            )
        return
    present = [b.key for b in blobs if store.exists(b.key)]
    if present:
        raise BackupRefused(
            f"The bucket already holds {len(present)} of the backup's keys: {_listed(present)}. "
            "Restore into an empty bucket. Nothing was restored."
        )


def _check_bucket(store: BlobStore, blobs: list[BlobEntry]) -> None:
    """The backup left the blobs in the bucket: each must be there at the recorded size."""
    wrong = [b.key for b in blobs if _size_in(store, b.key) != b.size]
    if wrong:
        raise BackupRefused(
            f"The store {store.bucket!r} lacks {len(wrong)} of the backup's objects, or holds "
            f"them at another size: {_listed(wrong)}. Recover them (bucket versioning, "
            "replica) first. Nothing was restored."
        )


def _size_in(store: BlobStore, key: str) -> int | None:
    try:
        return store.size(key)
    except BlobNotFound:
        return None


def _check_database_empty(connection: Connection) -> None:
    rows = {
        name: n for name, n in table_rows(connection).items() if n and name != "alembic_version"
    }
    if rows:
        raise BackupRefused(
            f"The database is not empty ({sum(rows.values())} rows in {len(rows)} tables): "
            "restore into a new, empty database. Nothing was restored."
        )


def _run_pg_restore(connection: Connection, url: str, directory: Path, manifest: Manifest) -> None:
    """One transaction; ``--clean`` when the schema exists already (migrated, no rows).

    Owners and grants are left out: the restoring role owns what it creates, and the
    default privileges of ``deploy/postgres/roles.sql`` give the app role its rights.
    """
    has_schema = connection.execute(text("SELECT to_regclass('public.alembic_version')")).scalar()
    needed = max(pg_tools.server_major(connection), manifest.database.pg_dump_version)
    connection.commit()  # our locks from counting the rows would block --clean's drops
    pg_restore, _ = pg_tools.program("pg_restore", needed)
    command = [str(pg_restore), "--single-transaction", "--exit-on-error"]
    command += ["--no-owner", "--no-privileges"]
    if has_schema is not None:
        command += ["--clean", "--if-exists"]
    pg_tools.run([*command, str(directory / manifest.database.file)], url)


def _put_blobs(store: BlobStore, directory: Path, blobs: list[BlobEntry]) -> int:
    root, bad = directory / mf.BLOBS_DIR, []
    for blob in blobs:
        kind = stored_type(blob.key)
        with (root / blob.key).open("rb") as f:
            store.put(blob.key, f, kind.mime if kind else "application/octet-stream")
        with store.open(blob.key) as stored:
            if mf.digest(stored) != (blob.size, blob.sha256):
                bad.append(blob.key)
    if bad:
        raise BackupFailed(
            f"The database was restored, but {len(bad)} blob(s) read back from the store do "
            f"not match the manifest: {_listed(bad)}."
        )
    return len(blobs)


def _check_restored(connection: Connection, manifest: Manifest) -> bool:
    revision = alembic_revision(connection)
    if revision != manifest.alembic_revision:
        raise BackupFailed(
            f"The restored schema is at revision {revision}, the manifest says "
            f"{manifest.alembic_revision}."
        )
    counted = table_rows(connection)
    differ = sorted(
        n
        for n in manifest.table_rows.keys() | counted.keys()
        if counted.get(n) != manifest.table_rows.get(n)
    )
    if differ:
        raise BackupFailed(f"Row counts differ from the manifest in: {', '.join(differ)}.")
    return schema_is_current(connection)


def _listed(keys: list[str]) -> str:
    more = f" and {len(keys) - _LISTED} more" if len(keys) > _LISTED else ""
    return ", ".join(keys[:_LISTED]) + more
