"""The pages of a paged image: a TIFF's pages (fax and scanner output), a DICOM file's frames.

Both are read one page at a time, so a 100-page fax or a 30-frame ultrasound loop is
never decoded into memory at once. The upload checks read every page (decoding is what
finds a damaged file); the display image (``services/display.py``) is made from the same
pages.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import BinaryIO

from PIL import Image, ImageSequence

from medrec_app.domain import dicom_image
from medrec_app.domain.file_types import DICOM, FileType

MAX_PAGES = 300
"""Pages (or frames) of one file: a long fax passes, a whole CT series does not."""


class TooManyPages(ValueError):
    def __init__(self, pages: int, limit: int) -> None:
        super().__init__(pages)
        self.pages, self.limit = pages, limit


class PageTooLarge(ValueError):
    """A page with more pixels than the limit."""


def page_images(
    source: BinaryIO, kind: FileType, max_pixels: int | None = None
) -> Iterator[Image.Image]:
    """Each page as decoded: DICOM frames as 8-bit ``L``/``RGB``, TIFF pages as stored
    (any Pillow mode; the display rules turn them upright and 8-bit). A page is valid
    until the next one is read. With ``max_pixels``, a larger page raises
    ``PageTooLarge`` before it is decoded."""
    source.seek(0)
    if kind is DICOM:
        dataset = dicom_image.read_dataset(source)
        if max_pixels is not None:
            _check_size((int(dataset.Columns), int(dataset.Rows)), max_pixels)
        yield from dicom_image.frames(dataset)
        return
    with Image.open(source, formats=[kind.pil_format or ""]) as image:
        for page in ImageSequence.Iterator(image):
            if max_pixels is not None:
                _check_size(page.size, max_pixels)
            page.load()
            yield page


def page_count(source: BinaryIO, kind: FileType) -> int:
    """The number of pages, read from the header (nothing decoded)."""
    source.seek(0)
    if kind is DICOM:
        return dicom_image.frame_count(dicom_image.read_dataset(source))
    with Image.open(source, formats=[kind.pil_format or ""]) as image:
        return int(getattr(image, "n_frames", 1))


def check_pages(source: BinaryIO, kind: FileType, max_pixels: int) -> int:
    """Decode every page; the page count. Raises ``TooManyPages``, ``PageTooLarge`` or
    whatever the decoder raises for a damaged page (and ``dicom_image`` errors)."""
    count = page_count(source, kind)
    if count > MAX_PAGES:
        raise TooManyPages(count, MAX_PAGES)
    decoded = 0
    try:
        for _page in page_images(source, kind, max_pixels):
            decoded += 1
    finally:
        source.seek(0)
    if decoded != count:
        raise ValueError("fewer pages than the header says")
    return count


def _check_size(size: tuple[int, int], max_pixels: int) -> None:
    width, height = size
    if width <= 0 or height <= 0 or width * height > max_pixels:
        raise PageTooLarge()
