"""Checks on an uploaded file before anything is stored: size, type, name, content.

The type comes from the bytes (the allow-list of ``domain/file_types.py``); the type the client
declared and the file-name extension must agree with it. Images are opened with Pillow
under a pixel limit and decoded; PDFs are parsed with pypdf. Every refusal is a
``FileRefused`` whose message says what is wrong and what the person can do about it.

The original file name is cleaned for display only; storage keys are built from ids.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from enum import StrEnum
from typing import BinaryIO

from PIL import Image

from medrec_app.domain.file_types import (
    ACCEPTED_EXTENSIONS,
    ACCEPTED_SUMMARY,
    JPEG,
    PDF,
    PNG,
    WEBP,
    FileType,
)
from medrec_app.domain.pdf_content import ActiveContent, PdfEncrypted, PdfUnreadable, inspect_pdf

MAX_NAME_LENGTH = 255
HEAD_BYTES = 4096
# Lower bound on the size a JPEG is decoded at to check it: the decoder still reads every
# byte of the compressed data, at up to 1/64 of the memory of a full decode.
JPEG_CHECK_SIZE = (256, 256)


class Refusal(StrEnum):
    TOO_LARGE = "too_large"
    UNSUPPORTED_TYPE = "unsupported_type"
    INVALID_CONTENT = "invalid_content"


class FileRefused(ValueError):
    """The file may not be stored; ``str()`` is a sentence for the person uploading."""

    def __init__(self, kind: Refusal, message: str) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message


# Names some clients send for the allowed types.
_MIME_ALIASES = {
    "image/jpg": "image/jpeg",
    "image/pjpeg": "image/jpeg",
    "application/x-pdf": "application/pdf",
}
_HTML_MARKERS = (b"<!doctype html", b"<html", b"<head", b"<body", b"<script", b"<iframe")
# Leading bytes of common formats people try, to name them in the refusal.
_OTHER_SIGNATURES = (
    (b"GIF8", "a GIF image"),
    (b"BM", "a BMP image"),
    (b"II*\x00", "a TIFF image"),
    (b"MM\x00*", "a TIFF image"),
    (b"PK\x03\x04", "a ZIP archive or an Office document"),
    (b"\xd0\xcf\x11\xe0", "an old-style Office document"),
    (b"\x1f\x8b", "a compressed (gzip) file"),
    (b"DICM", "a DICOM file"),
)


@dataclass(frozen=True)
class UploadLimits:
    max_bytes: int
    max_image_pixels: int


@dataclass(frozen=True)
class CheckedFile:
    """What the checks established about an accepted file."""

    kind: FileType
    display_name: str
    size: int
    page_count: int | None


def check_upload(
    source: BinaryIO, *, file_name: str, declared_type: str, limits: UploadLimits
) -> CheckedFile:
    """Run every check on the seekable ``source``; raise ``FileRefused`` on the first failure."""
    size = stream_size(source)
    check_size(size, limits.max_bytes)
    display_name = clean_display_name(file_name)
    kind = detect_kind(read_head(source), display_name)
    check_declared(kind, declared_type, display_name)
    page_count = None
    if kind is PDF:
        page_count = check_pdf(source)
    else:
        check_image(source, kind, limits.max_image_pixels)
    return CheckedFile(kind=kind, display_name=display_name, size=size, page_count=page_count)


def stream_size(source: BinaryIO) -> int:
    size = source.seek(0, 2)
    source.seek(0)
    return size


def read_head(source: BinaryIO) -> bytes:
    source.seek(0)
    head = source.read(HEAD_BYTES)
    source.seek(0)
    return head


def check_size(size: int, max_bytes: int) -> None:
    if size == 0:
        raise FileRefused(
            Refusal.INVALID_CONTENT,
            "The file is empty (0 bytes). Choose the file again; if it is still empty, "
            "save or export it again from the program that made it.",
        )
    if size > max_bytes:
        raise FileRefused(Refusal.TOO_LARGE, too_large_message(max_bytes))


def too_large_message(max_bytes: int) -> str:
    mb = max_bytes / (1024 * 1024)
    limit = f"{mb:.1f}".removesuffix(".0") + " MB" if mb >= 1 else f"{max_bytes // 1024} KB"
    return (
        f"The file is larger than the {limit} limit. Reduce it (for example scan at a "
        "lower resolution or split the PDF) and upload it again."
    )


def clean_display_name(name: str) -> str:
    """The name to show: no path part, no control or format characters, at most 255 long.

    ``../../x.png`` becomes ``x.png``. It is for display only, never for a key or a path.
    """
    text = unicodedata.normalize("NFC", name or "")
    text = "".join(ch for ch in text if unicodedata.category(ch)[0] != "C")
    text = text.replace("\\", "/").rsplit("/", 1)[-1].strip(" .")
    if len(text) <= MAX_NAME_LENGTH:
        return text
    stem, dot, ext = text.rpartition(".")
    if dot and 0 < len(ext) <= 10:
        return f"{stem[: MAX_NAME_LENGTH - len(ext) - 1]}.{ext}"
    return text[:MAX_NAME_LENGTH]


def name_extension(display_name: str) -> str:
    stem, dot, ext = display_name.rpartition(".")
    return ext.lower() if dot and stem else ""


def detect_kind(head: bytes, display_name: str = "") -> FileType:
    """The allowed type the leading bytes show, else ``FileRefused`` naming what it is."""
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return WEBP
    if head.startswith(b"%PDF-"):
        return PDF
    raise _unsupported(head, display_name)


def _unsupported(head: bytes, display_name: str) -> FileRefused:
    if not head:
        return FileRefused(
            Refusal.INVALID_CONTENT,
            "The file is empty (0 bytes). Choose the file again; if it is still empty, "
            "save or export it again from the program that made it.",
        )
    lowered = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if b"<svg" in lowered:
        return FileRefused(
            Refusal.UNSUPPORTED_TYPE,
            "SVG images are not accepted because they can contain scripts. Export the "
            "image as PNG or JPEG and upload that.",
        )
    what = _describe(lowered, head)
    ext = name_extension(display_name)
    named = f", although its name ends in .{ext}" if ext in ACCEPTED_EXTENSIONS else ""
    return FileRefused(
        Refusal.UNSUPPORTED_TYPE,
        f"This file is {what}, not an image or a PDF{named}. Only {ACCEPTED_SUMMARY} can "
        "be uploaded: save or export it as one of those and upload it again.",
    )


def _describe(lowered: bytes, head: bytes) -> str:
    if any(marker in lowered for marker in _HTML_MARKERS):
        return "a web page (HTML)"
    for signature, label in _OTHER_SIGNATURES:
        if head.startswith(signature):
            return label
    if _looks_like_text(head):
        return "plain text"
    return "of a type that cannot be recognised"


def _looks_like_text(head: bytes) -> bool:
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError as error:
        if error.start < len(head) - 3:  # not just a character cut at the end
            return False
        text = head[: error.start].decode("utf-8")
    return all(ch.isprintable() or ch in "\t\r\n\f" for ch in text)


def check_declared(kind: FileType, declared_type: str, display_name: str) -> None:
    """The declared type and the name's extension must both match the detected type."""
    if not display_name:
        raise FileRefused(
            Refusal.UNSUPPORTED_TYPE,
            f"The file has no usable name. Rename it (for example scan.{kind.extension}) "
            "and upload it again.",
        )
    declared = (declared_type or "").split(";", 1)[0].strip().lower()
    declared = _MIME_ALIASES.get(declared, declared)
    if declared != kind.mime:
        sent = f"as {declared[:60]!r}" if declared else "without a type"
        raise FileRefused(
            Refusal.UNSUPPORTED_TYPE,
            f"The file's content is a {kind.label}, but it was sent {sent}. Send it with "
            f"the type {kind.mime}, or check that this is the file you meant to upload.",
        )
    ext = name_extension(display_name)
    if ext not in kind.extensions:
        ending = f"ends in .{ext[:20]}" if ext else "has no extension"
        raise FileRefused(
            Refusal.UNSUPPORTED_TYPE,
            f"The file's content is a {kind.label}, but its name {ending}. Rename it to "
            f"end in .{kind.extension} and upload it again.",
        )


def check_image(source: BinaryIO, kind: FileType, max_pixels: int) -> None:
    """Read the dimensions from the header, refuse too many pixels, then decode.

    Decoding is what finds truncated and corrupt files. Only the first frame of an
    animated image is decoded; it is the one that is shown. Pillow raises many exception
    types for broken files, so any failure to open or decode counts as a broken file.
    """
    source.seek(0)
    try:
        with Image.open(source, formats=[kind.pil_format or ""]) as image:
            check_pixels(image.size, max_pixels)
            if kind is JPEG:
                image.draft("RGB", JPEG_CHECK_SIZE)
            image.load()
    except FileRefused:
        raise
    except Image.DecompressionBombError:
        raise check_pixels_error(max_pixels) from None
    except Exception:
        raise FileRefused(
            Refusal.INVALID_CONTENT,
            f"The {kind.label} is damaged or incomplete and cannot be opened. Save or "
            "export it again (or copy it again from the device) and upload the new file.",
        ) from None
    finally:
        source.seek(0)


def check_pixels(size: tuple[int, int], max_pixels: int) -> None:
    width, height = size
    if width <= 0 or height <= 0 or width * height > max_pixels:
        raise check_pixels_error(max_pixels)


def check_pixels_error(max_pixels: int) -> FileRefused:
    return FileRefused(
        Refusal.INVALID_CONTENT,
        f"The image has more than {max_pixels / 1_000_000:g} million pixels, the most "
        "that can be shown safely. Resize it (or scan at a lower resolution) and upload "
        "it again.",
    )


def check_pdf(source: BinaryIO) -> int:
    """Parse the PDF and return its page count.

    Refused: unparsable, encrypted, no pages, and any PDF carrying JavaScript, other
    actions that start programs, XFA forms, or embedded files. Those are refused rather
    than stripped because refusing is the safe choice: a PDF rewritten by us would no
    longer be the document the clinic received, and a missed script runs in a viewer.
    """
    try:
        found = inspect_pdf(source)
    except PdfEncrypted:
        raise FileRefused(Refusal.INVALID_CONTENT, ENCRYPTED_MESSAGE) from None
    except PdfUnreadable:
        raise FileRefused(Refusal.INVALID_CONTENT, DAMAGED_PDF_MESSAGE) from None
    if found.page_count == 0:
        raise FileRefused(
            Refusal.INVALID_CONTENT,
            "The PDF has no pages. Check that this is the document you meant to upload.",
        )
    if found.active_content is not None:
        raise FileRefused(Refusal.INVALID_CONTENT, _ACTIVE_CONTENT_MESSAGES[found.active_content])
    return found.page_count


ENCRYPTED_MESSAGE = (
    "The PDF is encrypted or password-protected, so it cannot be checked or shown. "
    "Open it, remove the password (or print it to a new PDF) and upload that."
)
DAMAGED_PDF_MESSAGE = (
    "The PDF is damaged or not a real PDF and cannot be read. Open it in a PDF viewer "
    "and save or print it to a new PDF, then upload that."
)
_ACTIVE_CONTENT_MESSAGES = {
    ActiveContent.SCRIPT: (
        "The PDF contains JavaScript or actions that start programs, which could run when "
        "it is opened. Such PDFs are refused. Print it to a new PDF (Print > Save as PDF) "
        "and upload that."
    ),
    ActiveContent.EMBEDDED_FILE: (
        "The PDF carries embedded files (attachments inside the PDF), which cannot be "
        "checked and are refused. Save the attachments as separate files, or print the "
        "PDF to a new PDF (Print > Save as PDF), and upload those."
    ),
    ActiveContent.TOO_COMPLEX: (
        "The PDF is too complex to check for scripts. Print it to a new PDF (Print > Save "
        "as PDF) and upload that."
    ),
}
