"""Scanner and fax PDFs: one page whose picture is a CCITT G4, JPEG 2000 or JBIG2 image.

Pillow encodes the CCITT and JPEG 2000 pictures; pikepdf puts the encoded bytes, as they
are, into an image XObject with the matching filter, the way scanners and fax servers
write them. JBIG2 comes from a small shipped fixture (Pillow cannot write JBIG2; see
``tests/fixtures/README.md``). ``reference_render`` is the server-side view of a page
(pdfium), which the browser's canvas is compared with.
"""

from __future__ import annotations

import io
from pathlib import Path

import pikepdf
import pypdfium2
from PIL import Image, ImageDraw, ImageFont, TiffImagePlugin

FIXTURES = Path(__file__).parent / "fixtures"
JBIG2_PDF = FIXTURES / "jbig2-generic-region.pdf"
# The page has the stage's aspect (800 x 600), so it fills the editor's stage exactly.
PAGE_SIZE = (800, 600)
TIFF_STRIP_OFFSETS, TIFF_STRIP_BYTE_COUNTS, TIFF_ROWS_PER_STRIP = 273, 279, 278


def scan_picture(size: tuple[int, int] = PAGE_SIZE) -> Image.Image:
    """A page of a referral letter as a scanner sees it: black marks on white."""
    image = Image.new("L", size, 255)
    draw = ImageDraw.Draw(image)
    font = ImageFont.load_default(size=size[1] // 8)
    draw.text((40, 40), "REFERRAL", fill=0, font=font)
    draw.rectangle((40, 200, size[0] - 40, 260), outline=0, width=8)
    draw.ellipse((size[0] - 300, size[1] - 300, size[0] - 60, size[1] - 60), fill=0)
    for n in range(6):
        draw.line((40, 320 + 40 * n, 420, 320 + 40 * n), fill=0, width=6)
    return image


def _pdf_with_image(data: bytes, size: tuple[int, int], **image_dict) -> bytes:
    pdf = pikepdf.new()
    width, height = size
    image = pikepdf.Stream(pdf, data)
    image.Type = pikepdf.Name.XObject
    image.Subtype = pikepdf.Name.Image
    image.Width, image.Height = width, height
    for key, value in image_dict.items():
        image[pikepdf.Name("/" + key)] = value
    page = pikepdf.Dictionary(
        Type=pikepdf.Name.Page,
        MediaBox=[0, 0, width, height],
        Resources=pikepdf.Dictionary(XObject=pikepdf.Dictionary(Im0=image)),
        Contents=pikepdf.Stream(pdf, f"q {width} 0 0 {height} 0 0 cm /Im0 Do Q".encode()),
    )
    pdf.pages.append(pikepdf.Page(page))
    out = io.BytesIO()
    pdf.save(out)
    return out.getvalue()


def ccitt_pdf_bytes(picture: Image.Image | None = None) -> bytes:
    """A fax page: the picture as one CCITT Group 4 strip (``/CCITTFaxDecode``, K -1)."""
    picture = (picture or scan_picture()).convert("1")
    tiff = io.BytesIO()
    info = TiffImagePlugin.ImageFileDirectory_v2()
    info[TIFF_ROWS_PER_STRIP] = picture.height  # one strip: the whole page
    picture.save(tiff, "TIFF", compression="group4", tiffinfo=info)
    with Image.open(tiff) as parsed:
        (offset,) = parsed.tag_v2[TIFF_STRIP_OFFSETS]
        (length,) = parsed.tag_v2[TIFF_STRIP_BYTE_COUNTS]
    strip = tiff.getvalue()[offset : offset + length]
    params = pikepdf.Dictionary(K=-1, Columns=picture.width, Rows=picture.height, BlackIs1=True)
    return _pdf_with_image(
        strip,
        picture.size,
        Filter=pikepdf.Name.CCITTFaxDecode,
        DecodeParms=params,
        ColorSpace=pikepdf.Name.DeviceGray,
        BitsPerComponent=1,
    )


def jpx_pdf_bytes(picture: Image.Image | None = None) -> bytes:
    """A colour scan: the picture, tinted, as a JPEG 2000 codestream (``/JPXDecode``)."""
    grey = picture or scan_picture()
    colour = Image.merge("RGB", (grey, grey.point(lambda v: v * 0.8 + 30), grey))
    encoded = io.BytesIO()
    colour.save(encoded, "JPEG2000", irreversible=False)
    return _pdf_with_image(encoded.getvalue(), colour.size, Filter=pikepdf.Name.JPXDecode)


def pdf_with_broken_jpx_bytes() -> bytes:
    """A well-formed PDF whose one picture is a JPEG 2000 stream cut short: the file
    opens, the page renders, but its picture cannot be decoded."""
    whole = io.BytesIO()
    scan_picture().convert("RGB").save(whole, "JPEG2000")
    return _pdf_with_image(whole.getvalue()[:120], PAGE_SIZE, Filter=pikepdf.Name.JPXDecode)


def jbig2_pdf_bytes() -> bytes:
    return JBIG2_PDF.read_bytes()


def page_size(data: bytes) -> tuple[float, float]:
    """Page 1's width and height in points."""
    document = pypdfium2.PdfDocument(data)
    try:
        return document[0].get_width(), document[0].get_height()
    finally:
        document.close()


def reference_render(data: bytes, size: tuple[int, int]) -> Image.Image:
    """Page 1 as pdfium draws it, greyscale, scaled to ``size``."""
    document = pypdfium2.PdfDocument(data)
    try:
        page = document[0]
        scale = max(size[0] / page.get_width(), size[1] / page.get_height())
        image = page.render(scale=scale).to_pil().convert("L")
    finally:
        document.close()
    return image.resize(size)
