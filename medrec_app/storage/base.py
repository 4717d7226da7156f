"""The blob-store interface shared by the local-disk and S3 stores, and its key rules.

Keys are built only by the helpers here from database ids and an extension, never from a
user-supplied file name; ``validate_key`` is checked by every method of every store, so a
key that could escape the store's root (or confuse S3 tooling) never reaches storage.
"""

from __future__ import annotations

import re
import unicodedata
from typing import BinaryIO, Protocol, runtime_checkable
from urllib.parse import quote

MAX_KEY_LENGTH = 500
# Common file-system limit for one path component (NAME_MAX); keeps both stores in step.
MAX_SEGMENT_LENGTH = 255
# Chunk size for copying streams: large enough for throughput, small enough for memory.
COPY_CHUNK_SIZE = 1024 * 1024

# A segment may not start with "." so that "." and ".." are impossible and the local
# store's hidden temp files (".tmp-*") can never be addressed as keys.
_SEGMENT = re.compile(r"[a-z0-9_\-][a-z0-9_.\-]*")
_EXTENSION = re.compile(r"[a-z0-9]{1,8}")
# type/subtype with optional simple parameters; no whitespace tricks, no CR/LF.
_CONTENT_TYPE = re.compile(
    r"[a-z0-9!#$&^_.+\-]+/[a-z0-9!#$&^_.+\-]+(;\s?[a-z0-9_\-]+=[a-z0-9_.\-]+)*",
    re.IGNORECASE,
)


class BlobNotFound(Exception):
    """No object is stored under the key."""

    def __init__(self, key: str) -> None:
        super().__init__(f"no blob stored under key {key!r}")
        self.key = key


class InvalidKey(ValueError):
    """The key breaks the key rules (see ``validate_key``)."""


@runtime_checkable
class BlobStore(Protocol):
    """Where uploaded files live. Implementations: ``LocalBlobStore``, ``S3BlobStore``."""

    @property
    def bucket(self) -> str:
        """The value to record in ``patient_files.s3_bucket`` (``"local"`` for disk)."""
        ...

    def put(self, key: str, stream: BinaryIO, content_type: str) -> int:
        """Store ``stream`` under ``key`` atomically, in chunks; return bytes written."""
        ...

    def open(self, key: str) -> BinaryIO:
        """A readable stream (usable as a context manager); ``BlobNotFound`` if missing."""
        ...

    def delete(self, key: str) -> None:
        """Remove the object; a missing key is not an error."""
        ...

    def exists(self, key: str) -> bool: ...

    def size(self, key: str) -> int:
        """The object's length in bytes, without reading it; ``BlobNotFound`` if missing."""
        ...

    def url_for(
        self, key: str, *, expires_in: int, content_type: str, as_attachment: bool = False
    ) -> str:
        """A URL that serves the object for ``expires_in`` seconds with these headers.

        It never carries a file name: names often hold a patient's name, and URLs end up
        in browser history and proxy logs. The local store's route asks the database for
        the name when the link is used; S3 answers with ``generic_download_name(key)``.
        """
        ...


def validate_key(key: str) -> str:
    """Return ``key`` unchanged if it is a safe relative key, else raise ``InvalidKey``.

    Allowed: ``/``-separated, non-empty segments of ``[a-z0-9_.-]`` not starting with a
    dot, each at most ``MAX_SEGMENT_LENGTH`` and at most ``MAX_KEY_LENGTH`` characters in all.
    """
    if not isinstance(key, str) or not key:
        raise InvalidKey("key must be a non-empty string")
    if len(key) > MAX_KEY_LENGTH:
        raise InvalidKey(f"key longer than {MAX_KEY_LENGTH} characters")
    for segment in key.split("/"):
        if not _SEGMENT.fullmatch(segment):
            raise InvalidKey(f"invalid key {key[:80]!r}: bad segment {segment[:40]!r}")
        if len(segment) > MAX_SEGMENT_LENGTH:
            raise InvalidKey(f"key segment longer than {MAX_SEGMENT_LENGTH} characters")
    return key


def _positive_id(value: int, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise InvalidKey(f"{what} must be a positive integer, got {value!r}")
    return value


def patient_file_key(patient_id: int, file_id: int, ext: str) -> str:
    """``patients/{patient_id}/{file_id}.{ext}``; ``ext`` is lowercased, dot optional."""
    extension = ext.lower().removeprefix(".") if isinstance(ext, str) else ""
    if not _EXTENSION.fullmatch(extension):
        raise InvalidKey(f"file extension must match [a-z0-9]{{1,8}}, got {ext!r}")
    pid = _positive_id(patient_id, "patient_id")
    fid = _positive_id(file_id, "file_id")
    return validate_key(f"patients/{pid}/{fid}.{extension}")


def patient_thumbnail_key(patient_id: int, file_id: int) -> str:
    """``patients/{patient_id}/{file_id}.thumb.webp``: the file's preview image."""
    pid = _positive_id(patient_id, "patient_id")
    fid = _positive_id(file_id, "file_id")
    return validate_key(f"patients/{pid}/{fid}.thumb.webp")


def patient_display_key(patient_id: int, file_id: int, ext: str) -> str:
    """``patients/{patient_id}/{file_id}.display.{ext}``: the file's display image (upright,
    8-bit, no metadata), when the original is not shown as is."""
    extension = ext.lower().removeprefix(".") if isinstance(ext, str) else ""
    if not _EXTENSION.fullmatch(extension):
        raise InvalidKey(f"file extension must match [a-z0-9]{{1,8}}, got {ext!r}")
    pid = _positive_id(patient_id, "patient_id")
    fid = _positive_id(file_id, "file_id")
    return validate_key(f"patients/{pid}/{fid}.display.{extension}")


def template_file_key(template_id: int, name: str) -> str:
    """``templates/{template_id}/{name}``; ``name`` must be a single valid key segment."""
    tid = _positive_id(template_id, "template_id")
    if not isinstance(name, str) or not _SEGMENT.fullmatch(name):
        raise InvalidKey(f"template file name must be one key segment, got {name!r}")
    return validate_key(f"templates/{tid}/{name}")


def validate_content_type(content_type: str) -> str:
    """Return ``content_type`` if it is a plain media type, else raise ``ValueError``.

    It ends up in a response header, so anything header-unsafe is refused here.
    """
    if not isinstance(content_type, str) or not _CONTENT_TYPE.fullmatch(content_type):
        raise ValueError(f"invalid content type {content_type!r}")
    return content_type


def validate_expires_in(expires_in: int, maximum: int) -> int:
    if isinstance(expires_in, bool) or not isinstance(expires_in, int):
        raise ValueError("expires_in must be an integer number of seconds")
    if not 1 <= expires_in <= maximum:
        raise ValueError(f"expires_in must be between 1 and {maximum} seconds")
    return expires_in


def _ascii_fallback(name: str) -> str:
    """A quoted-string-safe ASCII version of ``name`` for old clients (RFC 6266 4.3)."""
    decomposed = unicodedata.normalize("NFKD", name)
    chars = []
    for ch in decomposed:
        if unicodedata.combining(ch):
            continue
        chars.append(ch if " " <= ch <= "~" and ch not in '"\\%/' else "_")
    return "".join(chars).strip() or "download"


def _clean_download_name(name: str) -> str:
    """Drop control characters and any path part a client might honour."""
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C")
    name = name.replace("\\", "/").rsplit("/", 1)[-1].strip()
    return name[:200]


def generic_download_name(key: str) -> str:
    """``medrec-file-{last key segment}``, e.g. ``medrec-file-123.pdf``.

    Made only of the key, which is built from ids and a type-based extension and is in
    the URL anyway, so naming the download after it tells a URL's reader nothing new.
    """
    return "medrec-file-" + validate_key(key).rsplit("/", 1)[-1]


def content_disposition(*, as_attachment: bool, download_name: str | None) -> str:
    """The Content-Disposition value: ``attachment`` or ``inline``, with a filename.

    The filename is given twice, per RFC 6266: an ASCII ``filename="..."`` fallback and
    the exact UTF-8 name as RFC 5987 ``filename*=UTF-8''...``. The result is pure ASCII.
    """
    disposition = "attachment" if as_attachment else "inline"
    name = _clean_download_name(download_name) if download_name else ""
    if not name:
        return disposition
    fallback = _ascii_fallback(name)
    encoded = quote(name, safe="")
    return f"{disposition}; filename=\"{fallback}\"; filename*=UTF-8''{encoded}"
