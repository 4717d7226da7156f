"""Preview images: WebP within 256 px for images and a PDF's first page, None if impossible."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from medrec_app.services.demo_files import three_page_pdf, xray_jpeg
from medrec_app.services.thumbnails import render_thumbnail
from tests import samples


@pytest.mark.parametrize(
    ("data", "file_type", "size"),
    [
        (xray_jpeg(), "image/jpeg", (209, 256)),
        (samples.png((1000, 500)), "image/png", (256, 128)),
        (samples.webp((40, 30)), "image/webp", (40, 30)),
        (three_page_pdf(), "application/pdf", (181, 256)),
    ],
)
def test_preview_fits_256_px_as_webp(data: bytes, file_type: str, size: tuple[int, int]) -> None:
    source = io.BytesIO(data)
    preview = Image.open(io.BytesIO(render_thumbnail(source, file_type) or b""))
    assert (preview.format, preview.size) == ("WEBP", size)
    assert source.tell() == 0


def test_pdf_preview_shows_the_first_page() -> None:
    preview = render_thumbnail(io.BytesIO(three_page_pdf()), "application/pdf")
    image = Image.open(io.BytesIO(preview or b"")).convert("L")
    # The big "1" sits in the middle of page 1: dark pixels there, white margins.
    width, height = image.size
    middle = image.crop((width // 3, height // 3, 2 * width // 3, 2 * height // 3))
    assert middle.getextrema()[0] < 80
    assert image.getpixel((2, height - 3)) > 240


def test_unrenderable_file_gives_no_preview() -> None:
    assert render_thumbnail(io.BytesIO(b"%PDF-1.7\nnot really"), "application/pdf") is None
    assert render_thumbnail(io.BytesIO(samples.truncated_jpeg()[:50]), "image/jpeg") is None
