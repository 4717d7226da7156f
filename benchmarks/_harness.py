"""Shared setup for the benchmarks: the embedded PostgreSQL, the running app, Chromium.

The app is started exactly as the browser tests start it (``tests/e2e/conftest.py``): a
fresh migrated database, ``python -m medrec_app.cli prepare`` for the demo data, then
``reflex run --env prod`` in its own process group. Every context manager here undoes
what it did on exit, also on error.
"""

from __future__ import annotations

import json
import math
import os
import random
import secrets
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
# The benchmarks read the canvas's document through its test hook, as the browser tests
# do (tests/conftest.py): the frontend is built with it.
os.environ["VITE_MEDREC_TEST_HOOKS"] = "1"

from playwright.sync_api import Browser, Page, expect, sync_playwright  # noqa: E402
from sqlalchemy import text  # noqa: E402

from medrec_app import db  # noqa: E402
from medrec_app.cli import reflex_command  # noqa: E402
from medrec_app.domain.permissions import Actor, Role  # noqa: E402
from medrec_app.migrations import migrate  # noqa: E402
from tests.e2e.conftest import CHROMIUM_ARGS, _free_port, _wait_until_up  # noqa: E402
from tests.e2e.test_editor import open_editor, stage_point  # noqa: E402
from tests.e2e.test_sign_in import sign_in  # noqa: E402
from tests.plugins.database import app_database, fresh_database  # noqa: E402

BENCH_PG_DIR = ROOT / "data" / "bench-pg"
CHROMIUM = "/usr/bin/chromium"
PRACTITIONER = "dr.okafor@riverside.example"
__all__ = ["open_editor", "sign_in", "stage_point"]
expect.set_options(timeout=60_000)  # opening 5,000 strokes takes a while


@dataclass
class RunningApp:
    url: str
    db_url: str


@contextmanager
def embedded_admin_url() -> Iterator[str]:
    """The embedded server's maintenance database URL; the server is stopped on exit."""
    server, _ = db.start_embedded(BENCH_PG_DIR, database="postgres")
    try:
        yield server.get_uri(driver="psycopg")
    finally:
        server.stop()


@contextmanager
def bench_database(admin_url: str, prefix: str) -> Iterator[str]:
    """A fresh migrated database, set as this process's DATABASE_URL; dropped on exit."""
    url = fresh_database(admin_url, prefix)
    try:
        migrate(url)
        with (
            tempfile.TemporaryDirectory(prefix="medrec-bench-") as data_dir,
            app_database(url, Path(data_dir)),
        ):
            yield url
    finally:
        db.drop_database(admin_url, db.database_name(url))


@contextmanager
def running_app(db_url: str) -> Iterator[RunningApp]:
    """The app on a free port with demo data in ``db_url``; its process group is stopped."""
    port = _free_port()
    data_dir = Path(os.environ["MEDREC_DATA_DIR"])
    log = data_dir / "reflex.log"
    env = {
        **os.environ,
        "DATABASE_URL": db_url,
        "MEDREC_DATA_DIR": str(data_dir),
        "MEDREC_PORT": str(port),
        "MEDREC_DEMO_DATA": "true",
        "REFLEX_TELEMETRY_ENABLED": "false",
        "REFLEX_CHECK_LATEST_VERSION": "false",
    }
    subprocess.run(
        [sys.executable, "-m", "medrec_app.cli", "prepare"],
        env=env,
        cwd=ROOT,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    with log.open("w") as out:
        proc = subprocess.Popen(
            reflex_command(port),
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        url = f"http://localhost:{port}"
        _wait_until_up(url, proc, log)
        yield RunningApp(url=url, db_url=db_url)
    finally:
        stop_group(proc)


@contextmanager
def bench_app(prefix: str) -> Iterator[RunningApp]:
    """The embedded server, a fresh database named ``prefix...`` and the app on it, all
    undone on exit; prints how long the app took to come up."""
    started = time.monotonic()
    with (
        embedded_admin_url() as admin_url,
        bench_database(admin_url, prefix) as db_url,
        running_app(db_url) as app,
    ):
        print(f"app up after {time.monotonic() - started:.1f} s")
        yield app


def stop_group(proc: subprocess.Popen) -> None:
    """Stop the app's process group (it may have exited on its own already)."""
    with suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        with suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


@contextmanager
def chromium() -> Iterator[Browser]:
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def editor_page(browser: Browser, app: RunningApp, init_script: str = "") -> Page:
    """A signed-in practitioner's page (its own context) on the appointments list."""
    context = browser.new_context(base_url=app.url, viewport={"width": 1400, "height": 1000})
    context.set_default_timeout(60_000)
    if init_script:
        context.add_init_script(init_script)
    page = context.new_page()
    sign_in(page, PRACTITIONER)
    expect(page.get_by_test_id("appointments-table")).to_be_visible()
    return page


def practitioner_actor() -> Actor:
    with db.session_scope() as session:
        row = session.execute(
            text("SELECT id, clinic_id FROM users WHERE email = :e"), {"e": PRACTITIONER}
        ).one()
    return Actor(row.id, row.clinic_id, Role.PRACTITIONER)


def stroke(rng: random.Random, points: int = 100) -> dict[str, Any]:
    """A freehand pen stroke: a wobbly curve sampled every few pixels, with an id.

    The wobble keeps the points apart from a straight line by more than the server's
    0.5 px simplification tolerance, so they are stored as sent.
    """
    x, y = rng.uniform(50, 750), rng.uniform(50, 550)
    heading = rng.uniform(0, 2 * math.pi)
    flat: list[float] = []
    for _ in range(points):
        heading += rng.uniform(-0.6, 0.6)
        x = min(max(x + 3 * math.cos(heading), 0), 800)
        y = min(max(y + 3 * math.sin(heading), 0), 600)
        flat += [round(x, 2), round(y, 2)]
    return {
        "id": f"line-{secrets.token_hex(6)}",
        "tool": "pen",
        "points": flat,
        "color": "#000000",
        "strokeWidth": 3,
    }


def add_line(line: dict[str, Any]) -> dict[str, Any]:
    return {"op": "addLine", "opId": secrets.token_hex(8), "line": line}


def json_bytes(value: Any) -> int:
    return len(json.dumps(value, separators=(",", ":")).encode())


def pct(values: Sequence[float], q: float) -> float:
    """The q-th percentile (0-100), interpolated; the median for q=50."""
    if len(values) == 1:
        return float(values[0])
    return statistics.quantiles(values, n=100, method="inclusive")[round(q) - 1]


def load_strokes(appointment_id: int, count: int, points: int = 20) -> int:
    """Open the appointment's record (creating it) and add ``count`` strokes through
    ``editing.save_operations`` in batches; returns the record id."""
    from medrec_app.services.records import editing

    actor = practitioner_actor()
    with db.session_scope() as session:
        record_id = editing.open_for_editing(session, actor, appointment_id).record_id
    rng = random.Random(appointment_id)
    for start in range(0, count, 500):
        ops = [add_line(stroke(rng, points)) for _ in range(min(500, count - start))]
        with db.session_scope() as session:
            editing.save_operations(session, actor, record_id, ops)
    return record_id
