"""``python -m medrec_app.importer`` run as an operator runs it, against the test database
and the local store: a mapping of good and bad exports (dry run first, then for real),
each refusal printed with its file and reason, the summary, the exit status; and the
one-file form."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from sqlmodel import col, func, select

from medrec_app.db import session_scope
from medrec_app.domain.permissions import Role
from medrec_app.models import MedicalRecord, PatientFile, RecordImport
from medrec_app.settings import PROJECT_ROOT
from tests import samples
from tests.demo_exports import export_text, saved_state
from tests.file_samples import png_bytes, scanned_pdf_bytes
from tests.integration.test_demo_import import blob_keys

COMMAND = [sys.executable, "-m", "medrec_app.importer"]


def importer(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*COMMAND, *args],
        env={**os.environ, "MEDREC_DEMO_DATA": "false"},
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def stored(clinic) -> tuple[int, int, int, int]:
    """Records, imports, file rows and blobs of the clinic's one patient."""
    with session_scope() as session:
        record_ids = session.exec(
            select(MedicalRecord.id).where(
                col(MedicalRecord.appointment_id).in_(clinic.appointment_ids)
            )
        ).all()
        imports = session.exec(
            select(func.count())
            .select_from(RecordImport)
            .where(col(RecordImport.medical_record_id).in_(record_ids))
        ).one()
        files = session.exec(
            select(func.count())
            .select_from(PatientFile)
            .where(PatientFile.patient_id == clinic.patient_ids[0])
        ).one()
    return len(record_ids), imports, files, len(blob_keys(clinic.patient_ids[0]))


def write_exports(folder: Path) -> None:
    good = saved_state(seed=21, lines=6, shapes=3, image=("image/png", png_bytes()))
    (folder / "visit-a.json").write_text(export_text(good))
    pdf = saved_state(seed=22, pdf=scanned_pdf_bytes(2, (500, 700)), page=2, pages=2)
    (folder / "visit-b.json").write_text(export_text(pdf))
    bad_base64 = saved_state() | {"backgroundImageDataUrl": "data:image/png;base64,iVBOR$$$"}
    (folder / "bad-base64.json").write_text(export_text(bad_base64))
    nan = export_text(saved_state(seed=23, lines=1)).replace('"points":[', '"points":[NaN,0,', 1)
    (folder / "nan.json").write_text(nan)
    missing = saved_state()
    del missing["stageSize"]
    (folder / "missing-key.json").write_text(export_text(missing))
    (folder / "extra-key.json").write_text(export_text(saved_state() | {"zoom": 1.5}))
    mismatch = saved_state(image=("image/png", samples.jpeg()))
    (folder / "mismatch.json").write_text(export_text(mismatch))
    with (folder / "huge.json").open("w") as out:
        out.write('{"backgroundImageDataUrl":"data:image/png;base64,')
        out.write("A" * (60 * 1024 * 1024))
        out.write('"}')


def test_a_mapping_of_good_and_bad_exports_dry_run_then_import(clinic_factory, tmp_path) -> None:
    clinic, other = clinic_factory(), clinic_factory()
    admin = clinic.emails[Role.ADMIN]
    a, b, c = clinic.appointment_ids
    write_exports(tmp_path)
    mapping = tmp_path / "mapping.csv"
    mapping.write_text(
        "export_file,appointment_id,user_email\n"
        f"visit-a.json,{a},{admin}\n"
        f"visit-b.json,{b},{admin}\n"
        f"visit-a.json,{a},{admin}\n"
        f"bad-base64.json,{c},{admin}\n"
        f"nan.json,{c},{admin}\n"
        f"missing-key.json,{c},{admin}\n"
        f"extra-key.json,{c},{admin}\n"
        f"mismatch.json,{c},{admin}\n"
        f"huge.json,{c},{admin}\n"
        f"not-there.json,{c},{admin}\n"
        f"visit-a.json,{other.appointment_ids[0]},{admin}\n"
        f"visit-a.json,{c},nobody@test.example\n"
    )
    before = stored(clinic), stored(other)

    dry = importer("--mapping", str(mapping), "--dry-run")

    assert dry.returncode == 1, dry.stderr
    assert stored(clinic) == before[0] and stored(other) == before[1]
    assert dry.stdout.splitlines()[0] == (
        f"visit-a.json -> appointment {a}: would import 6 line(s), 3 shape(s), image "
        "background into a new record"
    )
    assert (
        "Dry run, nothing written: 3 would be imported, 0 skipped as already imported, "
        "9 refused (of 12 exports)"
    ) in dry.stdout

    done = importer("--mapping", str(mapping))

    assert done.returncode == 1, done.stderr
    out = done.stdout.splitlines()
    summary = out.index("2 imported, 1 skipped as already imported, 9 refused (of 12 exports)")
    assert out[2] == (
        f"visit-a.json -> appointment {a}: already imported into record "
        f"{record_id(a)}; nothing new was created"
    )
    assert out[summary + 1 :] == [
        "Refused:",
        "  bad-base64.json: backgroundImageDataUrl: is not valid base64 (it holds '$', "
        "which is not a base64 letter, digit, '+' or '/')",
        "  nan.json: lines[0].points: value [0] must be a finite number, not nan",
        "  missing-key.json: stageSize: is missing (every key of the demo's save is required)",
        "  extra-key.json: zoom: is not a key of the demo's save (unknown keys are refused)",
        "  mismatch.json: backgroundImageDataUrl: says it is 'image/png', but its bytes are a "
        "JPEG image (image/jpeg); the export was changed or damaged",
        "  huge.json: the export is 60.0 MB; a demo save is at most 50 MB (a browser keeps "
        "5 to 10 MB for the demo), so this is not one",
        "  not-there.json: cannot be read (No such file or directory)",
        "  visit-a.json: The appointment was not found.",
        "  visit-a.json: User: no active user has the email 'nobody@test.example'; use the "
        "email of a front-desk user, practitioner or admin of the clinic.",
    ]
    assert "Importing: 100% (12 of 12 exports)" in done.stderr
    records, imports, files, blobs = stored(clinic)
    assert (records, imports, files) == (before[0][0] + 2, before[0][1] + 2, before[0][2] + 2)
    assert blobs > before[0][3]
    assert stored(other) == before[1]


def record_id(appointment_id: int) -> int:
    with session_scope() as session:
        return session.exec(
            select(MedicalRecord.id).where(MedicalRecord.appointment_id == appointment_id)
        ).one()


def test_one_export_into_one_appointment(clinic_factory, tmp_path) -> None:
    clinic = clinic_factory()
    export = tmp_path / "chart.json"
    export.write_text(export_text(saved_state(seed=30, lines=2, shapes=1)))
    args = [str(export), "--appointment", str(clinic.appointment_ids[0])]

    done = importer(*args, "--as", clinic.emails[Role.ADMIN])
    again = importer(*args, "--as", clinic.emails[Role.ADMIN])
    practitioner = importer(*args, "--as", clinic.emails[Role.PRACTITIONER])

    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[-1] == (
        "1 imported, 0 skipped as already imported, 0 refused (of 1 exports)"
    )
    assert again.returncode == 0
    assert "0 imported, 1 skipped as already imported" in again.stdout
    assert practitioner.returncode == 1
    assert (
        "chart.json: refused: Practitioners may not import records saved by the browser-only demo."
        in practitioner.stdout
    )


def test_a_bad_mapping_is_refused_before_anything_is_tried(tmp_path) -> None:
    mapping = tmp_path / "mapping.csv"
    mapping.write_text("a.json,twelve,admin@test.example\n")
    done = importer("--mapping", str(mapping))
    assert done.returncode == 2
    assert "line 1: appointment_id 'twelve' is not an id" in done.stderr


def test_two_workers_import_a_folder_and_report_in_order(clinic_factory, tmp_path) -> None:
    clinic = clinic_factory()
    admin = clinic.emails[Role.ADMIN]
    lines = []
    for n, appointment in enumerate(clinic.appointment_ids):
        name = f"chart-{n}.json"
        (tmp_path / name).write_text(export_text(saved_state(seed=60 + n, lines=n + 1)))
        lines.append(f"{name},{appointment},{admin}")
    lines.append(f"chart-0.json,{clinic.appointment_ids[0]},{admin}")  # a duplicate
    (tmp_path / "mapping.csv").write_text("\n".join(lines) + "\n")

    done = importer(str(tmp_path), "--mapping", str(tmp_path / "mapping.csv"), "--workers", "2")

    assert done.returncode == 0, done.stderr
    out = done.stdout.splitlines()
    assert [line.split(" -> ")[0] for line in out[:4]] == [
        "chart-0.json",
        "chart-1.json",
        "chart-2.json",
        "chart-0.json",
    ]
    said = [line.split(": ", 1)[1] for line in out[:4]]
    assert said[1].startswith("imported 2 line(s)") and said[2].startswith("imported 3 line(s)")
    # Both chart-0 lines may run at once in the two workers: exactly one imports it.
    assert sorted(s.split(" line(s)")[0].split(" into")[0] for s in (said[0], said[3])) == [
        "already imported",
        "imported 1",
    ]
    assert out[-1] == "3 imported, 1 skipped as already imported, 0 refused (of 4 exports)"
    assert stored(clinic)[:2] == (3, 3)
