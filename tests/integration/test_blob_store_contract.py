"""One contract, two stores: local disk and S3 (boto3 against a moto server over HTTP).

Local-only tests at the end cover what moto does not enforce for presigned URLs
(signature and expiry checks) but the local file route must, and the name the local route
asks for when a link is used.
"""

from __future__ import annotations

import hashlib
import random
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from botocore.client import BaseClient
from starlette.applications import Starlette

from medrec_app.storage import (
    BlobNotFound,
    BlobStore,
    InvalidKey,
    LocalBlobStore,
    content_disposition,
    generic_download_name,
)
from medrec_app.storage.local_route import file_route
from medrec_app.storage.s3 import S3BlobStore, make_s3_client
from tests.support import HttpResult, http_request, serve_asgi

MB = 1024 * 1024
SIGNING_KEY = b"contract-test-signing-key"
KEY = "patients/1/2.png"
DATA = bytes(range(256)) * 40
# What the database would say the file under KEY was called (local route only).
STORED_NAME = 'Röntgen "links".png'


def no_stored_names(key: str) -> None:
    """The local route's name lookup when the database knows no name for any key."""
    return None


class GeneratedStream:
    """A non-seekable stream of ``size`` pseudo-random bytes, produced lazily.

    It records the largest single read, to show that stores copy in chunks, and can raise
    part-way through to simulate a client that disconnects mid-upload.
    """

    def __init__(self, size: int, *, fail_after: int | None = None, seed: int = 7) -> None:
        self._remaining = size
        self._rng = random.Random(seed)
        self._fail_after = fail_after
        self._sent = 0
        self._buffer = b""
        self.largest_read = 0
        self.digest = hashlib.sha256()

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return False

    def read(self, size: int = -1) -> bytes:
        if size is None or size < 0:
            size = self._remaining + len(self._buffer)
        self.largest_read = max(self.largest_read, size)
        while len(self._buffer) < size and self._remaining:
            n = min(MB, self._remaining)
            self._buffer += self._rng.randbytes(n)
            self._remaining -= n
        data, self._buffer = self._buffer[:size], self._buffer[size:]
        if self._fail_after is not None and self._sent + len(data) > self._fail_after:
            raise ConnectionResetError("client went away mid-upload")
        self._sent += len(data)
        self.digest.update(data)
        return data


class _Bytes:
    """Minimal readable stream over bytes (what a web framework's upload looks like)."""

    def __init__(self, data: bytes) -> None:
        self._data = memoryview(data)
        self._pos = 0

    def read(self, size: int = -1) -> bytes:
        end = len(self._data) if size is None or size < 0 else self._pos + size
        chunk = bytes(self._data[self._pos : end])
        self._pos += len(chunk)
        return chunk


def _s3_client(endpoint: str) -> BaseClient:
    return make_s3_client("us-east-1", endpoint)


@pytest.fixture(params=["local", "s3"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[BlobStore]:
    if request.param == "local":
        yield LocalBlobStore(tmp_path / "files", SIGNING_KEY)
        return
    endpoint: str = request.getfixturevalue("moto_s3_endpoint")
    client = _s3_client(endpoint)
    bucket = f"medrec-test-{uuid.uuid4().hex[:20]}"
    client.create_bucket(Bucket=bucket)
    yield S3BlobStore(bucket, "us-east-1", endpoint_url=endpoint)
    _empty_and_delete_bucket(client, bucket)


def _empty_and_delete_bucket(client: BaseClient, bucket: str) -> None:
    for upload in client.list_multipart_uploads(Bucket=bucket).get("Uploads", []):
        client.abort_multipart_upload(Bucket=bucket, Key=upload["Key"], UploadId=upload["UploadId"])
    for obj in client.list_objects_v2(Bucket=bucket).get("Contents", []):
        client.delete_object(Bucket=bucket, Key=obj["Key"])
    client.delete_bucket(Bucket=bucket)


def stored_leftovers(store: BlobStore) -> list[str]:
    """Every file (local, temp files included) or object and pending multipart upload (S3)."""
    if isinstance(store, LocalBlobStore):
        if not store.root.exists():
            return []
        return sorted(str(p.relative_to(store.root)) for p in store.root.rglob("*") if p.is_file())
    assert isinstance(store, S3BlobStore)
    client = store.client
    objects = client.list_objects_v2(Bucket=store.bucket).get("Contents", [])
    uploads = client.list_multipart_uploads(Bucket=store.bucket).get("Uploads", [])
    return sorted([o["Key"] for o in objects] + [f"upload:{u['Key']}" for u in uploads])


@pytest.fixture
def absolute_url(store: BlobStore) -> Iterator[Callable[[str], str]]:
    """Turn ``url_for`` output into a fetchable URL (local: serve ``file_route`` over HTTP).

    The local route is given no stored names, so both stores name downloads the same way.
    """
    if isinstance(store, LocalBlobStore):
        with serve_asgi(Starlette(routes=[file_route(store, no_stored_names)])) as base:
            yield lambda url: base + url
    else:
        yield lambda url: url


def read_all(store: BlobStore, key: str) -> bytes:
    with store.open(key) as stream:
        return stream.read()


# --- put / open / exists / delete ---------------------------------------------------------


def test_bucket_names_where_the_file_lives(store: BlobStore) -> None:
    if isinstance(store, LocalBlobStore):
        assert store.bucket == "local"
    else:
        assert store.bucket.startswith("medrec-test-")


def test_put_then_open_round_trips_bytes(store: BlobStore) -> None:
    assert store.put(KEY, _Bytes(DATA), "image/png") == len(DATA)
    assert read_all(store, KEY) == DATA


def test_put_overwrites(store: BlobStore) -> None:
    store.put(KEY, _Bytes(b"first version"), "image/png")
    store.put(KEY, _Bytes(b"second"), "image/png")
    assert read_all(store, KEY) == b"second"
    assert stored_leftovers(store) == [KEY]


def test_put_of_empty_stream(store: BlobStore) -> None:
    assert store.put(KEY, _Bytes(b""), "image/png") == 0
    assert store.exists(KEY)
    assert read_all(store, KEY) == b""


def test_large_put_is_streamed_in_chunks(store: BlobStore) -> None:
    size = 20 * MB
    stream = GeneratedStream(size)
    assert store.put("patients/1/3.pdf", stream, "application/pdf") == size
    assert stream.largest_read <= 8 * MB, "the stream was read whole, not in chunks"

    read_back = hashlib.sha256()
    with store.open("patients/1/3.pdf") as blob:
        while chunk := blob.read(MB):
            read_back.update(chunk)
    assert read_back.hexdigest() == stream.digest.hexdigest()
    if isinstance(store, S3BlobStore):
        head = store.client.head_object(Bucket=store.bucket, Key="patients/1/3.pdf")
        assert head["ETag"].strip('"').endswith("-3"), "expected a 3-part multipart upload"
        assert head["ContentType"] == "application/pdf"
        assert head["ContentLength"] == size


def test_exists(store: BlobStore) -> None:
    assert not store.exists(KEY)
    store.put(KEY, _Bytes(DATA), "image/png")
    assert store.exists(KEY)
    assert not store.exists("patients/1")  # a "directory" is not a blob


def test_size_without_reading(store: BlobStore) -> None:
    store.put(KEY, _Bytes(DATA), "image/png")
    store.put("patients/1/4.png", _Bytes(b""), "image/png")
    assert (store.size(KEY), store.size("patients/1/4.png")) == (len(DATA), 0)
    with pytest.raises(BlobNotFound) as excinfo:
        store.size("patients/1")  # a "directory" is not a blob
    assert excinfo.value.key == "patients/1"


def test_delete_then_gone(store: BlobStore) -> None:
    store.put(KEY, _Bytes(DATA), "image/png")
    store.delete(KEY)
    assert not store.exists(KEY)
    with pytest.raises(BlobNotFound) as excinfo:
        store.open(KEY)
    assert excinfo.value.key == KEY


def test_delete_of_missing_key_is_fine(store: BlobStore) -> None:
    store.delete("patients/9/9.png")
    store.delete("patients/9/9.png")


def test_open_of_missing_key_raises(store: BlobStore) -> None:
    with pytest.raises(BlobNotFound):
        store.open("patients/404/1.png")


# 17 MB: two 8 MB parts are read (and may be uploaded) before the stream fails.
@pytest.mark.parametrize("fail_after", [1000, 17 * MB], ids=["single-put", "multipart"])
def test_failed_put_leaves_nothing_behind(store: BlobStore, fail_after: int) -> None:
    with pytest.raises(ConnectionResetError):
        store.put(KEY, GeneratedStream(20 * MB, fail_after=fail_after), "image/png")
    assert not store.exists(KEY)
    assert stored_leftovers(store) == []


def test_failed_overwrite_keeps_the_old_object(store: BlobStore) -> None:
    store.put(KEY, _Bytes(DATA), "image/png")
    with pytest.raises(ConnectionResetError):
        store.put(KEY, GeneratedStream(MB, fail_after=1000), "image/png")
    assert read_all(store, KEY) == DATA
    assert stored_leftovers(store) == [KEY]


BAD_KEYS = [
    "../x",
    "/abs",
    "a//b",
    "a\\b",
    "patients/1/../../x.png",
    "patients/1/./x.png",
    "patients/1/.tmp-x.part",
    "Patients/1/2.png",
    "patients/1/2.png/",
    "",
    "a" * 501,
    "templates/1/" + "n" * 256,
]

METHODS: dict[str, Callable[[BlobStore, str], object]] = {
    "put": lambda s, k: s.put(k, _Bytes(b"x"), "image/png"),
    "open": lambda s, k: s.open(k),
    "exists": lambda s, k: s.exists(k),
    "size": lambda s, k: s.size(k),
    "delete": lambda s, k: s.delete(k),
    "url_for": lambda s, k: s.url_for(k, expires_in=60, content_type="image/png"),
}


@pytest.mark.parametrize("method", sorted(METHODS))
@pytest.mark.parametrize("key", BAD_KEYS, ids=lambda k: repr(k[:24]))
def test_invalid_keys_are_refused_by_every_method(store: BlobStore, method: str, key: str) -> None:
    with pytest.raises(InvalidKey):
        METHODS[method](store, key)
    assert stored_leftovers(store) == []


def test_longest_allowed_key_works(store: BlobStore) -> None:
    key = "/".join(["t" * 245, "e" * 245, "n" * 8])
    assert len(key) == 500
    store.put(key, _Bytes(b"x"), "text/plain")
    assert read_all(store, key) == b"x"


# --- url_for over real HTTP ---------------------------------------------------------------


def test_url_serves_inline_with_signed_content_type(
    store: BlobStore, absolute_url: Callable[[str], str]
) -> None:
    store.put(KEY, _Bytes(DATA), "application/octet-stream")
    url = store.url_for(KEY, expires_in=60, content_type="image/png")
    result = http_request(absolute_url(url))
    assert result.status == 200
    assert result.body == DATA
    assert result.headers["content-type"] == "image/png"
    assert result.headers["content-disposition"] == (
        "inline; filename=\"medrec-file-2.png\"; filename*=UTF-8''medrec-file-2.png"
    )
    assert result.headers["cache-control"] == "private, no-store"


def test_url_serves_attachment_under_the_generic_name(
    store: BlobStore, absolute_url: Callable[[str], str]
) -> None:
    store.put(KEY, _Bytes(DATA), "image/png")
    url = store.url_for(KEY, expires_in=60, content_type="image/png", as_attachment=True)
    result = http_request(absolute_url(url))
    assert result.status == 200
    assert result.body == DATA
    assert result.headers["content-disposition"] == content_disposition(
        as_attachment=True, download_name=generic_download_name(KEY)
    )
    assert generic_download_name(KEY) == "medrec-file-2.png"


def test_url_for_takes_no_download_name(store: BlobStore) -> None:
    """A file name would end up in the URL (S3 signs the disposition into the query)."""
    with pytest.raises(TypeError):
        store.url_for(KEY, expires_in=60, content_type="image/png", download_name="a.png")  # type: ignore[call-arg]


def test_url_answers_range_requests(store: BlobStore, absolute_url: Callable[[str], str]) -> None:
    store.put(KEY, _Bytes(DATA), "image/png")
    url = absolute_url(store.url_for(KEY, expires_in=60, content_type="image/png"))
    result = http_request(url, headers={"Range": "bytes=10-19"})
    assert result.status == 206
    assert result.body == DATA[10:20]
    assert result.headers["content-range"] == f"bytes 10-19/{len(DATA)}"
    assert result.headers["content-type"] == "image/png"


# --- local file route: what the S3 side gets from S3 itself -------------------------------


@pytest.fixture
def local_store(tmp_path: Path) -> LocalBlobStore:
    store = LocalBlobStore(tmp_path / "files", SIGNING_KEY)
    store.put(KEY, _Bytes(DATA), "image/png")
    return store


@pytest.fixture
def looked_up() -> list[str]:
    """The keys the local route asked a name for, in order."""
    return []


@pytest.fixture
def local_base(local_store: LocalBlobStore, looked_up: list[str]) -> Iterator[str]:
    def stored_name(key: str) -> str | None:
        looked_up.append(key)
        return STORED_NAME if key == KEY else None

    with serve_asgi(Starlette(routes=[file_route(local_store, stored_name)])) as base:
        yield base


def _tamper(url: str, **changes: str | None) -> str:
    parts = urlsplit(url)
    params = {k: v[0] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
    path = changes.pop("path", None) or parts.path
    for name, value in changes.items():
        if value is None:
            params.pop(name, None)
        else:
            params[name] = value
    return f"{path}?{urlencode(params)}"


def test_local_route_sets_safety_headers(local_store: LocalBlobStore, local_base: str) -> None:
    url = local_store.url_for(KEY, expires_in=60, content_type="text/html")
    result = http_request(local_base + url)
    assert result.status == 200
    assert result.headers["x-content-type-options"] == "nosniff"
    assert result.headers["cache-control"] == "private, no-store"
    assert result.headers["content-type"] == "text/html"  # exactly as signed, no charset added


def test_local_route_answers_head(local_store: LocalBlobStore, local_base: str) -> None:
    url = local_store.url_for(KEY, expires_in=60, content_type="image/png")
    result = http_request(local_base + url, method="HEAD")
    assert result.status == 200
    assert result.body == b""
    assert result.headers["content-length"] == str(len(DATA))
    assert result.headers["content-disposition"] == content_disposition(
        as_attachment=False, download_name=STORED_NAME
    )


@pytest.mark.parametrize("as_attachment", [False, True])
def test_local_route_names_the_download_as_stored_when_used(
    local_store: LocalBlobStore, local_base: str, looked_up: list[str], as_attachment: bool
) -> None:
    url = local_store.url_for(
        KEY, expires_in=60, content_type="image/png", as_attachment=as_attachment
    )
    result = http_request(local_base + url, headers={"Range": "bytes=0-9"})
    assert result.status == 206 and result.body == DATA[:10]
    disposition = "attachment" if as_attachment else "inline"
    assert result.headers["content-disposition"] == (
        f'{disposition}; filename="Rontgen _links_.png"; '
        "filename*=UTF-8''R%C3%B6ntgen%20%22links%22.png"
    )
    assert looked_up == [KEY]


def test_local_route_names_a_file_without_a_stored_name_generically(
    local_store: LocalBlobStore, local_base: str
) -> None:
    local_store.put("patients/1/2.thumb.webp", _Bytes(b"preview"), "image/webp")
    url = local_store.url_for("patients/1/2.thumb.webp", expires_in=60, content_type="image/webp")
    result = http_request(local_base + url)
    assert result.status == 200 and result.body == b"preview"
    assert result.headers["content-disposition"] == content_disposition(
        as_attachment=False, download_name="medrec-file-2.thumb.webp"
    )


def test_local_route_ignores_a_name_added_to_the_link(
    local_store: LocalBlobStore, local_base: str
) -> None:
    url = local_store.url_for(KEY, expires_in=60, content_type="image/png")
    result = http_request(local_base + url + "&name=evil.html")
    assert result.status == 200
    assert result.headers["content-disposition"] == content_disposition(
        as_attachment=False, download_name=STORED_NAME
    )


@pytest.mark.parametrize(
    "changes",
    [
        {"path": "/files/patients/1/3.png"},
        {"exp": "4102444800"},
        {"ct": "text/html"},
        {"dl": "1"},
        {"sig": "0" * 64},
        {"sig": None},
        {"exp": None},
    ],
    ids=lambda c: next(iter(c)) + ("-missing" if None in c.values() else "-changed"),
)
def test_local_route_refuses_tampered_links(
    local_store: LocalBlobStore,
    local_base: str,
    looked_up: list[str],
    changes: dict[str, str | None],
) -> None:
    local_store.put("patients/1/3.png", _Bytes(b"other"), "image/png")
    url = local_store.url_for(KEY, expires_in=60, content_type="image/png")
    result = http_request(local_base + _tamper(url, **changes))
    assert result.status == 403
    assert result.body == b"This link is not valid."
    assert looked_up == [], "a name was looked up for a link that is not genuine"


def test_local_route_refuses_links_signed_with_another_key(
    local_store: LocalBlobStore, local_base: str
) -> None:
    forger = LocalBlobStore(local_store.root, b"someone-elses-key")
    result = http_request(local_base + forger.url_for(KEY, expires_in=60, content_type="image/png"))
    assert result.status == 403


def test_local_route_refuses_expired_links(local_store: LocalBlobStore, local_base: str) -> None:
    # A store whose clock is an hour behind signs a link that is already past its expiry.
    past = LocalBlobStore(local_store.root, SIGNING_KEY, clock=lambda: time.time() - 3600)
    result = http_request(local_base + past.url_for(KEY, expires_in=60, content_type="image/png"))
    assert result.status == 403
    assert result.body == b"This link has expired."


def test_local_route_404s_for_missing_files(local_store: LocalBlobStore, local_base: str) -> None:
    url = local_store.url_for("patients/1/99.png", expires_in=60, content_type="image/png")
    assert http_request(local_base + url).status == 404


def test_local_route_never_serves_outside_root(
    local_store: LocalBlobStore, local_base: str, tmp_path: Path
) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("outside")
    (local_store.root / "patients" / "1" / "link.txt").symlink_to(secret)
    url = local_store.url_for("patients/1/link.txt", expires_in=60, content_type="text/plain")
    result: HttpResult = http_request(local_base + url)
    assert result.status == 404
    assert b"outside" not in result.body
    traversal = http_request(local_base + "/files/patients/%2e%2e/%2e%2e/secret.txt?sig=x")
    assert traversal.status in (403, 404)
    assert b"outside" not in traversal.body


def test_local_route_416_for_unsatisfiable_range(
    local_store: LocalBlobStore, local_base: str
) -> None:
    url = local_store.url_for(KEY, expires_in=60, content_type="image/png")
    result = http_request(local_base + url, headers={"Range": f"bytes={len(DATA) + 5}-"})
    assert result.status == 416
