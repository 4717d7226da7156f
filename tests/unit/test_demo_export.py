"""Reading one save of the browser-only demo: every malformed case of issue 13 is refused
with a message naming its key, and a good save reads back as the record will store it."""

from __future__ import annotations

import io
import json
import re

import pytest

from medrec_app.domain.demo_export import (
    DECODE_CHUNK_CHARS,
    MAX_EXPORT_BYTES,
    declared_type_problem,
    decode_data_url,
    page_problem,
    parse_export,
    parse_mapping,
)
from medrec_app.domain.errors import DocumentError
from medrec_app.domain.file_types import JPEG, PDF, PNG
from tests import samples
from tests.demo_exports import data_url, export_text, saved_state

LIMIT = 100 * 1024 * 1024


def refused(raw: str | bytes, max_file_bytes: int = LIMIT) -> list[str]:
    with pytest.raises(DocumentError) as caught:
        parse_export(raw, max_file_bytes=max_file_bytes)
    return caught.value.messages


def test_a_save_with_an_image_reads_as_the_record_stores_it() -> None:
    png = samples.png((60, 40))
    state = saved_state(lines=3, shapes=4, image=("image/png", png))
    export = parse_export(export_text(state), max_file_bytes=LIMIT)

    assert [line["points"] for line in export.lines] == [line["points"] for line in state["lines"]]
    assert all(re.fullmatch(r"line-[0-9a-f-]{36}", line["id"]) for line in export.lines)
    assert len({line["id"] for line in export.lines}) == 3
    assert [{k: v for k, v in line.items() if k != "id"} for line in export.lines] == state["lines"]
    assert export.shapes == state["shapes"]
    assert export.stage_size == {"width": 800, "height": 600}
    assert (export.background_type, export.file_name) == ("image", "demo background.png")
    assert (export.pdf_page_number, export.pdf_num_pages) == (None, None)
    assert export.saved_at == "2025-01-15T10:30:00.000Z"
    out = io.BytesIO()
    assert export.background is not None and export.background.decoded_size == len(png)
    assert decode_data_url(export.background, out) == len(png)
    assert out.getvalue() == png


def test_lines_that_have_ids_keep_them() -> None:
    state = saved_state(lines=1, shapes=0)
    state["lines"][0]["id"] = "line-kept"
    assert parse_export(export_text(state), max_file_bytes=LIMIT).lines[0]["id"] == "line-kept"


def test_a_pdf_save_keeps_its_name_and_page_and_wins_over_the_demos_page_picture() -> None:
    state = saved_state(
        pdf=samples.pdf(3), pdf_name="scan 2024", page=2, pages=3, image=("image/png", b"x")
    )
    export = parse_export(export_text(state), max_file_bytes=LIMIT)
    assert (export.background_type, export.file_name) == ("pdf", "scan 2024.pdf")
    assert (export.pdf_page_number, export.pdf_num_pages) == (2, 3)
    assert export.notes and "backgroundImageDataUrl" in export.notes[0]


def test_a_data_url_decodes_in_chunks_to_the_same_bytes() -> None:
    big = bytes(range(256)) * (DECODE_CHUNK_CHARS // 256 * 2 + 7)
    state = saved_state(image=("image/png", big))
    export = parse_export(export_text(state), max_file_bytes=LIMIT)
    out = io.BytesIO()
    assert export.background is not None
    decode_data_url(export.background, out)
    assert out.getvalue() == big


def test_the_content_hash_ignores_key_order_and_spacing_but_not_content() -> None:
    state = saved_state(image=("image/png", samples.png()))
    reordered = json.dumps(dict(reversed(list(state.items()))), indent=2)
    first = parse_export(export_text(state), max_file_bytes=LIMIT).content_hash
    assert parse_export(reordered, max_file_bytes=LIMIT).content_hash == first
    state["lines"][0]["points"][0] += 1
    assert parse_export(export_text(state), max_file_bytes=LIMIT).content_hash != first
    state["lines"][0]["points"][0] -= 1
    state["backgroundImageDataUrl"] = data_url("image/png", samples.png((41, 30)))
    assert parse_export(export_text(state), max_file_bytes=LIMIT).content_hash != first


def test_missing_and_extra_keys_are_refused_by_name() -> None:
    state = saved_state()
    del state["savedAt"], state["pdfNumPages"]
    state["zoom"] = 2
    assert refused(export_text(state)) == [
        "pdfNumPages: is missing (every key of the demo's save is required)",
        "savedAt: is missing (every key of the demo's save is required)",
        "zoom: is not a key of the demo's save (unknown keys are refused)",
    ]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"lines": {"a": 1}}, "lines: must be a list, not {'a': 1}"),
        ({"stageSize": [800, 600]}, "stageSize: must be an object with width and height"),
        ({"stageSize": {"width": 0, "height": 600}}, "stageSize.width: must be greater than 0"),
        ({"pdfPageNumber": "2"}, "pdfPageNumber: must be a whole number, not '2'"),
        ({"pdfPageNumber": 1.0}, "pdfPageNumber: must be a whole number, not 1.0"),
        ({"savedAt": 1736937000}, "savedAt: must be a string, not 1736937000"),
        ({"savedAt": "yesterday"}, "savedAt: must be a time like"),
        ({"savedAt": "2025-01-15T10:30:00"}, "savedAt: must say its time zone"),
        ({"backgroundImageDataUrl": 7}, "backgroundImageDataUrl: must be a data URL (text)"),
        ({"pdfFileName": "a\x00b"}, "pdfFileName: must not contain NUL characters"),
    ],
)
def test_bad_types_are_refused_naming_the_key(change: dict, message: str) -> None:
    messages = refused(export_text(saved_state() | change))
    assert any(m.startswith(message) for m in messages), messages


def test_a_bad_shape_or_line_names_its_index() -> None:
    state = saved_state(lines=2, shapes=2)
    state["shapes"][0]["radius"] = -3
    state["lines"][1]["tool"] = "spray"
    messages = refused(export_text(state))
    assert "lines[1].tool: must be 'pen' or 'eraser', not 'spray'" in messages
    assert any(m.startswith("shapes[0].radius: must be greater than 0") for m in messages)


@pytest.mark.parametrize("literal", ["NaN", "Infinity", "-Infinity"])
def test_nan_and_infinity_in_points_are_refused(literal: str) -> None:
    state = saved_state(lines=2)
    text = export_text(state).replace(json.dumps(state["lines"][1]["points"][3]), literal, 1)
    assert literal in text
    messages = refused(text)
    assert len(messages) == 1
    assert re.fullmatch(
        r"lines\[1\]\.points: value \[\d+\] must be a finite number, not -?(nan|inf)", messages[0]
    )


def test_not_json_and_not_an_object_are_refused() -> None:
    assert refused("{")[0].startswith("the export is not valid JSON")
    assert refused(b"\xff\xfe{")[0] == "the export is not UTF-8 text; it is not a demo save"
    assert refused("[1, 2]")[0].startswith("the export must be a JSON object")


@pytest.mark.parametrize(
    ("payload", "reason"),
    [
        ("iVBORw0KGgo$AAAA", "it holds '$', which is not a base64 letter, digit, '+' or '/'"),
        ("iVBORw0KGgoAA", "its length, 13 characters, is not a multiple of 4"),
        ("iVBO=w0KGgoA", "'=' padding at character 4, before the end"),
        ("iVBORw0KGgé=", "it holds characters that are not base64 letters, digits, '+' or '/'"),
    ],
)
def test_bad_base64_is_refused(payload: str, reason: str) -> None:
    state = saved_state() | {"backgroundImageDataUrl": f"data:image/png;base64,{payload}"}
    assert refused(export_text(state)) == [
        f"backgroundImageDataUrl: is not valid base64 ({reason})"
    ]


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        (
            "backgroundImageDataUrl",
            "https://example.org/x.png",
            "backgroundImageDataUrl: is not a base64 data URL",
        ),
        (
            "backgroundImageDataUrl",
            "data:image/png,%89PNG",
            "backgroundImageDataUrl: is not a base64 data URL",
        ),
        (
            "backgroundImageDataUrl",
            "data:application/pdf;base64,JVBERi0=",
            "backgroundImageDataUrl: declares 'application/pdf'; this key holds an image",
        ),
        (
            "pdfFileDataUrl",
            "data:image/png;base64,iVBORw==",
            "pdfFileDataUrl: declares 'image/png'; this key holds a PDF",
        ),
        ("pdfFileDataUrl", "data:application/pdf;base64,", "pdfFileDataUrl: holds no data"),
    ],
)
def test_data_urls_of_the_wrong_form_or_type_are_refused(
    key: str, value: str, message: str
) -> None:
    messages = refused(export_text(saved_state() | {key: value}))
    assert len(messages) == 1 and messages[0].startswith(message), messages


def test_bytes_that_are_not_what_the_data_url_says_are_named() -> None:
    jpeg = samples.jpeg()
    export = parse_export(export_text(saved_state(image=("image/png", jpeg))), max_file_bytes=LIMIT)
    assert export.background is not None
    assert declared_type_problem(export.background, JPEG) == (
        "backgroundImageDataUrl: says it is 'image/png', but its bytes are a JPEG image "
        "(image/jpeg); the export was changed or damaged"
    )
    assert declared_type_problem(export.background, PNG) is None
    jpg_alias = parse_export(
        export_text(saved_state(image=("image/jpg", jpeg))), max_file_bytes=LIMIT
    )
    assert jpg_alias.background is not None
    assert declared_type_problem(jpg_alias.background, JPEG) is None


def test_a_60_mb_data_url_is_refused_before_it_is_parsed() -> None:
    text = export_text(saved_state() | {"backgroundImageDataUrl": "data:image/png;base64,"})
    text = text.replace("base64,", "base64," + "A" * (60 * 1024 * 1024), 1)
    assert len(text) > MAX_EXPORT_BYTES
    assert refused(text) == [
        "the export is 60.0 MB; a demo save is at most 50 MB (a browser keeps 5 to 10 MB "
        "for the demo), so this is not one"
    ]


def test_a_data_url_over_the_upload_limit_is_refused_by_its_length_before_decoding() -> None:
    # '$' is not base64: were the payload looked at, that would be the refusal.
    payload = "$" * (4 * 1024 * 1024)
    state = saved_state() | {"pdfFileDataUrl": f"data:application/pdf;base64,{payload}"}
    assert refused(export_text(state), max_file_bytes=2 * 1024 * 1024) == [
        "pdfFileDataUrl: holds about 3.0 MB; the upload limit is 2.0 MB"
    ]


def test_a_page_beyond_the_pdf_is_refused() -> None:
    state = saved_state(pdf=samples.pdf(3), page=4, pages=3)
    assert refused(export_text(state)) == ["pdfPageNumber: page 4 is beyond pdfNumPages (3)"]
    # pdfNumPages may be missing or wrong; the stored PDF's own page count decides.
    export = parse_export(
        export_text(saved_state(pdf=samples.pdf(3), page=5, pages=None)), max_file_bytes=LIMIT
    )
    assert page_problem(export, 3) == "pdfPageNumber: page 5 is beyond the PDF, which has 3 pages"
    assert page_problem(export, 5) is None
    assert PDF.mime == "application/pdf"


def test_a_mapping_file_with_or_without_its_header() -> None:
    rows = parse_mapping(
        "\ufeffexport_file,appointment_id,user_email\r\na.json,12,admin@x.example\r\n\r\n"
        '"b c.json", 13 ,admin@x.example\r\n'
    )
    assert [(r.line, r.export_file, r.appointment_id) for r in rows] == [
        (2, "a.json", 12),
        (4, "b c.json", 13),
    ]
    assert len(parse_mapping("a.json,1,u@x.example")) == 1
    with pytest.raises(DocumentError) as caught:
        parse_mapping("a.json,twelve,u@x.example\nb.json,1\nc.json,²,u@x.example\n")
    assert caught.value.messages == [
        "line 1: appointment_id 'twelve' is not an id",
        "line 2: has 2 columns; a mapping line is export_file, appointment_id, user_email",
        "line 3: appointment_id '²' is not an id",
    ]
