"""What a file is, by its leading bytes: one recogniser for every format people send.

``recognise`` names the format (accepted or not) from the first ``HEAD_BYTES`` of a file.
It knows more formats than medrec accepts, so that a refusal can say what the file is;
accepting a new kind later (DICOM, TIFF, HEIC, AVIF) means adding it to
``file_types.ACCEPTED_TYPES`` and a decoder check, not another recogniser.
"""

from __future__ import annotations

import struct
from enum import StrEnum

HEAD_BYTES = 4096
PDF_HEADER_WINDOW = 1024
"""The PDF specification lets ``%PDF-`` start anywhere in the first 1024 bytes."""


class Kind(StrEnum):
    JPEG = "jpeg"
    PNG = "png"
    WEBP = "webp"
    PDF = "pdf"
    GIF = "gif"
    BMP = "bmp"
    TIFF = "tiff"
    DICOM = "dicom"
    HEIC = "heic"
    AVIF = "avif"
    JPEG2000 = "jpeg2000"
    VIDEO = "video"
    WORD = "word"
    EXCEL = "excel"
    POWERPOINT = "powerpoint"
    OLD_OFFICE = "old_office"
    ZIP = "zip"
    GZIP = "gzip"
    RTF = "rtf"
    SVG = "svg"
    HTML = "html"
    TEXT = "text"
    EMPTY = "empty"
    UNKNOWN = "unknown"


# ISO base media file ``ftyp`` brands (major or compatible).
_AVIF_BRANDS = frozenset({b"avif", b"avis"})
_HEIF_BRANDS = frozenset(
    {b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"mif1", b"msf1", b"heif"}
)
_VIDEO_BRANDS = frozenset(
    {b"isom", b"iso2", b"mp41", b"mp42", b"qt  ", b"M4V ", b"3gp4", b"3gp5", b"3g2a", b"avc1"}
)
_BMP_HEADER_SIZES = frozenset({12, 40, 52, 56, 64, 108, 124})
_TIFF_MAGICS = (b"II*\x00", b"MM\x00*", b"II+\x00", b"MM\x00+")
_HTML_MARKERS = (b"<!doctype html", b"<html", b"<head", b"<body", b"<script", b"<iframe")
_JPEG2000 = (b"\x00\x00\x00\x0cjP  \r\n\x87\n", b"\xff\x4f\xff\x51")


def recognise(head: bytes) -> Kind:
    """The format the leading bytes show (``UNKNOWN`` when none fits)."""
    if not head:
        return Kind.EMPTY
    for check in (_image, _container, _document):
        found = check(head)
        if found is not None:
            return found
    return _markup_or_text(head)


def pdf_header_offset(head: bytes) -> int | None:
    """Where ``%PDF-`` starts, if within ``PDF_HEADER_WINDOW`` bytes, else None."""
    at = head.find(b"%PDF-", 0, PDF_HEADER_WINDOW + 5)
    return at if 0 <= at <= PDF_HEADER_WINDOW else None


def _image(head: bytes) -> Kind | None:
    # DICOM first: its 128-byte preamble may itself hold a TIFF header.
    if head[128:132] == b"DICM":
        return Kind.DICOM
    if head.startswith(b"\xff\xd8\xff"):
        return Kind.JPEG
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return Kind.PNG
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return Kind.WEBP
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return Kind.GIF
    if head.startswith(_TIFF_MAGICS):
        return Kind.TIFF
    if head.startswith(_JPEG2000):
        return Kind.JPEG2000
    if _is_bmp(head):
        return Kind.BMP
    return _iso_media(head)


def _is_bmp(head: bytes) -> bool:
    if head[:2] != b"BM" or len(head) < 18:
        return False
    (header_size,) = struct.unpack_from("<I", head, 14)
    return head[6:10] == b"\x00\x00\x00\x00" and header_size in _BMP_HEADER_SIZES


def _iso_media(head: bytes) -> Kind | None:
    """HEIC/HEIF, AVIF or a video, from the ``ftyp`` box that opens the file."""
    if head[4:8] != b"ftyp" or len(head) < 16:
        return None
    (box_size,) = struct.unpack_from(">I", head, 0)
    box = head[8 : max(16, min(box_size, len(head)))]
    brands = {box[i : i + 4] for i in range(0, len(box) - 3, 4)} - {b"\x00\x00\x00\x00"}
    if brands & _AVIF_BRANDS:
        return Kind.AVIF
    if brands & _HEIF_BRANDS:
        return Kind.HEIC
    if brands & _VIDEO_BRANDS:
        return Kind.VIDEO
    return None


def _container(head: bytes) -> Kind | None:
    if head.startswith(b"PK\x03\x04"):
        # Office documents are ZIP files; their part names are near the start.
        for marker, kind in (
            (b"word/", Kind.WORD),
            (b"xl/", Kind.EXCEL),
            (b"ppt/", Kind.POWERPOINT),
        ):
            if marker in head:
                return kind
        return Kind.ZIP
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return Kind.OLD_OFFICE
    if head.startswith(b"\x1f\x8b"):
        return Kind.GZIP
    return None


def _document(head: bytes) -> Kind | None:
    if pdf_header_offset(head) is not None:
        return Kind.PDF
    if head.startswith(b"{\\rtf"):
        return Kind.RTF
    return None


def _markup_or_text(head: bytes) -> Kind:
    lowered = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if b"<svg" in lowered:
        return Kind.SVG
    if any(marker in lowered for marker in _HTML_MARKERS):
        return Kind.HTML
    return Kind.TEXT if _looks_like_text(head) else Kind.UNKNOWN


def _looks_like_text(head: bytes) -> bool:
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError as error:
        if error.start < len(head) - 3:  # not just a character cut at the end
            return False
        text = head[: error.start].decode("utf-8")
    return all(ch.isprintable() or ch in "\t\r\n\f" for ch in text)
