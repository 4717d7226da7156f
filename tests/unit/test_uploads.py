"""Upload checks on the bytes alone: type, declared type, name, size, image and PDF content."""

from __future__ import annotations

import io
from collections.abc import Callable

import pytest

from medrec_app.domain.file_types import JPEG, PDF, PNG, WEBP
from medrec_app.domain.uploads import (
    FileRefused,
    PdfNeedsRepair,
    Refusal,
    UploadLimits,
    check_upload,
    clean_display_name,
)
from tests import samples

LIMITS = UploadLimits(max_bytes=2 * 1024 * 1024, max_image_pixels=50_000_000)


def check(data: bytes, name: str, limits: UploadLimits = LIMITS):
    return check_upload(io.BytesIO(data), file_name=name, limits=limits)


def refusal(data: bytes, name: str, limits: UploadLimits = LIMITS) -> FileRefused:
    with pytest.raises(FileRefused) as caught:
        check(data, name, limits)
    return caught.value


@pytest.mark.parametrize(
    ("make", "name", "kind", "pages"),
    [
        (samples.jpeg, "xray.JPG", JPEG, None),
        (samples.jpeg, "xray.jpeg", JPEG, None),
        (samples.jpeg, "photo.jfif", JPEG, None),
        (samples.jpeg, "photo.JPE", JPEG, None),
        (samples.png, "chart.png", PNG, None),
        (samples.webp, "photo.webp", WEBP, None),
        (samples.pdf, "report.pdf", PDF, 3),
    ],
)
def test_accepts_the_allowed_types(
    make: Callable[[], bytes], name: str, kind: object, pages: int | None
) -> None:
    checked = check(make(), name)
    assert checked.kind is kind
    assert checked.page_count == pages
    assert checked.display_name == name


def test_text_named_pdf_is_refused_as_text() -> None:
    error = refusal(samples.TEXT, "scan.pdf")
    assert error.kind is Refusal.UNSUPPORTED_TYPE
    assert str(error).startswith("This file is plain text, although its name ends in .pdf.")


def test_html_named_jpg_is_refused_as_a_web_page() -> None:
    error = refusal(samples.HTML, "xray.jpg")
    assert error.kind is Refusal.UNSUPPORTED_TYPE
    assert str(error).startswith("This file is a web page (HTML), although its name ends in .jpg")


def test_svg_is_refused_with_its_own_message() -> None:
    error = refusal(samples.SVG, "logo.svg")
    assert error.kind is Refusal.UNSUPPORTED_TYPE
    assert "SVG images are not accepted because they can contain scripts" in str(error)


def test_empty_file_is_refused() -> None:
    error = refusal(b"", "xray.jpg")
    assert error.kind is Refusal.INVALID_CONTENT
    assert str(error).startswith("The file is empty (0 bytes).")


def test_over_limit_file_is_refused_before_reading_it() -> None:
    error = refusal(samples.jpeg() + b"\0" * LIMITS.max_bytes, "xray.jpg")
    assert error.kind is Refusal.TOO_LARGE
    assert str(error).startswith("The file is larger than the 2 MB limit.")


def test_encrypted_pdf_is_refused() -> None:
    error = refusal(samples.encrypted_pdf(), "report.pdf")
    assert error.kind is Refusal.INVALID_CONTENT
    assert str(error).startswith("The PDF is encrypted or password-protected")


def test_truncated_jpeg_is_refused() -> None:
    error = refusal(samples.truncated_jpeg(), "xray.jpg")
    assert error.kind is Refusal.INVALID_CONTENT
    assert str(error).startswith("The JPEG image is damaged or incomplete")


@pytest.mark.parametrize("side", [8_000, 20_000])
def test_image_bomb_is_refused_from_its_header(side: int) -> None:
    # 8,000^2 is over our limit; 20,000^2 is over Pillow's own bomb limit as well.
    error = refusal(samples.png_header_only(side, side), "bomb.png")
    assert error.kind is Refusal.INVALID_CONTENT
    assert str(error).startswith("The image has more than 50 million pixels")


@pytest.mark.parametrize(
    "make",
    [
        samples.pdf_with_document_js,
        samples.pdf_with_open_action_js,
        samples.pdf_with_annotation_js,
        samples.pdf_with_page_action_js,
    ],
)
def test_pdf_with_javascript_is_refused(make: Callable[[], bytes]) -> None:
    error = refusal(make(), "report.pdf")
    assert error.kind is Refusal.INVALID_CONTENT
    assert str(error).startswith("The PDF contains JavaScript")


@pytest.mark.parametrize(
    "make", [samples.pdf_with_embedded_file, samples.pdf_with_file_attachment_annotation]
)
def test_pdf_with_embedded_file_is_refused(make: Callable[[], bytes]) -> None:
    error = refusal(make(), "report.pdf")
    assert error.kind is Refusal.INVALID_CONTENT
    assert str(error).startswith("The PDF carries embedded files")


def test_garbage_after_pdf_header_is_refused_as_damaged() -> None:
    error = refusal(b"%PDF-1.7\n" + b"\x00garbage" * 20, "report.pdf")
    assert isinstance(error, PdfNeedsRepair)
    assert str(error).startswith("The PDF is damaged (or not a real PDF)")


def test_path_in_name_is_neutralised() -> None:
    checked = check(samples.png(), "../../x.png")
    assert checked.display_name == "x.png"


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("../../x.png", "x.png"),
        ("..\\..\\windows\\x.png", "x.png"),
        ("/etc/passwd.png", "passwd.png"),
        ("scan\x00\r\n.pdf", "scan.pdf"),
        ("evil\u202egnp.exe", "evilgnp.exe"),
        ("..", ""),
        ("a" * 300 + ".pdf", "a" * 251 + ".pdf"),
    ],
)
def test_clean_display_name(raw: str, clean: str) -> None:
    assert clean_display_name(raw) == clean


def test_declared_type_is_not_relied_on() -> None:
    # A browser names the type from the file name; the bytes decide what is stored.
    checked = check(samples.png(), "chart.png")
    assert checked.kind is PNG


def test_name_ending_of_another_accepted_type_is_corrected() -> None:
    checked = check(samples.webp(), "photo from phone.jpg")
    assert checked.kind is WEBP
    assert checked.display_name == "photo from phone.webp"


def test_other_name_ending_is_refused_with_the_rename_that_fixes_it() -> None:
    error = refusal(samples.pdf(), "report.exe")
    assert str(error) == (
        "This file is a PDF document, but its name ends in .exe. Rename it to end in .pdf "
        "and upload it again."
    )


def test_name_without_extension_is_refused() -> None:
    error = refusal(samples.pdf(), "report")
    assert "its name has no ending such as .jpg or .pdf. Rename it to end in .pdf" in str(error)


def test_pdf_too_large_to_walk_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    from medrec_app.domain import pdf_content

    monkeypatch.setattr(pdf_content, "MAX_PDF_NODES", 3)
    error = refusal(samples.pdf(3), "report.pdf")
    assert str(error).startswith("The PDF is too complex to check for scripts in the time")


def test_pdf_without_pages_is_refused() -> None:
    error = refusal(samples.pdf_without_pages(), "report.pdf")
    assert str(error).startswith("The PDF has no pages.")
