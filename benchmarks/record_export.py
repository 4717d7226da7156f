"""Exporting a record: 2,000 strokes over a 1-page scanned PDF, against rendering that page.

On a fresh database in the embedded PostgreSQL and a temporary local file store, a
practitioner's record gets a 1-page scanned PDF (an A4 page at 150 dpi, as a scanner
writes it) as its background and 2,000 freehand strokes of 60 points, through the save
path. Each of 10 runs adds one stroke (not timed, so every export is new) and then times
``export_record`` as the page calls it: the PDF built, its PNG rendered, both checked and
stored as patient files, linked and audited. Printed beside it, from the same runs: the
PDF build alone and the PNG alone; the baseline, the same page (the export's page 1,
background and strokes) rendered alone with pypdfium2 at the stage's size, and, for
scale, the background page rendered alone; each timed 10 times in the same run.

Targets: median and p95 under 1 s, and under 5x the baseline::

    python benchmarks/record_export.py
"""

from __future__ import annotations

import io
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _harness import add_line, bench_database, embedded_admin_url, pct, stroke

from medrec_app import db
from medrec_app.domain.drawing import parse_drawing
from medrec_app.domain.permissions import Role
from medrec_app.models import Appointment, MedicalRecord
from medrec_app.services import record_pdf, unit_of_work
from medrec_app.services.records import editing, export
from medrec_app.services.thumbnails import render_pdf_page
from medrec_app.services.uploads import upload_patient_file
from tests.file_samples import scanned_pdf_bytes
from tests.plugins.factories import make_clinic

RUNS = 10
STROKES = 2_000
POINTS = 60
STAGE = (800, 600)


def timed(action, *args, **kwargs) -> tuple[float, object]:
    """Seconds ``action(*args, **kwargs)`` took, and what it returned."""
    started = time.perf_counter()
    result = action(*args, **kwargs)
    return time.perf_counter() - started, result


def line(values: list[float]) -> str:
    return (
        f"median {statistics.median(values) * 1000:7.0f} ms   p95 {pct(values, 95) * 1000:7.0f} ms"
    )


def main() -> None:
    with embedded_admin_url() as admin_url, bench_database(admin_url, "medrec_bench_export"):
        clinic = make_clinic("Export bench", appointments=1)
        doctor = clinic.actors[Role.PRACTITIONER]
        scan = scanned_pdf_bytes(1, (1240, 1754))
        with db.session_scope() as session:
            uploaded = upload_patient_file(
                session,
                doctor,
                clinic.patient_ids[0],
                file_name="referral.pdf",
                source=io.BytesIO(scan),
            )
        with db.session_scope() as session:
            record_id = editing.open_for_editing(
                session, doctor, clinic.appointment_ids[0]
            ).record_id
        background = {
            "op": "setBackground",
            "opId": "bench-background",
            "backgroundType": "pdf",
            "backgroundFileId": uploaded.file_id,
            "pdfPageNumber": 1,
            "pdfNumPages": 1,
        }
        rng = random.Random(14)
        with db.session_scope() as session:
            editing.save_operations(session, doctor, record_id, [background])
        for _ in range(0, STROKES, 500):
            ops = [add_line(stroke(rng, POINTS)) for _ in range(500)]
            with db.session_scope() as session:
                editing.save_operations(session, doctor, record_id, ops)

        exports, builds, pngs, pages, backgrounds = [], [], [], [], []
        pdf = b""
        for _ in range(RUNS):
            one_more = [add_line(stroke(rng, POINTS))]
            with db.session_scope() as session:
                editing.save_operations(session, doctor, record_id, one_more)
            exports.append(timed(unit_of_work.run, export.export_record, doctor, record_id)[0])
            with db.session_scope() as session:
                record = session.get(MedicalRecord, record_id)
                visit = session.get(Appointment, record.appointment_id)
                note = export._note(session, doctor, record, visit, [])
                drawing = parse_drawing(record.drawing_data)
            under = record_pdf.Background("pdf", scan, 1)
            took, pdf = timed(record_pdf.record_pdf, drawing, under, note)
            builds.append(took)
            took, canvas = timed(render_pdf_page, io.BytesIO(pdf), 1, STAGE, max_scale=1.0)
            pages.append(took)
            pngs.append(took + timed(export._png, canvas)[0])
            backgrounds.append(
                timed(render_pdf_page, io.BytesIO(scan), 1, STAGE, max_scale=10.0)[0]
            )

        size = len(pdf)
        print(
            f"record: {STROKES + RUNS:,} strokes of {POINTS} points over a 1-page scanned PDF; "
            f"the export is {size / 1024:.0f} KB"
        )
        print(f"export_record (PDF + PNG, checked, stored) {line(exports)}")
        print(f"  of which: the PDF built               {line(builds)}")
        print(f"  of which: the PNG rendered, encoded   {line(pngs)}")
        print(f"baseline: page 1 alone, rendered        {line(pages)}")
        print(f"the background page alone, rendered     {line(backgrounds)}")
        median = statistics.median(exports)
        print(
            f"export / page 1 rendered: {median / statistics.median(pages):.1f}x; "
            f"export / background rendered: {median / statistics.median(backgrounds):.1f}x "
            "(targets: under 1 s, under 5x the baseline)"
        )


if __name__ == "__main__":
    main()
