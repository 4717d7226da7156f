"""The display image of an accepted upload: what every view shows, upright and 8-bit.

One rule for every browser and every view: the server decides once how a file looks.
Browsers disagree (Chromium applies EXIF orientation to JPEG and PNG but not to WebP;
16-bit greyscale is drawn as stored, so a 12-bit x-ray in a 16-bit PNG shows nearly
black; an animated PNG runs on), so an image that is not already shown the same way
everywhere gets a *display derivative*, stored beside the untouched original:

- EXIF (or XMP) orientation applied, so the pixels are upright and carry no orientation;
- greyscale deeper than 8 bits mapped onto 0-255 by the image's own lowest and highest
  value (nothing clipped, nothing invented: the full range of a 16-bit image maps as a
  plain 16-to-8-bit conversion, a 12-bit x-ray fills the grey scale);
- palette images as RGB (RGBA when transparent), CMYK as RGB;
- the first frame of an animated image (the one the upload checks decoded);
- colours converted to sRGB when the file carries another ICC profile;
- no metadata at all: no EXIF (no GPS, no device), no XMP, no ICC profile, no text.

Lossless sources (PNG, and anything with transparency) become PNG, so an x-ray keeps every
grey level; photos (JPEG, WebP) become a high-quality JPEG, small enough for a 12 MP
phone picture. An image that is already display-safe (8-bit, upright, one frame, RGB or
grey) needs no derivative: the original is the display image, which saves a lossy
re-encode and the space of a second copy.

Kinds that browsers cannot show at all have their renderer in ``_RENDERERS``. Paged
images (TIFF pages, DICOM frames, ``domain/image_pages.py``) always get a display image:
one page becomes a PNG like any lossless image, several become a PDF with one lossless
picture per page (``services/page_pdf.py``), which the canvas shows page by page like
any PDF. Each page follows the rules above (a DICOM frame arrives windowed to 8 bits).

Phone photos in HEIC or AVIF always get one (a JPEG, a PNG when transparent), even where
a browser could show the file (Chromium shows AVIF): one look everywhere, and no phone
metadata (GPS, device) in anything shown. Their orientation: ``domain/heif.py``.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import BinaryIO

from PIL import ExifTags, Image, ImageCms

from medrec_app.domain import heif
from medrec_app.domain.file_types import AVIF, DICOM, HEIC, JPEG, PDF, PNG, TIFF, WEBP, FileType
from medrec_app.domain.image_pages import page_images
from medrec_app.services.page_pdf import pages_pdf

log = logging.getLogger(__name__)

JPEG_QUALITY = 90
# zlib level 6 costs about twice the time of 3 for a few per cent in size; an x-ray is
# stored once and its upload should not take seconds.
PNG_COMPRESS_LEVEL = 3
_SAFE_MODES = frozenset({"1", "L", "RGB", "RGBA"})
_DEEP_GREY_MODES = frozenset({"I;16", "I;16B", "I;16L", "I;16N", "I", "F"})
_SRGB = ImageCms.createProfile("sRGB")
# What undoes each EXIF orientation (as ``ImageOps.exif_transpose``); 1 needs nothing.
_TRANSPOSE = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}


@dataclass(frozen=True)
class DisplayDerivative:
    """The display image to store beside the original: encoded bytes and their type."""

    data: bytes
    file_type: FileType
    image: Image.Image
    """The decoded display image (for the thumbnail, so that every view agrees)."""


def render_display(source: BinaryIO, kind: FileType) -> DisplayDerivative | None:
    """The display derivative of an accepted file, or None when the original is shown as is.

    ``source`` is read from the start and left at the start. A file whose display image
    cannot be made (which the upload checks make unlikely) is still accepted and shown
    as uploaded: the failure is logged by type only.
    """
    renderer = _RENDERERS.get(kind.mime)
    if renderer is None:
        return None
    try:
        source.seek(0)
        return renderer(source, kind)
    except Exception as error:
        log.warning("no display image for a %s file: %s", kind.mime, type(error).__name__)
        return None
    finally:
        source.seek(0)


def display_types() -> list[str]:
    """The stored types that can have a display image."""
    return list(_RENDERERS)


def _render_image(source: BinaryIO, kind: FileType) -> DisplayDerivative | None:
    with Image.open(source, formats=[kind.pil_format or ""]) as image:
        if is_display_safe(image):
            return None
        image.seek(0)
        shown = display_image(image)
        lossless = kind is PNG or "A" in shown.getbands()
    return _encoded(shown, PNG if lossless else JPEG)


def _render_pages(source: BinaryIO, kind: FileType) -> DisplayDerivative:
    """A PNG of the only page, or a PDF of all pages (each upright, 8-bit, no metadata)."""
    pages = page_images(source, kind)
    first_page = next(pages)
    first = (display_image(first_page), _dpi(first_page))
    second_page = next(pages, None)
    if second_page is None:
        return _encoded(first[0], PNG)
    second = (display_image(second_page), _dpi(second_page))

    def shown_pages() -> Iterator[tuple[Image.Image, tuple[float, float] | None]]:
        yield first
        yield second
        for page in pages:
            yield display_image(page), _dpi(page)

    return DisplayDerivative(data=pages_pdf(shown_pages()), file_type=PDF, image=first[0])


def _dpi(page: Image.Image) -> tuple[float, float] | None:
    value = page.info.get("dpi")
    try:
        x, y = (float(v) for v in value)
    except (TypeError, ValueError):
        return None
    return (x, y) if x > 0 and y > 0 else None


def _render_phone_photo(source: BinaryIO, kind: FileType) -> DisplayDerivative:
    """HEIC and AVIF: always a display image, of the primary picture (the one the upload
    check decoded), upright: libheif applies a HEIF file's own turn, Pillow reads an AVIF
    file's as its EXIF orientation, and a HEIF orientation known only from EXIF is applied
    here."""
    with Image.open(source, formats=[kind.pil_format or ""]) as image:
        turn = _TRANSPOSE.get(heif.pending_orientation(image))
        shown = display_image(image)
    if turn is not None:
        shown = shown.transpose(turn)
    return _encoded(shown, PNG if "A" in shown.getbands() else JPEG)


def is_display_safe(image: Image.Image) -> bool:
    """Whether every browser shows the file as ``display_image`` would: upright, 8-bit
    grey or RGB(A), one frame, sRGB (or untagged)."""
    return (
        image.mode in _SAFE_MODES
        and orientation(image) == 1
        and not _animated(image)
        and _srgb_or_untagged(image)
    )


def orientation(image: Image.Image) -> int:
    """The EXIF orientation (1-8) as Pillow reads it (EXIF, else XMP); 1 when absent."""
    value = image.getexif().get(ExifTags.Base.Orientation, 1)
    return value if isinstance(value, int) and 1 <= value <= 8 else 1


def display_image(image: Image.Image) -> Image.Image:
    """``image`` (its current frame) upright, 8-bit L, RGB or RGBA (black and white stays
    1-bit), sRGB, without metadata."""
    image.load()
    turn = _TRANSPOSE.get(orientation(image))
    shown = _eight_bit(_to_srgb(image))
    if turn is not None:
        shown = shown.transpose(turn)
    return _without_metadata(shown)


def _animated(image: Image.Image) -> bool:
    """More than one frame; a phone's multi-picture JPEG (MPO) shows its first picture in
    every browser, so it counts as one."""
    return bool(getattr(image, "is_animated", False)) and image.format != "MPO"


def _eight_bit(image: Image.Image) -> Image.Image:
    mode = image.mode
    if mode in _DEEP_GREY_MODES:
        return _stretched_grey(image)
    if mode == "P":
        return image.convert("RGBA" if "transparency" in image.info else "RGB")
    if mode in ("LA", "PA", "La", "RGBa"):
        return image.convert("RGBA")
    return image if mode in _SAFE_MODES else image.convert("RGB")


def _stretched_grey(image: Image.Image) -> Image.Image:
    """Deep greyscale onto 0-255 by the image's own range: lowest value black, highest white."""
    wide = image.convert("F")
    low, high = wide.getextrema()
    if high <= low:
        return Image.new("L", image.size, min(255, max(0, round(low / 257))))
    scale = 255.0 / (high - low)
    offset = -low * scale
    return wide.point(lambda v: v * scale + offset).convert("L")


def _srgb_or_untagged(image: Image.Image) -> bool:
    """Grey images are left to the browser's handling of their profile (they are not
    recoloured); an RGB profile other than sRGB asks for a conversion."""
    icc = image.info.get("icc_profile")
    if not icc or image.mode == "L":
        return True
    try:
        description = ImageCms.getProfileDescription(ImageCms.ImageCmsProfile(io.BytesIO(icc)))
    except Exception:
        return False
    return "srgb" in description.lower()


def _to_srgb(image: Image.Image) -> Image.Image:
    """Colours from the file's ICC profile into sRGB; no or an unreadable profile: as is."""
    icc = image.info.get("icc_profile")
    if not icc or image.mode not in ("RGB", "RGBA", "CMYK"):
        return image
    try:
        profile = ImageCms.ImageCmsProfile(io.BytesIO(icc))
        mode = "RGBA" if image.mode == "RGBA" else "RGB"
        converted = ImageCms.profileToProfile(image, profile, _SRGB, outputMode=mode)
    except Exception:
        return image
    return converted if converted is not None else image


def _without_metadata(image: Image.Image) -> Image.Image:
    """A copy holding only pixels: Pillow writes some ``info`` entries back on save."""
    clean = Image.new(image.mode, image.size)
    clean.paste(image)
    clean.info = {}
    return clean


def _encoded(image: Image.Image, file_type: FileType) -> DisplayDerivative:
    out = io.BytesIO()
    if file_type is PNG:
        image.save(out, "PNG", compress_level=PNG_COMPRESS_LEVEL)
    else:
        image.convert("RGB").save(out, "JPEG", quality=JPEG_QUALITY, optimize=True)
    return DisplayDerivative(data=out.getvalue(), file_type=file_type, image=image)


_RENDERERS: dict[str, Callable[[BinaryIO, FileType], DisplayDerivative | None]] = {
    JPEG.mime: _render_image,
    PNG.mime: _render_image,
    WEBP.mime: _render_image,
    HEIC.mime: _render_phone_photo,
    AVIF.mime: _render_phone_photo,
    TIFF.mime: _render_pages,
    DICOM.mime: _render_pages,
}
