"""Several writers on one record at once: nothing accepted is ever lost.

The real backend answers the REST writers over HTTP while the editor's save path runs
in this process against the same database, as the editor page runs it. Every writer
adds its own strokes; afterwards each stroke that was acknowledged must be stored, and
each one that is missing must have been refused with an answer that said so.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import closing

import httpx
import pytest

from medrec_app.domain.permissions import Role
from medrec_app.pages.record.save_step import save_batch as save_editor_batch
from medrec_app.services import accounts, unit_of_work
from medrec_app.services.records import editing
from tests.api.conftest import ApiClinic, issue_token
from tests.api.support import PDF_BYTES, PNG_BYTES, store_patient_file
from tests.plugins.factories import PASSWORD

STROKES = 200
ORIGIN_HEADER = "Origin"


def stroke(writer: str, n: int) -> dict:
    return {
        "id": f"{writer}-{n}",
        "tool": "pen",
        "points": [n, 10, n + 40, 50, n + 80, 20],
        "color": "#000000",
        "strokeWidth": 3,
    }


def add_line(line: dict) -> dict:
    return {"op": "addLine", "opId": uuid.uuid4().hex, "line": line}


class Tally:
    """What each writer was told about each stroke."""

    def __init__(self) -> None:
        self.accepted: set[str] = set()
        self.refused: dict[str, int] = {}
        self.unexpected: list[str] = []
        self._lock = threading.Lock()

    def answer(self, line_id: str, status: int) -> None:
        with self._lock:
            if status == 200:
                self.accepted.add(line_id)
            elif status == 412:
                self.refused[line_id] = self.refused.get(line_id, 0) + 1
            else:
                self.unexpected.append(f"{line_id}: {status}")


def patch_any(client: httpx.Client, record_id: int, tally: Tally) -> None:
    """REST writer with ``If-Match: *``: whatever is stored, never a 412."""
    for n in range(STROKES):
        line = stroke("any", n)
        response = client.patch(
            f"/medical-records/{record_id}/draft",
            json={"drawing_data": {"lines": [line]}},
            headers={"If-Match": "*"},
        )
        tally.answer(line["id"], response.status_code)


def patch_etag(client: httpx.Client, record_id: int, tally: Tally) -> None:
    """REST writer with a real ETag: on 412 it takes the current ETag and sends again."""
    etag = client.get(f"/medical-records/{record_id}").headers["etag"]
    for n in range(STROKES):
        line = stroke("etag", n)
        while True:
            response = client.patch(
                f"/medical-records/{record_id}/draft",
                json={"drawing_data": {"lines": [line]}},
                headers={"If-Match": etag},
            )
            tally.answer(line["id"], response.status_code)
            if response.status_code not in (200, 412):
                return
            etag = response.headers["etag"]
            if response.status_code == 200:
                break


def editor_saves(clinic: ApiClinic, record_id: int, tally: Tally, writer: str = "editor") -> None:
    """The editor page's own save step (what ``EditorState.autosave`` runs), as the
    practitioner signed in to the page."""
    token = unit_of_work.run(
        accounts.sign_in, clinic.data.emails[Role.PRACTITIONER], PASSWORD, "127.0.0.1"
    )
    for n in range(STROKES):
        line = stroke(writer, n)
        op = add_line(line)
        result = save_editor_batch(token, record_id, [op])
        saved = op["opId"] in result.acked_op_ids and not result.refused
        tally.answer(line["id"], 200 if saved else 422)


def editor_flushes(client: httpx.Client, record_id: int, tally: Tally) -> None:
    """The editor's keepalive route (what a closing tab posts), with the session cookie."""
    for n in range(STROKES):
        line = stroke("flush", n)
        response = client.post(
            f"/medical-records/{record_id}/operations", json={"ops": [add_line(line)]}
        )
        tally.answer(line["id"], response.status_code)


def signed_in_client(api_server, clinic: ApiClinic, role: Role) -> httpx.Client:
    signed_in = httpx.post(
        f"{api_server.url}/auth/sign-in",
        data={"email": clinic.data.emails[role], "password": PASSWORD},
        headers={ORIGIN_HEADER: api_server.url},
    )
    assert signed_in.status_code == 303, signed_in.text
    client = httpx.Client(
        base_url=f"{api_server.url}/api",
        headers={ORIGIN_HEADER: api_server.url},
        cookies=signed_in.cookies,
        timeout=30,
    )
    assert client.get("/templates").status_code == 200, "the session cookie works"
    return client


def integration(api_server, clinic: ApiClinic) -> httpx.Client:
    """A booking system's client: its own token, with a limit above what this test sends."""
    token = issue_token(clinic.data, Role.PRACTITIONER, rate_limit_per_minute=100_000)
    return httpx.Client(
        base_url=f"{api_server.url}/api",
        headers={"Authorization": f"Bearer {token}"},
        timeout=30,
    )


def run_all(*writers: Callable[[], None]) -> None:
    with ThreadPoolExecutor(len(writers)) as pool:
        for future in [pool.submit(w) for w in writers]:
            future.result()


def stored_line_ids(client: httpx.Client, record_id: int) -> list[str]:
    body = client.get(f"/medical-records/{record_id}").json()
    return [line["id"] for line in body["drawing_data"].get("lines", [])]


def test_four_writers_on_one_record_lose_no_accepted_stroke(api_clinic, api_server):
    clinic = api_clinic(appointments=1)
    rest = clinic[Role.PRACTITIONER]
    created = rest.post("/medical-records", json={"appointment_id": clinic.take_appointment()})
    record_id = created.json()["id"]
    tally = Tally()
    with (
        closing(integration(api_server, clinic)) as booking,
        closing(integration(api_server, clinic)) as scheduler,
        closing(signed_in_client(api_server, clinic, Role.PRACTITIONER)) as browser,
    ):
        run_all(
            lambda: patch_any(booking, record_id, tally),
            lambda: patch_etag(scheduler, record_id, tally),
            lambda: editor_saves(clinic, record_id, tally),
            lambda: editor_flushes(browser, record_id, tally),
        )
    stored = stored_line_ids(rest, record_id)
    assert sorted(tally.accepted - set(stored)) == [], "accepted strokes were lost"
    assert tally.unexpected == []
    assert not any(line_id.startswith("any-") for line_id in tally.refused), "'*' got a 412"
    assert len(stored) == len(set(stored)) == len(tally.accepted) == 4 * STROKES
    assert sum(tally.refused.values()) > 0, "the ETag writer never met a concurrent write"


@pytest.mark.parametrize("attempt", range(5))
def test_two_first_openings_and_a_rest_create_make_one_record(api_clinic, attempt):
    clinic = api_clinic(appointments=1)
    appointment_id = clinic.take_appointment()
    actor = clinic.data.actors[Role.PRACTITIONER]
    start = threading.Barrier(3)
    opened: list[int | None] = []
    created: list[httpx.Response] = []

    def open_it() -> None:
        start.wait()
        opened.append(unit_of_work.run(editing.open_for_editing, actor, appointment_id).record_id)

    def post_it() -> None:
        start.wait()
        created.append(
            clinic[Role.PRACTITIONER].post(
                "/medical-records", json={"appointment_id": appointment_id}
            )
        )

    run_all(open_it, open_it, post_it)
    assert created[0].status_code in (201, 409), created[0].text
    assert len(set(opened)) == 1 and opened[0] is not None
    if created[0].status_code == 201:
        assert created[0].json()["id"] == opened[0]
    listed = clinic[Role.PRACTITIONER].get("/appointments", params={"limit": 500}).json()
    mine = [a for a in listed["items"] if a["appointment_id"] == appointment_id]
    assert [a["record_id"] for a in mine] == [opened[0]]


def test_a_background_changed_while_strokes_arrive_keeps_both(api_clinic):
    clinic = api_clinic(appointments=1)
    rest = clinic[Role.PRACTITIONER]
    patient_id = clinic.data.patient_ids[0]
    uploader = clinic.data.actors[Role.FRONT_DESK].user_id
    pdf = store_patient_file(patient_id, uploader, content=PDF_BYTES)
    png = store_patient_file(
        patient_id, uploader, name="chart.png", file_type="image/png", content=PNG_BYTES
    )
    record_id = rest.post(
        "/medical-records", json={"appointment_id": clinic.take_appointment()}
    ).json()["id"]
    tally = Tally()
    chosen: list[int] = []

    def switch_backgrounds() -> None:
        for n in range(60):
            file_id = (pdf, png)[n % 2]
            response = rest.patch(
                f"/medical-records/{record_id}/draft",
                json={"drawing_data": {"backgroundFileId": file_id}},
                headers={"If-Match": "*"},
            )
            assert response.status_code == 200, response.text
            chosen.append(file_id)

    run_all(switch_backgrounds, lambda: editor_saves(clinic, record_id, tally))
    body = rest.get(f"/medical-records/{record_id}").json()
    assert set(stored_line_ids(rest, record_id)) == tally.accepted
    assert len(tally.accepted) == STROKES
    assert body["drawing_data"]["backgroundFileId"] == chosen[-1]
    assert body["drawing_data"]["backgroundType"] == ("image" if chosen[-1] == png else "pdf")
    assert body["background_file"]["id"] == chosen[-1]
