"""The History panel's drawing route: a past revision's drawing, or a clear refusal."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from medrec_app.db import session_scope
from medrec_app.domain.permissions import Role
from tests.api.test_records_api import assert_error, create, line, patch


def test_a_past_revision_drawing_is_served_to_every_role_as_it_was(clinic):
    writer = clinic[Role.PRACTITIONER]
    created = create(writer, clinic.take_appointment(), drawing_data={"lines": [line("a1")]})
    record_id = created.json()["id"]
    erase = {"drawing_data": {"deletedLineIds": ["a1"]}}
    saved = patch(writer, record_id, created.headers["ETag"], erase)
    assert saved.status_code == 200, saved.text
    for role in Role:
        first = clinic[role].get(f"/medical-records/{record_id}/revisions/0/drawing")
        assert first.status_code == 200, first.text
        assert [x["id"] for x in first.json()["drawing"]["lines"]] == ["a1"]
        now = clinic[role].get(f"/medical-records/{record_id}/revisions/1/drawing")
        assert now.json()["revision"] == 1 and now.json()["drawing"]["lines"] == []
        assert now.headers["cache-control"] == "private, no-store"


@pytest.mark.parametrize("odd", ["-1", "2147483648", "1e3", "%C2%B2"])
def test_odd_revisions_answer_422_and_unreached_or_foreign_ones_404(clinic, other_clinic, odd):
    client = clinic[Role.READ_ONLY]
    record_id = create(clinic[Role.PRACTITIONER], clinic.take_appointment()).json()["id"]
    assert_error(client.get(f"/medical-records/{record_id}/revisions/{odd}/drawing"), 422)
    assert_error(client.get(f"/medical-records/{record_id}/revisions/1/drawing"), 404)
    stranger = other_clinic[Role.ADMIN]
    assert_error(stranger.get(f"/medical-records/{record_id}/revisions/0/drawing"), 404)


def test_a_revision_from_before_history_was_kept_answers_409_saying_so(clinic):
    record_id = create(clinic[Role.PRACTITIONER], clinic.take_appointment()).json()["id"]
    with session_scope() as session:
        session.execute(
            text("DELETE FROM medical_record_revisions WHERE medical_record_id = :r"),
            {"r": record_id},
        )
    answer = clinic[Role.ADMIN].get(f"/medical-records/{record_id}/revisions/0/drawing")
    assert "not kept" in assert_error(answer, 409)["message"]
