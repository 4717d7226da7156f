"""QR codes drawn on the server, as SVG data URIs (the policy allows ``img-src data:``)."""

from __future__ import annotations

import segno

QR_ERROR_LEVEL = "m"
"""15 % of the code may be unreadable (a glare on a screen) and it still scans."""


def qr_code(text: str) -> segno.QRCode:
    """The QR code of ``text`` (never a Micro QR: phone cameras do not read those)."""
    return segno.make(text, error=QR_ERROR_LEVEL, micro=False)


def qr_data_uri(text: str) -> str:
    """An ``<img src>`` for the QR code of ``text``: black on white, with its quiet zone."""
    return qr_code(text).svg_data_uri(scale=6, border=4, dark="#000", light="#fff")
