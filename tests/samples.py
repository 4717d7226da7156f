"""Good and bad files for the upload tests, made in memory with Pillow and pypdf."""

from __future__ import annotations

import io
import struct
import zlib

from PIL import Image, ImageDraw
from pypdf import PdfWriter
from pypdf.generic import ArrayObject, DictionaryObject, NameObject, TextStringObject


def jpeg(size: tuple[int, int] = (64, 48)) -> bytes:
    image = Image.new("RGB", size, "black")
    ImageDraw.Draw(image).ellipse((4, 4, size[0] - 4, size[1] - 4), fill="white")
    out = io.BytesIO()
    image.save(out, "JPEG", quality=90)
    return out.getvalue()


def png(size: tuple[int, int] = (40, 30)) -> bytes:
    out = io.BytesIO()
    Image.new("RGBA", size, (10, 200, 30, 255)).save(out, "PNG")
    return out.getvalue()


def webp(size: tuple[int, int] = (40, 30)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, "navy").save(out, "WEBP")
    return out.getvalue()


def pdf(pages: int = 3) -> bytes:
    """A PDF of ``pages`` pages drawn with Pillow, a big page number on each."""
    images = []
    for number in range(1, pages + 1):
        page = Image.new("RGB", (200, 280), "white")
        ImageDraw.Draw(page).text((90, 120), str(number), fill="black", font_size=60)
        images.append(page)
    out = io.BytesIO()
    images[0].save(out, "PDF", save_all=True, append_images=images[1:], resolution=72)
    return out.getvalue()


def truncated_jpeg() -> bytes:
    data = jpeg((400, 300))
    return data[: len(data) // 2]


def png_header_only(width: int, height: int) -> bytes:
    """A PNG that declares ``width`` x ``height`` but carries one tiny compressed row.

    Opening it reads only the header, so this is what a decompression bomb looks like
    to the checks without the test having to build one.
    """

    def chunk(kind: bytes, payload: bytes) -> bytes:
        crc = zlib.crc32(kind + payload) & 0xFFFFFFFF
        return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00" * 64))
        + chunk(b"IEND", b"")
    )


SVG = (
    b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg">'
    b"<script>alert(1)</script></svg>"
)
HTML = b"<!DOCTYPE html><html><body><script>alert(1)</script></body></html>"
TEXT = b"Patient notes\nThis is plain text, not a PDF.\n"


def _writer(pages: int = 1) -> PdfWriter:
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(200, 200)
    return writer


def _bytes(writer: PdfWriter) -> bytes:
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _js_action(script: str) -> DictionaryObject:
    return DictionaryObject(
        {
            NameObject("/S"): NameObject("/JavaScript"),
            NameObject("/JS"): TextStringObject(script),
        }
    )


def encrypted_pdf() -> bytes:
    writer = _writer()
    writer.encrypt(user_password="secret", owner_password="owner", algorithm="AES-256")
    return _bytes(writer)


def pdf_with_document_js() -> bytes:
    """JavaScript in the document's /Names /JavaScript name tree (runs on open)."""
    writer = _writer()
    action = writer._add_object(_js_action("app.alert('hello');"))
    tree = DictionaryObject(
        {NameObject("/Names"): ArrayObject([TextStringObject("hello"), action])}
    )
    writer._root_object[NameObject("/Names")] = DictionaryObject(
        {NameObject("/JavaScript"): writer._add_object(tree)}
    )
    return _bytes(writer)


def pdf_with_open_action_js() -> bytes:
    writer = _writer()
    writer._root_object[NameObject("/OpenAction")] = _js_action("app.alert(1)")
    return _bytes(writer)


def pdf_with_annotation_js() -> bytes:
    writer = _writer(2)
    link = DictionaryObject(
        {
            NameObject("/Type"): NameObject("/Annot"),
            NameObject("/Subtype"): NameObject("/Link"),
            NameObject("/Rect"): ArrayObject([]),
            NameObject("/A"): _js_action("app.alert(2)"),
        }
    )
    writer.pages[1][NameObject("/Annots")] = ArrayObject([writer._add_object(link)])
    return _bytes(writer)


def pdf_with_page_action_js() -> bytes:
    writer = _writer()
    writer.pages[0][NameObject("/AA")] = DictionaryObject(
        {NameObject("/O"): _js_action("app.alert(3)")}
    )
    return _bytes(writer)


def pdf_with_embedded_file() -> bytes:
    writer = _writer()
    writer.add_attachment("notes.txt", b"hidden payload")
    return _bytes(writer)


def pdf_with_file_attachment_annotation() -> bytes:
    writer = _writer()
    note = DictionaryObject(
        {
            NameObject("/Type"): NameObject("/Annot"),
            NameObject("/Subtype"): NameObject("/FileAttachment"),
            NameObject("/Rect"): ArrayObject([]),
        }
    )
    writer.pages[0][NameObject("/Annots")] = ArrayObject([writer._add_object(note)])
    return _bytes(writer)


def pdf_without_pages() -> bytes:
    return _bytes(PdfWriter())


def pdf_with_usage_rights() -> bytes:
    """A Reader-extended form: a ``/Perms /UR3`` usage-rights signature in the catalog,
    whose transform parameters grant ``/EF`` (embedded file) rights as an array of names."""
    writer = _writer()
    params = DictionaryObject(
        {
            NameObject("/Type"): NameObject("/TransformParams"),
            NameObject("/V"): NameObject("/2.2"),
            NameObject("/Document"): ArrayObject([NameObject("/FullSave")]),
            NameObject("/Form"): ArrayObject([NameObject("/FillIn"), NameObject("/Import")]),
            NameObject("/Annots"): ArrayObject([NameObject("/Create"), NameObject("/Modify")]),
            NameObject("/EF"): ArrayObject(
                [NameObject(n) for n in ("/Create", "/Delete", "/Modify", "/Import")]
            ),
        }
    )
    reference = DictionaryObject(
        {
            NameObject("/Type"): NameObject("/SigRef"),
            NameObject("/TransformMethod"): NameObject("/UR3"),
            NameObject("/TransformParams"): params,
        }
    )
    signature = DictionaryObject(
        {
            NameObject("/Type"): NameObject("/Sig"),
            NameObject("/Filter"): NameObject("/Adobe.PPKLite"),
            NameObject("/SubFilter"): NameObject("/adbe.pkcs7.detached"),
            NameObject("/Reference"): ArrayObject([reference]),
        }
    )
    writer._root_object[NameObject("/Perms")] = DictionaryObject(
        {NameObject("/UR3"): writer._add_object(signature)}
    )
    return _bytes(writer)


def pdf_with_embedded_file_spec_only() -> bytes:
    """An embedded file reached from a page annotation's file specification alone (no
    ``/EmbeddedFiles`` name tree, no ``/Type`` on the stream)."""
    from pypdf.generic import DecodedStreamObject

    writer = _writer()
    stream = DecodedStreamObject()
    stream.set_data(b"hidden payload")
    spec = DictionaryObject(
        {
            NameObject("/Type"): NameObject("/Filespec"),
            NameObject("/F"): TextStringObject("notes.txt"),
            NameObject("/EF"): DictionaryObject({NameObject("/F"): writer._add_object(stream)}),
        }
    )
    link = DictionaryObject(
        {
            NameObject("/Type"): NameObject("/Annot"),
            NameObject("/Subtype"): NameObject("/Link"),
            NameObject("/Rect"): ArrayObject([]),
            NameObject("/A"): DictionaryObject(
                {NameObject("/S"): NameObject("/GoToE"), NameObject("/F"): writer._add_object(spec)}
            ),
        }
    )
    writer.pages[0][NameObject("/Annots")] = ArrayObject([writer._add_object(link)])
    return _bytes(writer)


def damaged_pdfs() -> dict[str, bytes]:
    """A good PDF broken the ways viewers repair silently."""
    good = pdf(2)
    startxref = good.rfind(b"startxref")
    header_end = good.find(b"\n") + 1
    xref = good.find(b"\nxref") + 1
    return {
        "wrong startxref offset": good[:startxref] + b"startxref\n12345\n%%EOF\n",
        "no %%EOF": good.rstrip()[: -len(b"%%EOF")],
        "truncated trailer": good[: good.rfind(b"trailer")],
        "objects shifted from their offsets": good[:header_end]
        + b"%"
        + b"x" * 300
        + b"\n"
        + good[header_end:],
        "broken xref table": good[:xref] + b"xref\n0 9\ngarbage\n" + good[good.rfind(b"trailer") :],
    }


def pdf_with_leading_bytes(count: int = 600) -> bytes:
    """A PDF after ``count`` bytes of something else (a mail or fax gateway's header)."""
    prefix = (b"X-Fax-Gateway: received\r\n" * (count // 25 + 1))[:count]
    return prefix + pdf(2)


def pdf_with_links(count: int) -> bytes:
    """One page carrying ``count`` link annotations, each its own object (made with qpdf)."""
    import pikepdf

    document = pikepdf.new()
    document.add_blank_page(page_size=(200, 200))
    links = [
        document.make_indirect(
            pikepdf.Dictionary(
                Type=pikepdf.Name.Annot,
                Subtype=pikepdf.Name.Link,
                Rect=pikepdf.Array([0, 0, 1, 1]),
                Border=pikepdf.Array([0, 0, 0]),
                A=pikepdf.Dictionary(
                    S=pikepdf.Name.URI, URI=pikepdf.String(f"https://example.org/{n}")
                ),
            )
        )
        for n in range(count)
    ]
    document.pages[0].Annots = pikepdf.Array(links)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def pillow_image(fmt: str, **options: object) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (16, 12), "teal").save(out, fmt, **options)
    return out.getvalue()


def dicom() -> bytes:
    """The start of a DICOM file: 128-byte preamble, ``DICM``, a file meta group element."""
    element = b"\x02\x00\x10\x00UI" + struct.pack("<H", 20) + b"1.2.840.10008.1.2.1\x00"
    return b"\x00" * 128 + b"DICM" + element


def dicom_with_tiff_preamble() -> bytes:
    """A dual-personality DICOM file whose preamble is a TIFF header."""
    return b"II*\x00" + b"\x00" * 124 + dicom()[128:]


def iso_media(major: bytes, *compatible: bytes) -> bytes:
    """An ISO base media file (HEIC, AVIF, MP4) opening with its ``ftyp`` box."""
    payload = major + b"\x00\x00\x00\x00" + b"".join(compatible)
    return struct.pack(">I", 8 + len(payload)) + b"ftyp" + payload + b"\x00\x00\x00\x08free"


def office_zip(part: str) -> bytes:
    """A ZIP file holding one part named ``part`` (Word: word/document.xml)."""
    import zipfile

    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr(part, "<x/>")
    return out.getvalue()
