"""A PDF of display pages: how a paged image (TIFF pages, DICOM frames) lies under the canvas.

The canvas already shows PDF pages (pdf.js, with page choice and page count checks), so a
paged image's display image is a PDF holding one picture per page, losslessly: each page
is its pixels, Flate-compressed (1 bit per pixel for black-and-white fax pages, 8 for
grey, 24 for colour), with nothing else on it: no text, no fonts, no metadata.

A page is as large as the image's resolution says (a 204 x 196 dpi fax page is a letter
page); without a resolution one pixel is one point, shrunk where needed to stay within
the 200-inch page limit of PDF viewers.
"""

from __future__ import annotations

import io
import zlib
from collections.abc import Iterable

import pikepdf
from PIL import Image

MAX_PAGE_POINTS = 14_400
"""The largest page side PDF viewers draw (200 inches)."""
_ZLIB_LEVEL = 6


def pages_pdf(pages: Iterable[tuple[Image.Image, tuple[float, float] | None]]) -> bytes:
    """One PDF page per ``(image, dpi)``; images are ``1``, ``L`` or ``RGB``."""
    pdf = pikepdf.new()
    for image, dpi in pages:
        _add_page(pdf, image, dpi)
    out = io.BytesIO()
    pdf.save(out, compress_streams=True, deterministic_id=True)
    return out.getvalue()


def _add_page(pdf: pikepdf.Pdf, image: Image.Image, dpi: tuple[float, float] | None) -> None:
    width, height = _page_size(image.size, dpi)
    bilevel = _bilevel(image)
    picture = image.convert("1", dither=Image.Dither.NONE) if bilevel else image
    space = pikepdf.Name.DeviceRGB if picture.mode == "RGB" else pikepdf.Name.DeviceGray
    xobject = pikepdf.Stream(pdf, zlib.compress(picture.tobytes(), _ZLIB_LEVEL))
    xobject.Type = pikepdf.Name.XObject
    xobject.Subtype = pikepdf.Name.Image
    xobject.Width, xobject.Height = picture.size
    xobject.ColorSpace = space
    xobject.BitsPerComponent = 1 if bilevel else 8
    xobject.Filter = pikepdf.Name.FlateDecode
    page = pdf.add_blank_page(page_size=(width, height))
    page.Resources = pikepdf.Dictionary(XObject=pikepdf.Dictionary(Im0=xobject))
    page.Contents = pikepdf.Stream(pdf, f"q {width:.4f} 0 0 {height:.4f} 0 0 cm /Im0 Do Q".encode())


def _page_size(pixels: tuple[int, int], dpi: tuple[float, float] | None) -> tuple[float, float]:
    x_dpi, y_dpi = dpi if dpi and min(dpi) > 0 else (72.0, 72.0)
    width, height = pixels[0] * 72 / x_dpi, pixels[1] * 72 / y_dpi
    shrink = min(1.0, MAX_PAGE_POINTS / max(width, height))
    return width * shrink, height * shrink


def _bilevel(image: Image.Image) -> bool:
    """Black and white only (a fax page): stored at one bit per pixel."""
    if image.mode == "1":
        return True
    if image.mode != "L":
        return False
    colours = image.getcolors(2)
    return colours is not None and {value for _, value in colours} <= {0, 255}
