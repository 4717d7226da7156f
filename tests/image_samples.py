"""Generated images for the display-image tests: an asymmetric upright picture stored as a
camera stores it under each EXIF orientation (with GPS and device tags), phone photos in
HEIC and AVIF turned the ways phones turn them, and a 16-bit greyscale x-ray that uses a
narrow part of its range."""

from __future__ import annotations

import io
import struct

from PIL import ExifTags, Image, ImageChops, ImageCms, ImageDraw, ImageOps

from medrec_app.domain import heif  # noqa: F401 (Pillow writes HEIC through pillow-heif)
from medrec_app.domain.file_types import AVIF, HEIC, JPEG, WEBP, FileType

UPRIGHT_SIZE = (120, 80)
RED, GREEN, WHITE = (220, 30, 30), (30, 180, 60), (255, 255, 255)
# What the EXIF specification says to do to the stored pixels to show them (exiftool's
# wording), written with Pillow's counter-clockwise ``rotate``; independent of the code.
SHOW_STORED = {
    1: lambda im: im,
    2: ImageOps.mirror,  # mirror horizontal
    3: lambda im: im.rotate(180),
    4: ImageOps.flip,  # mirror vertical
    5: lambda im: ImageOps.mirror(im).rotate(90, expand=True),  # mirror, rotate 270 CW
    6: lambda im: im.rotate(-90, expand=True),  # rotate 90 CW
    7: lambda im: ImageOps.mirror(im).rotate(-90, expand=True),  # mirror, rotate 90 CW
    8: lambda im: im.rotate(90, expand=True),  # rotate 270 CW
}
ALL_TURNS = [
    lambda im: im,
    ImageOps.mirror,
    ImageOps.flip,
    lambda im: im.rotate(180),
    lambda im: im.rotate(90, expand=True),
    lambda im: im.rotate(-90, expand=True),
    lambda im: ImageOps.mirror(im).rotate(90, expand=True),
    lambda im: ImageOps.mirror(im).rotate(-90, expand=True),
]


def upright() -> Image.Image:
    """White, a red block in the top-left corner, a green one in the top-right."""
    image = Image.new("RGB", UPRIGHT_SIZE, WHITE)
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 0, 29, 29), fill=RED)
    draw.rectangle((UPRIGHT_SIZE[0] - 30, 0, UPRIGHT_SIZE[0] - 1, 29), fill=GREEN)
    return image


def stored_for(orientation: int) -> Image.Image:
    """The pixels a camera stores for ``upright()`` when it tags them ``orientation``."""
    want = upright()
    for turn in ALL_TURNS:
        candidate = turn(want)
        shown = SHOW_STORED[orientation](candidate)
        if shown.size == want.size and not ImageChops.difference(shown, want).getbbox():
            return candidate
    raise AssertionError(f"no stored form for orientation {orientation}")


def camera_exif(orientation: int) -> Image.Exif:
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = orientation
    exif[ExifTags.Base.Make] = "PhoneMakerCo"
    exif[ExifTags.Base.Model] = "Model-X12"
    exif[ExifTags.IFD.GPSInfo] = {1: "N", 2: (52.0, 31.0, 12.0), 3: "E", 4: (13.0, 24.0, 1.0)}
    return exif


def encode(image: Image.Image, kind: FileType, **params) -> bytes:
    out = io.BytesIO()
    if kind is JPEG:
        params.setdefault("quality", 95)
    if kind is WEBP:
        params.setdefault("lossless", True)
    image.save(out, kind.pil_format, **params)
    return out.getvalue()


PHONE_XMP = (
    b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/'
    b'02/22-rdf-syntax-ns#"><rdf:Description xmlns:tiff="http://ns.adobe.com/tiff/1.0/" '
    b'tiff:Make="PhoneMakerCo"/></rdf:RDF></x:xmpmeta>'
)


def phone_photo(
    kind: FileType, orientation: int, image: Image.Image | None = None, **params
) -> bytes:
    """``image`` (default ``stored_for(orientation)``) as a phone saves an HEIC or AVIF photo:
    the turn in the file's own ``irot``/``imir`` properties and in EXIF (as iPhones do), with
    GPS, device, XMP and an ICC profile. pillow-heif and Pillow both write the properties
    from EXIF orientation bytes."""
    assert kind in (HEIC, AVIF)
    picture = stored_for(orientation) if image is None else image
    params.setdefault("quality", 90)
    out = io.BytesIO()
    picture.save(
        out,
        kind.pil_format,
        exif=camera_exif(orientation).tobytes(),
        xmp=PHONE_XMP,
        icc_profile=ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes(),
        **params,
    )
    data = out.getvalue()
    if orientation != 1:
        assert b"irot" in data or b"imir" in data, "expected the turn as HEIF properties"
    return data


def exif_only_heic(orientation: int, image: Image.Image | None = None) -> bytes:
    """``image`` (default ``stored_for(orientation)``) as an HEIC photo whose turn is in EXIF
    alone, no ``irot``/``imir`` (as some Android phones save them): written upright-tagged,
    then the EXIF value changed in place."""
    endian = ">" if camera_exif(1).tobytes()[6:8] == b"MM" else "<"
    entry = struct.pack(f"{endian}HHIHH", ExifTags.Base.Orientation, 3, 1, 1, 0)
    data = phone_photo(HEIC, 1, stored_for(orientation) if image is None else image)
    assert data.count(entry) == 1 and b"irot" not in data and b"imir" not in data
    turned = struct.pack(f"{endian}HHIHH", ExifTags.Base.Orientation, 3, 1, orientation, 0)
    return data.replace(entry, turned)


def near(pixel, colour, tolerance: int = 40) -> bool:
    return all(abs(a - b) <= tolerance for a, b in zip(pixel[:3], colour, strict=True))


def assert_upright(image: Image.Image) -> None:
    rgb = image.convert("RGB")
    width, height = rgb.size
    assert (width, height) == UPRIGHT_SIZE
    assert near(rgb.getpixel((12, 12)), RED), rgb.getpixel((12, 12))
    assert near(rgb.getpixel((width - 13, 12)), GREEN), rgb.getpixel((width - 13, 12))
    assert near(rgb.getpixel((12, height - 13)), WHITE)
    assert near(rgb.getpixel((width - 13, height - 13)), WHITE)


def percentile(histogram: list[int], share: float) -> int:
    target, seen = share * sum(histogram), 0
    for value, count in enumerate(histogram):
        seen += count
        if seen >= target:
            return value
    return len(histogram) - 1


def sixteen_bit_xray(low: int = 30000, high: int = 34000) -> bytes:
    """A 16-bit greyscale PNG using only ``low``-``high``: a left-to-right ramp with a
    bright block, as a 12-bit x-ray export uses a narrow part of the range."""
    width, height = 256, 128
    values = []
    for y in range(height):
        for x in range(width):
            value = low + (high - low) * x // (width - 1)
            if 40 <= x < 80 and 40 <= y < 80:
                value = high
            values.append(value)
    image = Image.frombytes("I;16", (width, height), struct.pack(f"<{len(values)}H", *values))
    out = io.BytesIO()
    image.save(out, "PNG")
    assert Image.open(io.BytesIO(out.getvalue())).mode.startswith("I")
    return out.getvalue()
