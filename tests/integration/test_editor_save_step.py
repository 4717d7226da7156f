"""The editor page's save step (what ``EditorState.autosave`` runs for each batch), on
real PostgreSQL: only an outage is retried, anything else is refused operation by
operation, so one bad operation never holds back the others."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import text

from medrec_app.db import get_engine, session_scope
from medrec_app.domain.permissions import Role
from medrec_app.pages.record.save_step import save_batch
from medrec_app.services import accounts
from medrec_app.services.errors import NotSignedIn
from medrec_app.services.records import editing
from tests.plugins.drawings import stored
from tests.plugins.factories import PASSWORD


def _line_op() -> dict:
    line = {"id": uuid.uuid4().hex[:12], "tool": "pen", "points": [1, 2, 30, 40]}
    line |= {"color": "#000000", "strokeWidth": 3}
    return {"op": "addLine", "opId": uuid.uuid4().hex, "line": line}


@contextmanager
def database_refusing_op_ids(prefix: str) -> Iterator[None]:
    """A trigger that makes PostgreSQL refuse to log operations whose id starts with
    ``prefix``: an error of the server's own that no domain check foresees."""
    with get_engine().begin() as conn:
        conn.execute(
            text(
                "CREATE FUNCTION medrec_test_refuse_op() RETURNS trigger AS $$ BEGIN"
                f" IF NEW.op_id LIKE '{prefix}%' THEN RAISE EXCEPTION 'refused for the test';"
                " END IF; RETURN NEW; END $$ LANGUAGE plpgsql"
            )
        )
        conn.execute(
            text(
                "CREATE TRIGGER medrec_test_refuse_op BEFORE INSERT ON medical_record_ops"
                " FOR EACH ROW EXECUTE FUNCTION medrec_test_refuse_op()"
            )
        )
    try:
        yield
    finally:
        with get_engine().begin() as conn:
            conn.execute(text("DROP TRIGGER medrec_test_refuse_op ON medical_record_ops"))
            conn.execute(text("DROP FUNCTION medrec_test_refuse_op()"))


def _setup(clinic_factory) -> tuple[str, int]:
    clinic = clinic_factory()
    with session_scope() as session:
        token = accounts.sign_in(session, clinic.emails[Role.PRACTITIONER], PASSWORD, "10.0.0.1")
        opened = editing.open_for_editing(
            session, clinic.actors[Role.PRACTITIONER], clinic.appointment_ids[0]
        )
    assert opened.record_id is not None
    return token, opened.record_id


def _stored(record_id: int) -> tuple[list[str], dict]:
    with session_scope() as session:
        drawing, form, _ = stored(session, record_id=record_id)
    return [line["id"] for line in drawing.get("lines", [])], form


def test_an_operation_the_database_refuses_is_refused_alone(clinic_factory):
    token, record_id = _setup(clinic_factory)
    poisoned = {"op": "setField", "opId": "poisoned-0001", "path": "plan", "value": "x"}
    good = [_line_op(), _line_op()]
    with database_refusing_op_ids("poisoned-"):
        result = save_batch(token, record_id, [good[0], poisoned, good[1]])
    assert [r.op_id for r in result.refused] == ["poisoned-0001"]
    assert "error on the server" in result.refused[0].message
    assert set(result.acked_op_ids) == {good[0]["opId"], "poisoned-0001", good[1]["opId"]}
    lines, form = _stored(record_id)
    assert lines == [op["line"]["id"] for op in good] and form == {}


def test_a_batch_refused_whole_refuses_each_of_its_operations(clinic_factory):
    token, record_id = _setup(clinic_factory)
    ops = [_line_op() for _ in range(3)]
    result = save_batch(token, record_id + 10_000_000, ops)  # no such record
    assert {r.op_id for r in result.refused} == {op["opId"] for op in ops}
    assert all("not found" in r.message for r in result.refused)


def test_an_ended_session_is_raised_for_the_page_and_nothing_is_dropped(clinic_factory):
    _, record_id = _setup(clinic_factory)
    with pytest.raises(NotSignedIn):
        save_batch("no-such-session", record_id, [_line_op()])
    assert _stored(record_id) == ([], {})
