"""Blob store on a local folder, with HMAC-signed, expiring URLs served by ``file_route``.

This is the embedded default. Like S3 presigned URLs, a signed link fixes what the
response will say about the file (content type, inline or attachment) so that no one
holding a link can make the app serve a stored file as, say, ``text/html``. The link
names the file by its key only; the route asks for the download name when it is used.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import tempfile
import time
from collections.abc import Callable, Mapping
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO
from urllib.parse import quote, urlencode

from medrec_app.storage.base import (
    COPY_CHUNK_SIZE,
    BlobNotFound,
    InvalidKey,
    validate_content_type,
    validate_expires_in,
    validate_key,
)

LOCAL_BUCKET = "local"
# Same ceiling as S3 SigV4 presigned URLs: seven days.
MAX_URL_TTL_SECONDS = 7 * 24 * 3600


class InvalidSignature(Exception):
    """The signed URL was altered, signed with another key, or is missing its signature."""


class LinkExpired(Exception):
    """The signed URL was genuine but its expiry time has passed."""


@dataclass(frozen=True)
class SignedGrant:
    """What a verified URL allows: the response headers it was signed for."""

    content_type: str
    as_attachment: bool


class LocalBlobStore:
    """Files under ``root / key``; URLs are ``{url_prefix}/{key}?...&sig=...``."""

    def __init__(
        self,
        root: Path,
        signing_key: bytes,
        url_prefix: str = "/files",
        *,
        clock: Callable[[], float] = time.time,
    ) -> None:
        if not signing_key:
            raise ValueError("signing_key must not be empty")
        self._root = Path(root).resolve()
        self._signing_key = signing_key
        self._url_prefix = "/" + url_prefix.strip("/")
        self._clock = clock

    @property
    def bucket(self) -> str:
        return LOCAL_BUCKET

    @property
    def root(self) -> Path:
        return self._root

    @property
    def url_prefix(self) -> str:
        return self._url_prefix

    def path_for(self, key: str) -> Path:
        """The file path for ``key``, guaranteed to lie inside the root."""
        validate_key(key)
        path = (self._root / key).resolve()
        # validate_key already rules out "..", but a symlink planted inside the root
        # could still point outside it; resolve() follows it and this catches that.
        if not path.is_relative_to(self._root) or path == self._root:
            raise InvalidKey(f"key {key!r} resolves outside the store root")
        return path

    def put(self, key: str, stream: BinaryIO, content_type: str) -> int:
        """Copy ``stream`` to a temp file beside the target, then rename it into place."""
        path = self.path_for(key)
        validate_content_type(content_type)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".part")
        try:
            written = 0
            with os.fdopen(fd, "wb") as out:
                while chunk := stream.read(COPY_CHUNK_SIZE):
                    out.write(chunk)
                    written += len(chunk)
                out.flush()
                os.fsync(out.fileno())
            os.replace(tmp_name, path)
        except BaseException:
            with suppress(FileNotFoundError):
                os.unlink(tmp_name)
            raise
        return written

    def open(self, key: str) -> BinaryIO:
        path = self.path_for(key)
        try:
            return path.open("rb")
        except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
            raise BlobNotFound(key) from None

    def delete(self, key: str) -> None:
        path = self.path_for(key)
        with suppress(FileNotFoundError, IsADirectoryError, NotADirectoryError):
            path.unlink()

    def exists(self, key: str) -> bool:
        return self.path_for(key).is_file()

    def size(self, key: str) -> int:
        path = self.path_for(key)
        if not path.is_file():
            raise BlobNotFound(key)
        return path.stat().st_size

    def url_for(
        self,
        key: str,
        *,
        expires_in: int,
        content_type: str,
        as_attachment: bool = False,
    ) -> str:
        validate_key(key)
        validate_content_type(content_type)
        validate_expires_in(expires_in, MAX_URL_TTL_SECONDS)
        expires_at = int(self._clock()) + expires_in
        params = {
            "exp": str(expires_at),
            "ct": content_type,
            "dl": "1" if as_attachment else "0",
            "sig": self._sign(key, expires_at, content_type, as_attachment),
        }
        return f"{self._url_prefix}/{quote(key, safe='/')}?{urlencode(params)}"

    def verify_signed_url(
        self, key: str, query_params: Mapping[str, str], now: float | None = None
    ) -> SignedGrant:
        """Check a URL made by ``url_for``; raise ``InvalidSignature`` or ``LinkExpired``.

        The signature is checked before the expiry so that an altered ``exp`` reads as
        tampering, not as an expired link. Parameters it does not sign (such as the
        ``name`` that links carried before) are ignored: they change nothing served.
        """
        validate_key(key)
        sig = query_params.get("sig")
        exp = query_params.get("exp")
        content_type = query_params.get("ct")
        dl = query_params.get("dl")
        if not sig or not exp or not content_type or dl not in ("0", "1"):
            raise InvalidSignature("signed link is incomplete")
        if not exp.isascii() or not exp.isdigit():
            raise InvalidSignature("signed link has a malformed expiry")
        expires_at = int(exp)
        as_attachment = dl == "1"
        expected = self._sign(key, expires_at, content_type, as_attachment)
        if not hmac.compare_digest(expected, sig):
            raise InvalidSignature("signed link does not match its signature")
        current = self._clock() if now is None else now
        if current > expires_at:
            raise LinkExpired("signed link has expired")
        return SignedGrant(
            content_type=validate_content_type(content_type),
            as_attachment=as_attachment,
        )

    def _sign(self, key: str, expires_at: int, content_type: str, as_attachment: bool) -> str:
        # JSON keeps the fields unambiguous. v2: links no longer sign (or carry) a name,
        # so a v1 link, which did, no longer verifies.
        message = json.dumps(
            ["medrec-file-url-v2", key, expires_at, content_type, as_attachment],
            separators=(",", ":"),
        )
        return hmac.new(self._signing_key, message.encode(), hashlib.sha256).hexdigest()
