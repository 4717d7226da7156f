"""What a PDF holds that matters before accepting it: pages, encryption, active content.

Parsed with pypdf without reading page content: the walk below follows document and
page dictionaries (actions, name trees, outlines, annotations, form fields) and skips
content streams, fonts and images, so a 100 MB scan is checked in milliseconds.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import BinaryIO

from pypdf import PdfReader
from pypdf.errors import DependencyError
from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject

# How many PDF objects the active-content walk may visit before giving up.
MAX_PDF_NODES = 200_000

_RUNNING_ACTIONS = frozenset({"/JavaScript", "/Launch", "/ImportData", "/RichMediaExecute"})
_SCRIPT_KEYS = frozenset({"/JS", "/JavaScript", "/XFA"})
_EMBEDDED_KEYS = frozenset({"/EmbeddedFiles", "/EF", "/RichMedia"})
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


class PdfUnreadable(ValueError):
    """pypdf cannot parse the file."""


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


def inspect_pdf(source: BinaryIO) -> PdfFacts:
    """Parse ``source`` (seekable; left at 0); raise ``PdfUnreadable`` or ``PdfEncrypted``.

    pypdf raises many exception types for broken files, so any failure to parse counts
    as unreadable. Encryption needing an optional crypto library also counts as encrypted.
    """
    source.seek(0)
    try:
        reader = PdfReader(source)
        if reader.is_encrypted:
            raise PdfEncrypted()
        return PdfFacts(len(reader.pages), find_active_content(reader))
    except PdfEncrypted:
        raise
    except DependencyError:
        raise PdfEncrypted() from None
    except Exception:
        raise PdfUnreadable() from None
    finally:
        source.seek(0)


def find_active_content(reader: PdfReader) -> ActiveContent | None:
    """Scripts or embedded files anywhere reachable from the catalog, else None.

    Walks every dictionary reachable from the trailer except content and resources
    (document and page actions, name trees, outlines, annotations, form fields). A
    document too large to walk within ``MAX_PDF_NODES`` is reported as too complex.
    """
    seen: set[tuple[int, int]] = set()
    stack: list[object] = [reader.trailer["/Root"]]
    visited = 0
    while stack:
        node = stack.pop()
        if isinstance(node, IndirectObject):
            ref = (node.idnum, node.generation)
            if ref in seen:
                continue
            seen.add(ref)
            node = node.get_object()
        visited += 1
        if visited > MAX_PDF_NODES:
            return ActiveContent.TOO_COMPLEX
        if isinstance(node, DictionaryObject):
            found = _dictionary_content(node)
            if found is not None:
                return found
            stack.extend(v for k, v in node.items() if k not in _SKIPPED_KEYS)
        elif isinstance(node, ArrayObject):
            stack.extend(node)
    return None


def _dictionary_content(node: DictionaryObject) -> ActiveContent | None:
    keys = set(node.keys())
    if keys & _SCRIPT_KEYS or node.get("/S") in _RUNNING_ACTIONS:
        return ActiveContent.SCRIPT
    if keys & _EMBEDDED_KEYS or node.get("/Subtype") == "/FileAttachment":
        return ActiveContent.EMBEDDED_FILE
    if node.get("/Type") == "/EmbeddedFile":
        return ActiveContent.EMBEDDED_FILE
    return None
