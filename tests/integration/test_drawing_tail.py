"""Saves that cost one stroke (issue 15 item 5): a save that adds, replaces or deletes
lines and shapes leaves ``drawing_data`` alone and grows the drawing's tail; every
reader sees the tail; a later save folds it; limits hold exactly; nothing is lost to
two writers, to signing or to a downgrade."""

from __future__ import annotations

import threading
import uuid

import orjson
import pytest
from sqlalchemy import text

from medrec_app.db import get_engine, session_scope
from medrec_app.domain.drawing import MAX_LINES
from medrec_app.domain.permissions import Role
from medrec_app.domain.signature import signature_hash
from medrec_app.services import unit_of_work
from medrec_app.services.records import documents, editing, tail
from tests.integration.test_signing import field_op, sign
from tests.plugins.drawings import Stored, stored


def line(x: float, y: float = 10.0, points: int = 40) -> dict:
    flat = [v for i in range(points) for v in (x + i * 3, y + (7 if i % 2 else 0))]
    return {
        "id": uuid.uuid4().hex,
        "tool": "pen",
        "points": flat,
        "color": "#000000",
        "strokeWidth": 3,
    }


def add(element: dict) -> dict:
    return {"op": "addLine", "opId": uuid.uuid4().hex, "line": element}


def delete(*line_ids: str) -> dict:
    return {"op": "deleteElements", "opId": uuid.uuid4().hex, "lineIds": list(line_ids)}


def row(record_id: int) -> dict:
    with session_scope() as session:
        found = session.execute(
            text(
                "SELECT drawing_data::text AS drawing_text, revision, drawing_revision, "
                "drawing_lines, tail_lines, tail_bytes, drawing_bytes, updated_at "
                "FROM medical_records WHERE id = :r"
            ),
            {"r": record_id},
        ).one()
    return found._asdict()


def opened_with(clinic, lines: list[dict], index: int = 0) -> editing.EditorRecord:
    """The visit's record holding ``lines``, written whole as a fold writes them."""
    actor = clinic.actors[Role.PRACTITIONER]
    opened = unit_of_work.run(editing.open_for_editing, actor, clinic.appointment_ids[index])
    with session_scope() as session:
        session.execute(
            text("UPDATE medical_records SET drawing_data = CAST(:d AS jsonb) WHERE id = :r"),
            {"d": orjson.dumps({"version": 1, "lines": lines}).decode(), "r": opened.record_id},
        )
    return opened


def save(actor, record_id: int, ops: list[dict]) -> editing.SaveResult:
    return unit_of_work.run(editing.save_operations, actor, record_id, ops)


def now(record_id: int) -> Stored:
    return stored(get_engine(), record_id=record_id)


def line_ids(drawing: dict) -> list[str]:
    return [element["id"] for element in drawing.get("lines", [])]


def test_a_stroke_on_a_large_drawing_is_a_tail_every_reader_sees(clinic_factory):
    clinic = clinic_factory()
    doctor = clinic.actors[Role.PRACTITIONER]
    first = [line(i % 500, i // 50) for i in range(400)]
    opened = opened_with(clinic, first)
    before = row(opened.record_id)
    assert before["drawing_lines"] == 400 and before["tail_bytes"] == 0

    new = line(5, 500)
    result = save(doctor, opened.record_id, [add(new), delete(first[0]["id"])])
    after = row(opened.record_id)
    assert result.acked_op_ids and not result.refused
    assert after["drawing_text"] == before["drawing_text"]  # not rewritten
    assert after["revision"] == before["revision"] + 1
    assert after["drawing_revision"] == before["revision"]
    assert after["tail_lines"] == 1 and after["tail_bytes"] > 0

    expected = [e["id"] for e in first[1:]] + [new["id"]]
    for read in (
        lambda: now(opened.record_id).drawing,
        lambda: orjson.loads(
            orjson.dumps(unit_of_work.run(editing.load_drawing, doctor, opened.record_id)[1])
        ),
        lambda: orjson.loads(
            documents.record_json(
                unit_of_work.run(documents.read_record, doctor, opened.record_id).record
            )
        )["drawing_data"],
    ):
        assert line_ids(read()) == expected
    editor = unit_of_work.run(editing.open_for_editing, doctor, clinic.appointment_ids[0])
    assert editor.other_templates == []  # the record has content: its template stays


def test_the_tail_is_folded_when_it_reaches_a_quarter_of_the_drawing(clinic_factory):
    clinic = clinic_factory()
    doctor = clinic.actors[Role.PRACTITIONER]
    first = [line(i % 500, i // 50) for i in range(200)]
    opened = opened_with(clinic, first)
    document_bytes = row(opened.record_id)["drawing_bytes"]
    added: list[str] = []
    while True:
        new = line(len(added), 600)
        save(doctor, opened.record_id, [add(new)])
        added.append(new["id"])
        state = row(opened.record_id)
        if state["drawing_revision"] == state["revision"]:
            break
        assert state["tail_bytes"] * 4 < document_bytes
    assert state["tail_bytes"] == 0
    assert 10 < len(added) < 200  # a few dozen strokes, not every one, not never
    assert line_ids(orjson.loads(state["drawing_text"])) == line_ids({"lines": first}) + added


def test_the_limits_hold_exactly_when_the_bounds_pass_them(clinic_factory):
    """Deletes in the tail do not lower the bounds: a batch past them takes the full path,
    which counts the drawing itself, saves what fits and refuses the rest alone."""
    clinic = clinic_factory()
    doctor = clinic.actors[Role.PRACTITIONER]
    first = [line(i % 500, i // 50, points=2) for i in range(MAX_LINES - 1)]
    opened = opened_with(clinic, first)
    save(doctor, opened.record_id, [delete(*(e["id"] for e in first[:3]))])
    assert row(opened.record_id)["tail_bytes"] > 0

    fitting = [line(1, 900, points=2) for _ in range(4)]  # 9,996 + 4 = the limit
    result = save(doctor, opened.record_id, [add(e) for e in fitting])
    assert result.refused == []
    one_more = add(line(2, 900, points=2))
    result = save(doctor, opened.record_id, [one_more, field_op("plan", "rest")])
    assert [r.op_id for r in result.refused] == [one_more["opId"]]
    assert f"the limit is {MAX_LINES}" in result.refused[0].message
    drawing, form, _ = now(opened.record_id)
    assert len(drawing["lines"]) == MAX_LINES and form["plan"] == "rest"


def test_two_writers_on_a_tail_lose_nothing(clinic_factory):
    clinic = clinic_factory()
    doctor = clinic.actors[Role.PRACTITIONER]
    first = [line(i % 500, i // 50) for i in range(300)]
    opened = opened_with(clinic, first)
    drawn: dict[int, list[str]] = {0: [], 1: []}
    start = threading.Barrier(2)

    def draw(writer: int) -> None:
        start.wait()
        for n in range(40):
            new = line(n, 700 + writer)
            ops = [add(new)] + ([delete(first[writer * 40 + n]["id"])] if n % 2 else [])
            save(doctor, opened.record_id, ops)
            drawn[writer].append(new["id"])

    threads = [threading.Thread(target=draw, args=(w,)) for w in (0, 1)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    drawing = now(opened.record_id).drawing
    erased = {first[w * 40 + n]["id"] for w in (0, 1) for n in range(1, 40, 2)}
    assert set(line_ids(drawing)) == (
        {e["id"] for e in first} - erased | set(drawn[0]) | set(drawn[1])
    )
    assert row(opened.record_id)["revision"] == opened.revision + 80


def with_a_tail(clinic, *more: dict) -> tuple[editing.EditorRecord, dict]:
    """The visit's record with 200 strokes, and a new one (and ``more``) in its tail."""
    opened = opened_with(clinic, [line(i % 500, i // 50) for i in range(200)])
    new = line(3, 800)
    save(clinic.actors[Role.PRACTITIONER], opened.record_id, [add(new), *more])
    assert row(opened.record_id)["tail_bytes"] > 0
    return opened, new


def test_signing_folds_the_tail_and_signs_the_whole_drawing(clinic_factory):
    clinic = clinic_factory()
    doctor = clinic.actors[Role.PRACTITIONER]
    opened, new = with_a_tail(clinic, field_op("chief_complaint", "Sore knee"))
    reopened = unit_of_work.run(editing.open_for_editing, doctor, clinic.appointment_ids[0])
    signature = sign(clinic, reopened)

    state = row(opened.record_id)
    signed = orjson.loads(state["drawing_text"])
    assert state["tail_bytes"] == 0 and line_ids(signed)[-1] == new["id"]
    with session_scope() as session:
        form = session.execute(
            text("SELECT form_data FROM medical_records WHERE id = :r"), {"r": opened.record_id}
        ).scalar_one()
    assert signature.sha256 == signature_hash(signed, form)


def test_a_stage_change_rewrites_the_drawing_with_its_tail(clinic_factory):
    clinic = clinic_factory()
    doctor = clinic.actors[Role.PRACTITIONER]
    opened, new = with_a_tail(clinic)
    stage = {"op": "setStage", "opId": uuid.uuid4().hex, "width": 1200, "height": 900}
    assert save(doctor, opened.record_id, [stage]).refused == []
    state = row(opened.record_id)
    written = orjson.loads(state["drawing_text"])
    assert state["tail_bytes"] == 0
    assert written["stageSize"] == {"width": 1200, "height": 900}
    assert line_ids(written)[-1] == new["id"]


@pytest.mark.parametrize("rewritten", [False, True])
def test_a_row_written_in_sql_is_counted_by_the_database(clinic_factory, rewritten):
    """The counts are the trigger's, whoever writes drawing_data; writing it empties the
    tail, since a written drawing is the whole drawing."""
    clinic = clinic_factory()
    doctor = clinic.actors[Role.PRACTITIONER]
    opened = opened_with(clinic, [line(i) for i in range(100)])
    save(doctor, opened.record_id, [add(line(3))])
    if rewritten:
        opened_with(clinic, [line(4)])
    state = row(opened.record_id)
    assert state["drawing_lines"] == (1 if rewritten else 100)
    assert (state["tail_bytes"] == 0) is rewritten


def test_a_drawing_left_alone_is_folded_without_moving_updated_at(clinic_factory):
    clinic = clinic_factory(appointments=2)
    doctor = clinic.actors[Role.PRACTITIONER]
    idle = opened_with(clinic, [line(i) for i in range(200)])
    busy = opened_with(clinic, [line(i) for i in range(200)], index=1)
    for opened in (idle, busy):
        save(doctor, opened.record_id, [add(line(7, 900))])
    with session_scope() as session:  # the idle one was last changed long ago
        session.execute(text("ALTER TABLE medical_records DISABLE TRIGGER USER"))
        session.execute(
            text("UPDATE medical_records SET updated_at = now() - interval '1 hour' WHERE id = :r"),
            {"r": idle.record_id},
        )
        session.execute(text("ALTER TABLE medical_records ENABLE TRIGGER USER"))
    before = row(idle.record_id)
    assert before["tail_bytes"] > 0
    expected = line_ids(now(idle.record_id).drawing)

    assert unit_of_work.run(tail.fold_idle_tails, idle_s=600) == 1
    after = row(idle.record_id)
    assert after["tail_bytes"] == 0 and after["drawing_revision"] == after["revision"]
    assert line_ids(orjson.loads(after["drawing_text"])) == expected
    assert (after["updated_at"], after["revision"]) == (before["updated_at"], before["revision"])
    assert row(busy.record_id)["tail_bytes"] > 0  # changed a moment ago: left for later
    assert unit_of_work.run(tail.fold_idle_tails, idle_s=600) == 0
