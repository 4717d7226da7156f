"""File storage: the ``BlobStore`` interface, a local-disk and an S3 store, ``get_store``.

``S3BlobStore`` lives in ``medrec_app.storage.s3`` and is imported only when the S3
backend is chosen, so the embedded setup never loads boto3.
"""

from __future__ import annotations

import threading

from medrec_app.settings import Settings, get_settings
from medrec_app.storage.base import (
    BlobNotFound,
    BlobStore,
    InvalidKey,
    content_disposition,
    generic_download_name,
    patient_display_key,
    patient_file_key,
    patient_thumbnail_key,
    template_file_key,
    validate_key,
)
from medrec_app.storage.local import (
    InvalidSignature,
    LinkExpired,
    LocalBlobStore,
    SignedGrant,
)

__all__ = [
    "BlobNotFound",
    "BlobStore",
    "InvalidKey",
    "InvalidSignature",
    "LinkExpired",
    "LocalBlobStore",
    "SignedGrant",
    "StorageConfigError",
    "build_store",
    "content_disposition",
    "generic_download_name",
    "get_store",
    "patient_display_key",
    "patient_file_key",
    "patient_thumbnail_key",
    "template_file_key",
    "validate_key",
]


class StorageConfigError(ValueError):
    """The storage settings do not describe a usable store."""


_lock = threading.Lock()
_built: tuple[Settings, BlobStore] | None = None


def get_store() -> BlobStore:
    """The process's store, built once from ``get_settings()``.

    One S3 client for the process (a client is safe to share between threads; creating
    one per call from boto3's shared default session is not), and the local store's
    secret read once. Built again only when the settings object itself is replaced, as
    tests do when they point the app at another data folder.
    """
    global _built
    settings = get_settings()
    built = _built
    if built is not None and built[0] is settings:
        return built[1]
    with _lock:
        if _built is None or _built[0] is not settings:
            _built = (settings, build_store(settings))
        return _built[1]


def build_store(settings: Settings) -> BlobStore:
    """The store chosen by ``settings.storage_backend``: ``local`` (default) or ``s3``."""
    if settings.storage_backend == "s3":
        if not settings.s3_bucket:
            raise StorageConfigError(
                "MEDREC_STORAGE_BACKEND=s3 needs MEDREC_S3_BUCKET to name the bucket"
            )
        from medrec_app.storage.s3 import S3BlobStore

        return S3BlobStore(
            bucket=settings.s3_bucket,
            region=settings.s3_region,
            endpoint_url=settings.s3_endpoint_url or None,
        )
    if settings.storage_backend == "local":
        return LocalBlobStore(settings.files_dir, settings.signing_key())
    raise StorageConfigError(f"unknown storage backend {settings.storage_backend!r}")
