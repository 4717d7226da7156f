"""Exporting a record: the annotated PDF and a PNG of its canvas, kept as patient files.

An export is the record as it is now (signed or not, said on the page), with its signed
amendments: page 1 the canvas over its background, then the written note
(``services/record_pdf.py``). Both files go through the upload checks like any patient
file, are linked to the record with the spec's ``export`` role, and are opened through
time-limited links. The PDF is deterministic, so exporting an unchanged record again
finds the export it already has (same SHA-256) and makes no new files.

A background that cannot be read (its file gone from the store, or not what it was
stored as) does not stop the export: page 1 says so and shows the drawing alone.
"""

from __future__ import annotations

import hashlib
import io
import logging
import tempfile
from datetime import datetime
from typing import Any

from PIL import Image
from pydantic import BaseModel
from sqlmodel import Session, col, select

from medrec_app.domain.amendment_layers import amendment_colour
from medrec_app.domain.drawing import DrawingData, parse_drawing
from medrec_app.domain.formatting import calendar_date, local_datetime, local_day
from medrec_app.domain.forms import DEFAULT_TEMPLATE_SCHEMA, parse_template_schema
from medrec_app.domain.pdf_note_pages import AmendmentText, NoteText, field_lines
from medrec_app.domain.permissions import Action, Actor, require
from medrec_app.models import (
    Appointment,
    Clinic,
    MedicalRecord,
    MedicalRecordFile,
    MedicalRecordTemplate,
    Patient,
    PatientFile,
    TemplateVersion,
    User,
)
from medrec_app.services import audit
from medrec_app.services.errors import NotFound
from medrec_app.services.files import PatientFileLinked, PatientFilePublic, patient_files, with_link
from medrec_app.services.record_pdf import Background, BackgroundUnreadable, Layer, record_pdf
from medrec_app.services.records.amendments import amendments_of, signed_layers
from medrec_app.services.records.files import patient_file_rows
from medrec_app.services.records.scope import record_keys, scoped_record
from medrec_app.services.records.signing import signature_of
from medrec_app.services.records.tail import current_drawing
from medrec_app.services.thumbnails import render_pdf_page
from medrec_app.services.uploads import StagedFile, commit_or_remove, stage_patient_file
from medrec_app.storage import get_store

log = logging.getLogger(__name__)

EXPORT = "export"
PNG_MAX_SIDE = 6_000
"""The canvas PNG is the stage at one pixel per pixel, shrunk to this on its longer side."""
MISSING_BACKGROUND = (
    "The background of this drawing could not be read from the file store, so this page "
    "shows the drawing without it."
)


class RecordExport(BaseModel):
    pdf: PatientFileLinked
    png: PatientFileLinked
    notices: list[str]
    """Problems the export met and wrote on its first page (a missing background)."""
    reused: bool
    """The record had not changed since an earlier export, which is returned."""


def export_record(session: Session, actor: Actor, record_id: int) -> RecordExport:
    """Export the record (or find its identical earlier export) and link both files."""
    require(actor, Action.EXPORT_RECORD)
    require(actor, Action.VIEW_FILES)
    record = scoped_record(session, actor, record_id)
    appointment = session.get(Appointment, record.appointment_id)
    assert appointment is not None  # foreign key
    drawing = parse_drawing(current_drawing(session, record))
    background, notices = _background(session, record, drawing, appointment.patient_id)
    amended = signed_layers(session, record)
    layers = [
        Layer(parse_drawing(a.drawing), a.colour, f"{a.legend} ({a.colour_name})") for a in amended
    ]
    note = _note(session, actor, record, appointment, notices)
    try:
        pdf = record_pdf(drawing, background, note, layers)
    except BackgroundUnreadable as error:
        log.warning("record %s: background unreadable at export (%s)", record.id, error)
        notices = [MISSING_BACKGROUND]
        note = _note(session, actor, record, appointment, notices)
        pdf = record_pdf(drawing, None, note, layers)
    sha256 = hashlib.sha256(pdf).hexdigest()
    # One exporter at a time per record, so two identical exports find each other.
    session.exec(select(MedicalRecord.id).where(MedicalRecord.id == record.id).with_for_update())
    found = _earlier_export(session, record, appointment.patient_id, sha256)
    reused = found is not None
    # Audited before the files are stored, so the row commits with them.
    audit.record(
        session,
        actor,
        "record.export",
        patient_id=appointment.patient_id,
        appointment_id=appointment.calendar_event_id,
        record_id=record.id,
        details={
            "revision": record.revision,
            "sha256": sha256,
            "reused": reused,
            "background_missing": bool(notices),
        },
    )
    if found is None:
        found = _store(session, actor, record, appointment, pdf, sha256)
    pdf_file, png_file = (with_link(session, actor, f, record.id) for f in found)
    return RecordExport(pdf=pdf_file, png=png_file, notices=notices, reused=reused)


def record_exports(session: Session, actor: Actor, record_id: int) -> list[PatientFilePublic]:
    """The record's exported files, newest first (no links)."""
    require(actor, Action.VIEW_RECORD)
    require(actor, Action.VIEW_FILES)
    keys = record_keys(session, actor, record_id)
    ids = _export_ids(session, keys.record_id)
    by_id = {f.id: f for f in patient_files(session, keys.patient_id, ids)}
    return [by_id[i] for i in ids if i in by_id]


def issue_export_link(
    session: Session, actor: Actor, record_id: int, file_id: int
) -> PatientFileLinked:
    """One of the record's exported files with a time-limited link (audited as
    ``file.view``); read-only users may open exports others made."""
    require(actor, Action.VIEW_RECORD)
    require(actor, Action.VIEW_FILES)
    keys = record_keys(session, actor, record_id)
    found = patient_files(session, keys.patient_id, [file_id])
    if not found or file_id not in _export_ids(session, keys.record_id):
        raise NotFound("export")
    return with_link(session, actor, found[0], keys.record_id)


def _export_ids(session: Session, record_id: int) -> list[int]:
    return list(
        session.exec(
            select(MedicalRecordFile.patient_file_id)
            .where(
                MedicalRecordFile.medical_record_id == record_id,
                MedicalRecordFile.file_role == EXPORT,
            )
            .order_by(col(MedicalRecordFile.created_at).desc(), col(MedicalRecordFile.id).desc())
        ).all()
    )


def _earlier_export(
    session: Session, record: MedicalRecord, patient_id: int, sha256: str
) -> tuple[PatientFilePublic, PatientFilePublic] | None:
    """The PDF and PNG of an earlier export of exactly these bytes, if there is one."""
    assert record.id is not None
    rows = patient_file_rows(session, patient_id, _export_ids(session, record.id))
    same = [r for r in rows.values() if _exported(r).get("sha256") == sha256]
    pdf = next((r for r in same if r.file_type == "application/pdf"), None)
    png = next((r for r in same if r.file_type == "image/png"), None)
    if pdf is None or png is None:
        return None
    listed = {f.id: f for f in patient_files(session, patient_id, [pdf.id, png.id])}  # type: ignore[list-item]
    return listed[pdf.id], listed[png.id]  # type: ignore[index]


def _exported(row: PatientFile) -> dict[str, Any]:
    """What an export file's metadata says it was made from."""
    facts = (row.file_metadata or {}).get("export")
    return facts if isinstance(facts, dict) else {}


def _store(
    session: Session,
    actor: Actor,
    record: MedicalRecord,
    appointment: Appointment,
    pdf: bytes,
    sha256: str,
) -> tuple[PatientFilePublic, PatientFilePublic]:
    """Both files as patient files linked to the record as its export; committed."""
    assert record.id is not None
    clinic = session.get(Clinic, appointment.clinic_id)
    day = local_day(appointment.starts_at, clinic.timezone if clinic else "UTC").isoformat()
    facts = {"record_id": record.id, "revision": record.revision, "sha256": sha256}
    canvas = render_pdf_page(io.BytesIO(pdf), 1, (PNG_MAX_SIDE, PNG_MAX_SIDE), max_scale=1.0)
    staged: list[StagedFile] = []
    for name, data in ((f"Visit note {day}.pdf", pdf), (f"Visit note {day}.png", _png(canvas))):
        with tempfile.TemporaryFile() as source:
            source.write(data)
            source.seek(0)
            one = stage_patient_file(
                session,
                actor,
                appointment.patient_id,
                file_name=name,
                source=source,
                preview=canvas,
            )
        one.row.file_metadata = {**one.row.file_metadata, "export": facts}
        session.add(one.row)
        session.add(
            MedicalRecordFile(
                medical_record_id=record.id, patient_file_id=one.row.id, file_role=EXPORT
            )
        )
        staged.append(one)
    session.flush()
    commit_or_remove(session, [key for one in staged for key in one.keys])
    ids = [one.row.id for one in staged]
    listed = {f.id: f for f in patient_files(session, appointment.patient_id, ids)}  # type: ignore[arg-type]
    return listed[ids[0]], listed[ids[1]]  # type: ignore[index]


def _png(canvas: Image.Image) -> bytes:
    """Page 1 (the canvas, rendered one pixel per stage pixel up to ``PNG_MAX_SIDE``) as
    a PNG, at zlib's fastest level (a third of the encoding time of the default)."""
    out = io.BytesIO()
    canvas.convert("RGB").save(out, "PNG", compress_level=1)
    return out.getvalue()


def _background(
    session: Session, record: MedicalRecord, drawing: DrawingData, patient_id: int
) -> tuple[Background | None, list[str]]:
    """What the canvas shows under the drawing: the record's own file, else its
    template's background; a notice instead when it cannot be read."""
    if drawing.background_file_id is not None:
        row = patient_file_rows(session, patient_id, [drawing.background_file_id]).get(
            drawing.background_file_id
        )
        key = (row.display_key or row.s3_key) if row is not None else None
        kind = drawing.background_type or "image"
        page = drawing.pdf_page_number or 1
    else:
        version = (
            session.get(TemplateVersion, record.template_version_id)
            if record.template_version_id is not None
            else None
        )
        key = version.background_file_key if version is not None else None
        if key is None:
            return None, []
        kind, page = "image", 1  # a template's background is stored as its display PNG
    data = _read(key) if key is not None else None
    if data is None:
        return None, [MISSING_BACKGROUND]
    return Background(kind=kind, data=data, page_number=page), []


def _read(key: str) -> bytes | None:
    try:
        with get_store().open(key) as stream:
            return stream.read()
    except Exception as error:  # any store failure: the export says so instead
        log.warning("background %s unreadable at export: %s", key, type(error).__name__)
        return None


def _note(
    session: Session,
    actor: Actor,
    record: MedicalRecord,
    appointment: Appointment,
    notices: list[str],
) -> NoteText:
    clinic = session.get(Clinic, appointment.clinic_id)
    patient = session.get(Patient, appointment.patient_id)
    practitioner = session.get(User, appointment.practitioner_id)
    assert clinic is not None and patient is not None and practitioner is not None
    zone = clinic.timezone
    schema, template = _template(session, record)
    signature = signature_of(session, record)
    return NoteText(
        clinic=clinic.name,
        patient=f"{patient.first_name} {patient.last_name}",
        date_of_birth=calendar_date(patient.date_of_birth),
        visit=_when(appointment.starts_at, zone)
        + (f", {appointment.visit_type}" if appointment.visit_type else ""),
        practitioner=practitioner.full_name,
        template=template,
        fields=field_lines(schema, record.form_data),
        signed_by=signature.signer_name if signature else None,
        signed_at=_when(signature.signed_at, zone) if signature else None,
        signature_sha256=signature.sha256 if signature else None,
        amendments=_amendments(session, actor, record, zone),
        notices=notices,
    )


def _template(session: Session, record: MedicalRecord) -> tuple[Any, str]:
    if record.template_version_id is None:
        return DEFAULT_TEMPLATE_SCHEMA, "No template"
    version = session.get(TemplateVersion, record.template_version_id)
    assert version is not None  # foreign key
    template = session.get(MedicalRecordTemplate, version.template_id)
    name = template.name if template else "Template"
    return parse_template_schema(version.form_schema), f"{name}, version {version.version}"


def _amendments(
    session: Session, actor: Actor, record: MedicalRecord, zone: str
) -> list[AmendmentText]:
    """The signed amendments in signing order, each with the colour its layer has."""
    assert record.id is not None
    signed = [a for a in amendments_of(session, actor, record.id) if a.signed_at is not None]
    return [
        AmendmentText(
            author=a.author_name,
            signed=_when(a.signed_at, zone),  # type: ignore[arg-type]
            reason=a.reason,
            text=a.text,
            sha256=a.sha256 or "",
            drawn_in=amendment_colour(position)[1] if a.has_drawing else None,
        )
        for position, a in enumerate(signed)
    ]


def _when(value: datetime, zone: str) -> str:
    return f"{local_datetime(value, zone)} ({zone})"
