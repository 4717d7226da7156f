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
from sqlmodel import Session

from medrec_app.pages.record.state import EditorState
from medrec_app.services import accounts, tokens
from medrec_app.services.demo import CLINICS, DEMO_PASSWORD
from medrec_app.services.tokens import TOKEN_PREFIX
from tests.e2e.test_editor import drag, open_editor, wait_saved
from tests.e2e.test_sign_in import sign_in

PRACTITIONER = "dr.okafor@riverside.example"
APPOINTMENT = 1017  # Riverside, today; no other test uses it
PATIENT_NAMES = [
    name
    for clinic in CLINICS
    for first, last, _ in clinic["patients"]
    for name in (last, f"{first} {last}", f"{last}, {first}")
]

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


def unwrapped(log: str) -> str:
    """The log with its line breaks taken out: the console renderer wraps long lines."""
    return re.sub(r"\s*\n\s*", "", log)


def wait_for_log(app_server, pattern: str, timeout_s: float = 15) -> str:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        text = app_server.log.read_text(errors="replace")
        if re.search(pattern, unwrapped(text)):
            return text
        time.sleep(0.2)
    raise AssertionError(f"no log line matching {pattern!r}:\n{text[-3000:]}")


def leaked(log: str, secrets_by_name: dict[str, str]) -> dict[str, list[str]]:
    """Which of the values the log shows, anywhere, with the lines that show them."""
    joined = unwrapped(log)
    found = {}
    for label, value in secrets_by_name.items():
        if value in log or value in joined:
            lines = [line for line in log.splitlines() if value[:12] in line]
            found[label] = lines[:3] or ["(across a line break)"]
    return found


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
