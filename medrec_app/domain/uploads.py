"""Checks on an uploaded file before anything is stored: size, type, name, content.

The type comes from the bytes alone (``domain/file_kinds.py`` recognises them, the
allow-list is ``domain/file_types.py``). The type a client declares is not asked for: a
browser derives it from the name, and the stored type comes from the bytes anyway. A
name ending like another accepted type (a PNG named ``.jpg``) is accepted and shown with
the right ending; any other ending is refused with "rename it", the one fix it needs.
Images are opened with Pillow under a pixel limit and decoded; PDFs are parsed with
pypdf. Every refusal is a ``FileRefused`` whose message says what the file is, what is
wrong and what the person can do about it (refusal wording: ``domain/refusal_wording.py``).

The original file name is cleaned for display only; storage keys are built from ids.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, BinaryIO

from PIL import Image

from medrec_app.domain import (
    dicom_image,
    heif,  # noqa: F401 (Pillow opens HEIC photos through it)
)
from medrec_app.domain.file_kinds import HEAD_BYTES, Kind, recognise
from medrec_app.domain.file_types import (
    ACCEPTED_EXTENSIONS,
    DICOM,
    JPEG,
    PDF,
    FileType,
    accepted_type,
)
from medrec_app.domain.image_pages import PageTooLarge, TooManyPages, check_pages
from medrec_app.domain.pdf_content import ActiveContent, PdfDamaged, PdfEncrypted, inspect_pdf
from medrec_app.domain.refusal_wording import not_accepted_message

MAX_NAME_LENGTH = 255
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


class PdfNeedsRepair(FileRefused):
    """A PDF that can be read only by repairing it; refused unless a repaired copy passes."""

    def __init__(self) -> None:
        super().__init__(Refusal.INVALID_CONTENT, DAMAGED_PDF_MESSAGE)


EMPTY_MESSAGE = (
    "The file is empty (0 bytes). Choose the file again; if it is still empty, "
    "save or export it again from the program that made it."
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
    metadata: dict[str, Any] = field(default_factory=dict)
    """Facts from the file's header to keep in ``file_metadata`` (a DICOM file's)."""


def check_upload(source: BinaryIO, *, file_name: str, limits: UploadLimits) -> CheckedFile:
    """Run every check on the seekable ``source``; raise ``FileRefused`` on the first failure.

    ``PdfNeedsRepair`` is the refusal of a PDF that a repaired copy may replace.
    """
    size = stream_size(source)
    check_size(size, limits.max_bytes)
    cleaned = clean_display_name(file_name)
    kind = detect_kind(read_head(source), cleaned)
    display_name = name_for(kind, cleaned)
    page_count, metadata = None, {}
    if kind is PDF:
        page_count = check_pdf(source)
    elif kind.paged:
        page_count, metadata = check_paged(source, kind, limits.max_image_pixels)
    else:
        check_image(source, kind, limits.max_image_pixels)
    return CheckedFile(
        kind=kind, display_name=display_name, size=size, page_count=page_count, metadata=metadata
    )


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
        raise FileRefused(Refusal.INVALID_CONTENT, EMPTY_MESSAGE)
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
    """The accepted type the leading bytes show, else ``FileRefused`` saying what they are."""
    recognised = recognise(head)
    accepted = accepted_type(recognised)
    if accepted is not None:
        return accepted
    if recognised is Kind.EMPTY:
        raise FileRefused(Refusal.INVALID_CONTENT, EMPTY_MESSAGE)
    ext = name_extension(display_name)
    name_ending = ext if ext in ACCEPTED_EXTENSIONS else None
    raise FileRefused(Refusal.UNSUPPORTED_TYPE, not_accepted_message(recognised, name_ending))


def name_for(kind: FileType, display_name: str) -> str:
    """The name to keep for a file of ``kind``: as given, or with the right ending.

    An ending of another accepted type is a mislabelled file (phones and messaging apps
    save WebP or PNG as ``.jpg``): the bytes decide, and the name is made to say so, so
    that a download opens in the right program. Any other ending (or none) may be the
    wrong file, or could make a download open as something else: the person renames it.
    DICOM files are the exception: imaging CDs name them by number (``IM000001``,
    ``1.2.840.113619.2.55``), their bytes say unmistakably what they are, and the name is
    kept with ``.dcm`` added.
    """
    if not display_name:
        raise FileRefused(
            Refusal.UNSUPPORTED_TYPE,
            f"The file has no usable name. Rename it (for example scan.{kind.extension}) "
            "and upload it again.",
        )
    ext = name_extension(display_name)
    if ext in kind.extensions:
        return display_name
    if ext in ACCEPTED_EXTENSIONS:
        stem = display_name[: -len(ext) - 1]
        return f"{stem[: MAX_NAME_LENGTH - len(kind.extension) - 1]}.{kind.extension}"
    if kind.any_name:
        return f"{display_name[: MAX_NAME_LENGTH - len(kind.extension) - 1]}.{kind.extension}"
    ending = f"ends in .{ext[:20]}" if ext else "has no ending such as .jpg or .pdf"
    raise FileRefused(
        Refusal.UNSUPPORTED_TYPE,
        f"This file is {_a(kind.label)}, but its name {ending}. Rename it to end in "
        f".{kind.extension} and upload it again.",
    )


def _a(label: str) -> str:
    """``label`` with its article: "a JPEG image", "an AVIF image"."""
    return f"{'an' if label[:1] in 'AEIOU' else 'a'} {label}"


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


def check_paged(source: BinaryIO, kind: FileType, max_pixels: int) -> tuple[int, dict[str, Any]]:
    """Decode every page of a TIFF or every frame of a DICOM file; the page count and the
    DICOM header facts to keep."""
    try:
        checked = check_pages(source, kind, max_pixels)
        facts = {"dicom": checked.dicom.metadata()} if checked.dicom else {}
        return checked.count, facts
    except TooManyPages as many:
        message = _too_many_pages_message(kind, many)
        raise FileRefused(Refusal.INVALID_CONTENT, message) from None
    except (PageTooLarge, Image.DecompressionBombError):
        raise check_pixels_error(max_pixels) from None
    except dicom_image.DicomDirectory:
        raise FileRefused(Refusal.INVALID_CONTENT, DICOMDIR_MESSAGE) from None
    except dicom_image.DicomNoImage:
        raise FileRefused(Refusal.INVALID_CONTENT, DICOM_NO_IMAGE_MESSAGE) from None
    except dicom_image.DicomCompression:
        raise FileRefused(Refusal.INVALID_CONTENT, DICOM_COMPRESSION_MESSAGE) from None
    except Exception:
        raise FileRefused(Refusal.INVALID_CONTENT, _damaged_message(kind)) from None
    finally:
        source.seek(0)


def _too_many_pages_message(kind: FileType, many: TooManyPages) -> str:
    if kind is DICOM:
        return (
            f"This DICOM file holds {many.pages} frames; medrec shows at most {many.limit}. Ask "
            "the imaging centre for the key images, or export them from the viewer on the "
            "CD as JPEG or PNG, and upload those."
        )
    return (
        f"The {kind.label} has {many.pages} pages; medrec shows at most {many.limit}. Split it "
        "into smaller files (or scan it in parts) and upload those."
    )


def _damaged_message(kind: FileType) -> str:
    again = "copy it again from the CD or USB stick" if kind is DICOM else "save or scan it again"
    return (
        f"The {kind.label} is damaged or incomplete and cannot be opened. Export or "
        f"{again}, and upload the new file."
    )


DICOM_NO_IMAGE_MESSAGE = (
    "This DICOM file holds no image (it may be a report, a dose record or a structured "
    "document), so there is nothing to show. Upload the images of the study, or the "
    "report as a PDF."
)
DICOMDIR_MESSAGE = (
    "This is the index of an imaging CD or USB stick (DICOMDIR), not an image. Open the "
    "folders beside it and upload the image files inside (they are often named like "
    "IM000001, with no ending)."
)
DICOM_COMPRESSION_MESSAGE = (
    "The images in this DICOM file are compressed in a way medrec cannot open (for "
    "example 12-bit JPEG). Ask the imaging centre for an uncompressed or JPEG 2000 copy, "
    "or export the images from the viewer on the CD as PNG, and upload that."
)


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

    Refused: damaged (``PdfNeedsRepair``), encrypted, no pages, too complex to check
    within the budget of ``pdf_content``, and any PDF carrying JavaScript, other
    actions that start programs, XFA forms, or embedded files. Those are refused rather
    than stripped because refusing is the safe choice: a PDF rewritten by us would no
    longer be the document the clinic received, and a missed script runs in a viewer.
    """
    try:
        found = inspect_pdf(source)
    except PdfEncrypted:
        raise FileRefused(Refusal.INVALID_CONTENT, ENCRYPTED_MESSAGE) from None
    except PdfDamaged:
        raise PdfNeedsRepair() from None
    if found.active_content is not None:
        raise FileRefused(Refusal.INVALID_CONTENT, _ACTIVE_CONTENT_MESSAGES[found.active_content])
    if found.page_count == 0:
        raise FileRefused(
            Refusal.INVALID_CONTENT,
            "The PDF has no pages. Check that this is the document you meant to upload.",
        )
    return found.page_count


ENCRYPTED_MESSAGE = (
    "The PDF is encrypted or password-protected, so it cannot be checked or shown. "
    "Open it, remove the password (or print it to a new PDF) and upload that."
)
DAMAGED_PDF_MESSAGE = (
    "The PDF is damaged (or not a real PDF) and could not be repaired. Open it in a PDF "
    "viewer and save or print it to a new PDF, then upload that."
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
        "The PDF is too complex to check for scripts in the time allowed (it has a very "
        "large number of links, form fields or other parts). Print it to a new PDF "
        "(Print > Save as PDF) and upload that."
    ),
}
