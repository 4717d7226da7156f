"""The template builder's services: drafts, publishing, versions, default and archive.

Only admins build templates (``Action.MANAGE_TEMPLATES``), and every change is audited.
A template has at most one draft (a ``TemplateVersion`` without ``published_at``), edited
freely; publishing makes it the next version, which never changes again. A record keeps
the version it was made with, so an edit never alters what an old record shows.

Every change locks the template's row first and reads what it changes under that lock,
so two admins editing one template apply one after the other.
"""

from __future__ import annotations

from datetime import UTC, datetime

from pydantic import BaseModel
from sqlmodel import Session, col, func, select

from medrec_app.domain.checks import string_problem
from medrec_app.domain.errors import DocumentError
from medrec_app.domain.forms import TemplateSchema, parse_template_schema
from medrec_app.domain.permissions import Action, Actor, require
from medrec_app.domain.template_diff import diff_schemas, order_changed
from medrec_app.models import MedicalRecord, MedicalRecordTemplate, TemplateVersion, User
from medrec_app.services import audit
from medrec_app.services.errors import NotFound, ServiceError, ValidationFailed
from medrec_app.services.templates import (
    background_url,
    newest_published,
    next_version_number,
    scoped_template,
)

MAX_NAME_CHARS = 200
MAX_DESCRIPTION_CHARS = 2_000
"""A description says what the template is for; it is not a place for notes."""


class TemplateRefused(ServiceError):
    """A builder action that cannot be done as asked; the message says why and what to do."""


class TemplateSummary(BaseModel):
    id: int
    name: str
    description: str
    is_default: bool
    archived: bool
    published_version: int
    """The newest published version (0: never published)."""
    has_draft: bool
    records: int


class VersionPublic(BaseModel):
    id: int
    version: int
    published_at: datetime | None
    published_by: str
    """Who published it ("" for a draft, or a version published before this was kept)."""
    records: int


class TemplateDetail(BaseModel):
    """What the builder shows of one template: the version being edited and the history."""

    summary: TemplateSummary
    editing_version: int
    is_draft: bool
    form_schema: dict
    background_url: str
    versions: list[VersionPublic]
    """Newest first; a draft, if any, comes first."""
    locked_keys: list[str]
    """Field paths that records already store: their keys stay as they are."""


class FieldChangePublic(BaseModel):
    kind: str
    path: str
    label: str
    details: list[str]


class VersionDiff(BaseModel):
    old_version: int
    new_version: int
    changes: list[FieldChangePublic]
    order_changed: bool
    background_changed: bool


# --- reading ----------------------------------------------------------------------------


def list_for_admin(session: Session, actor: Actor) -> list[TemplateSummary]:
    """Every template of the clinic, archived ones last."""
    require(actor, Action.MANAGE_TEMPLATES)
    rows = session.exec(
        select(MedicalRecordTemplate).where(MedicalRecordTemplate.clinic_id == actor.clinic_id)
    ).all()
    summaries = [_summary(session, row) for row in rows]
    return sorted(summaries, key=lambda s: (s.archived, not s.is_default, s.name.casefold()))


def read_template(session: Session, actor: Actor, template_id: int) -> TemplateDetail:
    require(actor, Action.MANAGE_TEMPLATES)
    template = scoped_template(session, actor, template_id)
    versions = _versions(session, template_id)
    editing = versions[0]
    counts = _record_counts(session, template_id)
    names = _names(session, [v.published_by_user_id for v in versions])
    return TemplateDetail(
        summary=_summary(session, template),
        editing_version=editing.version,
        is_draft=editing.published_at is None,
        form_schema=editing.form_schema,
        background_url=background_url(editing),
        versions=[
            VersionPublic(
                id=v.id or 0,
                version=v.version,
                published_at=v.published_at,
                published_by=names.get(v.published_by_user_id or 0, ""),
                records=counts.get(v.id or 0, 0),
            )
            for v in versions
        ],
        locked_keys=sorted(_locked_keys(versions, counts)),
    )


def diff_versions(
    session: Session, actor: Actor, template_id: int, old_version: int, new_version: int
) -> VersionDiff:
    """What changed from one version of the template to another (a draft included)."""
    require(actor, Action.MANAGE_TEMPLATES)
    scoped_template(session, actor, template_id)
    by_number = {v.version: v for v in _versions(session, template_id)}
    if old_version not in by_number or new_version not in by_number:
        raise NotFound("template version")
    old, new = by_number[old_version], by_number[new_version]
    old_schema, new_schema = _schema(old), _schema(new)
    return VersionDiff(
        old_version=old_version,
        new_version=new_version,
        changes=[
            FieldChangePublic(kind=c.kind, path=c.path, label=c.label, details=list(c.details))
            for c in diff_schemas(old_schema, new_schema)
        ],
        order_changed=order_changed(old_schema, new_schema),
        background_changed=old.background_file_key != new.background_file_key,
    )


# --- changing ---------------------------------------------------------------------------


def create_template(session: Session, actor: Actor, name: str, description: str = "") -> int:
    """A new template with an empty draft (version 1); returns its id."""
    require(actor, Action.MANAGE_TEMPLATES)
    name = _checked_name(session, actor, name)
    template = MedicalRecordTemplate(
        clinic_id=actor.clinic_id, name=name, description=_checked_description(description)
    )
    session.add(template)
    session.flush()
    assert template.id is not None
    session.add(
        TemplateVersion(
            template_id=template.id,
            version=1,
            form_schema=TemplateSchema().to_document(),
            created_by_user_id=actor.user_id,
        )
    )
    _audit(session, actor, "template.create", template.id)
    return template.id


def duplicate_template(session: Session, actor: Actor, template_id: int) -> int:
    """A new template whose draft is a copy of this one's newest version; returns its id."""
    require(actor, Action.MANAGE_TEMPLATES)
    source = scoped_template(session, actor, template_id)
    newest = _versions(session, template_id)[0]
    copy_id = create_template(
        session, actor, _free_name(session, actor, f"Copy of {source.name}"), source.description
    )
    draft = _draft(session, copy_id)
    assert draft is not None
    draft.form_schema = newest.form_schema
    draft.background_file_key = newest.background_file_key
    draft.background_file_type = newest.background_file_type
    session.add(draft)
    _audit(session, actor, "template.duplicate", copy_id, source_template_id=template_id)
    return copy_id


def save_draft(
    session: Session,
    actor: Actor,
    template_id: int,
    *,
    name: str,
    description: str,
    form_schema: object,
) -> int:
    """Save the builder's edit: the name and description at once (they are not
    versioned), the fields as the template's draft (made if there is none).

    Returns the draft's version number, or 0 when there is no draft because the fields
    are those of the newest published version (a rename alone makes no draft).
    ``ValidationFailed`` lists every problem of the schema (duplicate or malformed keys,
    min above max, ...) and nothing is saved.
    """
    require(actor, Action.MANAGE_TEMPLATES)
    template = locked_template(session, actor, template_id, editable=True)
    try:
        document = parse_template_schema(form_schema).to_document()
    except DocumentError as exc:
        raise ValidationFailed(exc.messages) from exc
    if not isinstance(name, str) or name.strip() != template.name:
        template.name = _checked_name(session, actor, name, template_id)
    template.description = _checked_description(description)
    session.add(template)
    current = newest_published(session, template_id)
    if _draft(session, template_id) is None and current and current.form_schema == document:
        _audit(session, actor, "template.edit", template_id)
        return 0
    draft = draft_or_new(session, actor, template_id)
    draft.form_schema = document
    session.add(draft)
    _audit(session, actor, "template.edit", template_id, version=draft.version)
    return draft.version


def publish(session: Session, actor: Actor, template_id: int) -> int:
    """Publish the draft as the template's next version; returns its number.

    The first template a clinic publishes becomes its default.
    """
    require(actor, Action.MANAGE_TEMPLATES)
    template = locked_template(session, actor, template_id)
    _refuse_archived(template)
    draft = _draft(session, template_id)
    if draft is None:
        raise TemplateRefused("There is nothing to publish: the template has no unsaved draft.")
    schema = _schema(draft)
    if not schema.fields:
        raise TemplateRefused("Add at least one field before publishing the template.")
    current = newest_published(session, template_id)
    if current is not None and _same(current, draft):
        raise TemplateRefused(
            f"The draft is the same as version {current.version}: there is nothing new to "
            "publish. Discard the draft, or change it first."
        )
    draft.published_at = datetime.now(UTC)
    draft.published_by_user_id = actor.user_id
    session.add(draft)
    if not _clinic_has_default(session, actor.clinic_id):
        template.is_default = True
        session.add(template)
    _audit(session, actor, "template.publish", template_id, version=draft.version)
    return draft.version


def discard_draft(session: Session, actor: Actor, template_id: int) -> None:
    """Drop the draft; the template goes back to its newest published version."""
    require(actor, Action.MANAGE_TEMPLATES)
    locked_template(session, actor, template_id)
    draft = _draft(session, template_id)
    if draft is None:
        raise TemplateRefused("The template has no draft to discard.")
    if newest_published(session, template_id) is None:
        raise TemplateRefused(
            "This template was never published, so its draft is all there is. "
            "Archive the template instead."
        )
    session.delete(draft)
    _audit(session, actor, "template.discard_draft", template_id, version=draft.version)


def make_default(session: Session, actor: Actor, template_id: int) -> None:
    """The clinic's default: what a new record follows when nobody picks another."""
    require(actor, Action.MANAGE_TEMPLATES)
    template = locked_template(session, actor, template_id)
    _refuse_archived(template)
    if newest_published(session, template_id) is None:
        raise TemplateRefused("Publish the template before making it the default.")
    others = session.exec(
        select(MedicalRecordTemplate)
        .where(
            MedicalRecordTemplate.clinic_id == actor.clinic_id,
            col(MedicalRecordTemplate.is_default),
            MedicalRecordTemplate.id != template_id,
        )
        .with_for_update()
    ).all()
    for other in others:
        other.is_default = False
        session.add(other)
    session.flush()
    template.is_default = True
    session.add(template)
    _audit(session, actor, "template.default", template_id)


def set_archived(session: Session, actor: Actor, template_id: int, archived: bool) -> None:
    """Archive (no new record may use it; its records keep it) or restore a template."""
    require(actor, Action.MANAGE_TEMPLATES)
    template = locked_template(session, actor, template_id)
    if archived and template.is_default:
        raise TemplateRefused(
            "This is the clinic's default template. Make another template the default "
            "before archiving this one."
        )
    template.archived_at = datetime.now(UTC) if archived else None
    session.add(template)
    _audit(session, actor, "template.archive" if archived else "template.restore", template_id)


# --- the pieces -------------------------------------------------------------------------


def locked_template(
    session: Session, actor: Actor, template_id: int, *, editable: bool = False
) -> MedicalRecordTemplate:
    """The template's row, locked and read fresh, if it is the actor's clinic's.

    ``editable``: refused if archived (restore it first).
    """
    template = session.exec(
        select(MedicalRecordTemplate)
        .where(
            MedicalRecordTemplate.id == template_id,
            MedicalRecordTemplate.clinic_id == actor.clinic_id,
        )
        .with_for_update()
        .execution_options(populate_existing=True)
    ).first()
    if template is None:
        raise NotFound("template")
    if editable:
        _refuse_archived(template)
    return template


def _refuse_archived(template: MedicalRecordTemplate) -> None:
    if template.archived_at is not None:
        raise TemplateRefused("This template is archived. Restore it to change it.")


def _versions(session: Session, template_id: int) -> list[TemplateVersion]:
    """The template's versions, the draft first, then newest first."""
    rows = session.exec(
        select(TemplateVersion).where(TemplateVersion.template_id == template_id)
    ).all()
    return sorted(rows, key=lambda v: (v.published_at is not None, -v.version))


def _draft(session: Session, template_id: int) -> TemplateVersion | None:
    return session.exec(
        select(TemplateVersion).where(
            TemplateVersion.template_id == template_id,
            col(TemplateVersion.published_at).is_(None),
        )
    ).first()


def draft_or_new(session: Session, actor: Actor, template_id: int) -> TemplateVersion:
    """The draft, or a new one copied from the newest published version (call locked)."""
    draft = _draft(session, template_id)
    if draft is not None:
        return draft
    current = newest_published(session, template_id)
    draft = TemplateVersion(
        template_id=template_id,
        version=next_version_number(session, template_id),
        form_schema=current.form_schema if current else TemplateSchema().to_document(),
        background_file_key=current.background_file_key if current else None,
        background_file_type=current.background_file_type if current else None,
        created_by_user_id=actor.user_id,
    )
    session.add(draft)
    session.flush()
    return draft


def _schema(version: TemplateVersion) -> TemplateSchema:
    return parse_template_schema(version.form_schema)


def _same(a: TemplateVersion, b: TemplateVersion) -> bool:
    return (
        _schema(a).to_document() == _schema(b).to_document()
        and a.background_file_key == b.background_file_key
    )


def _record_counts(session: Session, template_id: int) -> dict[int, int]:
    rows = session.exec(
        select(MedicalRecord.template_version_id, func.count())
        .where(MedicalRecord.template_id == template_id)
        .group_by(col(MedicalRecord.template_version_id))
    ).all()
    return {version_id: count for version_id, count in rows if version_id is not None}


def _locked_keys(versions: list[TemplateVersion], counts: dict[int, int]) -> set[str]:
    keys: set[str] = set()
    for version in versions:
        if counts.get(version.id or 0):
            for field in _schema(version).fields:
                keys.add(field.key)
                keys.update(f"{field.key}.{child.key}" for child in field.fields or ())
    return keys


def _summary(session: Session, template: MedicalRecordTemplate) -> TemplateSummary:
    assert template.id is not None
    versions = _versions(session, template.id)
    published = [v.version for v in versions if v.published_at is not None]
    return TemplateSummary(
        id=template.id,
        name=template.name,
        description=template.description,
        is_default=template.is_default,
        archived=template.archived_at is not None,
        published_version=max(published, default=0),
        has_draft=any(v.published_at is None for v in versions),
        records=sum(_record_counts(session, template.id).values()),
    )


def _names(session: Session, user_ids: list[int | None]) -> dict[int, str]:
    wanted = [i for i in user_ids if i]
    if not wanted:
        return {}
    rows = session.exec(select(User.id, User.full_name).where(col(User.id).in_(wanted))).all()
    return {user_id: name for user_id, name in rows if user_id is not None}


def _checked_name(session: Session, actor: Actor, name: object, own_id: int = 0) -> str:
    name = name.strip() if isinstance(name, str) else ""
    problem = string_problem(name, MAX_NAME_CHARS)
    if problem:
        raise ValidationFailed([f"The name {problem}."])
    if not name:
        raise ValidationFailed(["Give the template a name."])
    if _name_taken(session, actor, name, own_id):
        raise ValidationFailed([f"The clinic has a template named {name!r} already."])
    return name


def _name_taken(session: Session, actor: Actor, name: str, own_id: int = 0) -> bool:
    return (
        session.exec(
            select(MedicalRecordTemplate.id).where(
                MedicalRecordTemplate.clinic_id == actor.clinic_id,
                func.lower(MedicalRecordTemplate.name) == name.lower(),
                MedicalRecordTemplate.id != own_id,
            )
        ).first()
        is not None
    )


def _free_name(session: Session, actor: Actor, name: str) -> str:
    candidate, number = name[:MAX_NAME_CHARS], 1
    while _name_taken(session, actor, candidate):
        number += 1
        suffix = f" ({number})"
        candidate = name[: MAX_NAME_CHARS - len(suffix)] + suffix
    return candidate


def _checked_description(description: str) -> str:
    if not isinstance(description, str):
        raise ValidationFailed(["The description must be text."])
    problem = string_problem(description, MAX_DESCRIPTION_CHARS)
    if problem:
        raise ValidationFailed([f"The description {problem}."])
    return description.strip()


def _clinic_has_default(session: Session, clinic_id: int) -> bool:
    return (
        session.exec(
            select(MedicalRecordTemplate.id).where(
                MedicalRecordTemplate.clinic_id == clinic_id, col(MedicalRecordTemplate.is_default)
            )
        ).first()
        is not None
    )


def _audit(session: Session, actor: Actor, action: str, template_id: int, **details: int) -> None:
    audit.record(session, actor, action, details={"template_id": template_id, **details})
