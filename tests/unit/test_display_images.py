"""Display images: upright for EXIF 1-8 on JPEG, WebP and PNG, 8-bit with real contrast,
first frame only, no metadata; display-safe originals need none."""

from __future__ import annotations

import io
import struct

import pytest
from PIL import ExifTags, Image, ImageChops, ImageDraw, ImageOps

from medrec_app.domain.file_types import JPEG, PNG, WEBP, FileType
from medrec_app.services.display import DisplayDerivative, render_display

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


def derivative(data: bytes, kind: FileType) -> DisplayDerivative:
    source = io.BytesIO(data)
    made = render_display(source, kind)
    assert source.tell() == 0
    assert made is not None, "expected a display derivative"
    return made


def decoded(made: DisplayDerivative) -> Image.Image:
    image = Image.open(io.BytesIO(made.data))
    assert image.format == made.file_type.pil_format
    return image


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


def assert_no_metadata(made: DisplayDerivative) -> None:
    image = decoded(made)
    assert len(image.getexif()) == 0
    assert not {"exif", "xmp", "XML:com.adobe.xmp", "icc_profile"} & set(image.info)
    for marker in (b"Exif", b"PhoneMakerCo", b"Model-X12", b"GPS"):
        assert marker not in made.data


@pytest.mark.parametrize("kind", [JPEG, WEBP, PNG], ids=lambda k: k.short_label)
@pytest.mark.parametrize("orientation", range(2, 9))
def test_an_exif_rotated_photo_gets_an_upright_derivative_without_metadata(
    kind: FileType, orientation: int
) -> None:
    data = encode(stored_for(orientation), kind, exif=camera_exif(orientation))

    made = derivative(data, kind)

    assert_upright(decoded(made))
    assert_no_metadata(made)
    assert made.file_type is (PNG if kind is PNG else JPEG)


@pytest.mark.parametrize("kind", [JPEG, WEBP, PNG], ids=lambda k: k.short_label)
def test_an_upright_8_bit_image_is_shown_as_uploaded(kind: FileType) -> None:
    for data in (encode(upright(), kind), encode(upright(), kind, exif=camera_exif(1))):
        assert render_display(io.BytesIO(data), kind) is None


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


def test_a_16_bit_greyscale_x_ray_shows_its_real_contrast() -> None:
    made = derivative(sixteen_bit_xray(), PNG)

    image = decoded(made)
    assert (image.mode, made.file_type) == ("L", PNG)
    histogram = image.histogram()
    assert percentile(histogram, 0.95) - percentile(histogram, 0.05) > 100
    assert image.getextrema() == (0, 255)  # nothing clipped: the lowest black, highest white
    assert image.getpixel((0, 100)) < image.getpixel((128, 100)) < image.getpixel((255, 100))


def test_a_palette_png_keeps_its_colours_and_transparency() -> None:
    palette = Image.new("P", (40, 20), 0)
    palette.putpalette([0, 0, 0, 250, 20, 20, 20, 20, 250] + [0] * 759)
    ImageDraw.Draw(palette).rectangle((0, 0, 19, 19), fill=1)
    ImageDraw.Draw(palette).rectangle((20, 0, 39, 19), fill=2)
    palette.putpixel((0, 0), 0)

    made = derivative(encode(palette, PNG, transparency=0), PNG)

    image = decoded(made)
    assert image.mode == "RGBA"
    assert image.getpixel((0, 0))[3] == 0
    assert image.getpixel((10, 10)) == (250, 20, 20, 255)
    assert image.getpixel((30, 10)) == (20, 20, 250, 255)


@pytest.mark.parametrize("kind", [PNG, WEBP], ids=lambda k: k.short_label)
def test_an_animated_image_shows_its_first_frame(kind: FileType) -> None:
    frames = [Image.new("RGB", (30, 30), colour) for colour in (RED, GREEN, (30, 30, 220))]
    data = encode(frames[0], kind, save_all=True, append_images=frames[1:], duration=100)

    image = decoded(derivative(data, kind))

    assert getattr(image, "n_frames", 1) == 1
    assert near(image.convert("RGB").getpixel((15, 15)), RED, 10)


def test_a_cmyk_jpeg_becomes_rgb() -> None:
    made = derivative(encode(Image.new("CMYK", (30, 30), (0, 255, 255, 0)), JPEG), JPEG)

    image = decoded(made)
    assert image.mode == "RGB"
    assert near(image.getpixel((15, 15)), (255, 0, 0), 20)


def test_a_file_that_cannot_be_rendered_is_shown_as_uploaded() -> None:
    assert render_display(io.BytesIO(b"\x89PNG\r\n\x1a\nbroken"), PNG) is None
