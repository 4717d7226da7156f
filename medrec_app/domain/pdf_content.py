"""What a PDF holds that matters before accepting it: pages, encryption, active content.

Parsed strictly with pypdf, without reading page content: the walk below follows
document and page dictionaries (actions, name trees, outlines, annotations, form fields)
and skips content streams, fonts and images, so a 100 MB scan is checked in milliseconds.

A file pypdf can read only by guessing (a broken cross-reference table, wrong offsets,
no ``%%EOF``, bytes before ``%PDF-``) is ``PdfDamaged``: viewers would each guess in
their own way, so it is repaired once (``services/pdf_repair.py``) and the repaired copy
is what gets checked and stored.

Budget: the checks stop after ``CHECK_CPU_SECONDS`` of this thread's CPU time (or
``MAX_PDF_NODES`` dictionaries and arrays, whichever comes first) and report the file as
too complex. pypdf parses an object in about 0.1 ms, so a page with 32,768 links would
otherwise cost several seconds.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from enum import StrEnum
from typing import BinaryIO

from pypdf import PdfReader
from pypdf.errors import DependencyError
from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject

CHECK_CPU_SECONDS = 1.0
"""CPU time the checks of one PDF may take, opening the file included."""
MAX_PDF_NODES = 200_000
"""Dictionaries and arrays the checks may visit: a bound that does not depend on the clock."""
_CLOCK_EVERY = 64

_RUNNING_ACTIONS = frozenset({"/JavaScript", "/Launch", "/ImportData", "/RichMediaExecute"})
_SCRIPT_KEYS = frozenset({"/JS", "/JavaScript", "/XFA"})
_EMBEDDED_KEYS = frozenset({"/EmbeddedFiles", "/RichMedia"})
_EMBEDDED_SUBTYPES = frozenset({"/FileAttachment", "/RichMedia"})
_CONTAINERS = (IndirectObject, DictionaryObject, ArrayObject)
# Keys whose values hold page content, fonts, images or appearance streams: none of them
# can carry an action, and following them would read every image into memory.
_SKIPPED_KEYS = frozenset(
    {
        "/Contents",
        "/Resources",
        "/AP",
        "/Metadata",
        "/Thumb",
        "/StructTreeRoot",
        "/PieceInfo",
        "/Parent",
        "/P",
        "/Font",
        "/XObject",
        "/ColorSpace",
        "/ExtGState",
        "/OutputIntents",
    }
)


class PdfDamaged(ValueError):
    """pypdf cannot parse the file without repairing it (or not at all)."""


class PdfEncrypted(ValueError):
    """The file is encrypted (with or without a user password)."""


class ActiveContent(StrEnum):
    SCRIPT = "script"
    EMBEDDED_FILE = "embedded_file"
    TOO_COMPLEX = "too_complex"


@dataclass(frozen=True)
class PdfFacts:
    page_count: int
    active_content: ActiveContent | None


@dataclass
class _Budget:
    """Counts the work of one check against ``MAX_PDF_NODES`` and ``CHECK_CPU_SECONDS``."""

    started: float = field(default_factory=time.thread_time)
    nodes: int = 0

    def spent(self) -> bool:
        self.nodes += 1
        if self.nodes > MAX_PDF_NODES:
            return True
        if self.nodes % _CLOCK_EVERY:
            return False
        return time.thread_time() - self.started > CHECK_CPU_SECONDS


def inspect_pdf(source: BinaryIO) -> PdfFacts:
    """Parse ``source`` (seekable; left at 0); raise ``PdfDamaged`` or ``PdfEncrypted``.

    pypdf raises many exception types for broken files, so any failure to parse counts
    as damaged. Encryption needing an optional crypto library also counts as encrypted.
    """
    budget = _Budget()
    source.seek(0)
    try:
        reader = PdfReader(source, strict=True)
        if reader.is_encrypted:
            raise PdfEncrypted()
        pages = count_pages(reader, budget)
        if pages is None:
            return PdfFacts(0, ActiveContent.TOO_COMPLEX)
        return PdfFacts(pages, find_active_content(reader, budget))
    except PdfEncrypted:
        raise
    except DependencyError:
        raise PdfEncrypted() from None
    except Exception:
        raise PdfDamaged() from None
    finally:
        source.seek(0)


def count_pages(reader: PdfReader, budget: _Budget) -> int | None:
    """The leaves of the page tree, or None when counting them passes the budget.

    Counted here rather than with ``len(reader.pages)`` so that a huge page tree is
    bounded by the same budget as the rest of the checks.
    """
    seen: set[tuple[int, int]] = set()
    stack: list[object] = [reader.trailer["/Root"].get("/Pages")]
    count = 0
    while stack:
        node = _resolve(stack.pop(), seen)
        if not isinstance(node, DictionaryObject):
            continue
        if budget.spent():
            return None
        kids = _resolve(node.get("/Kids"), seen)
        if isinstance(kids, ArrayObject):
            stack.extend(kids)
        elif "/Kids" not in node:
            count += 1
    return count


def find_active_content(reader: PdfReader, budget: _Budget | None = None) -> ActiveContent | None:
    """Scripts or embedded files anywhere reachable from the catalog, else None.

    Walks every dictionary reachable from the trailer except content and resources
    (document and page actions, name trees, outlines, annotations, form fields). A
    document too large to walk within the budget is reported as too complex.
    """
    budget = budget or _Budget()
    seen: set[tuple[int, int]] = set()
    stack: list[object] = [reader.trailer["/Root"]]
    while stack:
        node = _resolve(stack.pop(), seen)
        if not isinstance(node, (DictionaryObject, ArrayObject)):
            continue
        if budget.spent():
            return ActiveContent.TOO_COMPLEX
        if isinstance(node, DictionaryObject):
            found = _dictionary_content(node)
            if found is not None:
                return found
            stack.extend(
                v for k, v in node.items() if k not in _SKIPPED_KEYS and isinstance(v, _CONTAINERS)
            )
        else:
            stack.extend(v for v in node if isinstance(v, _CONTAINERS))
    return None


def _resolve(node: object, seen: set[tuple[int, int]]) -> object:
    """The object behind a reference, or None for one already visited."""
    if not isinstance(node, IndirectObject):
        return node
    ref = (node.idnum, node.generation)
    if ref in seen:
        return None
    seen.add(ref)
    return node.get_object()


def _dictionary_content(node: DictionaryObject) -> ActiveContent | None:
    keys = set(node.keys())
    if keys & _SCRIPT_KEYS or node.get("/S") in _RUNNING_ACTIONS:
        return ActiveContent.SCRIPT
    if keys & _EMBEDDED_KEYS or node.get("/Subtype") in _EMBEDDED_SUBTYPES:
        return ActiveContent.EMBEDDED_FILE
    if node.get("/Type") == "/EmbeddedFile" or _holds_file_streams(node.get("/EF")):
        return ActiveContent.EMBEDDED_FILE
    return None


def _holds_file_streams(value: object) -> bool:
    """Whether an ``/EF`` value is a file specification's map of embedded file streams.

    A usage-rights signature (``/Perms /UR3``, a Reader-extended form) also has an
    ``/EF`` key, in its transform parameters: an array of permission names
    (``[/Create /Delete /Modify /Import]``), which embeds nothing.
    """
    if isinstance(value, IndirectObject):
        value = value.get_object()
    return isinstance(value, DictionaryObject)
