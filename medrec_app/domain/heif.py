"""HEIC/HEIF photos in Pillow: the one place pillow-heif's opener is registered.

Import this module wherever Pillow must open an HEIC photo (the upload check, the display
image, the thumbnail); Pillow then knows the format ``"HEIF"`` (``file_types.HEIC``).
AVIF needs nothing here: Pillow decodes it itself.

Orientation. A HEIF file turns its picture with ``irot``/``imir`` properties, which libheif
applies while decoding; the HEIF standard makes the EXIF orientation informational only,
and pillow-heif resets it to 1 on opening (keeping the value as ``original_orientation``).
iPhones write both, saying the same turn, so applying the EXIF value as well would turn
the photo twice. Some phones write only the EXIF orientation: for those it is the only
word on which way is up, and it is applied (``pending_orientation``).

Embedded thumbnails, depth maps and other auxiliary images are not read: only the
primary picture is checked and shown, so nothing else in the file can be what a person sees.
"""

from __future__ import annotations

from PIL import Image
from pillow_heif import register_heif_opener

register_heif_opener(thumbnails=False, depth_images=False, aux_images=False)

_TURNS = frozenset({"irot", "imir"})


def pending_orientation(image: Image.Image) -> int:
    """The EXIF orientation (1-8) still to apply to a HEIF image as Pillow decodes it; 1 for
    other formats. Call it before ``load()``: pillow-heif forgets the file's transforms then.

    Transforms in the file: libheif has turned the picture, nothing is pending. None: the
    EXIF (or XMP) orientation pillow-heif set aside, if any.
    """
    if image.format != "HEIF":
        return 1
    original = image.info.get("original_orientation")
    if not isinstance(original, int) or not 2 <= original <= 8:
        return 1
    return 1 if _turned_by_decoder(image) else original


def _turned_by_decoder(image: Image.Image) -> bool:
    """Whether the current picture carries ``irot``/``imir``, as pillow-heif 1.8 exposes them
    (``_c_image.transformations``: no public name). Unreadable: taken as turned, the HEIF
    standard's reading, which is right for iPhone photos."""
    try:
        picture = image._heif_file[image.tell()]  # type: ignore[attr-defined]
        transforms = picture._c_image.transformations
        return any(name in _TURNS for name, *_ in transforms)
    except Exception:
        return True
