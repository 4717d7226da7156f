"""The pure pieces of the export: colours, runs of strokes between erasers, the note's
fields and line wrapping (domain/pdf_drawing.py, domain/pdf_note_pages.py)."""

from __future__ import annotations

import pytest

from medrec_app.domain.drawing import parse_drawing
from medrec_app.domain.forms import parse_template_schema
from medrec_app.domain.pdf_drawing import colour, drawing_content, number
from medrec_app.domain.pdf_font import PdfFont
from medrec_app.domain.pdf_note_pages import NO_VALUE, FieldLine, field_lines, value_text, wrap


@pytest.mark.parametrize(
    "value,expected",
    [
        ("#f00", (1.0, 0.0, 0.0, 255)),
        ("#00FF00", (0.0, 1.0, 0.0, 255)),
        ("#0000ff80", (0.0, 0.0, 1.0, 128)),
        ("#0000ff00", None),
        ("transparent", None),
        (None, None),
    ],
)
def test_colours(value, expected):
    assert colour(value) == expected


@pytest.mark.parametrize(
    "value,text", [(1, "1"), (1.5, "1.5"), (2.004, "2"), (-0.001, "0"), (123.456, "123.46")]
)
def test_numbers_are_short_and_stable(value, text):
    assert number(value) == text


def test_each_pen_run_is_erased_by_the_eraser_runs_after_it_only():
    def line(tool):
        return {"tool": tool, "points": [0, 0, 10, 10], "color": "#000", "strokeWidth": 2}

    tools = ["pen", "pen", "eraser", "pen", "eraser", "eraser", "pen"]
    content = drawing_content(parse_drawing({"lines": [line(t) for t in tools]}), PdfFont())
    assert [run.erased_by for run in content.stroke_runs] == [(0, 1), (1,), ()]
    assert len(content.eraser_runs) == 2


def test_a_one_point_stroke_draws_nothing_as_on_the_canvas():
    doc = {"lines": [{"tool": "pen", "points": [5, 5], "color": "#000", "strokeWidth": 9}]}
    (run,) = drawing_content(parse_drawing(doc), PdfFont()).stroke_runs
    assert b" S" not in run.content


SCHEMA = parse_template_schema(
    {
        "fields": [
            {"key": "complaint", "label": "Complaint", "type": "text"},
            {"key": "pain", "label": "Pain score", "type": "number", "unit": "/10"},
            {"key": "smoker", "label": "Smoker", "type": "yesno"},
            {
                "key": "sites",
                "label": "Sites",
                "type": "multiselect",
                "options": ["Knee", "Hip"],
            },
            {
                "key": "vitals",
                "label": "Vital signs",
                "type": "group",
                "fields": [{"key": "pulse", "label": "Pulse", "type": "number", "unit": "bpm"}],
            },
        ]
    }
)


def test_fields_come_in_template_order_with_their_values_and_nothing_is_left_out():
    form = {
        "pain": 4,
        "smoker": False,
        "sites": ["Knee", "Hip"],
        "vitals": {"pulse": 72, "bp": "120/80"},
        "old_field": "written under an earlier version",
    }
    assert field_lines(SCHEMA, form) == [
        FieldLine("Complaint", NO_VALUE),
        FieldLine("Pain score", "4 /10"),
        FieldLine("Smoker", "No"),
        FieldLine("Sites", "Knee, Hip"),
        FieldLine("Vital signs", ""),
        FieldLine("Pulse", "72 bpm", 1),
        FieldLine("bp", "120/80", 1),
        FieldLine("Not in this template", ""),
        FieldLine("old_field", "written under an earlier version", 1),
    ]


def test_values_read_as_a_person_writes_them():
    assert value_text(True) == "Yes"
    assert value_text([]) == NO_VALUE
    assert value_text("") == NO_VALUE
    assert value_text("2026-12-01") == "2026-12-01"


def test_wrapping_keeps_lines_within_the_width_and_breaks_only_too_long_words():
    font = PdfFont()
    text = "a short line\n" + "word " * 40 + "\n" + "x" * 300
    lines = list(wrap(text, font, 10, 200))
    assert lines[0] == "a short line"
    assert all(font.width(line, 10) <= 200 for line in lines)
    words = [line for line in lines[1:] if "word" in line]
    assert " ".join(words).split() == ["word"] * 40 and len(words) > 1
    assert "".join(line for line in lines if "x" in line) == "x" * 300
