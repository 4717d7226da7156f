"""The font of exported PDFs: Liberation Sans, embedded as a subset, text kept as Unicode.

The canvas writes text in "Arial" (Konva's default), which browsers draw with Arial or
its metric twin Liberation Sans; the export uses Liberation Sans (SIL Open Font License,
``medrec_app/fonts/``), so a text shape takes the same width on the page as on screen.
Covered: Latin, Greek and Cyrillic. A character the font lacks is drawn as its empty box
but still reads back as itself: every glyph used is mapped to its text (``/ToUnicode``),
so the page is searchable and copyable.

A :class:`PdfFont` collects the glyphs one document uses; :meth:`PdfFont.subset` then
writes only those, keeping glyph ids (codes are glyph ids, ``Identity-H``). Its output
depends only on the glyphs used, so the same text gives the same bytes.
"""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path

from fontTools import subset
from fontTools.ttLib import TTFont

FONT_DIR = Path(__file__).resolve().parent.parent / "fonts"
REGULAR = "LiberationSans-Regular.ttf"
BOLD = "LiberationSans-Bold.ttf"


@dataclass(frozen=True)
class FontMetrics:
    """What layout needs, in thousandths of the font size (PDF glyph space)."""

    ascent: float
    descent: float
    """Below the baseline: positive."""
    cap_height: float
    bbox: tuple[int, int, int, int]


_UNUSED_TABLES = ("GSUB", "GPOS", "GDEF", "kern", "DSIG", "FFTM")
"""Layout and signature tables: the export places glyphs itself, one per character."""


@cache
def _font_bytes(name: str) -> bytes:
    """The font file without the tables an embedded subset never uses (reading them
    would be most of the cost of subsetting)."""
    font = TTFont(FONT_DIR / name, recalcTimestamp=False)
    for tag in _UNUSED_TABLES:
        if tag in font:
            del font[tag]
    out = io.BytesIO()
    font.save(out)
    return out.getvalue()


@cache
def _loaded(name: str) -> tuple[dict[int, int], list[float], FontMetrics, str]:
    """cmap (code point -> glyph id), advance widths per glyph id, metrics, PostScript name."""
    font = TTFont(io.BytesIO(_font_bytes(name)), recalcTimestamp=False)
    scale = 1000 / font["head"].unitsPerEm
    order = font.getGlyphOrder()
    ids = {glyph: index for index, glyph in enumerate(order)}
    cmap = {code: ids[glyph] for code, glyph in font.getBestCmap().items()}
    hmtx = font["hmtx"]
    widths = [round(hmtx[glyph][0] * scale, 3) for glyph in order]
    head, hhea, os2 = font["head"], font["hhea"], font["OS/2"]
    metrics = FontMetrics(
        ascent=hhea.ascent * scale,
        descent=-hhea.descent * scale,
        cap_height=os2.sCapHeight * scale,
        bbox=tuple(round(v * scale) for v in (head.xMin, head.yMin, head.xMax, head.yMax)),  # type: ignore[arg-type]
    )
    return cmap, widths, metrics, font["name"].getDebugName(6) or name.removesuffix(".ttf")


class PdfFont:
    """One embedded font of one document: measures and encodes text, remembers glyphs."""

    def __init__(self, name: str = REGULAR) -> None:
        self.name = name
        self._cmap, self._widths, self.metrics, self.postscript_name = _loaded(name)
        self._used: dict[int, str] = {}

    def width(self, text: str, size: float) -> float:
        """Advance width of ``text`` at ``size`` points, in points."""
        widths, cmap = self._widths, self._cmap
        return sum(widths[cmap.get(ord(ch), 0)] for ch in text) * size / 1000

    def encode(self, text: str) -> bytes:
        """``text`` as a PDF hex string of two-byte glyph ids, ``<...>``; remembers the glyphs."""
        cmap, used = self._cmap, self._used
        codes = []
        for ch in text:
            gid = cmap.get(ord(ch), 0)
            used.setdefault(gid, ch)
            codes.append(f"{gid:04X}")
        return ("<" + "".join(codes) + ">").encode("ascii")

    @property
    def used(self) -> bool:
        return bool(self._used)

    def widths_array(self) -> list[int | list[float]]:
        """The CIDFont's ``/W``: ``[gid [w] gid [w] ...]`` for the glyphs used."""
        out: list[int | list[float]] = []
        for gid in sorted(self._used):
            out.extend([gid, [self._widths[gid]]])
        return out

    def to_unicode(self) -> bytes:
        """The ``/ToUnicode`` CMap: each glyph used back to the text it was written for."""
        entries = [
            f"<{gid:04X}> <{''.join(f'{u:04X}' for u in _utf16(ch))}>"
            for gid, ch in sorted(self._used.items())
        ]
        blocks = []
        for start in range(0, len(entries), 100):
            chunk = entries[start : start + 100]
            blocks.append(f"{len(chunk)} beginbfchar\n" + "\n".join(chunk) + "\nendbfchar")
        return (
            "/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n"
            "/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n"
            "/CMapName /Adobe-Identity-UCS def\n/CMapType 2 def\n"
            "1 begincodespacerange\n<0000> <FFFF>\nendcodespacerange\n"
            + "\n".join(blocks)
            + "\nendcmap\nCMapName currentdict /CMapResource defineresource pop\nend\nend\n"
        ).encode("ascii")

    def subset_tag(self) -> str:
        """Six capital letters naming this subset (PDF's ``ABCDEF+Name``), from its glyphs."""
        digest = hashlib.sha256(",".join(map(str, sorted(self._used))).encode()).digest()
        return "".join(chr(ord("A") + b % 26) for b in digest[:6])

    def subset(self) -> bytes:
        """The TrueType font holding only the glyphs used (and .notdef), ids unchanged."""
        return _subset(self.name, frozenset({0, *self._used}))


@lru_cache(maxsize=64)
def _subset(name: str, glyphs: frozenset[int]) -> bytes:
    """Kept for the next export with the same glyphs (most notes use the same letters)."""
    font = TTFont(io.BytesIO(_font_bytes(name)), recalcTimestamp=False)
    options = subset.Options()
    options.retain_gids = True
    options.notdef_outline = True
    options.name_IDs = ["*"]
    options.layout_features = []
    options.hinting = False
    subsetter = subset.Subsetter(options)
    subsetter.populate(gids=sorted(glyphs))
    subsetter.subset(font)
    out = io.BytesIO()
    font.save(out)
    return out.getvalue()


def _utf16(ch: str) -> list[int]:
    data = ch.encode("utf-16-be")
    return [int.from_bytes(data[i : i + 2], "big") for i in range(0, len(data), 2)]
