"""Key helpers and key validation: the only way a storage key comes to exist."""

from __future__ import annotations

import pytest

from medrec_app.storage.base import (
    InvalidKey,
    content_disposition,
    generic_download_name,
    patient_file_key,
    patient_thumbnail_key,
    template_file_key,
    validate_content_type,
    validate_key,
)


def test_patient_file_key() -> None:
    assert patient_file_key(12, 345, "png") == "patients/12/345.png"


def test_patient_thumbnail_key() -> None:
    assert patient_thumbnail_key(12, 345) == "patients/12/345.thumb.webp"
    with pytest.raises(InvalidKey):
        patient_thumbnail_key(0, 1)


@pytest.mark.parametrize(
    ("ext", "expected"), [("PNG", "png"), (".pdf", "pdf"), ("jpeg2000", "jpeg2000")]
)
def test_patient_file_key_normalises_extension(ext: str, expected: str) -> None:
    assert patient_file_key(1, 2, ext) == f"patients/1/2.{expected}"


@pytest.mark.parametrize(
    "ext", ["", ".", "p/ng", "p.ng", "png ", "jpeg20000", "pn_g", "..", "\uff50ng", "png\n"]
)
def test_patient_file_key_rejects_bad_extensions(ext: str) -> None:
    with pytest.raises(InvalidKey):
        patient_file_key(1, 2, ext)


@pytest.mark.parametrize(("patient_id", "file_id"), [(0, 1), (1, 0), (-1, 1), (True, 1), (1, "2")])
def test_ids_must_be_positive_integers(patient_id: object, file_id: object) -> None:
    with pytest.raises(InvalidKey):
        patient_file_key(patient_id, file_id, "png")  # type: ignore[arg-type]


def test_template_file_key() -> None:
    assert template_file_key(3, "body-chart_v2.png") == "templates/3/body-chart_v2.png"


@pytest.mark.parametrize("name", ["", "a/b", "..", ".hidden", "Body.png", "x y.png", "a\\b"])
def test_template_file_key_rejects_names_that_are_not_one_segment(name: str) -> None:
    with pytest.raises(InvalidKey):
        template_file_key(3, name)


@pytest.mark.parametrize(
    "key",
    ["patients/1/2.png", "templates/1/a_b-c.d.png", "x", "a/b/c/d", "a" * 255 + "/" + "b" * 244],
)
def test_valid_keys(key: str) -> None:
    assert validate_key(key) == key


@pytest.mark.parametrize(
    "key",
    [
        "",
        "../x",
        "/abs",
        "a//b",
        "a/",
        "a\\b",
        "patients/1/../../x.png",
        "a/./b",
        ".",
        "a/.hidden",
        "A/b",
        "a b",
        "a\x00b",
        "a\nb",
        "é",
        "a%2fb",
        "a" * 501,
        "a" * 256,
    ],
)
def test_invalid_keys(key: str) -> None:
    with pytest.raises(InvalidKey):
        validate_key(key)


def test_non_string_key_is_invalid() -> None:
    with pytest.raises(InvalidKey):
        validate_key(None)  # type: ignore[arg-type]


def test_invalid_key_is_a_value_error() -> None:
    assert issubclass(InvalidKey, ValueError)


@pytest.mark.parametrize("ct", ["image/png", "application/pdf", "text/plain; charset=utf-8"])
def test_content_type_accepted(ct: str) -> None:
    assert validate_content_type(ct) == ct


@pytest.mark.parametrize("ct", ["", "png", "text/html\r\nSet-Cookie: x=1", "a/b c", "image/png;"])
def test_content_type_refused(ct: str) -> None:
    with pytest.raises(ValueError):
        validate_content_type(ct)


def test_generic_download_name_is_made_of_the_key_only() -> None:
    assert generic_download_name(patient_file_key(7, 123, "pdf")) == "medrec-file-123.pdf"
    assert generic_download_name(patient_thumbnail_key(7, 123)) == "medrec-file-123.thumb.webp"
    assert generic_download_name(template_file_key(2, "body-chart.png")) == (
        "medrec-file-body-chart.png"
    )
    with pytest.raises(InvalidKey):
        generic_download_name("patients/7/../Jane Doe.pdf")


def test_disposition_without_name() -> None:
    assert content_disposition(as_attachment=False, download_name=None) == "inline"
    assert content_disposition(as_attachment=True, download_name="") == "attachment"


def test_disposition_ascii_name() -> None:
    value = content_disposition(as_attachment=True, download_name="scan 1.png")
    assert value == "attachment; filename=\"scan 1.png\"; filename*=UTF-8''scan%201.png"


def test_disposition_encodes_unicode_quotes_and_paths() -> None:
    value = content_disposition(
        as_attachment=False, download_name='..\\dir/Ärztebrief "neu"\r\n.pdf'
    )
    assert value == (
        'inline; filename="Arztebrief _neu_.pdf"; '
        "filename*=UTF-8''%C3%84rztebrief%20%22neu%22.pdf"
    )
    assert value.isascii()


def test_disposition_name_of_only_non_latin_characters_gets_a_fallback() -> None:
    value = content_disposition(as_attachment=True, download_name="报告.pdf")
    assert value.startswith('attachment; filename="__.pdf"; ')
    assert value.endswith("filename*=UTF-8''%E6%8A%A5%E5%91%8A.pdf")
