"""One tab's event waiting for the database does not hold up the other tabs of its worker.

The wait is a real one: Dr Okafor's session row is locked from another connection, so the
session check of her next change (which marks her activity, an UPDATE of that row) waits
for the lock in PostgreSQL, as it would behind a slow save or an unreachable server.
"""

from __future__ import annotations

import time
from datetime import timedelta

from playwright.sync_api import Page
from sqlalchemy import Engine, text

from medrec_app.services.accounts import TOUCH_INTERVAL
from tests.e2e.test_editor import PRACTITIONER, drag, open_editor, stored, wait_saved
from tests.e2e.test_sign_in import sign_in

OTHER_PRACTITIONER = "dr.lindqvist@riverside.example"


def _waiting_for_a_lock(db: Engine) -> int:
    with db.connect() as conn:
        return conn.execute(
            text(
                "SELECT count(*) FROM pg_stat_activity"
                " WHERE datname = current_database() AND wait_event_type = 'Lock'"
            )
        ).scalar_one()


def _wait_until(condition, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, what
        time.sleep(0.1)


def _pen(page: Page, email: str, visit: int) -> Page:
    sign_in(page, email)
    open_editor(page, visit)
    page.get_by_test_id("tool-pen").click()
    return page


def test_a_change_waiting_for_the_database_does_not_hold_up_another_users_saves(
    new_page, app_server, scratch_visit
):
    waiting_visit, other_visit = scratch_visit(), scratch_visit()
    waiting = _pen(new_page(), PRACTITIONER, waiting_visit)
    other = _pen(new_page(), OTHER_PRACTITIONER, other_visit)
    with app_server.db.begin() as conn:  # her next change marks activity again
        conn.execute(
            text(
                "UPDATE user_sessions SET last_seen_at = now() - :ago"
                " WHERE user_id = (SELECT id FROM users WHERE email = :email)"
            ),
            {"ago": TOUCH_INTERVAL + timedelta(seconds=30), "email": PRACTITIONER},
        )
    lock = app_server.db.connect()
    try:
        lock.begin()
        lock.execute(
            text(
                "SELECT 1 FROM user_sessions WHERE user_id ="
                " (SELECT id FROM users WHERE email = :email) FOR UPDATE"
            ),
            {"email": PRACTITIONER},
        )
        drag(waiting, (100, 100), (300, 150))
        _wait_until(
            lambda: _waiting_for_a_lock(app_server.db) > 0,
            15,
            "the first stroke's session check never reached the locked row",
        )
        drag(other, (100, 300), (300, 350))
        wait_saved(other)
        assert len(stored(app_server, other_visit)[0]["lines"]) == 1
        assert not stored(app_server, waiting_visit)[0].get("lines")  # still waiting
    finally:
        lock.rollback()
        lock.close()
    wait_saved(waiting)
    assert len(stored(app_server, waiting_visit)[0]["lines"]) == 1
