"""What the editor draws for photos with EXIF orientation (WebP, HEIC, AVIF) and a 16-bit
x-ray, in Chromium.

Each file is uploaded in the editor (the real upload path) on a patient and appointment
of this test's own, becomes the background, and the stage's pixels are compared with a
server-side render of what the file should look like: Pillow's ``exif_transpose`` for
the photos (an HEIC decoded by pillow-heif, which applies the file's own turn; for an
HEIC turned by EXIF alone, the photo as taken), the 16-bit values stretched over their
own range for the x-ray. The mean
absolute difference of downscaled greyscale pictures is printed (before/after numbers
for the issue) and must be small.
"""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from PIL import Image, ImageChops, ImageDraw, ImageOps, ImageStat
from playwright.sync_api import Page, expect

from medrec_app.domain import heif  # noqa: F401 (Pillow reads and writes HEIC through it)
from medrec_app.domain.file_types import AVIF, HEIC
from tests.e2e.test_editor import PRACTITIONER, open_editor, stage_image
from tests.e2e.test_record_files import signed_in
from tests.image_samples import exif_only_heic, phone_photo

STAGE = (800, 600)
COMPARE = (80, 60)
# Greyscale levels (of 255) the stage may differ from the render by, on average: the
# canvas resamples and JPEG-encodes nothing, so an upright picture differs by a few.
MAX_MEAN_DIFFERENCE = 12


def landscape_photo() -> Image.Image:
    """A 600 x 400 picture that reads differently turned or mirrored."""
    image = Image.new("RGB", (600, 400), (245, 245, 240))
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 0, 199, 159), fill=(200, 30, 30))
    draw.rectangle((430, 0, 599, 99), fill=(20, 140, 60))
    draw.ellipse((250, 220, 420, 390), fill=(20, 30, 160))
    return image


def exif_6_webp() -> tuple[bytes, Image.Image]:
    """The photo as a phone stores it turned (EXIF 6), and how it must look."""
    exif = Image.Exif()
    exif[0x0112] = 6
    out = io.BytesIO()
    landscape_photo().rotate(90, expand=True).save(out, "WEBP", quality=95, exif=exif)
    data = out.getvalue()
    return data, ImageOps.exif_transpose(Image.open(io.BytesIO(data))).convert("RGB")


def exif_6_heic() -> tuple[bytes, Image.Image]:
    """The photo as an iPhone stores it: turned in the file (``irot``) and in EXIF (6),
    with GPS and device tags."""
    data = phone_photo(HEIC, 6, landscape_photo().rotate(90, expand=True), quality=95)
    return data, ImageOps.exif_transpose(Image.open(io.BytesIO(data))).convert("RGB")


def exif_6_only_heic() -> tuple[bytes, Image.Image]:
    """The photo as some Android phones store it: turned by EXIF 6 alone."""
    return exif_only_heic(6, landscape_photo().rotate(90, expand=True)), landscape_photo()


def exif_6_avif() -> tuple[bytes, Image.Image]:
    data = phone_photo(AVIF, 6, landscape_photo().rotate(90, expand=True), quality=95)
    return data, ImageOps.exif_transpose(Image.open(io.BytesIO(data))).convert("RGB")


def sixteen_bit_png() -> tuple[bytes, Image.Image]:
    """A 16-bit x-ray-like PNG in 30000-34000 (a ramp, a bright bone, a dark gap), and
    its window: lowest value black, highest white."""
    width, height, low, high = 400, 500, 30000, 34000
    grey = Image.new("F", (width, height))
    ramp = Image.linear_gradient("L").resize((width, height)).convert("F")
    grey.paste(ramp.point(lambda v: low + v * (high - low) / 255))
    ImageDraw.Draw(grey).rounded_rectangle((150, 40, 250, 460), radius=40, fill=high)
    ImageDraw.Draw(grey).rectangle((150, 240, 250, 260), fill=low)
    raw = grey.convert("I").convert("I;16")
    out = io.BytesIO()
    raw.save(out, "PNG")
    shown = grey.point(lambda v: (v - low) * 255 / (high - low)).convert("L")
    return out.getvalue(), shown.convert("RGB")


def expected_stage(picture: Image.Image) -> Image.Image:
    """The picture where the canvas puts it: as large as fits, centred, on white."""
    scale = min(STAGE[0] / picture.width, STAGE[1] / picture.height)
    size = (round(picture.width * scale), round(picture.height * scale))
    stage = Image.new("RGB", STAGE, "white")
    stage.paste(picture.resize(size), ((STAGE[0] - size[0]) // 2, (STAGE[1] - size[1]) // 2))
    return stage


def mean_difference(shot: Image.Image, expected: Image.Image) -> float:
    a = shot.convert("L").resize(COMPARE, Image.Resampling.BOX)
    b = expected.convert("L").resize(COMPARE, Image.Resampling.BOX)
    return ImageStat.Stat(ImageChops.difference(a, b)).mean[0]


@pytest.mark.parametrize(
    ("name", "sample"),
    [
        ("wound.webp", exif_6_webp),
        ("IMG_0412.HEIC", exif_6_heic),
        ("rash.heic", exif_6_only_heic),
        ("mole.avif", exif_6_avif),
        ("chest-xray.png", sixteen_bit_png),
    ],
    ids=["exif-6-webp", "exif-6-heic", "exif-6-only-heic", "exif-6-avif", "16-bit-png"],
)
def test_the_editor_draws_the_file_as_it_should_look(
    page: Page, scratch_visit, tmp_path: Path, name: str, sample
) -> None:
    data, looks = sample()
    upload = tmp_path / name
    upload.write_bytes(data)
    visit = scratch_visit()
    signed_in(page, PRACTITIONER)
    open_editor(page, visit)

    page.get_by_test_id("background-upload").click()
    page.get_by_test_id("upload-input").set_input_files(str(upload))
    expect(page.get_by_test_id("upload-row")).to_have_attribute("data-state", "done")
    stage = page.get_by_test_id("canvas-stage")
    expect(stage).to_have_attribute("data-background", "ready")
    page.keyboard.press("Escape")  # close the upload panel, which lies over the stage
    expect(page.get_by_test_id("upload-row")).to_be_hidden()

    shot = stage_image(page).resize(STAGE, Image.Resampling.BOX)
    difference = mean_difference(shot, expected_stage(looks))
    print(f"\n{name}: mean greyscale difference to the upright render {difference:.1f}")
    assert difference < MAX_MEAN_DIFFERENCE
