"""DICOM and TIFF (issue 11, item 3): accepted, checked page by page, shown upright and 8-bit.

The DICOM files are real ones from other toolkits (``tests/paged_samples.py``); every
expected picture is computed here independently of ``domain/dicom_image.py``: the window
with pydicom's own VOI implementation, pages of a TIFF with Pillow, PDF pages with PDFium.
"""

from __future__ import annotations

import io

import numpy as np
import pydicom
import pypdfium2
import pytest
from PIL import Image, ImageChops, ImageSequence, ImageStat
from pydicom.pixels import apply_voi_lut

from medrec_app.domain import image_pages
from medrec_app.domain.dicom_image import names_match
from medrec_app.domain.file_types import DICOM, PDF, PNG, TIFF
from medrec_app.domain.uploads import FileRefused, UploadLimits, check_upload
from medrec_app.services.display import render_display
from tests.paged_samples import FAX_DPI, FAX_PAGE, dicom_sample, dicom_variant, fax_tiff

LIMITS = UploadLimits(max_bytes=100 * 1024 * 1024, max_image_pixels=50_000_000)


def check(data: bytes, name: str):
    return check_upload(io.BytesIO(data), file_name=name, limits=LIMITS)


def refusal(data: bytes, name: str) -> str:
    with pytest.raises(FileRefused) as caught:
        check(data, name)
    return str(caught.value)


def display(data: bytes, kind=DICOM):
    shown = render_display(io.BytesIO(data), kind)
    assert shown is not None
    return shown


def mean_difference(a: Image.Image, b: Image.Image) -> float:
    return ImageStat.Stat(ImageChops.difference(a.convert("L"), b.convert("L"))).mean[0]


@pytest.mark.parametrize(
    ("name", "frames"),
    [
        ("CT_small.dcm", 1),  # 16-bit signed CT, rescaled to Hounsfield units
        ("MR_small_bigendian.dcm", 1),  # explicit VR big endian
        ("MR_small_RLE.dcm", 1),  # RLE lossless
        ("MR_small_jpeg_ls_lossless.dcm", 1),  # JPEG-LS (GDCM)
        ("MR_small_jp2klossless.dcm", 1),  # JPEG 2000 lossless
        ("SC_rgb_jpeg_gdcm.dcm", 1),  # JPEG lossless, process 14 (GDCM)
        ("SC_rgb_dcmtk_+eb+cy+np.dcm", 1),  # JPEG baseline, YBR_FULL_422 colour
        ("examples_palette.dcm", 1),  # palette colour ultrasound
        ("image_dfl.dcm", 1),  # deflated transfer syntax
        ("liver_1frame.dcm", 1),  # 1 bit per pixel segmentation
        ("examples_ybr_color.dcm", 30),  # a 30-frame ultrasound loop
        ("rtdose.dcm", 15),  # 32-bit dose grid, 15 frames
    ],
)
def test_real_dicom_files_are_accepted_with_their_frames_as_pages(name: str, frames: int) -> None:
    checked = check(dicom_sample(name), name)
    assert checked.kind is DICOM
    assert checked.page_count == frames
    assert checked.metadata["dicom"]["frames"] == frames
    shown = display(dicom_sample(name))
    if frames == 1:
        assert shown.file_type is PNG
        assert Image.open(io.BytesIO(shown.data)).mode in ("L", "RGB")
    else:
        assert shown.file_type is PDF
        assert len(pypdfium2.PdfDocument(shown.data)) == frames


def test_the_header_window_maps_as_pydicom_applies_it() -> None:
    """MR_small has a window centre/width; pydicom's own windowing is the reference."""
    data = dicom_sample("MR_small.dcm")
    dataset = pydicom.dcmread(io.BytesIO(data))
    windowed = apply_voi_lut(dataset.pixel_array, dataset).astype(np.float64)
    bits = int(dataset.BitsStored)
    # pydicom's output range: the stored values' own (signed here).
    lowest = -(2 ** (bits - 1)) if dataset.PixelRepresentation else 0
    scaled = (windowed - lowest) / (2**bits - 1) * 255
    expected = Image.fromarray(np.rint(scaled).astype(np.uint8))
    shown = display(data).image
    assert mean_difference(shown, expected) < 1.0


def test_without_a_window_the_image_spans_its_own_range() -> None:
    """CT_small has no window: its lowest value is black and its highest white."""
    shown = display(dicom_sample("CT_small.dcm")).image
    assert shown.getextrema() == (0, 255)


def test_monochrome1_is_shown_inverted() -> None:
    def inverted(ds):
        ds.PhotometricInterpretation = "MONOCHROME1"

    normal = display(dicom_sample("MR_small.dcm")).image
    flipped = display(dicom_variant("MR_small.dcm", inverted)).image
    assert mean_difference(flipped, Image.eval(normal, lambda v: 255 - v)) < 0.5


def test_header_facts_are_kept_and_nothing_else() -> None:
    def marked(ds):
        ds.PatientName = "Müller^José^Antonio"
        ds.BurnedInAnnotation = "YES"
        del ds.PixelSpacing
        ds.ImagerPixelSpacing = [0.139, 0.139]

    facts = check(dicom_variant("CT_small.dcm", marked), "IM000001").metadata["dicom"]
    assert facts == {
        "frames": 1,
        "patient_name": "Müller, José Antonio",
        "patient_family_name": "Müller",
        "patient_given_name": "José Antonio",
        "pixel_spacing_mm": [0.139, 0.139],
        "spacing_at": "detector",
        "burned_in_annotation": True,
        "modality": "CT",
        "study_date": "2004-01-19",
    }


def test_calibrated_pixel_spacing_is_at_the_patient() -> None:
    facts = check(dicom_sample("CT_small.dcm"), "ct.dcm").metadata["dicom"]
    assert facts["pixel_spacing_mm"] == [0.661468, 0.661468]
    assert facts["spacing_at"] == "patient"
    assert facts["burned_in_annotation"] is None


@pytest.mark.parametrize(
    ("family", "given", "first", "last", "expected"),
    [
        ("DOE", "JANE M", "Jane", "Doe", True),
        ("Müller", "José", "Jose", "Muller", True),
        ("O'Brien", "Sean", "Seán", "OBrien", True),
        ("Doe", "John", "Jane", "Doe", False),
        ("Smith", "Jane", "Jane", "Doe", False),
        (None, None, "Jane", "Doe", None),
    ],
)
def test_the_name_in_the_file_is_compared_with_the_patient(
    family, given, first, last, expected
) -> None:
    assert names_match(family, given, first, last) is expected


@pytest.mark.parametrize(
    ("name", "kept"),
    [
        ("IM000001", "IM000001.dcm"),
        ("1.2.840.113619.2.55.3", "1.2.840.113619.2.55.3.dcm"),
        ("knee.dcm", "knee.dcm"),
        ("knee.jpg", "knee.dcm"),
    ],
)
def test_dicom_files_are_taken_under_the_names_imaging_cds_give_them(name, kept) -> None:
    assert check(dicom_sample("CT_small.dcm"), name).display_name == kept


def test_twelve_bit_jpeg_is_refused_with_what_to_do() -> None:
    message = refusal(dicom_sample("JPEG-lossy.dcm"), "nm.dcm")
    assert message.startswith("The images in this DICOM file are compressed in a way medrec")
    assert "uncompressed or JPEG 2000 copy" in message


def test_dicom_without_pixels_is_refused() -> None:
    assert refusal(dicom_sample("rtplan.dcm"), "plan.dcm").startswith(
        "This DICOM file holds no image"
    )


def test_the_index_of_an_imaging_cd_is_refused_with_where_the_images_are() -> None:
    message = refusal(dicom_sample("dicomdirtests/DICOMDIR"), "DICOMDIR")
    assert message.startswith("This is the index of an imaging CD or USB stick (DICOMDIR)")


def test_truncated_dicom_is_refused_as_damaged() -> None:
    assert refusal(dicom_sample("MR_truncated.dcm"), "mr.dcm").startswith(
        "The DICOM image is damaged or incomplete"
    )


def test_too_many_frames_are_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(image_pages, "MAX_PAGES", 10)
    message = refusal(dicom_sample("examples_ybr_color.dcm"), "loop.dcm")
    assert message.startswith("This DICOM file holds 30 frames; medrec shows at most 10.")


def test_a_frame_over_the_pixel_limit_is_refused_before_decoding() -> None:
    small = UploadLimits(max_bytes=LIMITS.max_bytes, max_image_pixels=100 * 100)
    with pytest.raises(FileRefused) as caught:
        check_upload(io.BytesIO(dicom_sample("CT_small.dcm")), file_name="ct", limits=small)
    assert "million pixels" in str(caught.value)


def test_fax_tiff_pages_become_pdf_pages_of_the_fax_size() -> None:
    data = fax_tiff(3)
    checked = check(data, "fax.tif")
    assert (checked.kind, checked.page_count) == (TIFF, 3)
    shown = display(data, TIFF)
    assert shown.file_type is PDF
    document = pypdfium2.PdfDocument(shown.data)
    assert len(document) == 3
    width, height = document[1].get_size()
    assert (round(width), round(height)) == (
        round(FAX_PAGE[0] * 72 / FAX_DPI[0]),
        round(FAX_PAGE[1] * 72 / FAX_DPI[1]),
    )
    # Black and white pages stay one bit per pixel: the PDF is about the fax's size.
    assert len(shown.data) < 4 * len(data) + 20_000


def test_page_two_of_a_fax_is_page_two_of_the_display_pdf() -> None:
    data = fax_tiff(3)
    with Image.open(io.BytesIO(data)) as tiff:
        pages = [page.convert("L").copy() for page in ImageSequence.Iterator(tiff)]
    document = pypdfium2.PdfDocument(display(data, TIFF).data)
    size = (432, 550)
    rendered = document[1].render(scale=size[0] / document[1].get_size()[0]).to_pil()
    drawn = rendered.convert("L").resize(size, Image.Resampling.BOX)
    right = mean_difference(drawn, pages[1].resize(size, Image.Resampling.BOX))
    wrong = mean_difference(drawn, pages[0].resize(size, Image.Resampling.BOX))
    assert right < 3, right
    assert wrong > 3 * right + 5, (right, wrong)


def test_single_page_sixteen_bit_tiff_is_a_stretched_png() -> None:
    ramp = Image.linear_gradient("L").resize((300, 200)).convert("F")
    deep = ramp.point(lambda v: 20000 + v * 10).convert("I").convert("I;16")
    out = io.BytesIO()
    deep.save(out, "TIFF", compression="tiff_lzw")
    checked = check(out.getvalue(), "xray.tiff")
    assert checked.page_count == 1
    shown = display(out.getvalue(), TIFF)
    assert shown.file_type is PNG
    assert shown.image.getextrema() == (0, 255)


def test_truncated_tiff_is_refused_as_damaged() -> None:
    data = fax_tiff(2)
    assert refusal(data[: len(data) // 2], "fax.tif").startswith(
        "The TIFF image is damaged or incomplete"
    )


def test_a_tiff_page_over_the_pixel_limit_is_refused() -> None:
    small = Image.new("L", (100, 100), 200)
    large = Image.new("L", (3000, 3000), 100)
    out = io.BytesIO()
    small.save(out, "TIFF", save_all=True, append_images=[large])
    limits = UploadLimits(max_bytes=LIMITS.max_bytes, max_image_pixels=1_000_000)
    with pytest.raises(FileRefused) as caught:
        check_upload(io.BytesIO(out.getvalue()), file_name="scan.tif", limits=limits)
    assert "million pixels" in str(caught.value)
