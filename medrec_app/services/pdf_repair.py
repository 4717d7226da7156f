"""Damaged PDFs that viewers open anyway are repaired once, and the repair is stored.

A broken cross-reference table, wrong offsets, a missing ``%%EOF``, a cut trailer or
bytes before ``%PDF-``: PDF viewers guess their way past these silently, each in its own
way. qpdf (through pikepdf) rebuilds such a file when it opens it; its rewrite has a
clean cross-reference table, so every reader sees the same objects. That copy is what
the upload checks run on again and what is stored; the original's SHA-256 and size go
into the file's metadata, so the file the clinic received can still be recognised.

Streams are copied as they are (not decoded or recompressed), as in ``pdf_layout``.
"""

from __future__ import annotations

import hashlib
import logging
import tempfile
from typing import IO, BinaryIO

import pikepdf

from medrec_app.domain.pdf_content import PdfEncrypted

log = logging.getLogger(__name__)

HASH_CHUNK_BYTES = 1024 * 1024


def repaired(source: BinaryIO) -> IO[bytes] | None:
    """A temporary file holding qpdf's repair of ``source``, or None if qpdf cannot open it.

    Raises ``PdfEncrypted`` for an encrypted file: a repair would have to decrypt it.
    """
    out = tempfile.TemporaryFile()  # noqa: SIM115 (returned open; the caller closes it)
    try:
        _save_repaired(source, out)
    except PdfEncrypted:
        out.close()
        raise
    except Exception as error:  # any failure on untrusted bytes: not repairable
        log.info("damaged PDF could not be repaired: %s", type(error).__name__)
        out.close()
        return None
    finally:
        source.seek(0)
    out.seek(0)
    return out


def _save_repaired(source: BinaryIO, out: IO[bytes]) -> None:
    source.seek(0)
    try:
        pdf = pikepdf.open(source)
    except pikepdf.PasswordError:
        raise PdfEncrypted() from None
    with pdf:
        if pdf.is_encrypted:
            raise PdfEncrypted()
        pdf.save(out, compress_streams=False, stream_decode_level=pikepdf.StreamDecodeLevel.none)


def original_facts(source: BinaryIO) -> dict[str, object]:
    """What the file's metadata keeps of an original that was stored repaired."""
    digest = hashlib.sha256()
    size = 0
    source.seek(0)
    while chunk := source.read(HASH_CHUNK_BYTES):
        digest.update(chunk)
        size += len(chunk)
    source.seek(0)
    return {"repaired_by": "qpdf", "original_sha256": digest.hexdigest(), "original_size": size}
