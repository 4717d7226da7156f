"""A PDF whose text can only be drawn with a predefined CMap, as Japanese PDFs are written.

Japanese (and Chinese, Korean) PDFs name one of Adobe's predefined CMaps as their font's
encoding (``/UniJIS-UCS2-H``: two-byte Unicode codes to Adobe-Japan1 character ids); a
viewer without that CMap cannot tell which glyph a code means and draws nothing. The
machine running the tests has no Japanese font, and the drawing of glyphs is not what
is tested, so the embedded font is Liberation Sans (the one pdf.js ships) with its Latin
glyphs placed at the Adobe-Japan1 ids of the codes used: Adobe-Japan1 ids 1-95 are the
printable ASCII characters, to which UniJIS-UCS2-H maps U+0020-U+007E. Only a viewer
that loads the CMap puts the right glyph at each code.
"""

from __future__ import annotations

import io
import struct

import pikepdf
from fontTools.ttLib import TTFont

TEXT = "MEDREC CMAP 2026"
PAGE = (520, 140)
FONT_SIZE = 44


def _cid(char: str) -> int:
    """The Adobe-Japan1 id UniJIS-UCS2-H gives a printable ASCII character."""
    return ord(char) - 0x1F


def cmap_pdf_bytes(font_data: bytes) -> bytes:
    """One page with ``TEXT`` in an embedded CID font (TrueType ``font_data``) encoded
    with UniJIS-UCS2-H."""
    font = TTFont(io.BytesIO(font_data))
    glyph_ids = {name: gid for gid, name in enumerate(font.getGlyphOrder())}
    to_glyph = font.getBestCmap()
    scale = 1000 / font["head"].unitsPerEm
    used = sorted(set(TEXT))
    last_cid = max(_cid(c) for c in used)
    cid_to_gid = bytearray(2 * (last_cid + 1))
    widths: list[object] = []
    for char in used:
        gid = glyph_ids[to_glyph[ord(char)]]
        struct.pack_into(">H", cid_to_gid, 2 * _cid(char), gid)
        advance = font["hmtx"][to_glyph[ord(char)]][0]
        widths += [_cid(char), [round(advance * scale)]]

    pdf = pikepdf.new()
    descriptor = pdf.make_indirect(
        pikepdf.Dictionary(
            Type=pikepdf.Name.FontDescriptor,
            FontName=pikepdf.Name("/TestCMapSans"),
            Flags=32,
            FontBBox=[-200, -300, 1200, 1000],
            ItalicAngle=0,
            Ascent=900,
            Descent=-200,
            CapHeight=700,
            StemV=80,
            FontFile2=pdf.make_stream(font_data),
        )
    )
    descendant = pikepdf.Dictionary(
        Type=pikepdf.Name.Font,
        Subtype=pikepdf.Name.CIDFontType2,
        BaseFont=pikepdf.Name("/TestCMapSans"),
        CIDSystemInfo=pikepdf.Dictionary(Registry="Adobe", Ordering="Japan1", Supplement=6),
        FontDescriptor=descriptor,
        DW=1000,
        W=widths,
        CIDToGIDMap=pdf.make_stream(bytes(cid_to_gid)),
    )
    font_dict = pikepdf.Dictionary(
        Type=pikepdf.Name.Font,
        Subtype=pikepdf.Name.Type0,
        BaseFont=pikepdf.Name("/TestCMapSans"),
        Encoding=pikepdf.Name("/UniJIS-UCS2-H"),
        DescendantFonts=[pdf.make_indirect(descendant)],
    )
    codes = TEXT.encode("utf-16-be").hex()
    content = f"BT /F1 {FONT_SIZE} Tf 20 50 Td <{codes}> Tj ET".encode()
    page = pdf.add_blank_page(page_size=PAGE)
    page.Resources = pikepdf.Dictionary(Font=pikepdf.Dictionary(F1=font_dict))
    page.Contents = pdf.make_stream(content)
    out = io.BytesIO()
    pdf.save(out)
    return out.getvalue()
