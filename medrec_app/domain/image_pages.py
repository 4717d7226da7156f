"""The pages of a paged image: a TIFF's pages (fax and scanner output), a DICOM file's frames.

Both are read one page at a time, so a 100-page fax or a 30-frame ultrasound loop is
never decoded into memory at once. The upload checks read every page (decoding is what
finds a damaged file); the display image (``services/display.py``) is made from the same
pages.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import BinaryIO

from PIL import Image, ImageSequence
from pydicom.dataset import Dataset

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


@dataclass(frozen=True)
class CheckedPages:
    count: int
    dicom: dicom_image.DicomFacts | None
    """A DICOM file's header facts, read in the same pass (None for a TIFF)."""


def page_images(
    source: BinaryIO, kind: FileType, max_pixels: int | None = None
) -> Iterator[Image.Image]:
    """Each page as decoded: DICOM frames as 8-bit ``L``/``RGB``, TIFF pages as stored
    (any Pillow mode; the display rules turn them upright and 8-bit). A page is valid
    until the next one is read. With ``max_pixels``, a larger page raises
    ``PageTooLarge`` before it is decoded."""
    source.seek(0)
    if kind is DICOM:
        yield from _dicom_frames(dicom_image.read_dataset(source), max_pixels)
        return
    with Image.open(source, formats=[kind.pil_format or ""]) as image:
        yield from _tiff_pages(image, max_pixels)


def check_pages(source: BinaryIO, kind: FileType, max_pixels: int) -> CheckedPages:
    """Read the file once and decode every page. Raises ``TooManyPages``,
    ``PageTooLarge``, the ``dicom_image`` errors, or whatever the decoder raises for a
    damaged page."""
    source.seek(0)
    try:
        if kind is DICOM:
            dataset = dicom_image.read_dataset(source)
            found = dicom_image.facts(dataset)
            _within_limit(found.frames)
            decoded = sum(1 for _ in _dicom_frames(dataset, max_pixels))
            return _all_decoded(decoded, found.frames, found)
        with Image.open(source, formats=[kind.pil_format or ""]) as image:
            count = int(getattr(image, "n_frames", 1))
            _within_limit(count)
            decoded = sum(1 for _ in _tiff_pages(image, max_pixels))
        return _all_decoded(decoded, count, None)
    finally:
        source.seek(0)


def _dicom_frames(dataset: Dataset, max_pixels: int | None) -> Iterator[Image.Image]:
    if max_pixels is not None:
        _check_size((int(dataset.Columns), int(dataset.Rows)), max_pixels)
    yield from dicom_image.frames(dataset)


def _tiff_pages(image: Image.Image, max_pixels: int | None) -> Iterator[Image.Image]:
    for page in ImageSequence.Iterator(image):
        if max_pixels is not None:
            _check_size(page.size, max_pixels)
        page.load()
        yield page


def _within_limit(count: int) -> None:
    if count > MAX_PAGES:
        raise TooManyPages(count, MAX_PAGES)


def _all_decoded(decoded: int, count: int, dicom: dicom_image.DicomFacts | None) -> CheckedPages:
    if decoded != count:
        raise ValueError("fewer pages than the header says")
    return CheckedPages(count, dicom)


def _check_size(size: tuple[int, int], max_pixels: int) -> None:
    width, height = size
    if width <= 0 or height <= 0 or width * height > max_pixels:
        raise PageTooLarge()
