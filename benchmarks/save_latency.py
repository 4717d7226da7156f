"""Latency of one auto-save of a ~100 KB drawing, from the save call to the committed row.

Each timed save is what the editor's ``autosave`` does: ``editing.save_operations`` with
one ``addLine`` operation (a realistic ~100-point stroke with an id) inside
``session_scope()``, timed until the commit returns. Every save goes to its own record
holding the same ~100 KB drawing, so the drawing does not grow across the run.

Baseline in the same run, interleaved with the saves so both see the same machine: a raw
psycopg ``UPDATE medical_records SET drawing_data = %s::jsonb WHERE id = %s`` of the same
~100 KB JSON (autocommit, one kept connection). Prints p50/p95 of both and their ratio
(target: within 3x of raw); if the ratio misses, profiles saves with cProfile and prints
where the time goes.

Run from the project root::

    python benchmarks/save_latency.py

Starts the embedded PostgreSQL in ``data/bench-pg``, creates ``medrec_bench_save_<random>``
and drops it at the end, also on error.
"""

from __future__ import annotations

import cProfile
import io
import json
import pstats
import random
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
from sqlalchemy import text
from sqlalchemy.engine import make_url

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _harness import (
    add_line,
    bench_database,
    embedded_admin_url,
    json_bytes,
    pct,
    stroke,
)

from medrec_app.db import session_scope
from medrec_app.domain.permissions import Actor, Role
from medrec_app.services.records import editing
from tests.plugins.factories import make_clinic

SAVES = 200
WARMUP = 10
PROFILED = 40
TARGET_BYTES = 100 * 1024
TARGET_RATIO = 3.0
UPDATE = "UPDATE medical_records SET drawing_data = %s::jsonb WHERE id = %s"
SEED = 20261125


@dataclass
class Setup:
    actor: Actor
    record_ids: list[int]
    drawing: dict[str, Any]


def create_records(count: int) -> tuple[Actor, list[int]]:
    """A clinic with ``count`` appointments, each opened once so its record exists."""
    clinic = make_clinic("Bench clinic", appointments=count)
    actor = clinic.actors[Role.PRACTITIONER]
    ids = []
    for appointment_id in clinic.appointment_ids:
        with session_scope() as session:
            ids.append(editing.open_for_editing(session, actor, appointment_id).record_id)
    return actor, ids


def stored_drawing(record_id: int) -> dict[str, Any]:
    with session_scope() as session:
        row = session.execute(
            text("SELECT drawing_data FROM medical_records WHERE id = :i"),
            {"i": record_id},
        ).one()
    return row.drawing_data


def load_drawing(actor: Actor, record_ids: list[int], rng: random.Random) -> dict[str, Any]:
    """Fill the first record to ~100 KB through the save path, then copy it to the rest."""
    first = record_ids[0]
    while json_bytes(stored_drawing(first)) < TARGET_BYTES:
        with session_scope() as session:
            ops = [add_line(stroke(rng)) for _ in range(5)]
            editing.save_operations(session, actor, first, ops)
    with session_scope() as session:
        session.execute(
            text(
                "UPDATE medical_records SET drawing_data = "
                "(SELECT drawing_data FROM medical_records WHERE id = :f) WHERE id = ANY(:ids)"
            ),
            {"f": first, "ids": record_ids[1:]},
        )
    return stored_drawing(first)


def timed_save(actor: Actor, record_id: int, op: dict[str, Any]) -> float:
    start = time.perf_counter()
    with session_scope() as session:
        editing.save_operations(session, actor, record_id, [op])
    return time.perf_counter() - start


def timed_raw_update(conn: psycopg.Connection, record_id: int, doc_json: str) -> float:
    start = time.perf_counter()
    conn.execute(UPDATE, (doc_json, record_id))
    return time.perf_counter() - start


def measure(setup: Setup, conn: psycopg.Connection, rng: random.Random) -> tuple[list, list]:
    """Interleaved: an app save on record i, then the raw UPDATE of the same JSON on it."""
    app, raw = [], []
    for n, record_id in enumerate(setup.record_ids[: WARMUP + SAVES]):
        line = stroke(rng)
        doc = {**setup.drawing, "lines": [*setup.drawing["lines"], line]}
        doc_json = _dumps(doc)
        app_s = timed_save(setup.actor, record_id, add_line(line))
        raw_s = timed_raw_update(conn, record_id, doc_json)
        if n >= WARMUP:
            app.append(app_s * 1000)
            raw.append(raw_s * 1000)
    return app, raw


def profile(setup: Setup, rng: random.Random) -> str:
    """cProfile of PROFILED saves on records not used yet; top functions."""
    profiler = cProfile.Profile()
    for record_id in setup.record_ids[WARMUP + SAVES :]:
        op = add_line(stroke(rng))
        profiler.enable()
        timed_save(setup.actor, record_id, op)
        profiler.disable()
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out).strip_dirs()
    stats.sort_stats("cumulative").print_stats(25)
    stats.sort_stats("tottime").print_stats(15)
    return _trim_profile(out.getvalue())


def _trim_profile(report: str) -> str:
    return "\n".join(line for line in report.splitlines() if line.strip())


def _dumps(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"))


def psycopg_url(db_url: str) -> str:
    return make_url(db_url).set(drivername="postgresql").render_as_string(hide_password=False)


def report(setup: Setup, app: list[float], raw: list[float]) -> float:
    lines = setup.drawing["lines"]
    values = sum(len(line["points"]) for line in lines)
    print(
        f"drawing: {json_bytes(setup.drawing) / 1024:.1f} KB JSON, {len(lines)} strokes, "
        f"{values // 2} points; each save adds one ~100-point stroke "
        f"(~{json_bytes(lines[-1]) / 1024:.1f} KB)"
    )
    print(f"{SAVES} saves each after {WARMUP} warm-up, interleaved, one record per save")
    print(f"{'':42} {'p50 ms':>8} {'p95 ms':>8} {'mean ms':>8}")
    for label, values_ms in (
        ("editing.save_operations + commit (app)", app),
        ("raw UPDATE ... drawing_data (baseline)", raw),
    ):
        mean = sum(values_ms) / len(values_ms)
        print(f"{label:42} {pct(values_ms, 50):8.2f} {pct(values_ms, 95):8.2f} {mean:8.2f}")
    ratio = pct(app, 50) / pct(raw, 50)
    ratio95 = pct(app, 95) / pct(raw, 95)
    verdict = "met" if ratio <= TARGET_RATIO else "MISSED"
    print(
        f"ratio app/raw: p50 {ratio:.2f}x, p95 {ratio95:.2f}x "
        f"(target <= {TARGET_RATIO}x: {verdict})"
    )
    return ratio


def main() -> None:
    started = time.monotonic()
    rng = random.Random(SEED)
    with embedded_admin_url() as admin_url, bench_database(admin_url, "medrec_bench_save") as url:
        actor, record_ids = create_records(WARMUP + SAVES + PROFILED)
        setup = Setup(actor, record_ids, load_drawing(actor, record_ids, rng))
        with psycopg.connect(psycopg_url(url), autocommit=True) as conn:
            app, raw = measure(setup, conn, rng)
        ratio = report(setup, app, raw)
        if ratio > TARGET_RATIO:
            print(f"\nprofile of {PROFILED} more saves (cProfile; adds overhead):")
            print(profile(setup, rng))
    print(f"\ntotal wall time: {time.monotonic() - started:.1f} s")


if __name__ == "__main__":
    main()
