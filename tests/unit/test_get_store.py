"""Choosing the store from settings, and keeping the storage package free of UI/DB imports."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from medrec_app.settings import Settings
from medrec_app.storage import InvalidSignature, LocalBlobStore, StorageConfigError, build_store


def test_local_is_the_default(tmp_path: Path) -> None:
    store = build_store(Settings(data_dir=tmp_path, secret_key="s3cret"))
    assert isinstance(store, LocalBlobStore)
    assert store.root == (tmp_path / "files").resolve()
    assert store.bucket == "local"


def test_s3_needs_a_bucket(tmp_path: Path) -> None:
    with pytest.raises(StorageConfigError, match="MEDREC_S3_BUCKET"):
        build_store(Settings(data_dir=tmp_path, storage_backend="s3"))


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
    store = build_store(settings)
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


def test_the_process_builds_its_store_once_even_when_threads_ask_at_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from concurrent.futures import ThreadPoolExecutor

    from medrec_app import storage
    from medrec_app.settings import get_settings

    built: list[Settings] = []

    def counting_build(settings: Settings):
        built.append(settings)
        return real_build(settings)

    real_build = storage.build_store
    monkeypatch.setenv("MEDREC_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("MEDREC_SECRET_KEY", "a-secret-for-this-test")
    monkeypatch.setattr(storage, "build_store", counting_build)
    get_settings.cache_clear()
    try:
        with ThreadPoolExecutor(8) as pool:
            stores = list(pool.map(lambda _: storage.get_store(), range(64)))
        assert len(built) == 1 and all(s is stores[0] for s in stores)
        get_settings.cache_clear()  # new settings (as tests do): a store for them
        assert storage.get_store() is not stores[0] and len(built) == 2
    finally:
        get_settings.cache_clear()


def test_the_local_store_reads_its_generated_secret_once(tmp_path: Path) -> None:
    from urllib.parse import parse_qsl, urlsplit

    store = build_store(Settings(data_dir=tmp_path))
    url = urlsplit(store.url_for("patients/1/2.png", expires_in=60, content_type="image/png"))
    (tmp_path / "secret_key").write_text("replaced-after-start")
    grant = store.verify_signed_url("patients/1/2.png", dict(parse_qsl(url.query)))
    assert grant.content_type == "image/png"
    restarted = build_store(Settings(data_dir=tmp_path))  # a new process reads the new one
    with pytest.raises(InvalidSignature):
        restarted.verify_signed_url("patients/1/2.png", dict(parse_qsl(url.query)))
