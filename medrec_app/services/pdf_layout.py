"""Long PDFs are stored with their page dictionaries packed together, so pages open fast.

pdf.js fetches only the byte ranges it needs, but before it shows any page it walks the
page tree to check the last page. Scanners and Pillow write each page dictionary next
to its image, so on a 300-page scan that walk costs one range request per page: 5-7 s to
the first page (``benchmarks/pdf_first_page.py``). qpdf (through pikepdf) rewrites the
file with its small objects in a few object streams while copying every stream (the
images) byte for byte, undecoded: 0.15 s and a few MB of memory for 100 MB (letting qpdf
compress uncompressed streams took 2.9 s). The content is the same PDF.

Short PDFs are kept byte for byte (the walk is cheap), and so are digitally signed ones
and Reader-extended forms (a usage-rights signature in ``/Perms``): a rewrite would break
the signature's byte ranges.
"""

from __future__ import annotations

import logging
import tempfile
from typing import IO, BinaryIO

import pikepdf

log = logging.getLogger(__name__)

REPACK_MIN_PAGES = 10
"""Below this many pages the page-tree walk costs pdf.js only a few small requests."""


def repacked(source: BinaryIO, page_count: int) -> IO[bytes] | None:
    """A temporary file holding ``source`` rewritten with object streams, or None.

    None means: store the file as uploaded (short, signed, or not rewritable by qpdf;
    the file has already passed the upload checks, so that is only a missed speed-up).
    """
    if page_count < REPACK_MIN_PAGES:
        return None
    out = tempfile.TemporaryFile()  # noqa: SIM115 (returned open; the caller closes it)
    try:
        source.seek(0)
        with pikepdf.open(source) as pdf:
            if _signed(pdf):
                out.close()
                return None
            pdf.save(
                out,
                object_stream_mode=pikepdf.ObjectStreamMode.generate,
                compress_streams=False,
                stream_decode_level=pikepdf.StreamDecodeLevel.none,
            )
    except (pikepdf.PdfError, ValueError, OSError) as error:
        log.warning("PDF kept as uploaded: %s", type(error).__name__)
        out.close()
        return None
    finally:
        source.seek(0)
    out.seek(0)
    return out


def _signed(pdf: pikepdf.Pdf) -> bool:
    if "/Perms" in pdf.Root:
        return True
    form = pdf.Root.get("/AcroForm")
    return isinstance(form, pikepdf.Dictionary) and int(form.get("/SigFlags", 0)) & 1 == 1
