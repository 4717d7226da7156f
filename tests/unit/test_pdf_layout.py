"""Long PDFs are stored as the same document with its small objects in object streams."""

from __future__ import annotations

import io

import pikepdf
from pypdf import PdfReader

from medrec_app.services.pdf_layout import REPACK_MIN_PAGES, repacked
from tests import samples
from tests.file_samples import scanned_pdf_bytes


def _images(data: bytes) -> list[bytes]:
    return [image.data for page in PdfReader(io.BytesIO(data)).pages for image in page.images]


def test_a_long_scan_is_repacked_with_the_same_pages_and_images() -> None:
    original = scanned_pdf_bytes(REPACK_MIN_PAGES, (64, 48))
    source = io.BytesIO(original)
    out = repacked(source, REPACK_MIN_PAGES)
    assert out is not None
    with out:
        data = out.read()
    assert b"/ObjStm" not in original and b"/ObjStm" in data
    assert _images(data) == _images(original)
    assert source.tell() == 0


def test_short_signed_and_unreadable_pdfs_are_kept_as_uploaded() -> None:
    long_scan = scanned_pdf_bytes(REPACK_MIN_PAGES, (64, 48))
    with pikepdf.open(io.BytesIO(long_scan)) as pdf:
        pdf.Root.AcroForm = pikepdf.Dictionary(SigFlags=3, Fields=pikepdf.Array())
        signed = io.BytesIO()
        pdf.save(signed)
        del pdf.Root.AcroForm
        pdf.Root.Perms = pikepdf.Dictionary(UR3=pdf.make_indirect(pikepdf.Dictionary()))
        reader_extended = io.BytesIO()
        pdf.save(reader_extended)
    assert repacked(io.BytesIO(long_scan), REPACK_MIN_PAGES - 1) is None
    assert repacked(signed, REPACK_MIN_PAGES) is None
    assert repacked(reader_extended, REPACK_MIN_PAGES) is None
    assert repacked(io.BytesIO(b"%PDF-1.7\n" + samples.jpeg((8, 8))), REPACK_MIN_PAGES) is None
