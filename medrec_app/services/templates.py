"""Record templates as records use them: the choices for a new record, and the version
a record was made with.

A template's form lives in its versions (``models.TemplateVersion``); a new record takes
the template's newest published version, and keeps it for good. The builder's side
(drafts, publishing, archiving) is ``services/template_builder.py``.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel
from sqlmodel import Session, col, func, select

from medrec_app.domain.forms import TemplateSchema
from medrec_app.domain.permissions import Action, Actor, require
from medrec_app.models import MedicalRecordTemplate, TemplateVersion
from medrec_app.services.errors import NotFound
from medrec_app.settings import get_settings
from medrec_app.storage import get_store
from medrec_app.storage.base import template_file_key


class TemplatePublic(BaseModel):
    id: int
    name: str
    is_default: bool


def list_templates(session: Session, actor: Actor) -> list[TemplatePublic]:
    """Templates a new record may follow: published and not archived, the default first."""
    require(actor, Action.VIEW_RECORD)
    published = (
        select(TemplateVersion.template_id)
        .where(col(TemplateVersion.published_at).is_not(None))
        .distinct()
    )
    rows = session.exec(
        select(MedicalRecordTemplate).where(
            MedicalRecordTemplate.clinic_id == actor.clinic_id,
            col(MedicalRecordTemplate.archived_at).is_(None),
            col(MedicalRecordTemplate.id).in_(published),
        )
    ).all()
    choices = [TemplatePublic(id=t.id, name=t.name, is_default=t.is_default) for t in rows]
    return sorted(choices, key=lambda c: (not c.is_default, c.name.casefold()))


class TemplateVersionPublic(BaseModel):
    """One published version of a template: the fields a record made with it follows."""

    template_id: int
    name: str
    version: int
    published_at: datetime
    form_schema: dict[str, Any]


def read_version(
    session: Session, actor: Actor, template_id: int, version: int
) -> TemplateVersionPublic:
    """A published version of one of the clinic's templates (archived ones too: their
    records still follow them). Drafts are the builder's, not a reader's."""
    require(actor, Action.VIEW_RECORD)
    template = scoped_template(session, actor, template_id)
    row = session.exec(
        select(TemplateVersion).where(
            TemplateVersion.template_id == template_id,
            TemplateVersion.version == version,
            col(TemplateVersion.published_at).is_not(None),
        )
    ).first()
    if row is None or row.published_at is None:
        raise NotFound("template version")
    return TemplateVersionPublic(
        template_id=template_id,
        name=template.name,
        version=row.version,
        published_at=row.published_at,
        form_schema=row.form_schema,
    )


def scoped_template(session: Session, actor: Actor, template_id: int) -> MedicalRecordTemplate:
    """The template if it is the actor's clinic's, else ``NotFound``."""
    template = session.get(MedicalRecordTemplate, template_id)
    if template is None or template.clinic_id != actor.clinic_id:
        raise NotFound("template")
    return template


def newest_published(session: Session, template_id: int) -> TemplateVersion | None:
    """The version a new record of the template takes."""
    return session.exec(
        select(TemplateVersion)
        .where(
            TemplateVersion.template_id == template_id,
            col(TemplateVersion.published_at).is_not(None),
        )
        .order_by(col(TemplateVersion.version).desc())
        .limit(1)
    ).first()


def version_for_new_record(session: Session, actor: Actor, template_id: int) -> TemplateVersion:
    """The version a new record of ``template_id`` is made with.

    ``NotFound`` for another clinic's template, one archived, or one never published:
    none of them is offered for a new record.
    """
    template = scoped_template(session, actor, template_id)
    version = newest_published(session, template_id)
    if template.archived_at is not None or version is None:
        raise NotFound("template")
    return version


def next_version_number(session: Session, template_id: int) -> int:
    highest = session.exec(
        select(func.max(TemplateVersion.version)).where(TemplateVersion.template_id == template_id)
    ).one()
    return (highest or 0) + 1


@dataclass(frozen=True)
class Artwork:
    """A background image for a template set up by code (the demo's body chart)."""

    name: str
    content: bytes
    content_type: str


def add_published_template(
    session: Session,
    clinic_id: int,
    name: str,
    schema: TemplateSchema,
    *,
    is_default: bool = False,
    background: Artwork | None = None,
) -> tuple[MedicalRecordTemplate, TemplateVersion]:
    """Set-up code's template (a demo clinic's, a test's): version 1, published."""
    template = MedicalRecordTemplate(clinic_id=clinic_id, name=name, is_default=is_default)
    session.add(template)
    session.flush()
    assert template.id is not None
    version = TemplateVersion(
        template_id=template.id,
        version=1,
        form_schema=schema.to_document(),
        published_at=datetime.now(UTC),
    )
    if background is not None:
        key = template_file_key(template.id, background.name)
        get_store().put(key, io.BytesIO(background.content), background.content_type)
        version.background_file_key = key
        version.background_file_type = background.content_type
    session.add(version)
    session.flush()
    return template, version


def background_url(version: TemplateVersion | None) -> str:
    """A time-limited link to the version's own canvas background, or ``""``.

    Template backgrounds are clinic artwork (a body chart), not patient files.
    """
    if version is None or not version.background_file_key:
        return ""
    settings = get_settings()
    return get_store().url_for(
        version.background_file_key,
        expires_in=settings.file_url_ttl_seconds,
        content_type=version.background_file_type or "application/octet-stream",
    )
