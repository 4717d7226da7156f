"""A template's canvas background: an image, or one page of a PDF, uploaded by an admin.

The file passes exactly the checks of a patient upload (type from its bytes, size, pixel
and page limits, scripts in PDFs refused, a damaged PDF repaired), and what is stored is
its display image: the chosen page rendered, or the image upright, 8-bit, sRGB and
without metadata, at most ``MAX_SIDE_PX`` on its longer side, as a PNG under the
template's own key (``templates/{id}/...``), never a patient's. The canvas draws it under
every record made from the version, and the eraser never reaches it.
"""

from __future__ import annotations

import io
import uuid
from contextlib import ExitStack
from typing import BinaryIO

from PIL import Image
from sqlmodel import Session, select

from medrec_app.domain.file_types import PDF
from medrec_app.domain.permissions import Action, Actor, require
from medrec_app.domain.uploads import CheckedFile, FileRefused
from medrec_app.models import TemplateVersion
from medrec_app.services import audit
from medrec_app.services.display import display_image, render_display
from medrec_app.services.errors import StorageUnavailable, UploadRefused, ValidationFailed
from medrec_app.services.template_builder import draft_or_new, locked_template
from medrec_app.services.thumbnails import render_pdf_page
from medrec_app.services.uploads import checked_upload
from medrec_app.storage import get_store
from medrec_app.storage.base import template_file_key

MAX_SIDE_PX = 2_000
"""Sharp on a tablet's canvas at twice its size; a page scan is not stored at 600 dpi."""


def set_background(
    session: Session,
    actor: Actor,
    template_id: int,
    *,
    file_name: str,
    source: BinaryIO,
    page_number: int = 1,
) -> int:
    """Make the file (page ``page_number`` of a PDF) the draft's background.

    Returns the draft's version number. Raises ``UploadRefused`` for a file the upload
    checks refuse and ``ValidationFailed`` for a page the PDF does not have; nothing is
    stored then.
    """
    require(actor, Action.MANAGE_TEMPLATES)
    template = locked_template(session, actor, template_id, editable=True)
    png = _background_png(source, file_name, page_number)
    draft = draft_or_new(session, actor, template_id)
    old_key = draft.background_file_key
    key = template_file_key(template_id, f"background-{uuid.uuid4().hex}.png")
    store = get_store()
    try:
        store.put(key, io.BytesIO(png), "image/png")
    except OSError as exc:
        raise StorageUnavailable() from exc
    draft.background_file_key, draft.background_file_type = key, "image/png"
    session.add(draft)
    audit.record(
        session,
        actor,
        "template.background",
        details={"template_id": template.id, "version": draft.version, "cleared": False},
    )
    _forget_unused(session, old_key)
    return draft.version


def clear_background(session: Session, actor: Actor, template_id: int) -> int:
    """The draft gets no background; returns its version number."""
    require(actor, Action.MANAGE_TEMPLATES)
    locked_template(session, actor, template_id, editable=True)
    draft = draft_or_new(session, actor, template_id)
    old_key = draft.background_file_key
    draft.background_file_key = draft.background_file_type = None
    session.add(draft)
    audit.record(
        session,
        actor,
        "template.background",
        details={"template_id": template_id, "version": draft.version, "cleared": True},
    )
    _forget_unused(session, old_key)
    return draft.version


def _background_png(source: BinaryIO, file_name: str, page_number: int) -> bytes:
    with ExitStack() as stack:
        try:
            checked, source, _ = checked_upload(stack, source, file_name)
        except FileRefused as refused:
            raise UploadRefused(refused.kind, refused.message) from None
        pages = checked.page_count or 1
        if not isinstance(page_number, int) or not 1 <= page_number <= pages:
            what = f"The PDF has {pages} page" if checked.kind is PDF else "An image has 1 page"
            raise ValidationFailed(
                [f"{what}{'s' if pages > 1 else ''}; choose a page from 1 to {pages}."]
            )
        if checked.kind is PDF:
            box = (MAX_SIDE_PX, MAX_SIDE_PX)
            image = render_pdf_page(source, page_number, box, max_scale=4.0).convert("RGB")
        else:
            image = _picture(source, checked)
    image.thumbnail((MAX_SIDE_PX, MAX_SIDE_PX))
    out = io.BytesIO()
    image.save(out, "PNG", optimize=False, compress_level=6)
    return out.getvalue()


def _picture(source: BinaryIO, checked: CheckedFile) -> Image.Image:
    derivative = render_display(source, checked.kind)
    if derivative is not None:
        return derivative.image
    source.seek(0)
    with Image.open(source) as image:
        return display_image(image)


def _forget_unused(session: Session, key: str | None) -> None:
    """Delete a replaced background no version uses any more (published ones keep theirs)."""
    if not key:
        return
    session.flush()
    used = session.exec(
        select(TemplateVersion.id).where(TemplateVersion.background_file_key == key)
    ).first()
    if used is None:
        get_store().delete(key)
