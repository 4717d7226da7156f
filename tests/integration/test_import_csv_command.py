"""``python -m medrec_app.cli import-csv patients FILE`` run as an operator runs it, against
the test database, with the files clinics really export: a BOM, CRLF line ends, quoted
commas and line breaks, a formula, a Latin-1 file, wrong columns, a bad row among good
ones; a second run changes nothing and a dry run writes nothing."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from pathlib import Path

from sqlmodel import col, func, select

from medrec_app.db import session_scope
from medrec_app.domain.permissions import Role
from medrec_app.models import AuditEvent, Patient
from medrec_app.settings import PROJECT_ROOT

COMMAND = [sys.executable, "-m", "medrec_app.cli", "import-csv"]
HEADER = "external_id,first_name,last_name,date_of_birth,sex,phone,email,address"


def run_import(
    path: Path, email: str, *options: str, kind: str = "patients"
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*COMMAND, kind, str(path), "--user", email, *options],
        env={**os.environ, "MEDREC_DEMO_DATA": "false"},
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def messy_file(tmp_path: Path, tag: str) -> Path:
    """What a spreadsheet saves as 'CSV UTF-8': BOM, CRLF; a quoted address with a comma
    and a line break; a cell that is a formula; a bad email; an id used twice."""
    lines = [
        HEADER,
        f'{tag}-1,Jane,Doe,1984-03-12,female,+31 20 555 0199,jane@example.org,"Keizersgracht 1, '
        'back door\r\n1015 CJ Amsterdam"',
        f"{tag}-2,=cmd|' /C calc'!A0,Formula,1990-01-01,,,,",
        f"{tag}-3,Bad,Email,1990-01-01,,,not-an-email,",
        f"{tag}-4,Ünal,Çelik,2001-07-30,male,,,",
        f"{tag}-1,Again,Doe,1984-03-12,,,,",
    ]
    path = tmp_path / "patients.csv"
    path.write_bytes(("\ufeff" + "\r\n".join(lines) + "\r\n").encode())
    return path


def clinic_patients(clinic_id: int, tag: str) -> dict[str, Patient]:
    with session_scope() as session:
        rows = session.exec(
            select(Patient).where(
                Patient.clinic_id == clinic_id, col(Patient.external_id).startswith(tag)
            )
        ).all()
    return {row.external_id or "": row for row in rows}


def audit_count(clinic_id: int) -> int:
    with session_scope() as session:
        return session.exec(
            select(func.count()).select_from(AuditEvent).where(AuditEvent.clinic_id == clinic_id)
        ).one()


def test_a_messy_file_dry_run_then_import_then_again_with_nothing_changed(
    clinic_factory, tmp_path
) -> None:
    clinic = clinic_factory()
    desk = clinic.emails[Role.FRONT_DESK]
    tag = f"BK{uuid.uuid4().hex[:6]}"
    path = messy_file(tmp_path, tag)
    audit_before = audit_count(clinic.clinic_id)

    dry = run_import(path, desk, "--dry-run")
    assert dry.returncode == 1, dry.stderr
    assert dry.stdout.splitlines() == [
        "line 5: email: 'not-an-email' is not an email address (like name@clinic.example).",
        f"line 7: external_id: '{tag}-1' is on line 2 too",
        "Dry run, nothing written: 3 would be created, 0 would be updated, 0 unchanged, "
        "2 refused (of 5 rows)",
    ]
    assert clinic_patients(clinic.clinic_id, tag) == {}
    assert audit_count(clinic.clinic_id) == audit_before, "a dry run writes no audit row"

    done = run_import(path, desk)
    assert done.returncode == 1, done.stderr
    assert done.stdout.splitlines()[-1] == (
        "3 created, 0 updated, 0 unchanged, 2 refused (of 5 rows)"
    )
    assert "Importing patients: 100% (5 of 5 rows)" in done.stderr
    stored = clinic_patients(clinic.clinic_id, tag)
    assert sorted(stored) == [f"{tag}-1", f"{tag}-2", f"{tag}-4"]
    jane = stored[f"{tag}-1"]
    assert (jane.first_name, jane.phone, jane.email) == (
        "Jane",
        "+31 20 555 0199",
        "jane@example.org",
    )
    assert jane.address == "Keizersgracht 1, back door\n1015 CJ Amsterdam"
    assert stored[f"{tag}-2"].first_name == "=cmd|' /C calc'!A0", "stored as the text it is"
    assert (stored[f"{tag}-4"].first_name, stored[f"{tag}-4"].last_name) == ("Ünal", "Çelik")
    with session_scope() as session:
        run_rows = session.exec(
            select(AuditEvent.user_id, AuditEvent.details).where(
                AuditEvent.clinic_id == clinic.clinic_id,
                AuditEvent.action == "csv_import.patients",
            )
        ).all()
    assert run_rows == [
        (
            clinic.actors[Role.FRONT_DESK].user_id,
            {"created": 3, "updated": 0, "unchanged": 0, "refused": 2},
        )
    ]
    audit_after = audit_count(clinic.clinic_id)
    assert audit_after == audit_before + 4, "one per patient created and one for the run"

    again = run_import(path, desk)
    assert again.returncode == 1
    assert again.stdout.splitlines()[-1] == (
        "0 created, 0 updated, 3 unchanged, 2 refused (of 5 rows)"
    )
    assert audit_count(clinic.clinic_id) == audit_after, "a second run writes nothing"
    assert {k: v.updated_at for k, v in clinic_patients(clinic.clinic_id, tag).items()} == {
        k: v.updated_at for k, v in stored.items()
    }


def test_a_clean_file_exits_0_and_a_changed_row_is_an_update(clinic_factory, tmp_path) -> None:
    clinic = clinic_factory()
    admin = clinic.emails[Role.ADMIN]
    tag = f"BK{uuid.uuid4().hex[:6]}"
    path = tmp_path / "clean.csv"
    path.write_text(f"{HEADER}\n{tag}-1,Ann,Lee,1970-05-01,,,,\n{tag}-2,Bo,Lee,1972-06-02,,,,\n")
    first = run_import(path, admin)
    assert (first.returncode, first.stdout.strip()) == (
        0,
        "2 created, 0 updated, 0 unchanged, 0 refused (of 2 rows)",
    )
    path.write_text(
        f"{HEADER}\n{tag}-1,Ann,Lee,1970-05-01,,+44 20 7946 0000,,\n{tag}-2,Bo,Lee,1972-06-02,,,,\n"
    )
    second = run_import(path, admin)
    assert (second.returncode, second.stdout.strip()) == (
        0,
        "0 created, 1 updated, 1 unchanged, 0 refused (of 2 rows)",
    )
    assert clinic_patients(clinic.clinic_id, tag)[f"{tag}-1"].phone == "+44 20 7946 0000"


def test_files_refused_whole_exit_2_and_write_nothing(clinic_factory, tmp_path) -> None:
    clinic = clinic_factory()
    desk = clinic.emails[Role.FRONT_DESK]
    tag = f"BK{uuid.uuid4().hex[:6]}"
    audit_before = audit_count(clinic.clinic_id)

    latin1 = tmp_path / "latin1.csv"
    latin1.write_bytes(
        f"{HEADER}\n{tag}-1,Ann,Lee,1970-05-01,,,,\n{tag}-2,Jürgen,Müller,1970-05-01,,,,\n".encode(
            "latin-1"
        )
    )
    refused = run_import(latin1, desk)
    assert refused.returncode == 2
    assert refused.stderr.strip() == (
        "latin1.csv was not imported (nothing was written): line 3: the file is not UTF-8 "
        "text (byte 0xfc at position 13); save it as 'CSV UTF-8' and import it again"
    )

    wrong = tmp_path / "wrong.csv"
    wrong.write_text("external_id,first_name,surname,date_of_birth,sex,phone,mail,address\n")
    refused = run_import(wrong, desk)
    assert refused.returncode == 2
    assert "missing column(s) last_name, email; unknown column(s) surname, mail" in refused.stderr

    huge = tmp_path / "huge.csv"
    with huge.open("wb") as out:
        out.truncate(201 * 1024 * 1024)  # sparse: the size is checked before any reading
    refused = run_import(huge, desk)
    assert refused.returncode == 2
    assert "the file is 201.0 MB; at most 200 MB can be imported at once" in refused.stderr

    missing = run_import(tmp_path / "nowhere.csv", desk)
    assert (missing.returncode, "No such file or directory" in missing.stderr) == (2, True)

    ok = tmp_path / "ok.csv"
    ok.write_text(f"{HEADER}\n{tag}-9,Ann,Lee,1970-05-01,,,,\n")
    reader = run_import(ok, clinic.emails[Role.READ_ONLY])
    assert reader.returncode == 2
    assert "Read-only users may not register and edit patients." in reader.stderr
    nobody = run_import(ok, "nobody@nowhere.example")
    assert nobody.returncode == 2
    assert "no active user has the email 'nobody@nowhere.example'" in nobody.stderr

    assert clinic_patients(clinic.clinic_id, tag) == {}
    denied = audit_count(clinic.clinic_id) - audit_before
    assert denied == 1, "only the read-only user's refusal is audited"
