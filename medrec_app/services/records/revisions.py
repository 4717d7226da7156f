"""Writing a record's revision rows (``medical_record_revisions``), for its history.

Every change of a record that bumps ``revision`` logs one row here, in the same
transaction and under the record's row lock: what kind of change it was, who made it and
the template version the record follows. Only a revision that did not come from logged
operations keeps its documents (the record as created); see ``history.py`` for why and
how a revision is rebuilt.
"""

from __future__ import annotations

from typing import Literal

from sqlalchemy import insert
from sqlmodel import Session

from medrec_app.domain.permissions import Actor
from medrec_app.models import MedicalRecord, MedicalRecordRevision

Kind = Literal["created", "edited", "imported", "template", "signed"]


def log_revision(
    session: Session, actor: Actor, record: MedicalRecord, kind: Kind, *, documents: bool = False
) -> None:
    """One row for the record's current ``revision``; with ``documents``, a copy of its
    drawing and form (only where no operation log leads to them)."""
    assert record.id is not None
    row = {
        "medical_record_id": record.id,
        "revision": record.revision,
        "kind": kind,
        "user_id": actor.user_id,
        "template_version_id": record.template_version_id,
    }
    if documents:
        row |= {"drawing_data": record.drawing_data, "form_data": record.form_data}
    session.execute(insert(MedicalRecordRevision).values(**row))
