"""The annotated PDF as a viewer draws it (PDFium) and reads it (pypdf): erasing as the
canvas erases, real text, backgrounds that stay what they were (issue 14 items 4-5)."""

from __future__ import annotations

import io
import time

import pikepdf
import pypdf
import pypdfium2
import pytest
from PIL import Image

from medrec_app.domain.drawing import MAX_DOCUMENT_BYTES, parse_drawing
from medrec_app.domain.pdf_note_pages import FieldLine, NoteText
from medrec_app.services.page_pdf import MAX_PAGE_POINTS
from medrec_app.services.record_pdf import Background, BackgroundUnreadable, record_pdf

NOTE = NoteText(
    clinic="Riverside",
    patient="Ann Lee",
    date_of_birth="02 Jan 1980",
    visit="Tue 01 Dec 2026 09:00 (Europe/London)",
    practitioner="Dr Okafor",
    template="Knee, version 1",
    fields=[FieldLine("Complaint", "Sore knee")],
    signed_by=None,
    signed_at=None,
    signature_sha256=None,
)


def pen(points, color="#ff0000", width=20, tool="pen") -> dict:
    return {"tool": tool, "points": points, "color": color, "strokeWidth": width}


def drawing(lines=(), shapes=(), width=400, height=300, **extra) -> dict:
    return {
        "lines": list(lines),
        "shapes": list(shapes),
        "stageSize": {"width": width, "height": height},
        **extra,
    }


def rendered(data: bytes, page: int = 0) -> Image.Image:
    document = pypdfium2.PdfDocument(data)
    try:
        return document[page].render(scale=1).to_pil().convert("RGB")
    finally:
        document.close()


def export(doc: dict, background: Background | None = None, note: NoteText = NOTE) -> bytes:
    return record_pdf(parse_drawing(doc), background, note)


def near(pixel, expected, tolerance=40) -> bool:
    return all(abs(a - b) <= tolerance for a, b in zip(pixel, expected, strict=True))


def solid_png(size=(200, 150), colour=(128, 128, 128)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, "PNG")
    return out.getvalue()


def test_the_eraser_removes_earlier_strokes_only_and_never_background_or_shapes():
    doc = drawing(
        lines=[
            pen([20, 100, 380, 100]),  # red, erased in the middle
            pen([200, 20, 200, 280], color="#ffffff", width=40, tool="eraser"),
            pen([20, 200, 380, 200], color="#0000ff"),  # drawn after: crosses the eraser
            pen([200, 180, 200, 220], color="#ffffff", width=60, tool="eraser"),
        ],
        shapes=[
            {
                "id": "r",
                "type": "rect",
                "x": 150,
                "y": 40,
                "width": 100,
                "height": 20,
                "color": "#00aa00",
                "strokeWidth": 6,
            }
        ],
    )
    image = rendered(export(doc, Background("image", solid_png(size=(400, 300)))))

    assert near(image.getpixel((60, 100)), (255, 0, 0))  # red stroke kept
    assert near(image.getpixel((200, 100)), (128, 128, 128))  # erased: the x-ray shows
    assert near(image.getpixel((60, 200)), (0, 0, 255))  # blue kept...
    assert near(image.getpixel((200, 200)), (128, 128, 128))  # ...but erased by the later one
    assert near(image.getpixel((200, 40)), (0, 170, 0))  # a shape is not on the stroke layer


def test_colours_with_opacity_blend_as_on_the_canvas():
    doc = drawing(lines=[pen([20, 150, 380, 150], color="#0000ff80")])
    pixel = rendered(export(doc)).getpixel((200, 150))
    assert near(pixel, (127, 127, 255), tolerance=8)


def test_text_shapes_are_real_text_in_an_embedded_subset_font():
    words = "Łukasz: effusion, ΔT 2°C\nsecond line"
    doc = drawing(
        shapes=[
            {
                "id": "t",
                "type": "text",
                "x": 30,
                "y": 40,
                "text": words,
                "color": "#000000",
                "strokeWidth": 18,
                "rotation": 10,
            }
        ]
    )
    data = export(doc)
    assert pypdf.PdfReader(io.BytesIO(data)).pages[0].extract_text() == words
    with pikepdf.open(io.BytesIO(data)) as pdf:
        font = pdf.pages[0].Resources.Font.F1
        assert str(font.BaseFont).endswith("+LiberationSans")
        embedded = font.DescendantFonts[0].FontDescriptor.FontFile2
        assert len(embedded.read_bytes()) < 60_000  # a subset, not the 400 KB font
    ink = rendered(data).convert("L").crop((30, 40, 200, 80))
    assert ink.getextrema()[0] < 100  # glyphs were drawn, not just placed


def test_a_pdf_background_stays_vector_and_sits_as_the_canvas_fits_it():
    background_pdf = export(
        drawing(shapes=[_text("Radiology report", 40, 40)], width=300, height=600)
    )
    data = export(drawing(width=800, height=600), Background("pdf", background_pdf, 1))
    with pikepdf.open(io.BytesIO(data)) as pdf:
        assert pdf.pages[0].Resources.XObject.Bg.Subtype == "/Form"
    assert "Radiology report" in pypdf.PdfReader(io.BytesIO(data)).pages[0].extract_text()
    image = rendered(data)
    # A 300 x 600 page on an 800 x 600 stage: full height, centred, 250 px either side.
    inside = image.crop((250, 0, 550, 600))
    assert inside.convert("L").getextrema()[0] < 128  # its text is drawn inside the box
    assert image.crop((0, 0, 240, 600)).convert("L").getextrema() == (255, 255)


def test_a_rotated_pdf_page_is_drawn_upright_as_pdf_js_shows_it():
    writer = pypdf.PdfWriter()
    writer.append(pypdf.PdfReader(io.BytesIO(export(drawing(width=600, height=300)))))
    writer.pages[0].rotate(90)
    writer.remove_page(1)
    out = io.BytesIO()
    writer.write(out)
    data = export(drawing(width=300, height=600), Background("pdf", out.getvalue(), 1))
    with pikepdf.open(io.BytesIO(data)) as pdf:
        assert pdf.pages[0].mediabox[2:] == [300, 600]


def test_an_image_background_keeps_its_pixels_and_a_jpeg_its_bytes():
    photo = io.BytesIO()
    Image.new("RGB", (1600, 1200), (90, 60, 30)).save(photo, "JPEG", quality=90)
    data = export(drawing(width=800, height=600), Background("image", photo.getvalue()))
    with pikepdf.open(io.BytesIO(data)) as pdf:
        image = pdf.pages[0].Resources.XObject.Bg
        assert (int(image.Width), int(image.Height)) == (1600, 1200)
        assert image.read_raw_bytes() == photo.getvalue()


def test_a_transparent_png_background_keeps_its_transparency():
    picture = Image.new("RGBA", (100, 100), (255, 0, 0, 0))
    picture.paste((255, 0, 0, 255), (0, 0, 50, 100))
    out = io.BytesIO()
    picture.save(out, "PNG")
    image = rendered(export(drawing(width=100, height=100), Background("image", out.getvalue())))
    assert near(image.getpixel((25, 50)), (255, 0, 0))
    assert near(image.getpixel((75, 50)), (255, 255, 255))


def test_the_same_record_gives_the_same_bytes():
    doc = drawing(lines=[pen([1, 2, 3, 4, 50, 60])], shapes=[_text("Same", 10, 10)])
    assert export(doc) == export(doc)
    assert export(doc) != export(drawing(lines=[pen([1, 2, 3, 4, 50, 61])]))


def test_a_huge_stage_is_shrunk_to_the_largest_page_viewers_draw():
    data = export(drawing(width=50_000, height=500))
    with pikepdf.open(io.BytesIO(data)) as pdf:
        assert max(float(v) for v in pdf.pages[0].mediabox[2:]) <= MAX_PAGE_POINTS


@pytest.mark.parametrize("kind,data", [("image", b"not an image"), ("pdf", b"%PDF-1.4 junk")])
def test_a_background_that_is_not_what_it_says_is_refused_clearly(kind, data):
    with pytest.raises(BackgroundUnreadable):
        export(drawing(), Background(kind, data))


def test_a_pdf_background_page_that_does_not_exist_is_refused_clearly():
    with pytest.raises(BackgroundUnreadable):
        export(drawing(), Background("pdf", export(drawing()), 9))


def test_notices_are_written_on_the_canvas_page_and_in_the_note():
    note = NoteText(**{**NOTE.__dict__, "notices": ["The background could not be read."]})
    pages = pypdf.PdfReader(io.BytesIO(export(drawing(), note=note))).pages
    assert "The background could not be read." in pages[0].extract_text()
    assert "The background could not be read." in pages[1].extract_text()


def test_a_drawing_at_the_size_limit_exports():
    stroke = [(v % 800) + 0.123457 for v in range(2_000)]
    lines = [pen(stroke, width=2) for _ in range(240)]
    doc = drawing(lines=lines, width=800, height=800)
    assert len(parse_drawing(doc).to_json_bytes()) > MAX_DOCUMENT_BYTES * 0.9
    started = time.perf_counter()
    data = export(doc)
    elapsed = time.perf_counter() - started
    assert len(pypdf.PdfReader(io.BytesIO(data)).pages) == 2
    assert elapsed < 30  # a limit on runaway work, not a speed target (see benchmarks/)


def _text(text: str, x: float, y: float) -> dict:
    return {
        "id": f"t{x}{y}",
        "type": "text",
        "x": x,
        "y": y,
        "text": text,
        "color": "#000000",
        "strokeWidth": 24,
    }
