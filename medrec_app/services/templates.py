"""Record templates of a clinic: which ones a record can follow, and their background."""

from __future__ import annotations

from pydantic import BaseModel
from sqlmodel import Session, col, select

from medrec_app.domain.permissions import Action, Actor, require
from medrec_app.models import MedicalRecordTemplate
from medrec_app.services.errors import NotFound
from medrec_app.settings import get_settings
from medrec_app.storage import get_store


class TemplatePublic(BaseModel):
    id: int
    name: str
    is_default: bool


def list_templates(session: Session, actor: Actor) -> list[TemplatePublic]:
    """The clinic's templates, newest version of each name, the default first."""
    require(actor, Action.VIEW_RECORD)
    rows = session.exec(
        select(MedicalRecordTemplate)
        .where(MedicalRecordTemplate.clinic_id == actor.clinic_id)
        .order_by(col(MedicalRecordTemplate.version).desc())
    ).all()
    newest: dict[str, MedicalRecordTemplate] = {}
    for row in rows:
        newest.setdefault(row.name, row)
    choices = [
        TemplatePublic(id=t.id, name=t.name, is_default=t.is_default) for t in newest.values()
    ]
    return sorted(choices, key=lambda c: (not c.is_default, c.name))


def scoped_template(session: Session, actor: Actor, template_id: int) -> MedicalRecordTemplate:
    """The template if it is the actor's clinic's, else ``NotFound``."""
    template = session.get(MedicalRecordTemplate, template_id)
    if template is None or template.clinic_id != actor.clinic_id:
        raise NotFound("template")
    return template


def background_url(template: MedicalRecordTemplate | None) -> str:
    """A time-limited link to the template's own canvas background, or ``""``.

    Template backgrounds are clinic artwork (a body chart), not patient files.
    """
    if template is None or not template.background_file_key:
        return ""
    settings = get_settings()
    return get_store().url_for(
        template.background_file_key,
        expires_in=settings.file_url_ttl_seconds,
        content_type=template.background_file_type or "application/octet-stream",
    )
