"""Demo patient files drawn with Pillow: an x-ray-like knee image and a three-page PDF."""

from __future__ import annotations

import io

from PIL import Image, ImageDraw, ImageFilter

XRAY_SIZE = (900, 1100)
PAGE_SIZE = (1240, 1754)  # A4 at 150 dpi


def xray_jpeg() -> bytes:
    """A grey-on-black knee joint: two long bones, the kneecap, soft tissue, a side marker."""
    image = Image.new("L", XRAY_SIZE, 8)
    draw = ImageDraw.Draw(image)
    draw.ellipse((150, -200, 750, 1300), fill=48)  # soft tissue
    draw.rounded_rectangle((330, -50, 560, 470), radius=90, fill=205)  # femur
    draw.ellipse((270, 380, 630, 560), fill=215)  # femoral condyles
    draw.rounded_rectangle((340, 600, 560, 1150), radius=80, fill=200)  # tibia
    draw.ellipse((290, 560, 610, 680), fill=210)  # tibial plateau
    draw.rounded_rectangle((600, 640, 660, 1150), radius=25, fill=170)  # fibula
    draw.ellipse((250, 360, 360, 500), fill=225)  # patella (side view)
    image = image.filter(ImageFilter.GaussianBlur(6))
    ImageDraw.Draw(image).text((60, 60), "R", fill=255, font_size=90)
    out = io.BytesIO()
    image.convert("RGB").save(out, "JPEG", quality=88)
    return out.getvalue()


def three_page_pdf() -> bytes:
    """A three-page report; each page shows its number large enough to read at a glance."""
    pages = []
    for number in (1, 2, 3):
        page = Image.new("RGB", PAGE_SIZE, "white")
        draw = ImageDraw.Draw(page)
        draw.text((120, 120), "Imaging report (demo)", fill="#1F2937", font_size=64)
        draw.text((120, 230), f"Page {number} of 3", fill="#4B5563", font_size=44)
        draw.text(
            (PAGE_SIZE[0] // 2, PAGE_SIZE[1] // 2),
            str(number),
            fill="#111827",
            font_size=700,
            anchor="mm",
        )
        pages.append(page)
    out = io.BytesIO()
    pages[0].save(out, "PDF", save_all=True, append_images=pages[1:], resolution=150)
    return out.getvalue()
