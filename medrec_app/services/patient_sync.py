"""Patients kept in step with a booking system: upsert by its id (the external id).

``PUT /api/patients/by-external-id/{id}`` and ``cli import-csv patients`` both end in
:func:`upsert_patient_by_external_id` (the CLI through :func:`import_patient_rows`): the
clinic's patient with that external id gets the details sent, or is created with them.
A nightly sync sends the same data again and again, so details equal to the stored ones
write nothing: no change, no audit row. The booking system is the source of truth for
who its patients are, so there is no duplicate-name warning on this path; every field
is still checked as the front desk's form checks it (``domain/patient_details.py``).

Two writers with the same new external id at once make one patient: the second insert
(``ON CONFLICT DO NOTHING``) waits on the unique index ``uq_patients_clinic_external_id``
until the first commits, inserts nothing, and the row is then read (locked, fresh) and
updated instead. Audit rows name the
changed fields and the way in (``via``), never values.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import date
from typing import Any, Literal

from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlmodel import Session, col, select

from medrec_app.domain.csv_import import CsvKind, CsvRow
from medrec_app.domain.patient_details import (
    DetailsRefused,
    PatientDetails,
    check_details,
    problem_field,
)
from medrec_app.domain.permissions import Action, Actor, require
from medrec_app.models import Patient
from medrec_app.services import audit
from medrec_app.services.clinic_time import clinic_today
from medrec_app.services.csv_imports import RowResult
from medrec_app.services.errors import ValidationFailed
from medrec_app.services.patients import PatientPublic

Outcome = Literal["created", "updated", "unchanged"]
SYNC_FIELDS = ("first_name", "last_name", "date_of_birth", "sex", "phone", "email", "address")
PATIENT_CSV = CsvKind("patients", ("external_id", *SYNC_FIELDS), key="external_id")
_MISSING_ID = "External id: enter the booking system's id of the patient."
_RACED = "External id: another writer changed this patient meanwhile; send it again."


@dataclass(frozen=True)
class SyncResult:
    """What the upsert did (or, in a dry run, would do); ``fields`` are the changed ones.
    ``patient`` is None only for a dry run's ``created``."""

    outcome: Outcome
    patient: PatientPublic | None
    fields: tuple[str, ...] = ()


def upsert_patient_by_external_id(
    session: Session,
    actor: Actor,
    external_id: str,
    values: dict[str, Any],
    *,
    via: str = "api",
) -> SyncResult:
    """The actor's clinic's patient with ``external_id`` given ``values`` (every field of
    ``SYNC_FIELDS``; one left out is cleared), created if there is none.

    ``ValidationFailed`` names every bad field (``"Email: ..."``; see ``problem_field``).
    """
    require(actor, Action.REGISTER_PATIENT)
    details = _details(external_id, values, clinic_today(session, actor))
    return _upsert(session, actor, [details], via=via, dry_run=False)[0]


def import_patient_rows(
    session: Session, actor: Actor, rows: list[CsvRow], *, dry_run: bool = False
) -> list[RowResult]:
    """Upsert the rows of a ``PATIENT_CSV`` file (one batch, one transaction; their
    external ids differ, ``csv_imports`` sees to that).

    A refused row is reported and the others go on: every row is checked before anything
    is written, and the writes cannot fail on a row's content. ``dry_run`` reads and
    reports, and writes nothing.
    """
    require(actor, Action.REGISTER_PATIENT)
    today = clinic_today(session, actor)
    results: dict[int, RowResult] = {}
    good: list[tuple[int, PatientDetails]] = []
    for row in rows:
        try:
            good.append((row.line, _details(row.values.get("external_id", ""), row.values, today)))
        except ValidationFailed as refused:
            results[row.line] = RowResult(row.line, problems=tuple(_column_wording(refused)))
    done = _upsert(session, actor, [d for _, d in good], via="csv_import", dry_run=dry_run)
    for (line, _), result in zip(good, done, strict=True):
        results[line] = RowResult(line, result.outcome)
    return [results[row.line] for row in rows]


def _column_wording(refused: ValidationFailed) -> list[str]:
    worded = []
    for message in refused.messages:
        field, rest = problem_field(message)
        worded.append(f"{field}: {rest}" if field else message)
    return worded


def _details(external_id: str, values: dict[str, Any], today: date) -> PatientDetails:
    given = {name: values.get(name) for name in SYNC_FIELDS}
    problems = [] if " ".join(str(external_id or "").split()) else [_MISSING_ID]
    try:
        details = check_details({**given, "external_id": external_id}, today)
    except DetailsRefused as refused:
        raise ValidationFailed(problems + refused.problems) from None
    if problems:
        raise ValidationFailed(problems)
    return details


def _columns(details: PatientDetails) -> dict[str, Any]:
    columns = dataclasses.asdict(details)
    columns["sex"] = details.sex.value if details.sex else None
    return columns


def _upsert(
    session: Session,
    actor: Actor,
    batch: list[PatientDetails],
    *,
    via: str,
    dry_run: bool,
) -> list[SyncResult]:
    """Upsert each of ``batch`` (distinct external ids) in a few statements: the stored
    ones read and locked at once, the new ones inserted at once; an id another writer
    inserted meanwhile (``ON CONFLICT DO NOTHING`` waited for it) is then read and
    updated like the stored ones."""
    if not batch:
        return []
    stored = _find(session, actor, [d.external_id for d in batch], lock=not dry_run)
    done: dict[str | None, SyncResult] = {}
    new = sorted(
        (d for d in batch if d.external_id not in stored), key=lambda d: d.external_id or ""
    )
    if new and dry_run:
        done.update((d.external_id, SyncResult("created", None)) for d in new)
    elif new:
        table = Patient.__table__  # type: ignore[attr-defined]
        rows = session.connection().execute(  # executemany: one cached statement
            pg_insert(table)
            .on_conflict_do_nothing(constraint="uq_patients_clinic_external_id")
            .returning(table.c.external_id, table.c.id),
            [{"clinic_id": actor.clinic_id, **_columns(d)} for d in new],
        )
        inserted = {external_id: patient_id for external_id, patient_id in rows}
        for d in new:
            if (patient_id := inserted.get(d.external_id)) is not None:
                audit.record(
                    session, actor, "patient.create", patient_id=patient_id, details={"via": via}
                )
                done[d.external_id] = SyncResult(
                    "created", PatientPublic(id=patient_id, **_columns(d))
                )
        raced = [d.external_id for d in new if d.external_id not in inserted]
        if raced:
            stored.update(_find(session, actor, raced, lock=True))
    for d in batch:
        if d.external_id in done:
            continue
        if (patient := stored.get(d.external_id)) is None:  # inserted and gone meanwhile
            raise ValidationFailed([_RACED])
        done[d.external_id] = _update(
            session, actor, patient, _columns(d), via=via, dry_run=dry_run
        )
    return [done[d.external_id] for d in batch]


def _find(
    session: Session, actor: Actor, external_ids: list[str | None], *, lock: bool
) -> dict[str | None, Patient]:
    query = (
        select(Patient)
        .where(Patient.clinic_id == actor.clinic_id, col(Patient.external_id).in_(external_ids))
        .order_by(col(Patient.id))  # lock in one order: two batches cannot deadlock here
    )
    if lock:
        query = query.with_for_update()
    rows = session.exec(query.execution_options(populate_existing=True)).all()
    return {row.external_id: row for row in rows}


def _update(
    session: Session,
    actor: Actor,
    patient: Patient,
    columns: dict[str, Any],
    *,
    via: str,
    dry_run: bool,
) -> SyncResult:
    changed = tuple(name for name, value in columns.items() if getattr(patient, name) != value)
    if not changed:
        return SyncResult("unchanged", _public(patient))
    if dry_run:
        return SyncResult("updated", _public(patient), changed)
    for name in changed:
        setattr(patient, name, columns[name])
    session.add(patient)
    session.flush()
    audit.record(
        session,
        actor,
        "patient.update",
        patient_id=patient.id,
        details={"fields": list(changed), "via": via},
    )
    return SyncResult("updated", _public(patient), changed)


def _public(patient: Patient) -> PatientPublic:
    return PatientPublic.model_validate(patient, from_attributes=True)
