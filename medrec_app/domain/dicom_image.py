"""A DICOM file as people see it: its frames as 8-bit pictures, and the header facts that matter.

Read with pydicom (compressed transfer syntaxes through Pillow and GDCM). Each frame is
mapped the way a DICOM viewer opens it:

- the modality LUT (rescale slope and intercept, e.g. to Hounsfield units) first;
- then the file's own VOI LUT or its first window centre/width (the DICOM linear
  window function); a file without either maps its own lowest to highest value of the
  first frame, the rule medrec uses for every deep greyscale image, and the same window
  serves every frame so that a series does not flicker;
- ``MONOCHROME1`` (white is low) is inverted; colour (RGB, YBR as RGB, palette) is scaled
  to 8 bits.

Header facts kept with the file (``file_metadata["dicom"]``): the patient's name as the
imaging centre wrote it (shown beside the chosen patient, to catch a file filed under the
wrong one), the pixel spacing for a later measuring tool (with whether it is calibrated
at the patient or only at the detector), whether pixels may carry burned-in
annotations, modality and study date. No other header value is kept.
"""

from __future__ import annotations

import unicodedata
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, BinaryIO

import numpy as np
import pydicom
from PIL import Image
from pydicom.dataset import Dataset
from pydicom.pixels import apply_color_lut, apply_modality_lut, apply_voi_lut, iter_pixels

_MONOCHROME = frozenset({"MONOCHROME1", "MONOCHROME2"})
_MEDIA_DIRECTORY = "1.2.840.10008.1.3.10"  # Media Storage Directory Storage: a DICOMDIR


class DicomUnreadable(ValueError):
    """Not a DICOM file pydicom can read, or one without an image."""


class DicomNoImage(DicomUnreadable):
    """A DICOM file with no pixel data (a report, a structured or encapsulated document)."""


class DicomDirectory(DicomNoImage):
    """The index file of an imaging CD or USB stick (``DICOMDIR``), not an image."""


class DicomCompression(DicomUnreadable):
    """Pixel data in a compression none of the installed decoders reads (12-bit JPEG)."""


@dataclass(frozen=True)
class DicomFacts:
    frames: int
    width: int
    height: int
    patient_name: str | None
    """``Family, Given Middle`` as written in the header; None when empty."""
    patient_family_name: str | None
    patient_given_name: str | None
    pixel_spacing_mm: tuple[float, float] | None
    """Row spacing, column spacing."""
    spacing_at: str | None
    """``"patient"`` (Pixel Spacing) or ``"detector"`` (Imager Pixel Spacing only)."""
    burned_in_annotation: bool | None
    """The header's BurnedInAnnotation: True (YES), False (NO), None (not said)."""
    modality: str | None
    study_date: str | None
    """``YYYY-MM-DD``."""

    def metadata(self) -> dict[str, Any]:
        """The facts as stored in ``file_metadata["dicom"]`` (JSON)."""
        return {
            "frames": self.frames,
            "patient_name": self.patient_name,
            "patient_family_name": self.patient_family_name,
            "patient_given_name": self.patient_given_name,
            "pixel_spacing_mm": list(self.pixel_spacing_mm) if self.pixel_spacing_mm else None,
            "spacing_at": self.spacing_at,
            "burned_in_annotation": self.burned_in_annotation,
            "modality": self.modality,
            "study_date": self.study_date,
        }


def read_dataset(source: BinaryIO) -> Dataset:
    """The parsed file (pixel data still encoded); ``DicomUnreadable`` / ``DicomNoImage``."""
    source.seek(0)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            dataset = pydicom.dcmread(source)
    except Exception:
        raise DicomUnreadable() from None
    finally:
        source.seek(0)
    if dataset.file_meta.get("MediaStorageSOPClassUID") == _MEDIA_DIRECTORY:
        raise DicomDirectory()
    if "PixelData" not in dataset or not dataset.get("Rows") or not dataset.get("Columns"):
        raise DicomNoImage()
    return dataset


def facts(dataset: Dataset) -> DicomFacts:
    family, given, shown = _patient_name(dataset)
    spacing, spacing_at = _pixel_spacing(dataset)
    burned = str(dataset.get("BurnedInAnnotation", "") or "").strip().upper()
    return DicomFacts(
        frames=frame_count(dataset),
        width=int(dataset.Columns),
        height=int(dataset.Rows),
        patient_name=shown,
        patient_family_name=family,
        patient_given_name=given,
        pixel_spacing_mm=spacing,
        spacing_at=spacing_at,
        burned_in_annotation={"YES": True, "NO": False}.get(burned),
        modality=_text(dataset.get("Modality")),
        study_date=_date(dataset.get("StudyDate")),
    )


def frame_count(dataset: Dataset) -> int:
    try:
        return max(1, int(dataset.get("NumberOfFrames", 1) or 1))
    except (TypeError, ValueError):
        return 1


def frames(dataset: Dataset) -> Iterator[Image.Image]:
    """Each frame as an 8-bit grey (``L``) or ``RGB`` picture, decoded one at a time.

    ``DicomCompression`` when no installed decoder reads the compression; any other
    decoding failure (truncated or damaged data) propagates.
    """
    photometric = str(dataset.get("PhotometricInterpretation", "")).upper()
    window: tuple[float, float] | None = None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for raw in _decoded(dataset):
            if photometric in _MONOCHROME:
                grey, window = _grey(raw, dataset, window)
                yield Image.fromarray(
                    255 - grey if photometric == "MONOCHROME1" else grey, mode="L"
                )
            elif photometric == "PALETTE COLOR":
                yield Image.fromarray(_to_eight_bits(apply_color_lut(raw, dataset)), mode="RGB")
            elif raw.ndim == 3 and raw.shape[-1] == 3:
                yield Image.fromarray(_to_eight_bits(raw, _bits_stored(dataset)), mode="RGB")
            else:
                grey, window = _grey(raw, dataset, window)
                yield Image.fromarray(grey, mode="L")


def _decoded(dataset: Dataset) -> Iterator[np.ndarray]:
    """pydicom raises ``RuntimeError`` when every decoder failed and
    ``NotImplementedError`` when none is installed for the transfer syntax."""
    try:
        yield from iter_pixels(dataset)
    except (RuntimeError, NotImplementedError):
        if dataset.file_meta.TransferSyntaxUID.is_compressed:
            raise DicomCompression() from None
        raise


def _grey(
    raw: np.ndarray, dataset: Dataset, window: tuple[float, float] | None
) -> tuple[np.ndarray, tuple[float, float]]:
    """One greyscale frame onto 0-255, and the window used (kept for the next frames)."""
    values = apply_modality_lut(raw, dataset)
    if "VOILUTSequence" in dataset:
        values = apply_voi_lut(values, dataset, index=0, prefer_lut=True)
    values = values.astype(np.float64)
    if window is None:
        window = _voi_lut_range(dataset) or _header_window(dataset) or _own_window(values, dataset)
    low, high = window
    if high <= low:
        return np.zeros(values.shape, dtype=np.uint8), window
    scaled = (values - low) * (255.0 / (high - low))
    return np.clip(np.rint(scaled), 0, 255).astype(np.uint8), window


def _voi_lut_range(dataset: Dataset) -> tuple[float, float] | None:
    """The output range of the file's first VOI LUT (its descriptor's bit depth)."""
    try:
        bits = int(dataset.VOILUTSequence[0].LUTDescriptor[2])
    except (AttributeError, IndexError, KeyError, TypeError, ValueError):
        return None
    return (0.0, float(2**bits - 1)) if 0 < bits <= 16 else None


def _header_window(dataset: Dataset) -> tuple[float, float] | None:
    """The first window centre/width as the DICOM linear function's lowest/highest value."""
    centre, width = _first(dataset.get("WindowCenter")), _first(dataset.get("WindowWidth"))
    if centre is None or width is None or width < 1:
        return None
    return centre - 0.5 - (width - 1) / 2, centre - 0.5 + (width - 1) / 2


def _own_window(values: np.ndarray, dataset: Dataset) -> tuple[float, float] | None:
    """No window in the header: 8-bit data as stored, deeper data by its own range."""
    bits = _bits_stored(dataset)
    rescaled = "RescaleSlope" in dataset or "RescaleIntercept" in dataset
    if bits <= 8 and not rescaled and int(dataset.get("PixelRepresentation", 0) or 0) == 0:
        return 0.0, float(2**bits - 1)
    return float(values.min()), float(values.max())


def _to_eight_bits(values: np.ndarray, bits: int | None = None) -> np.ndarray:
    """Colour samples of ``bits`` (default: the array's type) onto 0-255."""
    depth = bits or values.dtype.itemsize * 8
    if depth <= 8:
        return values.astype(np.uint8)
    return (values.astype(np.float64) / (2**depth - 1) * 255).round().astype(np.uint8)


def _bits_stored(dataset: Dataset) -> int:
    try:
        return int(dataset.get("BitsStored") or dataset.get("BitsAllocated") or 8)
    except (TypeError, ValueError):
        return 8


def _first(value: Any) -> float | None:
    if value is None:
        return None
    if isinstance(value, pydicom.multival.MultiValue | list | tuple):
        value = value[0] if len(value) else None
    try:
        return float(value) if value is not None else None
    except (TypeError, ValueError):
        return None


def _patient_name(dataset: Dataset) -> tuple[str | None, str | None, str | None]:
    """Family name, given names, and the name as shown (``Family, Given Middle``)."""
    name = dataset.get("PatientName")
    if not name:
        return None, None, None
    family = _text(getattr(name, "family_name", None))
    given = (
        " ".join(
            part
            for part in (
                _text(getattr(name, "given_name", None)),
                _text(getattr(name, "middle_name", None)),
            )
            if part
        )
        or None
    )
    if family is None and given is None:
        return None, None, _text(str(name).replace("^", " "))
    shown = ", ".join(part for part in (family, given) if part)
    return family, given, shown


def _pixel_spacing(dataset: Dataset) -> tuple[tuple[float, float] | None, str | None]:
    for keyword, at in (("PixelSpacing", "patient"), ("ImagerPixelSpacing", "detector")):
        value = dataset.get(keyword)
        try:
            row, column = (float(v) for v in value)
        except (TypeError, ValueError):
            continue
        if row > 0 and column > 0:
            return (row, column), at
    return None, None


def _text(value: Any) -> str | None:
    text = " ".join(str(value or "").split())
    text = "".join(ch for ch in text if unicodedata.category(ch)[0] != "C")
    return text[:200] or None


def _date(value: Any) -> str | None:
    text = str(value or "").strip()
    if len(text) != 8 or not text.isdigit():
        return None
    return f"{text[:4]}-{text[4:6]}-{text[6:]}"


def names_match(
    family_name: str | None, given_name: str | None, first_name: str, last_name: str
) -> bool | None:
    """Whether the name in a DICOM file is the chosen patient's; None when it has none.

    Compared without case, accents or punctuation: the family name must equal the last
    name and the given name (its first word) the first name (its first word).
    """
    if not family_name and not given_name:
        return None
    given, first = _folded(given_name).split(), _folded(first_name).split()
    same_family = _folded(family_name) == _folded(last_name)
    return same_family and bool(given) and bool(first) and given[0] == first[0]


def _folded(text: str | None) -> str:
    decomposed = unicodedata.normalize("NFKD", text or "")
    kept = "".join(ch for ch in decomposed if ch.isalnum() or ch.isspace())
    return " ".join(kept.casefold().split())
