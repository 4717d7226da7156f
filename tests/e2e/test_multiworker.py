"""Several workers behind the balancer, in Chromium (issue 15): what clinicians draw and
type is all in the database, and every page says so, through a worker killed before it
saved a stroke, a dropped socket, one record in two tabs on two workers and a rolling
restart; sessions, sign-out, the idle timeout and the API rate limit hold across workers."""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect
from sqlmodel import Session

from medrec_app.db import database_name, drop_database, make_engine
from medrec_app.migrations import migrate
from medrec_app.services import accounts, tokens
from medrec_app.services.demo import DEMO_PASSWORD
from tests.e2e.conftest import page_factory
from tests.e2e.multiworker import Layout, Parts, free_port, make_bucket, start_layout
from tests.e2e.test_editor import drag, wait_saved
from tests.e2e.test_sign_in import idle_out, sign_in
from tests.plugins.database import fresh_database

OKAFOR = "dr.okafor@riverside.example"
LINDQVIST = "dr.lindqvist@riverside.example"
# Through a worker's death the canvas waits for the socket to come back and re-sends.
RECOVERY_MS = 45_000

# Every socket the page opens, so a test can drop one as a network would.
_TRACK_SOCKETS = """
(() => {
  const Native = window.WebSocket;
  window.__medrecSockets = [];
  window.WebSocket = function (...args) {
    const socket = new Native(...args);
    window.__medrecSockets.push(socket);
    return socket;
  };
  window.WebSocket.prototype = Native.prototype;
  Object.assign(window.WebSocket, Native);
})();
"""


@pytest.fixture(scope="module")
def layout(pg_admin_url: str, moto_s3_endpoint: str, tmp_path_factory) -> Iterator[Layout]:
    db_url = fresh_database(pg_admin_url, "medrec_multiworker")
    migrate(db_url)
    origin_port = free_port()
    make_bucket(moto_s3_endpoint, origin_port)
    parts = Parts(db_url, moto_s3_endpoint, tmp_path_factory.mktemp("multiworker"), origin_port)
    engine = make_engine(db_url)
    try:
        yield from start_layout(parts, engine)
    finally:
        engine.dispose()
        drop_database(pg_admin_url, database_name(db_url))


@pytest.fixture
def new_page(browser: Browser, layout: Layout) -> Iterator[Callable[..., Page]]:
    with page_factory(browser, layout.url) as make:

        def tracked(**options) -> Page:
            page = make(**options)
            page.context.add_init_script(_TRACK_SOCKETS)
            return page

        yield tracked


def signed_in(page: Page, email: str) -> None:
    """Sign in and wait for the day's list. A worker's first events after it started can
    take several seconds on a busy machine (the CI run after the rolling restart)."""
    sign_in(page, email)
    expect(page.get_by_test_id("appointments-table")).to_be_visible(timeout=15_000)


def open_record(page: Page, email: str, appointment_id: int) -> None:
    signed_in(page, email)
    page.goto(f"/appointments/{appointment_id}")
    expect(page.get_by_test_id("canvas-stage")).to_have_attribute("data-state", "ready")
    page.get_by_test_id("tool-pen").click()


def saved(page: Page, timeout_ms: float = RECOVERY_MS) -> None:
    expect(page.get_by_test_id("save-status")).to_have_attribute(
        "data-state", "saved", timeout=timeout_ms
    )
    wait_saved(page)  # the page's "Saved at ..." (data-state saved), nothing queued


def line_count(layout: Layout, appointment_id: int) -> int:
    drawing, _ = layout.stored(appointment_id)
    return len(drawing.get("lines", []))


def check_workers(layout: Layout, user_id: int, tabs: int) -> set[int]:
    """The workers holding the sockets of the user's ``tabs`` open pages: each page asks
    its worker to check the session every 2 s (MEDREC_SESSION_CHECK_SECONDS)."""
    marks = layout.marks()
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        seen = layout.events_since(marks, user_id, event=".check_session")
        if sum(seen.values()) >= 2 * tabs:
            return set(seen)
        time.sleep(0.2)
    raise AssertionError(f"{tabs} tab(s) of user {user_id} sent no session checks")


def test_two_clinicians_on_two_workers_lose_nothing_when_one_is_killed_before_it_saves(
    layout: Layout, new_page
) -> None:
    okafor, lindqvist = new_page(), new_page()
    visit_a, visit_b = layout.visits_of(OKAFOR)[0], layout.visits_of(LINDQVIST)[0]
    open_record(okafor, OKAFOR, visit_a)
    open_record(lindqvist, LINDQVIST, visit_b)
    before_a, before_b = line_count(layout, visit_a), line_count(layout, visit_b)
    [a_worker] = check_workers(layout, layout.user_id(OKAFOR), 1)
    [b_worker] = check_workers(layout, layout.user_id(LINDQVIST), 1)
    assert a_worker != b_worker  # the balancer sends a new socket to the least busy worker

    okafor.get_by_test_id("field-chief_complaint").fill("Right knee pain")
    lindqvist.get_by_test_id("field-chief_complaint").fill("Shoulder, left")
    drag(okafor, (100, 100), (300, 200))
    drag(lindqvist, (120, 300), (320, 380))
    saved(okafor)
    saved(lindqvist)

    # The stroke is drawn and sent, and the worker holding the socket dies before it
    # saves it (the save waits a second for more changes).
    drag(okafor, (100, 400), (320, 480))
    layout.workers[a_worker].kill()
    drag(lindqvist, (400, 100), (600, 200))
    saved(okafor)
    saved(lindqvist)
    layout.workers[a_worker].start()

    assert line_count(layout, visit_a) == before_a + 2
    assert line_count(layout, visit_b) == before_b + 2
    assert layout.stored(visit_a)[1]["chief_complaint"] == "Right knee pain"
    assert layout.stored(visit_b)[1]["chief_complaint"] == "Shoulder, left"


def test_a_dropped_socket_reconnects_and_nothing_is_lost(layout: Layout, new_page) -> None:
    page = new_page()
    visit = layout.visits_of(OKAFOR)[1]
    open_record(page, OKAFOR, visit)
    lines = line_count(layout, visit)
    drag(page, (100, 100), (300, 200))
    saved(page)
    before = page.evaluate("() => window.__medrecSockets.length")
    # Dropped as a flaky network drops it; the stroke is drawn while it reconnects.
    page.evaluate("() => window.__medrecSockets.at(-1).close()")
    drag(page, (100, 300), (300, 400))
    page.get_by_test_id("field-chief_complaint").fill("Ankle sprain")
    saved(page)
    assert page.evaluate("() => window.__medrecSockets.length") > before
    assert line_count(layout, visit) == lines + 2
    assert layout.stored(visit)[1]["chief_complaint"] == "Ankle sprain"


def test_one_record_in_two_tabs_on_two_workers_keeps_both_tabs_work(
    layout: Layout, new_page
) -> None:
    first = new_page()
    visit = layout.visits_of(OKAFOR)[2]
    open_record(first, OKAFOR, visit)
    second = first.context.new_page()
    second.goto(f"/appointments/{visit}")
    expect(second.get_by_test_id("canvas-stage")).to_have_attribute("data-state", "ready")
    second.get_by_test_id("tool-pen").click()
    assert len(check_workers(layout, layout.user_id(OKAFOR), 2)) == 2
    lines = line_count(layout, visit)

    drag(first, (100, 100), (300, 200))
    drag(second, (100, 300), (300, 400))
    first.get_by_test_id("field-chief_complaint").fill("Wrist pain")
    second.get_by_test_id("field-treatment_plan").fill("Splint, review in 2 weeks")
    saved(first)
    saved(second)
    assert line_count(layout, visit) == lines + 2
    form = layout.stored(visit)[1]
    assert form["chief_complaint"] == "Wrist pain"
    assert form["treatment_plan"] == "Splint, review in 2 weeks"
    second.reload()
    expect(second.get_by_test_id("field-chief_complaint")).to_have_value("Wrist pain")


def test_a_rolling_restart_of_every_worker_loses_nothing(layout: Layout, new_page) -> None:
    page = new_page()
    visit = layout.visits_of(OKAFOR)[3]
    open_record(page, OKAFOR, visit)
    lines = line_count(layout, visit)
    for index, worker in enumerate(layout.workers):
        drag(page, (100, 100 + 100 * index), (300, 150 + 100 * index))
        worker.restart()  # SIGTERM, then started again, one after the other
        saved(page)
    drag(page, (400, 100), (600, 300))
    saved(page)
    assert line_count(layout, visit) == lines + len(layout.workers) + 1


def test_sign_out_and_the_idle_timeout_hold_on_every_worker(layout: Layout, new_page) -> None:
    page = new_page()
    signed_in(page, LINDQVIST)
    other_tab = page.context.new_page()
    other_tab.goto("/")
    expect(other_tab.get_by_test_id("appointments-table")).to_be_visible(timeout=15_000)
    assert len(check_workers(layout, layout.user_id(LINDQVIST), 2)) == 2
    page.get_by_test_id("sign-out").click()
    expect(page.get_by_test_id("login-notice")).to_contain_text("signed out")
    expect(other_tab).to_have_url(re.compile(r"/login"))

    idle = new_page()
    signed_in(idle, "auditor@riverside.example")
    idle_out(layout.db, "auditor@riverside.example")
    expect(idle).to_have_url(re.compile(r"/login\?expired=1"))


def test_the_api_rate_limit_is_one_limit_across_workers(layout: Layout) -> None:
    with Session(layout.db) as session:
        admin_token = accounts.sign_in(
            session, "admin@riverside.example", DEMO_PASSWORD, "127.0.0.1"
        )
        admin = accounts.actor_for_token(session, admin_token)
        user = next(u for u in accounts.list_users(session, admin) if u.email == OKAFOR)
        secret = tokens.create_token(
            session, admin, user_id=user.id, name="rate limit", rate_limit_per_minute=6
        ).secret
        session.commit()
    marks = layout.marks()
    with httpx.Client(base_url=layout.url, headers={"Authorization": f"Bearer {secret}"}) as api:
        statuses = [api.get("/api/appointments").status_code for _ in range(9)]
    assert statuses == [200] * 6 + [429] * 3
    served_by = [
        index
        for index, (worker, mark) in enumerate(zip(layout.workers, marks, strict=True))
        if any(line.get("route") == "/api/appointments" for line in worker.lines()[mark:])
    ]
    assert len(served_by) > 1  # the requests were spread, the limit was not
