"""No false refusals, and refusals a front desk can act on (issue 11, items 2 and 5).

Every file is generated here: usage-rights and embedded-file PDFs with pypdf, damaged
PDFs by cutting good ones, images with Pillow, DICOM and ISO media headers by hand.
"""

from __future__ import annotations

import io
import statistics
import time

import pytest
from pypdf import PdfReader

from medrec_app.domain import pdf_content
from medrec_app.domain.file_kinds import Kind, recognise
from medrec_app.domain.file_types import JPEG, PDF, accept_filter
from medrec_app.domain.uploads import FileRefused, PdfNeedsRepair, UploadLimits, check_upload
from tests import samples

LIMITS = UploadLimits(max_bytes=100 * 1024 * 1024, max_image_pixels=50_000_000)


def check(data: bytes, name: str):
    return check_upload(io.BytesIO(data), file_name=name, limits=LIMITS)


def refusal(data: bytes, name: str) -> FileRefused:
    with pytest.raises(FileRefused) as caught:
        check(data, name)
    return caught.value


def test_reader_extended_form_is_accepted() -> None:
    checked = check(samples.pdf_with_usage_rights(), "application form.pdf")
    assert checked.kind is PDF
    assert checked.page_count == 1


@pytest.mark.parametrize(
    "make",
    [
        samples.pdf_with_embedded_file,
        samples.pdf_with_file_attachment_annotation,
        samples.pdf_with_embedded_file_spec_only,
    ],
)
def test_real_embedded_files_are_still_refused(make) -> None:
    assert str(refusal(make(), "report.pdf")).startswith("The PDF carries embedded files")


@pytest.mark.parametrize("name", sorted(samples.damaged_pdfs()))
def test_damaged_pdf_is_sent_for_repair(name: str) -> None:
    error = refusal(samples.damaged_pdfs()[name], "report.pdf")
    assert isinstance(error, PdfNeedsRepair)


@pytest.mark.parametrize("offset", [1, 600, 1024])
def test_pdf_header_within_1024_bytes_is_recognised_as_pdf(offset: int) -> None:
    data = samples.pdf_with_leading_bytes(offset)
    assert data.index(b"%PDF-") == offset
    assert recognise(data[:4096]) is Kind.PDF
    # Offsets in the file no longer match: the service stores a repaired copy.
    assert isinstance(refusal(data, "fax.pdf"), PdfNeedsRepair)


def test_pdf_header_after_1024_bytes_is_not_a_pdf() -> None:
    error = refusal(samples.pdf_with_leading_bytes(1025), "fax.pdf")
    assert not isinstance(error, PdfNeedsRepair)
    assert "although its name ends in .pdf" in str(error)


def test_jpeg_aliases_are_in_the_file_dialog_filter() -> None:
    assert {"jfif", "jpe"} <= JPEG.extensions
    assert ".jfif" in accept_filter().split(",")


def test_link_heavy_pdf_is_refused_within_the_budget(monkeypatch: pytest.MonkeyPatch) -> None:
    """The walk stops at the budget; measured on the budget's own clock (this thread's CPU).

    The check may overrun the budget by the objects in hand when it runs out; on a busy CI
    machine that overrun was 0.55 s where it is nil here. So the allowance is counted in
    this machine's own unit, the time to read the file, measured in the same run. The
    unbounded walk took 2-6 s on this file, 40-100 reads.
    """
    data = samples.pdf_with_links(32_768)
    read = statistics.median(_cpu_seconds(lambda: PdfReader(io.BytesIO(data))) for _ in range(3))
    budget = 0.25
    monkeypatch.setattr(pdf_content, "CHECK_CPU_SECONDS", budget)
    spent = _cpu_seconds(lambda: _assert_too_complex(data))
    assert spent < budget + 10 * read, (spent, read)


def _cpu_seconds(work) -> float:
    started = time.thread_time()
    work()
    return time.thread_time() - started


def _assert_too_complex(data: bytes) -> None:
    error = refusal(data, "links.pdf")
    assert str(error).startswith("The PDF is too complex to check for scripts in the time")


def test_many_links_within_the_budget_are_checked() -> None:
    checked = check(samples.pdf_with_links(500), "links.pdf")
    assert checked.page_count == 1


@pytest.mark.parametrize(
    ("data", "starts"),
    [
        (samples.pillow_image("GIF"), "This file is a GIF image. medrec takes only JPEG, PNG"),
        (samples.pillow_image("BMP"), "This file is a BMP image (a Windows bitmap)."),
        (samples.dicom(), "This DICOM file holds no image (it may be a report"),
        (samples.dicom_with_tiff_preamble(), "This DICOM file holds no image"),
        # Accepted kinds now (tests/unit/test_phone_photos.py): named .bin, "rename it".
        (
            samples.iso_media(b"heic", b"mif1", b"heic"),
            "This file is a HEIC photo, but its name ends in .bin",
        ),
        (
            samples.iso_media(b"mif1", b"heix"),
            "This file is a HEIC photo, but its name ends in .bin",
        ),
        (
            samples.iso_media(b"msf1", b"hevc"),
            "This file is a HEIC photo, but its name ends in .bin",
        ),
        (
            samples.iso_media(b"avif", b"mif1", b"miaf"),
            "This file is an AVIF image, but its name ends",
        ),
        (samples.iso_media(b"mif1", b"avif"), "This file is an AVIF image, but its name ends"),
        (samples.iso_media(b"avis", b"msf1"), "This file is an AVIF image, but its name ends"),
        (samples.iso_media(b"isom", b"mp41"), "This file is a video"),
        (samples.office_zip("word/document.xml"), "This file is a Word document"),
        (samples.office_zip("xl/workbook.xml"), "This file is an Excel spreadsheet"),
        (samples.office_zip("photos/1.jpg"), "This file is a ZIP archive"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504, "This file is an older Microsoft"),
        (samples.TEXT, "This file is plain text."),
        (bytes(range(256)) * 4, "medrec cannot tell what kind of file this is."),
    ],
)
def test_refusal_says_what_the_file_is_and_what_to_do(data: bytes, starts: str) -> None:
    message = str(refusal(data, "upload.bin"))
    assert message.startswith(starts)
    assert "image/" not in message and "application/" not in message
    assert message.endswith(".")


def test_refusal_notes_a_name_that_promises_an_accepted_type() -> None:
    message = str(refusal(samples.pillow_image("GIF"), "scan.jpg"))
    assert message.startswith("This file is a GIF image, although its name ends in .jpg.")
    assert "rename" not in message.lower()


def test_type_mismatch_never_asks_for_a_type_a_browser_cannot_set() -> None:
    checked = check(samples.png(), "chart.jpg")
    assert checked.display_name == "chart.png"
