"""Signed URLs of the local store, checked without HTTP."""

from __future__ import annotations

import hashlib
import hmac
import io
import json
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from medrec_app.storage import (
    BlobNotFound,
    InvalidKey,
    InvalidSignature,
    LinkExpired,
    LocalBlobStore,
    SignedGrant,
)

KEY = "patients/1/2.png"
NOW = 1_800_000_000.0


@pytest.fixture
def store(tmp_path: Path) -> LocalBlobStore:
    return LocalBlobStore(tmp_path, b"k" * 32, clock=lambda: NOW)


def _split(url: str) -> tuple[str, dict[str, str]]:
    parts = urlsplit(url)
    params = {k: v[0] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
    return parts.path, params


def test_url_shape(store: LocalBlobStore) -> None:
    path, params = _split(
        store.url_for(KEY, expires_in=300, content_type="image/png", as_attachment=True)
    )
    assert path == "/files/patients/1/2.png"
    # No file name: names often hold a patient's name, and URLs end up in logs.
    assert sorted(params) == ["ct", "dl", "exp", "sig"]
    assert params["exp"] == str(int(NOW) + 300)
    assert params["ct"] == "image/png"
    assert params["dl"] == "1"
    assert len(params["sig"]) == 64


def test_url_for_takes_no_download_name(store: LocalBlobStore) -> None:
    with pytest.raises(TypeError):
        store.url_for(KEY, expires_in=300, content_type="image/png", download_name="a.png")  # type: ignore[call-arg]


@pytest.mark.parametrize("as_attachment", [False, True])
def test_verify_returns_the_signed_grant(store: LocalBlobStore, as_attachment: bool) -> None:
    _, params = _split(
        store.url_for(
            KEY, expires_in=300, content_type="application/pdf", as_attachment=as_attachment
        )
    )
    assert store.verify_signed_url(KEY, params) == SignedGrant(
        content_type="application/pdf", as_attachment=as_attachment
    )


def test_a_name_added_to_a_link_changes_nothing(store: LocalBlobStore) -> None:
    _, params = _split(store.url_for(KEY, expires_in=60, content_type="image/png"))
    grant = store.verify_signed_url(KEY, params)
    assert store.verify_signed_url(KEY, params | {"name": "x.html"}) == grant


def test_a_link_signed_with_a_name_no_longer_verifies(store: LocalBlobStore) -> None:
    """Links made before names left them (signature v1, name signed) are refused."""
    expires_at = int(NOW) + 60
    message = json.dumps(
        ["medrec-file-url-v1", KEY, expires_at, "image/png", False, "Jane Doe.png"],
        separators=(",", ":"),
    )
    sig = hmac.new(b"k" * 32, message.encode(), hashlib.sha256).hexdigest()
    params = {"exp": str(expires_at), "ct": "image/png", "dl": "0", "name": "Jane Doe.png"}
    with pytest.raises(InvalidSignature):
        store.verify_signed_url(KEY, params | {"sig": sig})


def test_expiry_is_inclusive_of_the_last_second(store: LocalBlobStore) -> None:
    _, params = _split(store.url_for(KEY, expires_in=60, content_type="image/png"))
    store.verify_signed_url(KEY, params, now=NOW + 60)
    with pytest.raises(LinkExpired, match="expired"):
        store.verify_signed_url(KEY, params, now=NOW + 61)


@pytest.mark.parametrize(
    ("param", "value"),
    [
        ("exp", str(int(NOW) + 10_000)),
        ("ct", "text/html"),
        ("dl", "1"),
        ("sig", "0" * 64),
    ],
)
def test_any_changed_param_is_invalid(store: LocalBlobStore, param: str, value: str) -> None:
    _, params = _split(store.url_for(KEY, expires_in=60, content_type="image/png"))
    params[param] = value
    with pytest.raises(InvalidSignature):
        store.verify_signed_url(KEY, params)


@pytest.mark.parametrize("param", ["sig", "exp", "ct", "dl"])
def test_missing_param_is_invalid(store: LocalBlobStore, param: str) -> None:
    _, params = _split(store.url_for(KEY, expires_in=60, content_type="image/png"))
    del params[param]
    with pytest.raises(InvalidSignature):
        store.verify_signed_url(KEY, params)


def test_other_key_is_invalid(store: LocalBlobStore) -> None:
    _, params = _split(store.url_for(KEY, expires_in=60, content_type="image/png"))
    with pytest.raises(InvalidSignature):
        store.verify_signed_url("patients/1/3.png", params)


def test_other_signing_key_is_invalid(store: LocalBlobStore, tmp_path: Path) -> None:
    other = LocalBlobStore(tmp_path, b"other-key", clock=lambda: NOW)
    _, params = _split(other.url_for(KEY, expires_in=60, content_type="image/png"))
    with pytest.raises(InvalidSignature):
        store.verify_signed_url(KEY, params)


def test_tampered_expired_link_reads_as_tampering(store: LocalBlobStore) -> None:
    _, params = _split(store.url_for(KEY, expires_in=60, content_type="image/png"))
    params["exp"] = "1"
    with pytest.raises(InvalidSignature):
        store.verify_signed_url(KEY, params)


@pytest.mark.parametrize("expires_in", [0, -1, 7 * 24 * 3600 + 1])
def test_expires_in_bounds(store: LocalBlobStore, expires_in: int) -> None:
    with pytest.raises(ValueError):
        store.url_for(KEY, expires_in=expires_in, content_type="image/png")


def test_signature_and_expiry_errors_are_distinct() -> None:
    assert not issubclass(LinkExpired, InvalidSignature)
    assert not issubclass(InvalidSignature, LinkExpired)


def test_symlink_out_of_root_is_refused(tmp_path: Path) -> None:
    root = tmp_path / "root"
    (root / "patients").mkdir(parents=True)
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "1.png").write_bytes(b"secret")
    (root / "patients" / "9").symlink_to(outside)
    store = LocalBlobStore(root, b"k")
    with pytest.raises(InvalidKey):
        store.open("patients/9/1.png")
    with pytest.raises(InvalidKey):
        store.put("patients/9/2.png", io.BytesIO(b"x"), "image/png")
    assert not (outside / "2.png").exists()


def test_open_of_directory_is_not_found(store: LocalBlobStore) -> None:
    store.put(KEY, io.BytesIO(b"x"), "image/png")
    with pytest.raises(BlobNotFound):
        store.open("patients/1")


def test_empty_signing_key_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        LocalBlobStore(tmp_path, b"")
