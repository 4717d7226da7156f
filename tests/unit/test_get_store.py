"""Choosing the store from settings, and keeping the storage package free of UI/DB imports."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from medrec_app.settings import Settings
from medrec_app.storage import LocalBlobStore, StorageConfigError, get_store


def test_local_is_the_default(tmp_path: Path) -> None:
    store = get_store(Settings(data_dir=tmp_path, secret_key="s3cret"))
    assert isinstance(store, LocalBlobStore)
    assert store.root == (tmp_path / "files").resolve()
    assert store.bucket == "local"


def test_s3_needs_a_bucket(tmp_path: Path) -> None:
    with pytest.raises(StorageConfigError, match="MEDREC_S3_BUCKET"):
        get_store(Settings(data_dir=tmp_path, storage_backend="s3"))


def test_s3_store_from_settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from medrec_app.storage.s3 import S3BlobStore

    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    settings = Settings(
        data_dir=tmp_path,
        storage_backend="s3",
        s3_bucket="clinic-files",
        s3_region="eu-central-1",
        s3_endpoint_url="http://127.0.0.1:9",
    )
    store = get_store(settings)
    assert isinstance(store, S3BlobStore)
    assert store.bucket == "clinic-files"
    config = store.client.meta.config
    assert config.signature_version == "s3v4"
    assert config.s3 == {"addressing_style": "path"}
    assert store.client.meta.region_name == "eu-central-1"
    assert store.client.meta.endpoint_url == "http://127.0.0.1:9"


def test_storage_imports_neither_reflex_nor_sqlmodel_nor_eager_boto3() -> None:
    code = (
        "import sys, medrec_app.storage, medrec_app.storage.local_route;"
        "print(sorted(m for m in ('reflex', 'sqlmodel', 'boto3') if m in sys.modules))"
    )
    project_root = Path(__file__).resolve().parents[2]
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=project_root
    )
    assert out.stdout.strip() == "[]"
