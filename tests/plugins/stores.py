"""The app's file store for a test: the local store, or S3 on the session's moto server."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest

from medrec_app.settings import get_settings
from medrec_app.storage.s3 import make_s3_client

both_stores = pytest.mark.parametrize("store_env", ["local", "s3"], indirect=True)
only_local = pytest.mark.parametrize("store_env", ["local"], indirect=True)
only_s3 = pytest.mark.parametrize("store_env", ["s3"], indirect=True)


@pytest.fixture
def store_env(request: pytest.FixtureRequest, moto_s3_endpoint: str) -> Iterator[str]:
    """Point the app at the store named by the parameter (a fresh bucket for S3);
    yields the backend name."""
    backend = request.param
    env = {"MEDREC_STORAGE_BACKEND": backend}
    if backend == "s3":
        bucket = f"medrec-{uuid.uuid4().hex[:12]}"
        make_s3_client("us-east-1", moto_s3_endpoint).create_bucket(Bucket=bucket)
        env |= {"MEDREC_S3_BUCKET": bucket, "MEDREC_S3_ENDPOINT_URL": moto_s3_endpoint}
    with pytest.MonkeyPatch.context() as mp:
        for name, value in env.items():
            mp.setenv(name, value)
        get_settings.cache_clear()
        yield backend
    get_settings.cache_clear()
