"""Changing the template of a record that is still empty.

A record keeps the template version it was started with, so that what was written stays
with the fields it was written in. The template may change only while there is nothing
to keep: no form value, no stroke or shape, no background.
"""

from __future__ import annotations

from sqlmodel import Session

from medrec_app.domain.drawing import has_content
from medrec_app.domain.permissions import Action, Actor, require
from medrec_app.services import audit
from medrec_app.services.errors import ServiceError
from medrec_app.services.records.revisions import log_revision
from medrec_app.services.records.scope import writable_record
from medrec_app.services.records.tail import current_drawing
from medrec_app.services.templates import version_for_new_record


class TemplateChangeRefused(ServiceError):
    def __init__(self) -> None:
        super().__init__(
            "This record has content already, so its template cannot change: what was "
            "written stays with the fields it was written in. Clear the form and the "
            "drawing first, or keep this template."
        )


def change_template(session: Session, actor: Actor, record_id: int, template_id: int) -> None:
    """Give an empty record the newest version of another template of the clinic."""
    require(actor, Action.EDIT_RECORD)
    record, patient_id = writable_record(session, actor, record_id)
    version = version_for_new_record(session, actor, template_id)
    if record.template_version_id == version.id:
        return
    if has_content(current_drawing(session, record), record.form_data):
        raise TemplateChangeRefused()
    record.template_id, record.template_version_id = template_id, version.id
    record.revision += 1
    record.updated_by_user_id = actor.user_id
    session.add(record)
    log_revision(session, actor, record, "template")
    audit.record(
        session,
        actor,
        "record.template",
        patient_id=patient_id,
        appointment_id=record.appointment_id,
        record_id=record.id,
        details={"template_id": template_id, "version": version.version},
    )
