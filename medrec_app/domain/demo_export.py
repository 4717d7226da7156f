"""A save of the browser-only demo (the spec's ``SavedState``), read and checked.

The demo kept one drawing per browser in ``localStorage``: ``lines``, ``shapes``,
``stageSize``, the background as base64 data URLs (``backgroundImageDataUrl``, or
``pdfFileDataUrl`` with ``pdfFileName``, ``pdfPageNumber`` and ``pdfNumPages``) and
``savedAt``. :func:`parse_export` reads one such export and refuses anything the record
could not hold, every message naming the key it is about. It never decodes a data URL
(``decode_data_url`` does, in chunks, into a file the caller gives), so a refused export
costs no more memory than its text; what the decoded bytes are is for the upload checks
(``domain/uploads.py``) to say, and :func:`declared_type_problem` compares that with the
type the data URL claims.

Lines get ids the way the editor gives them (``line-<uuid>``); shapes keep theirs. The
content hash (:attr:`DemoExport.content_hash`) is the SHA-256 of a canonical form of the
export, so the same save imported twice is recognised whatever its key order or spacing.
"""

from __future__ import annotations

import base64
import binascii
import csv
import hashlib
import io
import json
import re
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, BinaryIO, Literal

from pydantic import ValidationError

from medrec_app.domain.checks import string_problem
from medrec_app.domain.drawing import MAX_PDF_PAGES, DrawingData
from medrec_app.domain.errors import DocumentError, error_messages, shown
from medrec_app.domain.file_types import PDF, FileType, file_type
from medrec_app.domain.ids import parse_id

EXPORT_KEYS = (
    "lines",
    "shapes",
    "stageSize",
    "backgroundImageDataUrl",
    "pdfFileName",
    "pdfFileDataUrl",
    "pdfPageNumber",
    "pdfNumPages",
    "savedAt",
)
MAX_EXPORT_BYTES = 50 * 1024 * 1024
"""Largest export read. A browser's ``localStorage`` holds 5 to 10 MB per site, so a
larger file is not a save of the demo."""
MAX_FILE_NAME_CHARS = 255
DECODE_CHUNK_CHARS = 4 * 256 * 1024
"""Base64 characters decoded at a time (a multiple of 4): 768 KB of bytes."""

_DATA_URL = re.compile(r"data:([a-z0-9.+-]+/[a-z0-9.+-]+)((?:;[a-z0-9=._+-]+)*);base64,", re.I)
_HEADER_CHARS = 200
_BASE64_CHARS = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=")
_SAME_TYPE = {"image/jpg": "image/jpeg", "image/pjpeg": "image/jpeg", "image/x-png": "image/png"}

BackgroundField = Literal["backgroundImageDataUrl", "pdfFileDataUrl"]


@dataclass(frozen=True)
class DataUrl:
    """A base64 data URL found in an export, not yet decoded."""

    field: BackgroundField
    mime: str
    """The type the data URL declares, lower case."""
    text: str
    start: int
    """Where the base64 payload begins in ``text``."""

    @property
    def decoded_size(self) -> int:
        """The number of bytes the payload decodes to (it was checked to be whole)."""
        payload = len(self.text) - self.start
        return payload // 4 * 3 - self.text.count("=", len(self.text) - 2)


@dataclass(frozen=True)
class DemoExport:
    """One checked demo save, ready to import."""

    lines: list[dict[str, Any]]
    """The strokes as the drawing stores them, each with an id."""
    shapes: list[dict[str, Any]]
    stage_size: dict[str, Any]
    background: DataUrl | None
    """The file to put under the drawing: the PDF when there is one, else the image."""
    file_name: str
    """The name the stored background gets (``pdfFileName`` for a PDF)."""
    pdf_page_number: int | None
    pdf_num_pages: int | None
    saved_at: str
    """``savedAt`` as the demo wrote it (an ISO 8601 time)."""
    content_hash: str
    notes: list[str] = field(default_factory=list)
    """What the import leaves out, in words (the demo's page image of a PDF)."""

    @property
    def background_type(self) -> Literal["image", "pdf"] | None:
        if self.background is None:
            return None
        return "pdf" if self.background.field == "pdfFileDataUrl" else "image"


def parse_export(raw: str | bytes, *, max_file_bytes: int) -> DemoExport:
    """Check one export (its JSON text); ``DocumentError`` lists every problem found.

    ``max_file_bytes`` is the upload limit: a data URL whose bytes would be larger is
    refused by its length, before anything is decoded.
    """
    if len(raw) > MAX_EXPORT_BYTES:
        raise DocumentError([export_too_large(len(raw))])
    try:
        document = json.loads(raw)
    except UnicodeDecodeError:
        raise DocumentError(["the export is not UTF-8 text; it is not a demo save"]) from None
    except (ValueError, RecursionError) as exc:
        raise DocumentError([f"the export is not valid JSON: {exc}"]) from None
    if not isinstance(document, dict):
        raise DocumentError(
            [f"the export must be a JSON object with the demo's keys, not {shown(document)}"]
        )
    problems = _key_problems(document)
    if problems:
        raise DocumentError(problems)
    lines, shapes, stage = _drawing(document, problems)
    image = _data_url(document, "backgroundImageDataUrl", max_file_bytes, problems)
    pdf = _data_url(document, "pdfFileDataUrl", max_file_bytes, problems)
    file_name = _optional_text(document, "pdfFileName", MAX_FILE_NAME_CHARS, problems)
    page = _page_count(document, "pdfPageNumber", problems, required=True)
    pages = _page_count(document, "pdfNumPages", problems, required=False)
    saved_at = _saved_at(document.get("savedAt"), problems)
    if pdf is not None and page is not None and pages is not None and page > pages:
        problems.append(f"pdfPageNumber: page {page} is beyond pdfNumPages ({pages})")
    if problems:
        raise DocumentError(problems)
    notes = []
    if pdf is not None and image is not None:
        notes.append(
            "the demo's picture of the PDF page (backgroundImageDataUrl) is left out: "
            "the PDF itself is stored"
        )
    background = pdf or image
    return DemoExport(
        lines=lines,
        shapes=shapes,
        stage_size=stage,
        background=background,
        file_name=_stored_name(background, file_name),
        pdf_page_number=page if pdf is not None else None,
        pdf_num_pages=pages if pdf is not None else None,
        saved_at=saved_at,
        content_hash=content_hash(document),
        notes=notes,
    )


def export_too_large(size: int) -> str:
    mb = MAX_EXPORT_BYTES // (1024 * 1024)
    return (
        f"the export is {size / (1024 * 1024):.1f} MB; a demo save is at most {mb} MB (a "
        "browser keeps 5 to 10 MB for the demo), so this is not one"
    )


def _key_problems(document: dict[str, Any]) -> list[str]:
    missing = [key for key in EXPORT_KEYS if key not in document]
    extra = [key for key in document if key not in EXPORT_KEYS]
    problems = [f"{key}: is missing (every key of the demo's save is required)" for key in missing]
    problems += [
        f"{shown(key) if not isinstance(key, str) or not key.isprintable() else key}: "
        "is not a key of the demo's save (unknown keys are refused)"
        for key in extra
    ]
    return problems


def _drawing(
    document: dict[str, Any], problems: list[str]
) -> tuple[list[dict[str, Any]], list[dict[str, Any]], dict[str, Any]]:
    """Lines (with ids), shapes and stage size as the record stores them."""
    lines: list[dict[str, Any]] = []
    shapes: list[dict[str, Any]] = []
    stage: dict[str, Any] = {}
    raw_lines, raw_shapes, raw_stage = document["lines"], document["shapes"], document["stageSize"]
    for key, value in (("lines", raw_lines), ("shapes", raw_shapes)):
        if not isinstance(value, list):
            problems.append(f"{key}: must be a list, not {shown(value)}")
    if not isinstance(raw_stage, dict) or set(raw_stage) != {"width", "height"}:
        problems.append(
            f"stageSize: must be an object with width and height, not {shown(raw_stage)}"
        )
    if problems:
        return lines, shapes, stage
    try:
        parsed = DrawingData.model_validate(
            {
                "lines": [_with_id(line) for line in raw_lines],
                "shapes": raw_shapes,
                "stageSize": raw_stage,
            }
        )
    except ValidationError as exc:
        problems += error_messages(exc)
        return lines, shapes, stage
    document_form = parsed.to_document()
    return (
        document_form.get("lines", []),
        document_form.get("shapes", []),
        document_form["stageSize"],
    )


def _with_id(line: Any) -> Any:
    """The stroke with an id like the editor's, unless it has one."""
    if isinstance(line, dict) and "id" not in line:
        return {"id": f"line-{uuid.uuid4()}", **line}
    return line


def _data_url(
    document: dict[str, Any], key: BackgroundField, max_file_bytes: int, problems: list[str]
) -> DataUrl | None:
    value = document[key]
    if value is None:
        return None
    if not isinstance(value, str):
        problems.append(f"{key}: must be a data URL (text) or null, not {shown(value)}")
        return None
    match = _DATA_URL.match(value, 0, _HEADER_CHARS)
    if match is None:
        problems.append(
            f"{key}: is not a base64 data URL (it should start like "
            f"'data:{'application/pdf' if key == 'pdfFileDataUrl' else 'image/png'};base64,')"
        )
        return None
    mime = match.group(1).lower()
    expected = "a PDF (application/pdf)" if key == "pdfFileDataUrl" else "an image (image/...)"
    if mime != PDF.mime if key == "pdfFileDataUrl" else not mime.startswith("image/"):
        problems.append(f"{key}: declares {mime!r}; this key holds {expected}")
        return None
    found = DataUrl(key, mime, value, match.end())
    payload = len(value) - found.start
    if payload == 0:
        problems.append(f"{key}: holds no data (an empty file)")
        return None
    if payload // 4 * 3 > max_file_bytes:
        problems.append(
            f"{key}: holds about {payload // 4 * 3 / (1024 * 1024):.1f} MB; the upload limit "
            f"is {max_file_bytes / (1024 * 1024):.1f} MB"
        )
        return None
    problem = _base64_problem(value, found.start)
    if problem:
        problems.append(f"{key}: is not valid base64 ({problem})")
        return None
    return found


def _base64_problem(text: str, start: int) -> str | None:
    """Why the payload is not whole, padded base64, checked without decoding it."""
    length = len(text) - start
    if length % 4:
        return f"its length, {length} characters, is not a multiple of 4"
    padding = text.find("=", start)
    if padding != -1 and (padding < len(text) - 2 or text[-1] != "="):
        return f"'=' padding at character {padding - start}, before the end"
    if not text.isascii():
        return "it holds characters that are not base64 letters, digits, '+' or '/'"
    for offset in range(start, len(text), DECODE_CHUNK_CHARS):
        chunk = text[offset : offset + DECODE_CHUNK_CHARS].encode("ascii")
        if not _BASE64_CHARS.issuperset(chunk):
            bad = next(c for c in chunk if c not in _BASE64_CHARS)
            return f"it holds {chr(bad)!r}, which is not a base64 letter, digit, '+' or '/'"
    return None


def decode_data_url(found: DataUrl, sink: BinaryIO) -> int:
    """Write the payload's bytes to ``sink`` a chunk at a time; the number written."""
    written = 0
    for offset in range(found.start, len(found.text), DECODE_CHUNK_CHARS):
        chunk = found.text[offset : offset + DECODE_CHUNK_CHARS]
        try:
            data = base64.b64decode(chunk, validate=True)
        except binascii.Error as exc:  # checked before; kept for a text changed since
            raise DocumentError([f"{found.field}: is not valid base64 ({exc})"]) from None
        sink.write(data)
        written += len(data)
    return written


def declared_type_problem(found: DataUrl, actual: FileType) -> str | None:
    """Why the bytes are not what the data URL says they are, or None."""
    declared = _SAME_TYPE.get(found.mime, found.mime)
    if declared == actual.mime:
        return None
    return (
        f"{found.field}: says it is {found.mime!r}, but its bytes are a {actual.label} "
        f"({actual.mime}); the export was changed or damaged"
    )


def page_problem(export: DemoExport, page_count: int | None) -> str | None:
    """Why ``pdfPageNumber`` does not fit the stored PDF of ``page_count`` pages, or None."""
    page = export.pdf_page_number
    if export.background_type != "pdf" or page is None or page_count is None:
        return None
    if page > page_count:
        plural = "page" if page_count == 1 else "pages"
        return f"pdfPageNumber: page {page} is beyond the PDF, which has {page_count} {plural}"
    return None


def _optional_text(
    document: dict[str, Any], key: str, limit: int, problems: list[str]
) -> str | None:
    value = document[key]
    if value is None:
        return None
    problem = string_problem(value, limit)
    if problem:
        problems.append(f"{key}: {problem}")
        return None
    return value


def _page_count(
    document: dict[str, Any], key: str, problems: list[str], *, required: bool
) -> int | None:
    value = document[key]
    if value is None and not required:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        problems.append(f"{key}: must be a whole number, not {shown(value)}")
        return None
    if not 1 <= value <= MAX_PDF_PAGES:
        problems.append(f"{key}: must be between 1 and {MAX_PDF_PAGES}, got {value}")
        return None
    return value


def _saved_at(value: Any, problems: list[str]) -> str:
    problem = string_problem(value, 64)
    if problem is None:
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            problem = f"must be a time like '2025-01-15T10:30:00.000Z', not {shown(value)}"
        else:
            if moment.tzinfo is None:
                problem = f"must say its time zone (like ...Z), not {shown(value)}"
    if problem:
        problems.append(f"savedAt: {problem}")
        return ""
    return value


def _stored_name(background: DataUrl | None, pdf_file_name: str | None) -> str:
    """The file name the stored background gets; a PDF keeps the demo's name."""
    if background is None:
        return ""
    if background.field == "pdfFileDataUrl":
        name = (pdf_file_name or "").strip() or "demo background"
        return name if name.lower().endswith(".pdf") else f"{name}.pdf"
    known = file_type(_SAME_TYPE.get(background.mime, background.mime))
    extension = known.extension if known else background.mime.split("/", 1)[1]
    return f"demo background.{extension}"


def content_hash(document: dict[str, Any]) -> str:
    """SHA-256 of the export in a canonical form: keys sorted, no spacing, each data URL
    as its type and the SHA-256 of its base64 text (hashed in chunks, not copied)."""
    canonical = {
        key: (
            _payload_digest(value) if key.endswith("DataUrl") and isinstance(value, str) else value
        )
        for key, value in document.items()
    }
    text = json.dumps(canonical, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _payload_digest(value: str) -> str:
    digest = hashlib.sha256()
    for offset in range(0, len(value), DECODE_CHUNK_CHARS):
        digest.update(value[offset : offset + DECODE_CHUNK_CHARS].encode("utf-8", "surrogatepass"))
    return f"sha256:{digest.hexdigest()}"


@dataclass(frozen=True)
class MappingRow:
    """One line of a mapping file: which export goes into which visit, as whom."""

    line: int
    export_file: str
    appointment_id: int
    user_email: str


MAPPING_COLUMNS = ("export_file", "appointment_id", "user_email")


def parse_mapping(text: str) -> list[MappingRow]:
    """The rows of a mapping CSV (``export_file,appointment_id,user_email``; the header
    row is optional); ``DocumentError`` with one ``line N: ...`` message per bad row."""
    rows: list[MappingRow] = []
    problems: list[str] = []
    for number, cells in enumerate(csv.reader(io.StringIO(text.removeprefix("\ufeff"))), 1):
        cells = [cell.strip() for cell in cells]
        if not any(cells):
            continue
        if number == 1 and [c.lower() for c in cells] == list(MAPPING_COLUMNS):
            continue
        if len(cells) != len(MAPPING_COLUMNS):
            problems.append(
                f"line {number}: has {len(cells)} columns; a mapping line is "
                f"{', '.join(MAPPING_COLUMNS)}"
            )
            continue
        name, appointment, email = cells
        appointment_id = parse_id(appointment)
        if not name:
            problems.append(f"line {number}: export_file is empty")
        elif appointment_id is None:
            problems.append(f"line {number}: appointment_id {shown(appointment)} is not an id")
        elif "@" not in email:
            problems.append(f"line {number}: user_email {shown(email)} is not an email address")
        else:
            rows.append(MappingRow(number, name, appointment_id, email))
    if problems:
        raise DocumentError(problems)
    if not rows:
        raise DocumentError([f"the mapping has no lines ({', '.join(MAPPING_COLUMNS)})"])
    return rows
