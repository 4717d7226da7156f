"""A body chart (front and back outlines) drawn by the project, for the demo template.

Generated rather than shipped so that no third-party artwork is involved; the stage of
the default template is 800 x 600, and so is the chart.
"""

from __future__ import annotations

import io

from PIL import Image, ImageDraw, ImageFont

WIDTH, HEIGHT = 800, 600
LINE = (90, 96, 110)
LINE_WIDTH = 3


def _figure(draw: ImageDraw.ImageDraw, cx: int) -> None:
    """One standing figure centred on ``cx``: head, neck, torso, arms and legs."""
    draw.ellipse((cx - 32, 40, cx + 32, 112), outline=LINE, width=LINE_WIDTH)
    draw.line((cx - 12, 112, cx - 12, 128), fill=LINE, width=LINE_WIDTH)
    draw.line((cx + 12, 112, cx + 12, 128), fill=LINE, width=LINE_WIDTH)
    torso = [
        (cx - 12, 128),
        (cx - 70, 142),
        (cx - 78, 170),
        (cx - 66, 300),
        (cx - 60, 330),
        (cx + 60, 330),
        (cx + 66, 300),
        (cx + 78, 170),
        (cx + 70, 142),
        (cx + 12, 128),
    ]
    draw.line([*torso], fill=LINE, width=LINE_WIDTH, joint="curve")
    for side in (-1, 1):
        arm = [
            (cx + side * 70, 142),
            (cx + side * 100, 170),
            (cx + side * 112, 260),
            (cx + side * 122, 340),
            (cx + side * 112, 346),
            (cx + side * 98, 268),
            (cx + side * 82, 196),
        ]
        draw.line(arm, fill=LINE, width=LINE_WIDTH, joint="curve")
        leg = [
            (cx + side * 60, 330),
            (cx + side * 58, 440),
            (cx + side * 50, 550),
            (cx + side * 62, 566),
            (cx + side * 34, 566),
            (cx + side * 26, 450),
            (cx + side * 6, 340),
            (cx, 336),
        ]
        draw.line(leg, fill=LINE, width=LINE_WIDTH, joint="curve")


def render_body_chart() -> bytes:
    """PNG bytes of the chart: 'Front' on the left, 'Back' on the right."""
    image = Image.new("RGB", (WIDTH, HEIGHT), "white")
    draw = ImageDraw.Draw(image)
    font = ImageFont.load_default(size=20)
    small = ImageFont.load_default(size=14)
    for cx, label in ((220, "Front"), (580, "Back")):
        _figure(draw, cx)
        draw.text((cx, 16), label, fill=LINE, font=font, anchor="mt")
    # Patient's right is the viewer's left on the front view, and the same side on the back.
    draw.text((60, 200), "R", fill=LINE, font=small, anchor="mm")
    draw.text((380, 200), "L", fill=LINE, font=small, anchor="mm")
    draw.text((420, 200), "L", fill=LINE, font=small, anchor="mm")
    draw.text((740, 200), "R", fill=LINE, font=small, anchor="mm")
    draw.line((400, 30, 400, 570), fill=(220, 222, 228), width=1)
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()
