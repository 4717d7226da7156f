"""The file types a clinic may store for a patient, and everything said about them.

One table: the upload checks, the file dialog's filter, the type names pages show, what
can lie under the drawing canvas and what a browser may display inline all come from
``ACCEPTED_TYPES``. Adding a type here adds it everywhere (its decoder check lives in
``domain/uploads.py``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from medrec_app.domain.file_kinds import Kind

BackgroundKind = Literal["image", "pdf"]


@dataclass(frozen=True)
class FileType:
    mime: str
    label: str
    """What a person calls it in a sentence or a table: ``"PDF document"``."""
    short_label: str
    """In a compact list: ``"PDF"``."""
    extension: str
    """The extension of stored keys."""
    extensions: frozenset[str]
    """The name endings a file of this type may carry."""
    background: BackgroundKind | None
    """What it is as the canvas background (the drawing's ``backgroundType``); None for
    types no browser draws, which lie under the canvas as their display image (a PNG,
    or a PDF of their pages: ``services/display.py``)."""
    pil_format: str | None = None
    """Pillow's decoder for images; None for PDFs and DICOM."""
    kind: Kind = Kind.UNKNOWN
    """What ``file_kinds.recognise`` calls the bytes of this type."""
    paged: bool = False
    """Images that hold pages (TIFF pages, DICOM frames): checked and shown page by page."""
    any_name: bool = False
    """Taken under any name, with ``extension`` added (``uploads.name_for``)."""

    @property
    def browser_shows(self) -> bool:
        """Whether a browser shows a file of this type as stored (else: its display image)."""
        return self.background is not None


JPEG = FileType(
    "image/jpeg",
    "JPEG image",
    "JPEG",
    "jpg",
    # .jfif/.jpe/.jif: names cameras, Windows and some browsers give JPEGs.
    frozenset({"jpg", "jpeg", "jpe", "jfif", "jif", "pjpeg", "pjp"}),
    "image",
    "JPEG",
    Kind.JPEG,
)
PNG = FileType(
    "image/png", "PNG image", "PNG", "png", frozenset({"png", "apng"}), "image", "PNG", Kind.PNG
)
WEBP = FileType(
    "image/webp", "WebP image", "WebP", "webp", frozenset({"webp"}), "image", "WEBP", Kind.WEBP
)
# Phone photos no browser shows alike: always shown through a display image. Pillow opens
# HEIC with pillow-heif's opener (``domain/heif.py``), AVIF by itself.
HEIC = FileType(
    "image/heic",
    "HEIC photo",
    "HEIC",
    "heic",
    frozenset({"heic", "heif", "hif"}),
    None,  # Chromium and Firefox do not draw HEIC: it lies under the canvas as its JPEG
    "HEIF",
    Kind.HEIC,
)
AVIF = FileType(
    "image/avif", "AVIF image", "AVIF", "avif", frozenset({"avif"}), "image", "AVIF", Kind.AVIF
)
PDF = FileType(
    "application/pdf", "PDF document", "PDF", "pdf", frozenset({"pdf"}), "pdf", kind=Kind.PDF
)

TIFF = FileType(
    "image/tiff",
    "TIFF image",
    "TIFF",
    "tif",
    frozenset({"tif", "tiff"}),
    None,
    "TIFF",
    Kind.TIFF,
    paged=True,
)
DICOM = FileType(
    "application/dicom",
    "DICOM image",
    "DICOM",
    "dcm",
    frozenset({"dcm", "dicom", "dic"}),
    None,
    kind=Kind.DICOM,
    paged=True,
    any_name=True,
)

ACCEPTED_TYPES = (JPEG, PNG, WEBP, HEIC, AVIF, TIFF, DICOM, PDF)
ACCEPTED_EXTENSIONS = frozenset().union(*(t.extensions for t in ACCEPTED_TYPES))
ACCEPTED_SUMMARY = "JPEG, PNG, WebP, HEIC, AVIF, TIFF or DICOM images and PDF documents"
_BY_MIME = {t.mime: t for t in ACCEPTED_TYPES}
_BY_KIND = {t.kind: t for t in ACCEPTED_TYPES}
_BY_KEY_EXTENSION = {t.extension: t for t in ACCEPTED_TYPES}


def file_type(mime: str) -> FileType | None:
    """The accepted type stored as ``mime``, or None."""
    return _BY_MIME.get(mime)


def accepted_type(kind: Kind) -> FileType | None:
    """The accepted type of files recognised as ``kind``, or None (not accepted)."""
    return _BY_KIND.get(kind)


def stored_type(key: str) -> FileType | None:
    """The type of a blob stored under ``key`` by the extension the key ends in (keys are
    built from ids and ``FileType.extension``), or None."""
    return _BY_KEY_EXTENSION.get(key.rsplit(".", 1)[-1]) if "." in key else None


def type_label(mime: str) -> str:
    """What a person calls a stored file's type; an unknown type shows as itself."""
    known = file_type(mime)
    return known.label if known else mime


def background_kind(mime: str, display_key: str | None) -> BackgroundKind | None:
    """``"image"`` or ``"pdf"``: what a stored file is under the canvas, which is what its
    display image is when it has one (``display_key``), else what its own type is."""
    shown = stored_type(display_key) if display_key else file_type(mime)
    return shown.background if shown else None


def accept_filter() -> str:
    """The file dialog's filter: every accepted type and name ending (a hint only)."""
    endings = sorted(f".{e}" for e in ACCEPTED_EXTENSIONS)
    return ",".join([*(t.mime for t in ACCEPTED_TYPES), *endings])
