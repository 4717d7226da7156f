"""Rebuilding a record's documents at a past revision from its operation log.

A revision is its predecessor with the operations its save applied, applied the way the
save applied them: :func:`merge.apply_operations`, one call per revision, on the
operations exactly as logged (``services/records/history.py`` says what is logged and
why that is exact). Using the save path's own code means the history can never show
something a save would not have stored.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from medrec_app.domain.edits import parse_operations
from medrec_app.domain.forms import FormData
from medrec_app.domain.merge import apply_operations


def replay(
    drawing: Mapping[str, Any],
    form: Mapping[str, Any],
    revisions: Iterable[Sequence[Mapping[str, Any]]],
) -> tuple[dict[str, Any], FormData]:
    """``(drawing, form)`` after each revision's applied operations (logged JSON), in order.

    A revision with no applied operation (one whose operations all lost to newer edits, a
    template change, a signature) leaves the documents as they were. Raises
    ``DocumentError`` if a logged operation is no longer valid or no longer applies
    (it would mean the log does not lead to what was stored).
    """
    current_drawing, current_form = dict(drawing), dict(form)
    for logged in revisions:
        if not logged:
            continue
        ops = parse_operations([dict(op) for op in logged], max_ops=len(logged))
        current_drawing, current_form = apply_operations(current_drawing, current_form, ops)
    return current_drawing, current_form


def drawing_summary(drawing: Mapping[str, Any]) -> str:
    """A few words on what a drawing holds, for a person choosing a revision."""
    lines, shapes = drawing.get("lines") or [], drawing.get("shapes") or []
    parts = [_count(len(lines), "stroke"), _count(len(shapes), "shape")]
    kind = drawing.get("backgroundType")
    if kind == "pdf":
        parts.append(f"over page {drawing.get('pdfPageNumber') or 1} of a PDF")
    elif kind == "image":
        parts.append("over an image")
    return ", ".join(parts)


def _count(n: int, what: str) -> str:
    return f"{n} {what}" + ("" if n == 1 else "s")
