"""The QR code the desk shows for a phone upload link: it encodes the whole link."""

from __future__ import annotations

import base64
import io
from urllib.parse import unquote

import segno
from PIL import Image

from medrec_app.components.qr import qr_code, qr_data_uri

LINK = "https://medrec.example/phone/mrp_Zq8xW3vB5nM7kL0jH2gF4dS6aP9oI1uY3tR5eW7qQ0"


def test_the_code_holds_the_whole_link_and_scans_with_any_phone():
    code = qr_code(LINK)
    assert not code.is_micro and code.error == "M"
    # The same text, made independently, gives the same modules: the link is in there.
    assert code.matrix == segno.make(LINK, error="m", micro=False, mask=code.mask).matrix
    assert code.matrix != qr_code(LINK[:-1] + "x").matrix
    # Byte mode, and a version big enough for every byte of the link at level M.
    assert code.mode == "byte" and code.version == 5


def test_the_data_uri_is_an_svg_image_of_that_code():
    uri = qr_data_uri(LINK)
    assert uri.startswith("data:image/svg+xml")
    svg = unquote(uri.split(",", 1)[1])
    assert svg.startswith("<svg") and "<script" not in svg
    side = qr_code(LINK).symbol_size(scale=6, border=4)
    assert f"width='{side[0]}' height='{side[1]}'" in svg
    png = qr_code(LINK).png_data_uri(scale=1, border=0)
    image = Image.open(io.BytesIO(base64.b64decode(png.split(",", 1)[1])))
    assert image.size == (37, 37)  # version 5: 17 + 4 * 5 modules a side
