"""What a refusal says about a file medrec does not take: one table, one sentence shape.

Each sentence says what the file is (from its bytes, in everyday words: no MIME types),
why it cannot be taken and what the person at the desk can do instead. When a kind
becomes accepted (``file_types.ACCEPTED_TYPES``), its row here simply stops being used.
"""

from __future__ import annotations

from dataclasses import dataclass

from medrec_app.domain.file_kinds import Kind
from medrec_app.domain.file_types import ACCEPTED_SUMMARY

TAKES_ONLY = f"medrec takes only {ACCEPTED_SUMMARY}"
_SAVE_AS_PNG = (
    "open it in an image program (such as Paint or Preview), save it as PNG and upload that"
)
_SAVE_AS_PDF = "open it in {app} and save it as PDF (File > Save As > PDF), then upload that"
_UNPACK = (
    "unpack it (double-click it, or right-click > Extract All) and upload the images or PDFs "
    "inside one by one"
)


@dataclass(frozen=True)
class Wording:
    what: str
    """What the file is, as a person would say it: ``"a DICOM image (...)"``."""
    fix: str
    """What to do instead, lower case, completing the sentence after the reason."""
    reason: str = TAKES_ONLY


NOT_ACCEPTED: dict[Kind, Wording] = {
    Kind.GIF: Wording("a GIF image", _SAVE_AS_PNG),
    Kind.BMP: Wording("a BMP image (a Windows bitmap)", _SAVE_AS_PNG),
    Kind.JPEG2000: Wording("a JPEG 2000 image", _SAVE_AS_PNG),
    Kind.VIDEO: Wording(
        "a video",
        "take a photo or a screenshot of what matters and upload that",
        "medrec stores images and PDF documents, not videos",
    ),
    Kind.WORD: Wording("a Word document", _SAVE_AS_PDF.format(app="Word")),
    Kind.EXCEL: Wording("an Excel spreadsheet", _SAVE_AS_PDF.format(app="Excel")),
    Kind.POWERPOINT: Wording("a PowerPoint presentation", _SAVE_AS_PDF.format(app="PowerPoint")),
    Kind.OLD_OFFICE: Wording(
        "an older Microsoft Office document (Word, Excel or PowerPoint)",
        _SAVE_AS_PDF.format(app="the program that made it"),
    ),
    Kind.ZIP: Wording(
        "a ZIP archive (several files packed into one)", _UNPACK, "medrec takes one file at a time"
    ),
    Kind.GZIP: Wording("a compressed file", _UNPACK, "medrec takes one file at a time"),
    Kind.RTF: Wording("a text document (RTF)", _SAVE_AS_PDF.format(app="Word or WordPad")),
    Kind.HTML: Wording(
        "a web page (HTML)",
        "open it in a browser and print it to PDF (Print > Save as PDF), then upload that",
    ),
    Kind.TEXT: Wording(
        "plain text",
        "print it to PDF (Print > Save as PDF) and upload that, or type the text into the record",
    ),
    Kind.SVG: Wording(
        "an SVG image",
        "export the image as PNG or JPEG and upload that",
        "SVG images are not accepted because they can contain scripts",
    ),
}


def not_accepted_message(kind: Kind, name_ending: str | None) -> str:
    """The refusal for a recognised (or unrecognisable) kind medrec does not take.

    ``name_ending`` is given when the name ends like an accepted type (``"jpg"``), to say
    that the name and the content disagree.
    """
    named = f", although its name ends in .{name_ending}" if name_ending else ""
    wording = NOT_ACCEPTED.get(kind)
    if wording is None:
        return (
            f"medrec cannot tell what kind of file this is{named}. {TAKES_ONLY}: check that "
            "this is the file you meant, save or export it as one of those and upload it again."
        )
    return f"This file is {wording.what}{named}. {wording.reason}: {wording.fix}."
