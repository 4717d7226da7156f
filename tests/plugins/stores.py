"""The app's file store for a test: the local store, or S3 on the session's moto server."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from moto.server import ThreadedMotoServer

from medrec_app.settings import get_settings
from medrec_app.storage.s3 import make_s3_client

both_stores = pytest.mark.parametrize("store_env", ["local", "s3"], indirect=True)
only_local = pytest.mark.parametrize("store_env", ["local"], indirect=True)
only_s3 = pytest.mark.parametrize("store_env", ["s3"], indirect=True)

_DUMMY_AWS_ENV = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
    # Keep a developer's real AWS config and profiles out of the tests.
    "AWS_CONFIG_FILE": "/nonexistent/aws-config",
    "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent/aws-credentials",
}


@contextmanager
def moto_s3() -> Iterator[str]:
    """``http://127.0.0.1:<port>`` of a moto server, with dummy AWS credentials set
    while it runs (for the tests' session, or a benchmark).

    Port 0 lets the OS pick a free port at bind time, so there is no probe-then-bind race.
    """
    with pytest.MonkeyPatch.context() as mp:
        for name, value in _DUMMY_AWS_ENV.items():
            mp.setenv(name, value)
        mp.delenv("AWS_PROFILE", raising=False)
        server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
        server.start()
        try:
            host, port = server.get_host_and_port()
            yield f"http://{host}:{port}"
        finally:
            server.stop()


@pytest.fixture(scope="session")
def moto_s3_endpoint() -> Iterator[str]:
    with moto_s3() as endpoint:
        yield endpoint


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
