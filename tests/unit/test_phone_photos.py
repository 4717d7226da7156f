"""HEIC/HEIF and AVIF phone photos (issue 11, item 3): accepted by their bytes, and shown
through a display image that is upright, 8-bit sRGB and carries no metadata at all (no
GPS, no device, no XMP, no ICC). Every sample is written here, by pillow-heif and Pillow."""

from __future__ import annotations

import io

import pytest
from PIL import ExifTags, Image

from medrec_app.domain.file_kinds import Kind, recognise
from medrec_app.domain.file_types import AVIF, HEIC, JPEG, PNG, accept_filter, stored_type
from medrec_app.domain.uploads import FileRefused, UploadLimits, check_upload
from medrec_app.services.display import render_display
from medrec_app.services.thumbnails import render_thumbnail, thumbnail_of
from tests.image_samples import (
    GREEN,
    RED,
    UPRIGHT_SIZE,
    assert_upright,
    exif_only_heic,
    near,
    phone_photo,
    stored_for,
    upright,
)
from tests.unit.test_display_images import assert_no_metadata, decoded, derivative

LIMITS = UploadLimits(max_bytes=100 * 1024 * 1024, max_image_pixels=50_000_000)
PHOTO_KINDS = pytest.mark.parametrize("kind", [HEIC, AVIF], ids=lambda k: k.short_label)


def check(data: bytes, name: str, limits: UploadLimits = LIMITS):
    return check_upload(io.BytesIO(data), file_name=name, limits=limits)


def refusal(data: bytes, name: str, limits: UploadLimits = LIMITS) -> str:
    with pytest.raises(FileRefused) as caught:
        check(data, name, limits)
    return str(caught.value)


def test_the_sample_carries_what_a_phone_writes() -> None:
    """The metadata the display image must lose is really in the samples."""
    for data in (phone_photo(HEIC, 6), phone_photo(AVIF, 6), exif_only_heic(6)):
        image = Image.open(io.BytesIO(data))
        exif = image.getexif()
        assert exif[ExifTags.Base.Make] == "PhoneMakerCo"
        assert exif[ExifTags.Base.Model] == "Model-X12"
        assert exif.get_ifd(ExifTags.IFD.GPSInfo)[2] == (52.0, 31.0, 12.0)
        assert image.info["icc_profile"] and image.info["xmp"]


@pytest.mark.parametrize(
    ("kind", "name"),
    [
        (HEIC, "IMG_0001.HEIC"),
        (HEIC, "photo.heif"),
        (HEIC, "camera.hif"),
        (AVIF, "photo.avif"),
    ],
)
def test_a_phone_photo_is_recognised_and_accepted(kind, name: str) -> None:
    data = phone_photo(kind, 6)
    assert recognise(data[:4096]) is kind.kind

    checked = check(data, name)

    assert (checked.kind, checked.display_name, checked.size) == (kind, name, len(data))
    assert stored_type(f"patients/1/2.{kind.extension}") is kind
    assert kind.mime in accept_filter().split(",")
    assert {f".{e}" for e in kind.extensions} <= set(accept_filter().split(","))


@PHOTO_KINDS
def test_a_phone_photo_named_like_another_image_keeps_its_own_ending(kind) -> None:
    assert check(phone_photo(kind, 1), "wound.jpg").display_name == f"wound.{kind.extension}"


@PHOTO_KINDS
@pytest.mark.parametrize("orientation", range(1, 9))
def test_a_phone_photo_turned_by_the_file_shows_upright_without_metadata(
    kind, orientation: int
) -> None:
    """The turn in ``irot``/``imir`` and in EXIF, as iPhones write it: turned once."""
    made = derivative(phone_photo(kind, orientation), kind)

    assert_upright(decoded(made))
    assert_no_metadata(made)
    assert made.file_type is JPEG


@pytest.mark.parametrize("orientation", [3, 6, 8, 2])
def test_an_heic_turned_by_exif_alone_shows_upright_without_metadata(orientation: int) -> None:
    data = exif_only_heic(orientation)
    assert Image.open(io.BytesIO(data)).size == stored_for(orientation).size  # not turned yet

    made = derivative(data, HEIC)

    assert_upright(decoded(made))
    assert_no_metadata(made)


def test_a_tiled_iphone_style_heic_shows_upright() -> None:
    """iPhones store a photo as a grid of tiles; the grid, turned by ``irot``, is one picture."""
    big = stored_for(6).resize((UPRIGHT_SIZE[1] * 4, UPRIGHT_SIZE[0] * 4), Image.Resampling.NEAREST)
    data = phone_photo(HEIC, 6, big, tile_size=128)
    assert b"grid" in data

    image = decoded(derivative(data, HEIC)).convert("RGB")

    assert image.size == (UPRIGHT_SIZE[0] * 4, UPRIGHT_SIZE[1] * 4)
    assert near(image.getpixel((40, 40)), RED) and near(image.getpixel((440, 40)), GREEN)


@PHOTO_KINDS
def test_a_transparent_phone_image_becomes_a_png_that_keeps_its_transparency(kind) -> None:
    picture = upright().convert("RGBA")
    picture.putpixel((60, 60), (0, 0, 0, 0))
    for x in range(50, 70):
        for y in range(50, 70):
            picture.putpixel((x, y), (0, 0, 0, 0))

    made = derivative(phone_photo(kind, 1, picture, quality=-1 if kind is HEIC else 100), kind)

    image = decoded(made)
    assert (made.file_type, image.mode) == (PNG, "RGBA")
    assert image.getpixel((60, 60))[3] < 20 and image.getpixel((100, 60))[3] == 255
    assert_upright(image)
    assert_no_metadata(made)


@PHOTO_KINDS
def test_an_upright_phone_photo_still_gets_a_display_image(kind) -> None:
    """Chromium could show an upright AVIF: it is still re-encoded, so no metadata shows."""
    made = derivative(phone_photo(kind, 1), kind)
    assert made.file_type is JPEG
    assert_no_metadata(made)


@PHOTO_KINDS
def test_the_thumbnail_is_the_upright_display_image(kind) -> None:
    made = derivative(phone_photo(kind, 6), kind)
    from_display = Image.open(io.BytesIO(thumbnail_of(made.image) or b""))
    assert from_display.width > from_display.height
    # Without a display image the thumbnail still opens the photo itself.
    direct = Image.open(io.BytesIO(render_thumbnail(io.BytesIO(phone_photo(kind, 6)), kind.mime)))
    assert direct.width > direct.height


@PHOTO_KINDS
def test_a_truncated_phone_photo_is_refused_as_damaged(kind) -> None:
    data = phone_photo(kind, 6)
    for cut in (len(data) // 2, len(data) - 200):
        message = refusal(data[:cut], f"photo.{kind.extension}")
        assert message.startswith(f"The {kind.label} is damaged or incomplete and cannot be")


@PHOTO_KINDS
def test_a_phone_photo_with_too_many_pixels_is_refused_with_the_pixel_limit(kind) -> None:
    small_limit = UploadLimits(max_bytes=LIMITS.max_bytes, max_image_pixels=5_000)
    message = refusal(phone_photo(kind, 6), f"photo.{kind.extension}", small_limit)
    assert message.startswith("The image has more than 0.005 million pixels")


def test_a_file_that_is_only_an_heic_header_is_refused_as_damaged() -> None:
    assert recognise(b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic") is Kind.HEIC
    message = refusal(b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + b"\x00" * 64, "a.heic")
    assert message.startswith("The HEIC photo is damaged or incomplete")


@PHOTO_KINDS
def test_a_phone_photo_that_cannot_be_rendered_gives_no_display_image(kind) -> None:
    assert render_display(io.BytesIO(phone_photo(kind, 6)[:300]), kind) is None
