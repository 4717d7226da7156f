"""The annotated PDF of a record: the canvas as page 1, then the written note.

Page 1 is the stage (one pixel to one point, shrunk only past the 200-inch limit of
viewers) with, bottom to top, what the canvas shows: the background, fitted and centred
as the canvas fits it (a PDF page embedded as a form XObject, so it stays vector and
keeps its own fonts; an image at its own resolution, a JPEG byte for byte), the strokes
with the eraser's cuts as soft masks (``domain/pdf_drawing.py``), and the shapes with
real text. The pages that follow are ``domain/pdf_note_pages.py``.

Assembled with pikepdf (qpdf), the PDF library medrec already uses: it turns a foreign
page into a form XObject with its resources, which pypdf's page merge would rename and
inline. Output is deterministic: the same record gives the same bytes.
"""

from __future__ import annotations

import io
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

import pikepdf
from PIL import Image

from medrec_app.domain.drawing import DrawingData
from medrec_app.domain.pdf_drawing import DrawingContent, colour, drawing_content, number
from medrec_app.domain.pdf_font import BOLD, REGULAR, PdfFont
from medrec_app.domain.pdf_note_pages import (
    BOLD_RESOURCE,
    PAGE_HEIGHT,
    PAGE_WIDTH,
    REGULAR_RESOURCE,
    NoteText,
    note_pages,
    wrap,
)
from medrec_app.services.page_pdf import MAX_PAGE_POINTS

Name = pikepdf.Name
NOTICE_SIZE = 10
LEGEND_SIZE = 9


class BackgroundUnreadable(Exception):
    """The background's bytes are not the image or PDF page they were stored as."""


@dataclass(frozen=True)
class Background:
    """The file under the drawing as stored: an image, or a PDF and the page shown."""

    kind: Literal["image", "pdf"]
    data: bytes
    page_number: int = 1


@dataclass(frozen=True)
class Layer:
    """A signed amendment's drawing, painted over the record's in one colour."""

    drawing: DrawingData
    colour: str
    legend: str


def record_pdf(
    drawing: DrawingData,
    background: Background | None,
    note: NoteText,
    layers: Sequence[Layer] = (),
) -> bytes:
    """The export's bytes: page 1 the canvas (amendment layers over it, with a legend),
    then the note's pages."""
    pdf = pikepdf.new()
    regular, bold = PdfFont(REGULAR), PdfFont(BOLD)
    content = drawing_content(drawing, regular)
    tinted = [drawing_content(layer.drawing, regular, tint=layer.colour) for layer in layers]
    page_one = _canvas_page(pdf, content, background, tinted)
    if note.notices:
        page_one.contents_add(_notices(page_one, note.notices, bold), prepend=False)
    if layers:
        page_one.contents_add(_legend(page_one, layers, regular), prepend=False)
    note_streams = note_pages(note, regular, bold)
    fonts = pikepdf.Dictionary(
        {
            REGULAR_RESOURCE: _font(pdf, regular),
            BOLD_RESOURCE: _font(pdf, bold),
        }
    )
    page_one.Resources.Font = fonts
    for stream in note_streams:
        page = pdf.add_blank_page(page_size=(PAGE_WIDTH, PAGE_HEIGHT))
        page.Resources = pikepdf.Dictionary(Font=fonts)
        page.Contents = pikepdf.Stream(pdf, stream)
    pdf.docinfo = pdf.make_indirect(pikepdf.Dictionary(Title=pikepdf.String("Visit note")))
    out = io.BytesIO()
    pdf.save(out, compress_streams=True, deterministic_id=True)
    return out.getvalue()


def _canvas_page(
    pdf: pikepdf.Pdf,
    content: DrawingContent,
    background: Background | None,
    layers: Sequence[DrawingContent] = (),
) -> pikepdf.Page:
    scale = min(1.0, MAX_PAGE_POINTS / max(content.width, content.height))
    width, height = content.width * scale, content.height * scale
    page = pdf.add_blank_page(page_size=(width, height))
    alphas = _alphas(pdf, content.alphas.union(*(layer.alphas for layer in layers)))
    xobjects = pikepdf.Dictionary()
    states = pikepdf.Dictionary(alphas)
    parts = [_background(pdf, page, background, xobjects, content, scale)]
    parts.append(f"q {number(scale)} 0 0 {number(-scale)} 0 {number(height)} cm\n".encode())
    box = (content.width, content.height)
    for index, layer in enumerate((content, *layers)):
        prefix = "" if index == 0 else f"L{index}"
        parts.append(_paint(pdf, layer, prefix, box, xobjects, states, alphas))
    parts.append(b"Q\n")
    page.Resources = pikepdf.Dictionary(XObject=xobjects, ExtGState=states)
    page.Contents = _packed(pdf, b"".join(parts))
    return page


def _paint(
    pdf: pikepdf.Pdf,
    layer: DrawingContent,
    prefix: str,
    box: tuple[float, float],
    xobjects: pikepdf.Dictionary,
    states: pikepdf.Dictionary,
    alphas: dict[str, pikepdf.Object],
) -> bytes:
    """One stroke layer (its eraser cutting only its own earlier strokes) and its shapes;
    the resources it needs are added, named with ``prefix``."""
    parts = []
    erasers = [_form(pdf, run, box, alphas=alphas) for run in layer.eraser_runs]
    for i, run in enumerate(layer.stroke_runs):
        if not run.erased_by:
            parts += [b"q\n", run.content, b"Q\n"]
            continue
        xobjects[f"/{prefix}R{i}"] = _form(pdf, run.content, box, alphas=alphas, group=True)
        states[f"/{prefix}M{i}"] = _mask(pdf, box, [erasers[k] for k in run.erased_by], alphas)
        parts.append(f"q /{prefix}M{i} gs /{prefix}R{i} Do Q\n".encode())
    parts += [b"q\n", layer.shapes, b"Q\n"]
    return b"".join(parts)


def _background(
    pdf: pikepdf.Pdf,
    page: pikepdf.Page,
    background: Background | None,
    xobjects: pikepdf.Dictionary,
    content: DrawingContent,
    scale: float,
) -> bytes:
    """The content that paints the background under everything (page space, y up)."""
    if background is None:
        return b""
    if background.kind == "pdf":
        try:
            source = pikepdf.open(io.BytesIO(background.data))
            form = pdf.copy_foreign(source.pages[background.page_number - 1].as_form_xobject())
        except (pikepdf.PdfError, IndexError) as error:
            raise BackgroundUnreadable(type(error).__name__) from None
        xobjects["/Bg"] = form
        box = pikepdf.Rectangle(0, 0, content.width * scale, content.height * scale)
        return page.calc_form_xobject_placement(
            form, Name("/Bg"), box, allow_shrink=True, allow_expand=True
        )
    image, size = _image(pdf, background.data)
    xobjects["/Bg"] = image
    fit = min(content.width / size[0], content.height / size[1]) * scale
    w, h = size[0] * fit, size[1] * fit
    x = (content.width * scale - w) / 2
    y = (content.height * scale - h) / 2
    return f"q {number(w)} 0 0 {number(h)} {number(x)} {number(y)} cm /Bg Do Q\n".encode()


def _notices(page: pikepdf.Page, notices: Iterable[str], font: PdfFont) -> bytes:
    """Problems of the export itself, in dark red on white at the top of page 1."""
    left, top = 8.0, float(page.mediabox[3])
    room = float(page.mediabox[2]) - 2 * left
    lines = [line for notice in notices for line in wrap(notice, font, NOTICE_SIZE, room)]
    out = ["q "]
    for index, line in enumerate(lines):
        y = top - 18 - index * (NOTICE_SIZE + 4)
        width = font.width(line, NOTICE_SIZE)
        out.append(
            f"1 g {number(left - 4)} {number(y - 4)} {number(width + 8)} {NOTICE_SIZE + 4} re f "
            f"0.6 0 0 rg BT {BOLD_RESOURCE} {NOTICE_SIZE} Tf 1 0 0 1 {number(left)} {number(y)} Tm "
            f"{font.encode(line).decode('ascii')} Tj ET\n"
        )
    out.append("Q\n")
    return "".join(out).encode("ascii")


def _legend(page: pikepdf.Page, layers: Sequence[Layer], font: PdfFont) -> bytes:
    """Which colour is which amendment, at the bottom left of page 1, on white."""
    out = ["q "]
    for index, layer in enumerate(reversed(layers)):
        y = 8 + index * (LEGEND_SIZE + 6)
        paint = colour(layer.colour)
        assert paint is not None  # the amendment colours are opaque
        width = font.width(layer.legend, LEGEND_SIZE)
        out.append(
            f"1 g 4 {number(y - 3)} {number(width + 26)} {LEGEND_SIZE + 6} re f "
            f"{number(paint[0])} {number(paint[1])} {number(paint[2])} rg "
            f"8 {number(y)} 10 {LEGEND_SIZE - 2} re f "
            f"0 g BT {REGULAR_RESOURCE} {LEGEND_SIZE} Tf 1 0 0 1 22 {number(y)} Tm "
            f"{font.encode(layer.legend).decode('ascii')} Tj ET\n"
        )
    out.append("Q\n")
    return "".join(out).encode("ascii")


def _image(pdf: pikepdf.Pdf, data: bytes) -> tuple[pikepdf.Stream, tuple[int, int]]:
    """An image XObject of the picture at its own pixels: a JPEG as it is, anything else
    lossless (Flate), its transparency as a soft mask."""
    try:
        picture = Image.open(io.BytesIO(data))
        picture.load()
    except (OSError, ValueError, Image.DecompressionBombError) as error:
        raise BackgroundUnreadable(type(error).__name__) from None
    if picture.format == "JPEG" and picture.mode in ("L", "RGB"):
        stream = pikepdf.Stream(pdf, data)
        stream.Filter = Name.DCTDecode
        return _image_dict(stream, picture.size, picture.mode), picture.size
    alpha = picture.getchannel("A") if "A" in picture.getbands() else None
    if picture.mode == "P" and "transparency" in picture.info:
        alpha = picture.convert("RGBA").getchannel("A")
    solid = picture.convert("L" if picture.mode in ("1", "L", "LA", "I", "I;16") else "RGB")
    stream = pikepdf.Stream(pdf, solid.tobytes())
    image = _image_dict(stream, solid.size, solid.mode)
    if alpha is not None:
        mask = pikepdf.Stream(pdf, alpha.tobytes())
        image.SMask = _image_dict(mask, alpha.size, "L")
    return image, solid.size


def _image_dict(stream: pikepdf.Stream, size: tuple[int, int], mode: str) -> pikepdf.Stream:
    stream.Type, stream.Subtype = Name.XObject, Name.Image
    stream.Width, stream.Height = size
    stream.ColorSpace = Name.DeviceGray if mode == "L" else Name.DeviceRGB
    stream.BitsPerComponent = 8
    return stream


def _packed(pdf: pikepdf.Pdf, data: bytes) -> pikepdf.Stream:
    """A content stream compressed here at zlib's fastest level: drawing content is long
    and repetitive, so this costs a few percent of size against several times the time."""
    stream = pikepdf.Stream(pdf, b"")
    stream.write(zlib.compress(data, 1), filter=Name.FlateDecode)
    return stream


def _alphas(pdf: pikepdf.Pdf, alphas: Iterable[int]) -> dict[str, pikepdf.Object]:
    """One ExtGState per opacity the drawing uses, ``/A<n>`` for n/255."""
    return {
        f"/A{a}": pdf.make_indirect(
            pikepdf.Dictionary(Type=Name.ExtGState, CA=round(a / 255, 4), ca=round(a / 255, 4))
        )
        for a in sorted(alphas)
    }


def _form(
    pdf: pikepdf.Pdf,
    data: bytes,
    box: tuple[float, float],
    *,
    alphas: dict[str, pikepdf.Object],
    group: bool = False,
) -> pikepdf.Stream:
    """A form XObject in stage space; ``group`` makes it one isolated transparency
    group, as the canvas's stroke layer is one surface."""
    form = _packed(pdf, data)
    form.Type, form.Subtype = Name.XObject, Name.Form
    form.BBox = [0, 0, *box]
    form.Resources = pikepdf.Dictionary(ExtGState=pikepdf.Dictionary(alphas))
    if group:
        form.Group = pikepdf.Dictionary(S=Name.Transparency, I=True)
    return form


def _mask(
    pdf: pikepdf.Pdf,
    box: tuple[float, float],
    erasers: list[pikepdf.Stream],
    alphas: dict[str, pikepdf.Object],
) -> pikepdf.Dictionary:
    """A luminosity soft mask: white (kept) but black where the eraser runs lie."""
    calls = "".join(f"q /E{i} Do Q " for i in range(len(erasers)))
    data = f"1 g 0 0 {number(box[0])} {number(box[1])} re f {calls}".encode()
    group = _form(pdf, data, box, alphas=alphas)
    group.Group = pikepdf.Dictionary(S=Name.Transparency, CS=Name.DeviceGray)
    group.Resources.XObject = pikepdf.Dictionary({f"/E{i}": e for i, e in enumerate(erasers)})
    return pikepdf.Dictionary(
        Type=Name.ExtGState,
        SMask=pikepdf.Dictionary(Type=Name.Mask, S=Name.Luminosity, G=group),
    )


def _font(pdf: pikepdf.Pdf, font: PdfFont) -> pikepdf.Object:
    """The embedded subset as a Type0 font with Identity-H codes and its ToUnicode map."""
    name = Name("/" + font.subset_tag() + "+" + font.postscript_name)
    metrics = font.metrics
    file = pikepdf.Stream(pdf, font.subset())
    descriptor = pikepdf.Dictionary(
        Type=Name.FontDescriptor,
        FontName=name,
        Flags=32,
        FontBBox=list(metrics.bbox),
        ItalicAngle=0,
        Ascent=round(metrics.ascent),
        Descent=-round(metrics.descent),
        CapHeight=round(metrics.cap_height),
        StemV=80,
        FontFile2=file,
    )
    cid_font = pikepdf.Dictionary(
        Type=Name.Font,
        Subtype=Name.CIDFontType2,
        BaseFont=name,
        CIDSystemInfo=pikepdf.Dictionary(
            Registry=pikepdf.String("Adobe"), Ordering=pikepdf.String("Identity"), Supplement=0
        ),
        FontDescriptor=descriptor,
        W=font.widths_array(),
        DW=1000,
        CIDToGIDMap=Name.Identity,
    )
    return pdf.make_indirect(
        pikepdf.Dictionary(
            Type=Name.Font,
            Subtype=Name.Type0,
            BaseFont=name,
            Encoding=Name("/Identity-H"),
            DescendantFonts=[cid_font],
            ToUnicode=pikepdf.Stream(pdf, font.to_unicode()),
        )
    )
