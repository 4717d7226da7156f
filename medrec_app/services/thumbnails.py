"""Preview images for patient files: a small WebP of an image or of a PDF's first page.

An image's preview is made from its display image (``services/display.py``), so that the
list and the editor show the same upright picture with the same contrast.

A preview is a convenience: if one cannot be made, the file is still accepted (it has
already passed every check) and shows without a thumbnail.
"""

from __future__ import annotations

import io
import logging
import threading
from typing import BinaryIO

import pypdfium2
from PIL import Image

from medrec_app.domain import heif  # noqa: F401 (Pillow opens HEIC photos through it)
from medrec_app.services.display import display_image

log = logging.getLogger(__name__)

THUMBNAIL_SIZE = (256, 256)
# PDFium is not thread-safe and the upload route runs in a thread pool: one render at a
# time in this process.
PDFIUM_LOCK = threading.Lock()


def render_thumbnail(source: BinaryIO, file_type: str) -> bytes | None:
    """A WebP preview that fits in 256 x 256 px, or None if none could be made."""
    try:
        image = _pdf_first_page(source) if file_type == "application/pdf" else _image(source)
        return _webp(image)
    except Exception as error:  # any failure only means "no preview"
        log.warning("no thumbnail for a %s file: %s", file_type, type(error).__name__)
        return None
    finally:
        source.seek(0)


def thumbnail_of(image: Image.Image) -> bytes | None:
    """The preview of an image already decoded (a display image), or None."""
    try:
        return _webp(_shrunk(image))
    except Exception as error:
        log.warning("no thumbnail for a display image: %s", type(error).__name__)
        return None


def _shrunk(image: Image.Image) -> Image.Image:
    """A copy that fits the preview size; black and white (a fax page) is shrunk in grey,
    since at one bit its thin lines would vanish."""
    small = image.convert("L") if image.mode == "1" else image.copy()
    small.thumbnail(THUMBNAIL_SIZE)
    return small


_SHRUNK_FIRST = ("L", "RGB", "RGBA")
"""Modes shrunk before the display conversion: 8-bit pixels average as they are, and a
box that is square fits a picture the same before and after it is turned upright. Black
and white (grey when shrunk) and deep or palette images are converted first."""


def _image(source: BinaryIO) -> Image.Image:
    source.seek(0)
    with Image.open(source) as image:
        image.draft("RGB", THUMBNAIL_SIZE)  # JPEG only: decode at a reduced scale
        if image.mode in _SHRUNK_FIRST:
            # In place, keeping the file's metadata: converting a 1200 x 1600 PNG at full
            # size first took 30 ms of an upload, 16 ms this way.
            image.thumbnail(THUMBNAIL_SIZE)
        return _shrunk(display_image(image))


def _pdf_first_page(source: BinaryIO) -> Image.Image:
    """Page 1 at the scale that fits the thumbnail box (never above 1:1)."""
    return render_pdf_page(source, 1, THUMBNAIL_SIZE, max_scale=1.0)


def render_pdf_page(
    source: BinaryIO, number: int, box: tuple[int, int], *, max_scale: float
) -> Image.Image:
    """Page ``number`` (from 1) rendered to fit ``box``, at most ``max_scale`` times its
    size in points; one render at a time in this process (PDFium is not thread-safe)."""
    source.seek(0)
    with PDFIUM_LOCK:
        document = pypdfium2.PdfDocument(source)
        try:
            page = document[number - 1]
            width, height = page.get_size()
            scale = min(box[0] / width, box[1] / height, max_scale)
            image = page.render(scale=scale).to_pil()
            page.close()
        finally:
            document.close()
    return image


def _webp(image: Image.Image) -> bytes:
    if image.mode not in ("RGB", "RGBA"):
        image = image.convert("RGBA" if "A" in image.getbands() else "RGB")
    out = io.BytesIO()
    image.save(out, "WEBP", quality=80, method=4)
    return out.getvalue()
