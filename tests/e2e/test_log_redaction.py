"""The server's log holds no secret and no patient data: a full browser session, an event
with no handler (a stale frontend), an event a handler raises on, and REST calls with a
good and a wrong API token, then a look through everything the server wrote."""

from __future__ import annotations

import re
import secrets
import time
import uuid

import httpx
from playwright.sync_api import Page
from sqlmodel import Session, select

from medrec_app.models import User
from medrec_app.pages.record.state import EditorState
from medrec_app.services import accounts, tokens
from medrec_app.services.demo import DEMO_PASSWORD
from medrec_app.services.tokens import TOKEN_PREFIX
from tests.e2e.server_log import PATIENT_NAMES, leaked, request_lines, unwrapped
from tests.e2e.test_editor import drag, open_editor, wait_saved
from tests.e2e.test_sign_in import sign_in

PRACTITIONER = "dr.okafor@riverside.example"
LINE_START = ("time", "type", "request_id", "user_id", "clinic_id")
APPOINTMENT = 1017  # Riverside, today; no other test uses it

# Sends events over a socket of the page's own origin, so the browser adds the session
# cookie to the handshake as it does for the app's socket. Engine.IO 4 / Socket.IO 5
# framing: "0" open, "40" namespace connect, "42" event, "2" ping. Resolves when the
# server answers the last event.
SEND_EVENTS_JS = """
async ({url, events}) => {
  const ws = new WebSocket(url);
  const seen = [];
  try {
    return await new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error("no answer: " + seen.join(" | "))), 15000);
      ws.onerror = () => reject(new Error("socket error: " + seen.join(" | ")));
      ws.onmessage = ({data}) => {
        const frame = String(data);
        seen.push(frame.slice(0, 60));
        if (frame.startsWith("0{")) ws.send("40/_event,");
        else if (frame === "2") ws.send("3");
        else if (frame.startsWith("40/_event")) {
          for (const event of events) ws.send("42/_event," + JSON.stringify(["event", event]));
        } else if (frame.startsWith("42/_event")) { clearTimeout(timer); resolve(seen.length); }
      };
    });
  } finally { ws.close(); }
}
"""


def send_events(page: Page, port: int, events: list[dict]) -> None:
    url = f"ws://localhost:{port}/_event/?token={uuid.uuid4()}&EIO=4&transport=websocket"
    page.evaluate(SEND_EVENTS_JS, {"url": url, "events": events})


def event(handler: str, payload: dict) -> dict:
    name = f"{EditorState.get_full_name()}.{handler}"
    path = f"/appointments/{APPOINTMENT}"
    return {"name": name, "payload": payload, "router_data": {"pathname": path, "asPath": path}}


def api_token(app_server, email: str) -> str:
    """A new API token for ``email``, issued by the clinic's admin."""
    with Session(app_server.db) as session:
        admin_session = accounts.sign_in(
            session, "admin@riverside.example", DEMO_PASSWORD, "127.0.0.1"
        )
        admin = accounts.actor_for_token(session, admin_session)
        user = next(u for u in accounts.list_users(session, admin) if u.email == email)
        secret = tokens.create_token(session, admin, user_id=user.id, name="log test").secret
        session.commit()
    return secret


def wait_for_log(app_server, pattern: str, timeout_s: float = 15) -> str:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        text = app_server.log.read_text(errors="replace")
        if re.search(pattern, unwrapped(text)):
            return text
        time.sleep(0.2)
    raise AssertionError(f"no log line matching {pattern!r}:\n{text[-3000:]}")


def test_the_log_shows_no_cookie_token_or_patient_data(page: Page, app_server):
    marker = f"Typed-{secrets.token_hex(6)}"
    sign_in(page, PRACTITIONER)
    open_editor(page, APPOINTMENT)
    page.get_by_test_id("field-chief_complaint").fill(f"{marker} knee pain")
    page.get_by_test_id("tool-pen").click()
    drag(page, (100, 100), (250, 160))
    wait_saved(page)
    cookie = next(
        c["value"] for c in page.context.cookies() if c["name"] == accounts.SESSION_COOKIE
    )

    stale_event = f"no_such_handler_{secrets.token_hex(4)}"
    send_events(
        page,
        app_server.port,
        [
            event(stale_event, {"text": marker}),
            # An id that is not a number, and an argument the handler does not take.
            event("need_background", {"file_id": marker, marker: marker}),
        ],
    )

    secret = api_token(app_server, PRACTITIONER)
    wrong = TOKEN_PREFIX + secrets.token_urlsafe(32)
    with httpx.Client(base_url=f"{app_server.url}/api") as api:
        auth = {"Authorization": f"Bearer {secret}"}
        assert api.get("/appointments", headers=auth).status_code == 200
        assert api.get("/patients", params={"q": "Garcia"}, headers=auth).status_code == 200
        denied = api.get("/appointments", headers={"Authorization": f"Bearer {wrong}"})
        assert denied.status_code == 401

    # The operator still learns that a stale frontend sent an event nothing handles.
    unhandled = rf"Error processing event queue entry for ?Event\(name='[\w.]*{stale_event}'"
    log = wait_for_log(app_server, unhandled)
    never_logged = {
        "session cookie": cookie,
        "API token": secret,
        "wrong API token": wrong,
        "typed form text": marker,
        **{f"patient name {name}": name for name in PATIENT_NAMES},
    }
    assert leaked(log, never_logged) == {}

    # One JSON line per request and per event, naming who acted by id only.
    lines = request_lines(app_server.log)
    assert {tuple(line) for line in lines} <= {
        (*LINE_START, "method", "route", "status", "duration_ms"),
        (*LINE_START, "event", "status", "duration_ms"),
    }
    api_calls = [line for line in lines if line.get("route") == "/api/appointments"]
    outcomes = [(call["status"], call["user_id"] is None) for call in api_calls[-2:]]
    assert outcomes == [(200, False), (401, True)]
    with Session(app_server.db) as session:
        practitioner_id = session.exec(select(User.id).where(User.email == PRACTITIONER)).one()
    assert api_calls[-2]["user_id"] == practitioner_id
    saves = [line for line in lines if line.get("event", "").endswith(".autosave")]
    assert saves and saves[-1]["user_id"] == practitioner_id and saves[-1]["status"] == "ok"
    assert saves[-1]["clinic_id"] == api_calls[-2]["clinic_id"] is not None
