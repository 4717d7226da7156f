"""What one upload costs the server before it answers: checks plus display image, in CPU.

Issue 11 set a budget: no single upload may cost more than about 1 s of checking before
a clear answer. Printed, in this thread's CPU seconds (the budget's own clock), median
of ``--runs``:

- a one-page PDF with 32,768 links: the checks (stopped by the budget) against the
  same walk with the budget lifted, measured in the same run (the baseline);
- a 100-page CCITT G4 fax TIFF and a 30-frame ultrasound DICOM loop (pydicom's test
  file): the checks (every page decoded) plus the display PDF, against only decoding
  the pages with Pillow / pydicom (the least any check could cost).

    python benchmarks/upload_checks.py [--runs 3]
"""

from __future__ import annotations

import argparse
import contextlib
import io
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import pydicom  # noqa: E402
from PIL import Image, ImageSequence  # noqa: E402

from medrec_app.domain import pdf_content  # noqa: E402
from medrec_app.domain.file_types import DICOM, TIFF  # noqa: E402
from medrec_app.domain.uploads import FileRefused, UploadLimits, check_upload  # noqa: E402
from medrec_app.services.display import render_display  # noqa: E402
from tests import samples  # noqa: E402
from tests.paged_samples import dicom_sample, fax_tiff  # noqa: E402

LIMITS = UploadLimits(max_bytes=100 * 1024 * 1024, max_image_pixels=50_000_000)


def cpu(action: Callable[[], object], runs: int) -> float:
    spent = []
    for _ in range(runs):
        started = time.thread_time()
        action()
        spent.append(time.thread_time() - started)
    return statistics.median(spent)


def checked(data: bytes, name: str) -> None:
    with contextlib.suppress(FileRefused):
        check_upload(io.BytesIO(data), file_name=name, limits=LIMITS)


def unbounded(data: bytes) -> None:
    budget, nodes = pdf_content.CHECK_CPU_SECONDS, pdf_content.MAX_PDF_NODES
    pdf_content.CHECK_CPU_SECONDS, pdf_content.MAX_PDF_NODES = 1e9, 10**9
    try:
        checked(data, "links.pdf")
    finally:
        pdf_content.CHECK_CPU_SECONDS, pdf_content.MAX_PDF_NODES = budget, nodes


def upload_cost(data: bytes, name: str, kind) -> None:
    checked(data, name)
    render_display(io.BytesIO(data), kind)


def decode_tiff(data: bytes) -> None:
    with Image.open(io.BytesIO(data)) as image:
        for page in ImageSequence.Iterator(image):
            page.load()


def decode_dicom(data: bytes) -> None:
    dataset = pydicom.dcmread(io.BytesIO(data))
    for _frame in pydicom.pixels.iter_pixels(dataset):
        pass


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    runs = parser.parse_args().runs

    links = samples.pdf_with_links(32_768)
    print(
        f"link-heavy PDF: checks {cpu(lambda: checked(links, 'links.pdf'), runs):.2f} s "
        f"(budget {pdf_content.CHECK_CPU_SECONDS:g} s); "
        f"baseline unbounded walk {cpu(lambda: unbounded(links), runs):.2f} s"
    )

    fax = fax_tiff(100)
    print(
        f"100-page fax TIFF ({len(fax) // 1024} KB): checks + display PDF "
        f"{cpu(lambda: upload_cost(fax, 'fax.tif', TIFF), runs):.2f} s; "
        f"baseline decode only {cpu(lambda: decode_tiff(fax), runs):.2f} s"
    )

    loop = dicom_sample("examples_ybr_color.dcm")
    print(
        f"30-frame DICOM loop ({len(loop) // 1024} KB): checks + display PDF "
        f"{cpu(lambda: upload_cost(loop, 'IM000001', DICOM), runs):.2f} s; "
        f"baseline decode only {cpu(lambda: decode_dicom(loop), runs):.2f} s"
    )


if __name__ == "__main__":
    main()
