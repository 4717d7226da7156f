"""The real app (``reflex run --env prod``) on a free port and a fresh database, once per
test session, and Chromium driven by Playwright."""

from __future__ import annotations

import itertools
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, sync_playwright
from sqlalchemy import Engine, text

from medrec_app.cli import reflex_command
from medrec_app.db import database_name, drop_database, make_engine
from medrec_app.migrations import migrate
from medrec_app.settings import PROJECT_ROOT
from medrec_app.storage import BlobStore, LocalBlobStore
from medrec_app.storage.s3 import S3BlobStore, browser_cors_configuration, make_s3_client
from tests.e2e.server_log import patient_data_and_links, request_lines
from tests.plugins.database import fresh_database

START_TIMEOUT_S = 600  # a cold first build installs the frontend packages
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@dataclass
class AppServer:
    """The running app; ``restart()`` stops and starts its backend on the same port."""

    url: str
    port: int
    db: Engine
    log: Path
    env: dict[str, str]
    proc: subprocess.Popen | None = None
    backend_only: bool = False
    """Serve the backend alone (HTTP routes and REST API; no frontend build)."""

    def start(self) -> None:
        with self.log.open("a") as out:
            self.proc = subprocess.Popen(
                reflex_command(self.port, backend_only=self.backend_only),
                cwd=PROJECT_ROOT,
                env={**self.env, "REFLEX_BACKEND_ONLY": "true"} if self.backend_only else self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        _wait_until_up(self.url, self.proc, self.log, page=not self.backend_only)

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        os.killpg(self.proc.pid, signal.SIGTERM)
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()

    def restart(self) -> None:
        self.stop()
        self.start()

    def store(self) -> BlobStore:
        """The app's file store, for tests that put files on patients directly."""
        if self.env.get("MEDREC_STORAGE_BACKEND") == "s3":
            return S3BlobStore(
                bucket=self.env["MEDREC_S3_BUCKET"],
                region="us-east-1",
                endpoint_url=self.env["MEDREC_S3_ENDPOINT_URL"],
            )
        # Writing needs no signing key; only the app signs links.
        return LocalBlobStore(Path(self.env["MEDREC_DATA_DIR"]) / "files", b"unused")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_until_up(url: str, proc: subprocess.Popen, log: Path, *, page: bool = True) -> None:
    """Wait for the backend's /ping and, with ``page``, for the frontend's sign-in page."""
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"reflex exited with {proc.returncode}:\n{log.read_text()[-4000:]}")
        try:
            with urllib.request.urlopen(f"{url}/ping", timeout=2) as r:
                if r.status == 200:
                    if not page:
                        return
                    with urllib.request.urlopen(f"{url}/login", timeout=5) as login:
                        if login.status == 200:
                            return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.5)
    raise RuntimeError(f"app did not start in {START_TIMEOUT_S}s:\n{log.read_text()[-4000:]}")


@pytest.fixture(scope="session")
def app_server(pg_admin_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[AppServer]:
    db_url = fresh_database(pg_admin_url, "medrec_e2e")
    migrate(db_url)
    port = _free_port()
    data_dir = tmp_path_factory.mktemp("app-data")
    log = data_dir / "reflex.log"
    env = {
        **os.environ,
        "DATABASE_URL": db_url,
        "MEDREC_DATA_DIR": str(data_dir),
        "MEDREC_PORT": str(port),
        "MEDREC_DEMO_DATA": "true",
        "MEDREC_SESSION_CHECK_SECONDS": "2",
        # As behind a reverse proxy on this machine: tests send X-Forwarded-* from here.
        "MEDREC_TRUSTED_PROXIES": '["127.0.0.1", "::1"]',
        "REFLEX_TELEMETRY_ENABLED": "false",
        "REFLEX_CHECK_LATEST_VERSION": "false",
    }
    subprocess.run(
        [sys.executable, "-m", "medrec_app.cli", "prepare"], env=env, cwd=PROJECT_ROOT, check=True
    )
    server = AppServer(
        url=f"http://localhost:{port}", port=port, db=make_engine(db_url), log=log, env=env
    )
    try:
        server.start()
        yield server
    finally:
        server.stop()
        server.db.dispose()
        drop_database(pg_admin_url, database_name(db_url))
    # Everything the server wrote in the whole browser run.
    assert patient_data_and_links(log.read_text(errors="replace")) == {}
    assert any(line["type"] == "event" for line in request_lines(log))


@pytest.fixture
def s3_app_server(app_server: AppServer, moto_s3_endpoint: str) -> Iterator[AppServer]:
    """The same app (port, database) restarted on the S3 store of a moto server.

    The bucket carries the CORS rule the README documents for the canvas. Restarting
    the one app, rather than starting a second on another port, keeps the single
    frontend build (its websocket address holds the port) right for every test.
    """
    bucket = f"medrec-e2e-{uuid.uuid4().hex[:10]}"
    client = make_s3_client("us-east-1", moto_s3_endpoint)
    client.create_bucket(Bucket=bucket)
    client.put_bucket_cors(
        Bucket=bucket, CORSConfiguration=browser_cors_configuration([app_server.url])
    )
    local_env = app_server.env
    app_server.env = {
        **{k: v for k, v in local_env.items() if k != "AWS_PROFILE"},
        **{k: v for k, v in os.environ.items() if k.startswith("AWS_")},
        "MEDREC_STORAGE_BACKEND": "s3",
        "MEDREC_S3_BUCKET": bucket,
        "MEDREC_S3_ENDPOINT_URL": moto_s3_endpoint,
    }
    app_server.restart()
    try:
        yield app_server
    finally:
        app_server.env = local_env
        app_server.restart()


@pytest.fixture
def empty_app_server(app_server: AppServer, pg_admin_url: str) -> Iterator[AppServer]:
    """The same app restarted on a new, migrated database with ``MEDREC_DEMO_DATA=false``:
    no clinic, no user. Afterwards it runs on the demo database again."""
    db_url = fresh_database(pg_admin_url, "medrec_empty")
    migrate(db_url)
    demo_env, demo_db = app_server.env, app_server.db
    app_server.env = {**demo_env, "DATABASE_URL": db_url, "MEDREC_DEMO_DATA": "false"}
    app_server.db = make_engine(db_url)
    app_server.restart()
    try:
        yield app_server
    finally:
        app_server.db.dispose()
        app_server.env, app_server.db = demo_env, demo_db
        app_server.restart()
        drop_database(pg_admin_url, database_name(db_url))


_scratch_ids = itertools.count(7_000_001)
SCRATCH_PRACTITIONER = "dr.okafor@riverside.example"


@pytest.fixture
def scratch_visit(app_server: AppServer) -> Iterator[Callable[[], int]]:
    """Makes visits (appointment ids) of new patients of the Riverside clinic, with Dr
    Okafor, for a test of its own; after it, they and all made on them are removed, so
    the demo clinic's lists stay what the other tests expect. Audit rows stay (they are
    append-only and hold only ids). ``make(same_patient_as=visit, days_ago=n)`` makes
    another visit of that visit's patient, ``n`` days earlier than now."""
    made: list[tuple[int, int]] = []

    def make(same_patient_as: int | None = None, days_ago: int = 0) -> int:
        visit = next(_scratch_ids)
        with app_server.db.begin() as conn:
            clinic_id, user_id = conn.execute(
                text("SELECT clinic_id, id FROM users WHERE email = :e"),
                {"e": SCRATCH_PRACTITIONER},
            ).one()
            if same_patient_as is None:
                patient_id = conn.execute(
                    text(
                        "INSERT INTO patients (clinic_id, first_name, last_name, date_of_birth)"
                        " VALUES (:c, 'Scratch', :last, '1970-05-04') RETURNING id"
                    ),
                    {"c": clinic_id, "last": f"Visit{visit}"},
                ).scalar_one()
            else:
                patient_id = dict(made)[same_patient_as]
            conn.execute(
                text(
                    "INSERT INTO appointments (calendar_event_id, clinic_id, patient_id,"
                    " practitioner_id, starts_at, duration_minutes)"
                    " VALUES (:a, :c, :p, :u, now() - make_interval(days => :d), 30)"
                ),
                {"a": visit, "c": clinic_id, "p": patient_id, "u": user_id, "d": days_ago},
            )
        made.append((visit, patient_id))
        return visit

    yield make
    with app_server.db.begin() as conn:
        for visit, patient_id in made:
            ids = {"a": visit, "p": patient_id}
            # Operations, record files and their links go with their rows (ON DELETE CASCADE).
            conn.execute(text("DELETE FROM medical_records WHERE appointment_id = :a"), ids)
            conn.execute(text("DELETE FROM patient_files WHERE patient_id = :p"), ids)
            conn.execute(text("DELETE FROM appointments WHERE calendar_event_id = :a"), ids)
        for patient_id in dict.fromkeys(p for _, p in made):
            conn.execute(text("DELETE FROM patients WHERE id = :p"), {"p": patient_id})


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    executable = shutil.which("chromium") or shutil.which("chromium-browser")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield b
        b.close()


# Every page reports what the Content-Security-Policy blocked, in any frame or document.
_REPORT_CSP_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", (e) => {
  window.medrecCspViolation(`${e.effectiveDirective} blocked ${e.blockedURI || "inline"}`
    + ` at ${e.sourceFile}:${e.lineNumber} on ${document.location.pathname}`);
});
"""


@contextmanager
def page_factory(browser: Browser, base_url: str) -> Iterator[Callable[..., Page]]:
    """Pages in separate browser contexts: each is its own user with its own cookies.

    The app runs under its Content-Security-Policy; a test whose pages violated it fails.
    Playwright compiles a ``wait_for_function`` *expression* with eval, which the policy
    refuses: give it a function (``"() => ..."``) instead.
    """
    contexts: list[BrowserContext] = []
    violations: list[str] = []

    def make(**options: Any) -> Page:
        """A page in a new context; ``options`` go to ``new_context`` (a phone's viewport)."""
        options = {"viewport": {"width": 1400, "height": 1000}, **options}
        context = browser.new_context(base_url=base_url, **options)
        context.set_default_timeout(15_000)
        context.expose_function("medrecCspViolation", lambda text: violations.append(text))
        context.add_init_script(_REPORT_CSP_VIOLATIONS)
        context.on(
            "console",
            lambda msg: "Content Security Policy" in msg.text and violations.append(msg.text),
        )
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()
    assert not violations, f"the pages violated the Content-Security-Policy: {violations}"


@pytest.fixture
def new_page(browser: Browser, app_server: AppServer) -> Iterator[Callable[..., Page]]:
    """Pages of the app (``page_factory``)."""
    with page_factory(browser, app_server.url) as make:
        yield make


@pytest.fixture
def page(new_page: Callable[[], Page]) -> Page:
    return new_page()
