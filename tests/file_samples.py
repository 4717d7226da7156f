"""Sample patient files made with Pillow, stored as ``patient_files`` rows plus blobs.

The upload service validates and stores real uploads; tests that need files already on
a patient write them here the same way it does: a row, then the blob under
``patient_file_key`` in the app's store.
"""

from __future__ import annotations

import io
import random
import uuid

from PIL import Image, ImageDraw, ImageFont
from sqlmodel import Session

from medrec_app.models import PatientFile
from medrec_app.storage import BlobStore, patient_file_key

PAGE_SIZE = (800, 600)
# Page n of a sample PDF is filled with PAGE_COLOURS[n - 1]: a browser test can tell the
# page on screen from the stage's pixels.
PAGE_COLOURS = [(200, 40, 40), (40, 160, 70), (40, 70, 200)]
EXTENSIONS = {
    "image/png": "png",
    "image/jpeg": "jpg",
    "image/webp": "webp",
    "application/pdf": "pdf",
}


def _page(number: int, colour: tuple[int, int, int], size: tuple[int, int]) -> Image.Image:
    image = Image.new("RGB", size, colour)
    draw = ImageDraw.Draw(image)
    font = ImageFont.load_default(size=size[1] // 2)
    draw.text((size[0] // 2, size[1] // 2), str(number), fill="white", font=font, anchor="mm")
    return image


def pdf_bytes(pages: int = 3, size: tuple[int, int] = PAGE_SIZE) -> bytes:
    """A PDF whose page n is one colour (``PAGE_COLOURS``) with a big white n on it."""
    images = [
        _page(n, PAGE_COLOURS[(n - 1) % len(PAGE_COLOURS)], size) for n in range(1, pages + 1)
    ]
    out = io.BytesIO()
    images[0].save(out, "PDF", save_all=True, append_images=images[1:], resolution=72)
    return out.getvalue()


def _noisy_page(number: int, size: tuple[int, int], rng: random.Random) -> Image.Image:
    page = Image.frombytes("L", size, rng.randbytes(size[0] * size[1]))
    font = ImageFont.load_default(size=size[1] // 3)
    ImageDraw.Draw(page).text(
        (size[0] // 2, size[1] // 2),
        str(number),
        fill=255,
        font=font,
        anchor="mm",
        stroke_width=8,
        stroke_fill=0,
    )
    return page


def scanned_pdf_bytes(pages: int, size: tuple[int, int], quality: int = 75) -> bytes:
    """A large scan-like PDF: one noisy greyscale JPEG per page, which does not compress
    away, with the page number drawn big in the middle."""
    rng = random.Random(pages)
    images = [_noisy_page(n, size, rng) for n in range(1, pages + 1)]
    out = io.BytesIO()
    images[0].save(
        out, "PDF", save_all=True, append_images=images[1:], resolution=72, quality=quality
    )
    return out.getvalue()


def png_bytes(
    colour: tuple[int, int, int] = (230, 200, 40), size: tuple[int, int] = (400, 600)
) -> bytes:
    """A PNG of one colour with a dark frame (an 'x-ray' that is taller than wide)."""
    image = Image.new("RGB", size, colour)
    ImageDraw.Draw(image).rectangle((0, 0, size[0] - 1, size[1] - 1), outline=(20, 20, 20), width=6)
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def store_patient_file(
    session: Session,
    store: BlobStore,
    *,
    patient_id: int,
    uploaded_by_user_id: int,
    file_name: str,
    file_type: str,
    data: bytes,
    page_count: int | None = None,
) -> int:
    """Write the ``patient_files`` row and its blob; returns the file id."""
    row = PatientFile(
        patient_id=patient_id,
        file_name=file_name,
        file_type=file_type,
        file_size=len(data),
        s3_key=f"pending-{uuid.uuid4().hex}",
        s3_bucket=store.bucket,
        uploaded_by_user_id=uploaded_by_user_id,
        page_count=page_count,
    )
    session.add(row)
    session.flush()
    assert row.id is not None
    row.s3_key = patient_file_key(patient_id, row.id, EXTENSIONS[file_type])
    store.put(row.s3_key, io.BytesIO(data), file_type)
    session.add(row)
    session.flush()
    return row.id
