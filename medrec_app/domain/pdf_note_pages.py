"""The written part of an exported record: who, when, every form field, signature, amendments.

Laid out on A4 pages as real text (searchable and copyable) in the export's font, with
words wrapped to the page and long values continued on further pages. Fields come in
template order, a group's fields indented under its label; values the template no
longer names are listed last, so nothing written in the record is left out.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from medrec_app.domain.forms import TemplateSchema
from medrec_app.domain.pdf_drawing import number
from medrec_app.domain.pdf_font import PdfFont

PAGE_WIDTH, PAGE_HEIGHT = 595.28, 841.89
"""A4 in points."""
MARGIN = 56.0
BODY_SIZE = 10.5
LABEL_SIZE = 9.0
TITLE_SIZE = 16.0
HEADING_SIZE = 12.0
LEADING = 1.35
INDENT = 14.0
REGULAR_RESOURCE, BOLD_RESOURCE = "/F1", "/F2"
NO_VALUE = "—"


@dataclass(frozen=True)
class FieldLine:
    label: str
    value: str
    depth: int = 0


@dataclass(frozen=True)
class AmendmentText:
    author: str
    signed: str
    """When it was signed, as the page shows it."""
    reason: str
    text: str
    sha256: str
    drawn_in: str | None = None
    """The colour its drawing has on page 1, if it drew."""


@dataclass(frozen=True)
class NoteText:
    """Everything the written pages say, already formatted as text."""

    clinic: str
    patient: str
    date_of_birth: str
    visit: str
    practitioner: str
    template: str
    fields: Sequence[FieldLine]
    signed_by: str | None
    signed_at: str | None
    signature_sha256: str | None
    amendments: Sequence[AmendmentText] = ()
    notices: Sequence[str] = field(default_factory=tuple)
    """Problems of the export itself (a background that could not be found)."""


def field_lines(schema: TemplateSchema, form: dict[str, Any]) -> list[FieldLine]:
    """Each field of ``schema`` with its value in ``form``, then values it does not name."""
    lines: list[FieldLine] = []
    named: set[str] = set()
    for spec in schema.fields:
        named.add(spec.key)
        value = form.get(spec.key)
        if spec.type == "group":
            lines.append(FieldLine(spec.label, ""))
            group = value if isinstance(value, dict) else {}
            inner = {child.key for child in spec.fields or ()}
            for child in spec.fields or ():
                shown = value_text(group.get(child.key), child.unit)
                lines.append(FieldLine(child.label, shown, 1))
            lines += [
                FieldLine(str(key), value_text(group[key]), 1) for key in group if key not in inner
            ]
        else:
            lines.append(FieldLine(spec.label, value_text(value, spec.unit)))
    others = [key for key in form if key not in named]
    if others:
        lines.append(FieldLine("Not in this template", ""))
        lines += [FieldLine(str(key), value_text(form[key]), 1) for key in others]
    return lines


def value_text(value: Any, unit: str | None = None) -> str:
    """A form value as the page writes it: yes/no, choices joined, a number with its unit."""
    if value is None or value == "" or value == []:
        return NO_VALUE
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, list):
        return ", ".join(value_text(item) for item in value)
    if isinstance(value, dict):
        return "; ".join(f"{key}: {value_text(item)}" for key, item in value.items())
    text = str(value)
    return f"{text} {unit}" if unit and isinstance(value, int | float) else text


class _Writer:
    """Lays text out top to bottom, starting a new page when one is full."""

    def __init__(self, regular: PdfFont, bold: PdfFont) -> None:
        self.fonts = {REGULAR_RESOURCE: regular, BOLD_RESOURCE: bold}
        self.pages: list[list[str]] = []
        self._y = 0.0  # full: the first line starts a page

    def _new_page(self) -> None:
        self.pages.append(["BT\n"])
        self._y = PAGE_HEIGHT - MARGIN

    def paragraph(
        self, text: str, *, size: float = BODY_SIZE, bold: bool = False, indent: float = 0.0
    ) -> None:
        resource = BOLD_RESOURCE if bold else REGULAR_RESOURCE
        font = self.fonts[resource]
        width = PAGE_WIDTH - 2 * MARGIN - indent
        for line in wrap(text, font, size, width):
            if self._y - size * LEADING < MARGIN:
                self._new_page()
            self._y -= size * LEADING
            self.pages[-1].append(
                f"{resource} {number(size)} Tf 1 0 0 1 {number(MARGIN + indent)} "
                f"{number(self._y)} Tm {font.encode(line).decode('ascii')} Tj\n"
            )

    def gap(self, points: float) -> None:
        self._y -= points

    def content(self) -> list[bytes]:
        return [("".join(page) + "ET\n").encode("ascii") for page in self.pages]


def note_pages(note: NoteText, regular: PdfFont, bold: PdfFont) -> list[bytes]:
    """The written pages' content streams (A4, fonts ``/F1`` regular and ``/F2`` bold)."""
    out = _Writer(regular, bold)
    out.paragraph(note.clinic, size=HEADING_SIZE, bold=True)
    out.paragraph("Visit note", size=TITLE_SIZE, bold=True)
    out.gap(6)
    for label, value in (
        ("Patient", note.patient),
        ("Date of birth", note.date_of_birth),
        ("Visit", note.visit),
        ("Practitioner", note.practitioner),
        ("Template", note.template),
    ):
        out.paragraph(f"{label}: {value}")
    for notice in note.notices:
        out.gap(4)
        out.paragraph(notice, bold=True)
    out.gap(10)
    out.paragraph("Form", size=HEADING_SIZE, bold=True)
    for line in note.fields:
        indent = INDENT * line.depth
        out.gap(3)
        out.paragraph(line.label, size=LABEL_SIZE, bold=True, indent=indent)
        if line.value:
            out.paragraph(line.value, indent=indent)
    out.gap(10)
    out.paragraph("Signature", size=HEADING_SIZE, bold=True)
    if note.signed_by is None:
        out.paragraph("Not signed: this is a draft and may still change.", bold=True)
    else:
        out.paragraph(f"Signed by {note.signed_by} on {note.signed_at}.")
        out.paragraph(f"SHA-256 of the signed drawing and form: {note.signature_sha256}", size=8)
    for index, amendment in enumerate(note.amendments, start=1):
        out.gap(10)
        out.paragraph(f"Amendment {index}", size=HEADING_SIZE, bold=True)
        out.paragraph(f"By {amendment.author}, signed on {amendment.signed}.")
        out.paragraph(f"Reason: {amendment.reason}")
        out.gap(3)
        out.paragraph(amendment.text)
        if amendment.drawn_in:
            out.paragraph(f"Its drawing is shown in {amendment.drawn_in} on page 1.")
        out.paragraph(f"SHA-256: {amendment.sha256}", size=8)
    return out.content()


def wrap(text: str, font: PdfFont, size: float, width: float) -> Iterable[str]:
    """``text`` in lines no wider than ``width``: at spaces where it can, inside a word
    where a word alone is too wide; its own line breaks kept."""
    for paragraph in text.split("\n") or [""]:
        line = ""
        for word in paragraph.split(" "):
            candidate = f"{line} {word}" if line else word
            if font.width(candidate, size) <= width:
                line = candidate
                continue
            if line:
                yield line
            line = ""
            for ch in word:
                if line and font.width(line + ch, size) > width:
                    yield line
                    line = ""
                line += ch
        yield line
