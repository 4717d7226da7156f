"""What a backup folder holds, as its ``manifest.json`` says; written last, so a folder
without one is a backup that did not finish.

It names no person: blob keys are made of ids (``storage/base.py``), and the database's
URL, password and any S3 credentials are never part of it.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import BinaryIO, Literal

import orjson
from pydantic import BaseModel, ConfigDict

FORMAT = "medrec-backup-1"
MANIFEST_NAME = "manifest.json"
DUMP_NAME = "database.dump"
BLOBS_DIR = "blobs"
_CHUNK = 1024 * 1024


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class BlobEntry(_Frozen):
    """One object the database names, as it was when the backup read it."""

    key: str
    size: int
    sha256: str


class DumpEntry(_Frozen):
    """The ``pg_dump -Fc`` archive: its file, checksum and the ``pg_dump`` that made it."""

    file: str
    size: int
    sha256: str
    pg_dump_version: int
    server_version: int


class Manifest(_Frozen):
    """``blobs_copied``: the blobs are in the folder under ``blobs/<key>`` (local store);
    otherwise (S3) the bucket keeps them and the entries let a restore check it.
    ``missing``: keys the database names that the store did not hold at backup time."""

    format: Literal["medrec-backup-1"] = FORMAT
    medrec_version: str
    alembic_revision: str
    created_at: datetime
    storage_backend: Literal["local", "s3"]
    bucket: str
    blobs_copied: bool
    database: DumpEntry
    table_rows: dict[str, int]
    blobs: list[BlobEntry]
    missing: list[str]

    @property
    def blob_bytes(self) -> int:
        return sum(blob.size for blob in self.blobs)

    @property
    def row_count(self) -> int:
        return sum(self.table_rows.values())


class ManifestUnreadable(ValueError):
    """The manifest is not JSON of this format (another tool's, or damaged)."""


def encode(manifest: Manifest) -> bytes:
    return orjson.dumps(manifest.model_dump(mode="json"), option=orjson.OPT_INDENT_2) + b"\n"


def decode(data: bytes) -> Manifest:
    try:
        return Manifest.model_validate_json(data)
    except ValueError as error:
        raise ManifestUnreadable(f"{MANIFEST_NAME} is not a medrec backup manifest") from error


def digest(stream: BinaryIO) -> tuple[int, str]:
    """Length and SHA-256 (hex) of what is left in ``stream``, read in chunks."""
    hasher, size = hashlib.sha256(), 0
    while chunk := stream.read(_CHUNK):
        hasher.update(chunk)
        size += len(chunk)
    return size, hasher.hexdigest()
