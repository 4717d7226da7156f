"""Display images: upright for EXIF 1-8 on JPEG, WebP and PNG, 8-bit with real contrast,
first frame only, no metadata; display-safe originals need none."""

from __future__ import annotations

import io

import pytest
from PIL import Image, ImageDraw

from medrec_app.domain.file_types import JPEG, PNG, WEBP, FileType
from medrec_app.services.display import DisplayDerivative, render_display
from tests.image_samples import (
    GREEN,
    RED,
    assert_upright,
    camera_exif,
    encode,
    near,
    percentile,
    sixteen_bit_xray,
    stored_for,
    upright,
)


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
