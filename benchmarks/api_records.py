"""REST API latency on a record with a 1 MB drawing, 20 concurrent clients.

- ``GET /api/medical-records/{id}`` (whole record, spec shape, ETag) against a raw
  psycopg ``SELECT drawing_data::text, form_data::text ... WHERE id = %s`` of the same
  row (the bytes, as the HTTP client gets bytes; a decoded SELECT is printed too).
- ``PATCH /api/medical-records/{id}/draft`` adding one ~100-point stroke (with
  ``If-Match``, through the one save path: lock, apply, revision, op log, audit) against a
  raw psycopg ``UPDATE ... SET drawing_data = jsonb_set(drawing_data, '{lines}',
  (drawing_data->'lines') || %s::jsonb)`` appending the same stroke to the same row.

Each of the 20 clients works on its own record (one clinician each), all records holding
the same ~1 MB drawing; the API and raw phases alternate twice so both see the same
machine. Target: p95 GET within 5x of the raw SELECT.

The app runs as the API tests run it: ``reflex run --env prod --backend-only`` (one
worker) on a fresh database in the embedded PostgreSQL (``data/bench-pg``)::

    python benchmarks/api_records.py
"""

from __future__ import annotations

import os
import random
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import psycopg
from psycopg.types.json import Jsonb
from sqlalchemy import text

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _harness import (
    add_line,
    bench_database,
    embedded_admin_url,
    json_bytes,
    pct,
    stroke,
)
from save_latency import psycopg_url

from medrec_app.db import make_engine, session_scope
from medrec_app.domain.permissions import Role
from medrec_app.services import tokens
from medrec_app.services.records import editing
from tests.e2e.conftest import AppServer, _free_port
from tests.plugins.factories import make_clinic

CLIENTS = 20
REQUESTS = 15
"""Requests per client per phase; two phases each for the API and the raw baseline."""
ROUNDS = 2
TARGET_BYTES = 1024 * 1024
TARGET_RATIO = 5.0
SEED = 20261126
SELECT_TEXT = "SELECT drawing_data::text, form_data::text FROM medical_records WHERE id = %s"
SELECT_DECODED = "SELECT drawing_data, form_data FROM medical_records WHERE id = %s"
APPEND = (
    "UPDATE medical_records SET drawing_data = jsonb_set(drawing_data, '{lines}', "
    "(drawing_data->'lines') || %s::jsonb), revision = revision + 1 WHERE id = %s"
)


def prepare_records(rng: random.Random) -> tuple[list[int], str]:
    """A clinic with CLIENTS records holding the same ~1 MB drawing, and an API token."""
    clinic = make_clinic("API bench clinic", appointments=CLIENTS)
    actor = clinic.actors[Role.PRACTITIONER]
    ids = []
    for appointment_id in clinic.appointment_ids:
        with session_scope() as session:
            ids.append(editing.open_for_editing(session, actor, appointment_id).record_id)
    size = 0
    while size < TARGET_BYTES:
        with session_scope() as session:
            ops = [add_line(stroke(rng)) for _ in range(100)]
            editing.save_operations(session, actor, ids[0], ops)
        with session_scope() as session:
            size = json_bytes(
                session.execute(
                    text("SELECT drawing_data FROM medical_records WHERE id = :i"),
                    {"i": ids[0]},
                ).scalar_one()
            )
    with session_scope() as session:
        session.execute(
            text(
                "UPDATE medical_records SET drawing_data = "
                "(SELECT drawing_data FROM medical_records WHERE id = :f) WHERE id = ANY(:ids)"
            ),
            {"f": ids[0], "ids": ids[1:]},
        )
        secret = tokens.create_token(
            session,
            clinic.actors[Role.ADMIN],
            user_id=actor.user_id,
            name="benchmark",
            rate_limit_per_minute=1_000_000,
        ).secret
    return ids, secret


def run_clients(work: Callable[[int], Callable[[], float]]) -> list[float]:
    """CLIENTS threads, each timing REQUESTS calls of its own ``work(index)``; ms."""
    samples: list[float] = []
    lock = threading.Lock()
    barrier = threading.Barrier(CLIENTS)

    def client(index: int) -> None:
        call = work(index)
        barrier.wait()
        mine = [call() for _ in range(REQUESTS)]
        with lock:
            samples.extend(mine)

    threads = [threading.Thread(target=client, args=(i,)) for i in range(CLIENTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return samples


def timed(fn: Callable[[], Any]) -> float:
    start = time.perf_counter()
    fn()
    return (time.perf_counter() - start) * 1000


def api_get(base: str, secret: str, ids: list[int]) -> Callable[[int], Callable[[], float]]:
    def work(index: int) -> Callable[[], float]:
        client = httpx.Client(
            base_url=base, headers={"Authorization": f"Bearer {secret}"}, timeout=120
        )

        def call() -> float:
            def get() -> None:
                response = client.get(f"/medical-records/{ids[index]}")
                assert response.status_code == 200, response.text[:200]
                assert len(response.content) > TARGET_BYTES * 0.9, len(response.content)

            return timed(get)

        return call

    return work


def api_patch(
    base: str, secret: str, ids: list[int], rng: random.Random
) -> Callable[[int], Callable[[], float]]:
    def work(index: int) -> Callable[[], float]:
        client = httpx.Client(
            base_url=base, headers={"Authorization": f"Bearer {secret}"}, timeout=120
        )
        etag = client.get(f"/medical-records/{ids[index]}").headers["etag"]
        strokes = [stroke(random.Random(rng.random())) for _ in range(REQUESTS)]

        def call() -> float:
            nonlocal etag
            body = {"drawing_data": {"lines": [strokes.pop()]}}

            def patch() -> None:
                nonlocal etag
                response = client.patch(
                    f"/medical-records/{ids[index]}/draft", json=body, headers={"If-Match": etag}
                )
                assert response.status_code == 200, response.text
                etag = response.headers["etag"]

            return timed(patch)

        return call

    return work


def raw(url: str, ids: list[int], sql: str, args: Callable[[int], tuple]) -> Callable:
    def work(index: int) -> Callable[[], float]:
        conn = psycopg.connect(url, autocommit=True)

        def call() -> float:
            values = args(index)  # made before the clock starts
            return timed(lambda: _run(conn, sql, values))

        return call

    return work


def _run(conn: psycopg.Connection, sql: str, values: tuple) -> None:
    cursor = conn.execute(sql, values)
    if cursor.description is not None:
        cursor.fetchall()


def row(label: str, values: list[float]) -> str:
    return f"{label:58} {pct(values, 50):8.1f} {pct(values, 95):8.1f}"


def main() -> None:
    started = time.monotonic()
    rng = random.Random(SEED)
    with embedded_admin_url() as admin_url, bench_database(admin_url, "medrec_bench_api") as url:
        ids, secret = prepare_records(rng)
        with session_scope() as session:
            drawing = session.execute(
                text("SELECT drawing_data FROM medical_records WHERE id = :i"), {"i": ids[0]}
            ).scalar_one()
        port = _free_port()
        log = Path(tempfile.gettempdir()) / "medrec-bench-api-reflex.log"
        log.unlink(missing_ok=True)
        server = AppServer(
            url=f"http://127.0.0.1:{port}",
            port=port,
            db=make_engine(url),
            log=log,
            env={**os.environ, "DATABASE_URL": url, "MEDREC_PORT": str(port)},
            backend_only=True,
        )
        server.start()
        try:
            figures = measure(f"{server.url}/api", secret, ids, psycopg_url(url), rng)
        finally:
            server.stop()
            server.db.dispose()
        errors = log.read_text(errors="replace").count("unhandled ")
        print(f"server log: {log} ({errors} unhandled errors)")
        report(drawing, figures)
    print(f"\ntotal wall time: {time.monotonic() - started:.1f} s")


def measure(base: str, secret: str, ids: list[int], pg: str, rng: random.Random) -> dict:
    figures: dict[str, list[float]] = {k: [] for k in ("get", "sel", "dec", "patch", "upd")}
    for _ in range(ROUNDS):
        figures["sel"] += run_clients(raw(pg, ids, SELECT_TEXT, lambda i: (ids[i],)))
        figures["get"] += run_clients(api_get(base, secret, ids))
        figures["dec"] += run_clients(raw(pg, ids, SELECT_DECODED, lambda i: (ids[i],)))

    def fresh_stroke(index: int) -> tuple:
        return Jsonb([stroke(random.Random(rng.random()))]), ids[index]

    for _ in range(ROUNDS):
        figures["upd"] += run_clients(raw(pg, ids, APPEND, fresh_stroke))
        figures["patch"] += run_clients(api_patch(base, secret, ids, rng))
    return figures


def report(drawing: dict, figures: dict[str, list[float]]) -> None:
    lines = drawing["lines"]
    print(
        f"drawing: {json_bytes(drawing) / 1024:.0f} KB JSON, {len(lines)} strokes; "
        f"{CLIENTS} concurrent clients, one record each, {CLIENTS * REQUESTS * ROUNDS} "
        "requests per figure"
    )
    print(f"{'':58} {'p50 ms':>8} {'p95 ms':>8}")
    print(row("GET /api/medical-records/{id} (app, over HTTP)", figures["get"]))
    print(row("raw SELECT drawing_data::text, form_data::text (baseline)", figures["sel"]))
    print(row("raw SELECT drawing_data, form_data, decoded by psycopg", figures["dec"]))
    print(row("PATCH .../draft, one ~100-point stroke (app, over HTTP)", figures["patch"]))
    print(row("raw UPDATE appending the same stroke with jsonb_set", figures["upd"]))
    ratio = pct(figures["get"], 95) / pct(figures["sel"], 95)
    verdict = "met" if ratio <= TARGET_RATIO else "MISSED"
    print(f"GET/SELECT p95 ratio: {ratio:.2f}x (target <= {TARGET_RATIO}x: {verdict})")
    print(f"PATCH/UPDATE p95 ratio: {pct(figures['patch'], 95) / pct(figures['upd'], 95):.2f}x")


if __name__ == "__main__":
    main()
