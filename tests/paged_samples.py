"""Paged images as clinics get them: DICOM files from other toolkits and multi-page TIFF faxes.

DICOM samples are the real files that ship inside pydicom (``pydicom/data/test_files``,
MIT licence): written by dcmtk, GDCM, scanners and converters, in the transfer syntaxes
imaging centres use (uncompressed little and big endian, deflated, RLE, JPEG baseline
with YBR colour, JPEG-LS, JPEG 2000, 12-bit JPEG), with multi-frame ultrasound and dose
files among them. Variants change one header value of a real file with pydicom.

TIFF faxes are made with Pillow: black-and-white pages in CCITT Group 4 at the
204 x 196 dpi of a fine-mode fax, each page drawn differently so that page 2 cannot pass
for page 1.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path

import pydicom
import pydicom.data
from PIL import Image, ImageDraw
from pydicom.dataset import Dataset

FAX_DPI = (204, 196)
FAX_PAGE = (1728, 2200)
TEST_FILES = Path(pydicom.data.__file__).parent / "test_files"


def dicom_sample(name: str) -> bytes:
    """The bytes of one of pydicom's bundled DICOM files."""
    return (TEST_FILES / name).read_bytes()


def dicom_variant(name: str, change: Callable[[Dataset], None]) -> bytes:
    """A real DICOM file with ``change`` applied to its dataset, written back."""
    dataset = pydicom.dcmread(io.BytesIO(dicom_sample(name)))
    change(dataset)
    out = io.BytesIO()
    dataset.save_as(out, enforce_file_format=True)
    return out.getvalue()


def fax_page(number: int) -> Image.Image:
    """A fine-mode fax page: a frame, a block whose place depends on the page, text lines."""
    page = Image.new("1", FAX_PAGE, 1)
    draw = ImageDraw.Draw(page)
    draw.rectangle((100, 100, FAX_PAGE[0] - 100, FAX_PAGE[1] - 100), outline=0, width=10)
    top = 250 + (number - 1) * 600
    draw.rectangle((250, top, 900, top + 450), fill=0)
    for line in range(12):
        y = 1500 + line * 40
        draw.line((1000, y, 1000 + 40 * (line + number), y), fill=0, width=6)
    return page


def fax_tiff(pages: int = 3) -> bytes:
    """A multi-page CCITT G4 TIFF, as a fax server or a scanner's fax mode writes it."""
    drawn = [fax_page(n) for n in range(1, pages + 1)]
    out = io.BytesIO()
    drawn[0].save(
        out,
        "TIFF",
        compression="group4",
        dpi=FAX_DPI,
        save_all=True,
        append_images=drawn[1:],
    )
    return out.getvalue()
