"""What one auto-saved stroke costs on a 10 KB, a 100 KB and a 1 MB drawing (issue 15 item 5).

Each save is what the editor's ``autosave`` sends when a clinician draws with the eraser
at hand: ``editing.save_operations`` with one new ~100-point stroke and the delete of
the record's oldest stroke, inside ``session_scope()``, timed until the commit returns.
The delete keeps the drawing at its size for the whole run, so every save of a size is
a save on a drawing of that size, and the run takes in the folds that rewrite
``drawing_data`` now and then (``domain/drawing_tail.py``): the mean and the WAL per
save are amortised over them, p50 is a save that folds nothing, max is one that folds.

WAL per save is the write-ahead log the cluster wrote during the run
(``pg_current_wal_insert_lsn``) divided by the saves; nothing else writes meanwhile.

Baseline in the same run, per size: a raw psycopg ``UPDATE medical_records SET
drawing_data = %s::jsonb`` of the whole document (autocommit), which is what every save
cost at least before, and its WAL.

Targets: a save on 1 MB at most 1.5x the save on 10 KB (mean), and at most 16 KB of
WAL per save on 1 MB.

Run from the project root::

    python benchmarks/stroke_save.py

Starts the embedded PostgreSQL in ``data/bench-pg``, creates
``medrec_bench_stroke_<random>`` and drops it at the end, also on error.
"""

from __future__ import annotations

import random
import sys
import time
from collections import deque
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson
import psycopg
from sqlalchemy import text
from sqlalchemy.engine import make_url

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _harness import add_line, bench_database, embedded_admin_url, pct, stroke

from medrec_app.db import session_scope
from medrec_app.domain.permissions import Actor, Role
from medrec_app.services.records import editing
from tests.plugins.factories import make_clinic

SIZES_KB = (10, 100, 1024)
SAVES = 1000
WARMUP = 20
RAW_UPDATES = 50
TARGET_RATIO = 1.5
TARGET_WAL_KB = 16
SEED = 20261202


@dataclass
class Figures:
    label: str
    times_ms: list[float]
    wal_bytes: int
    folds: int = 0

    def row(self) -> str:
        mean = sum(self.times_ms) / len(self.times_ms)
        wal_kb = self.wal_bytes / len(self.times_ms) / 1024
        return (
            f"{self.label:34} {pct(self.times_ms, 50):8.2f} {pct(self.times_ms, 95):8.2f} "
            f"{max(self.times_ms):8.2f} {mean:8.2f} {wal_kb:9.1f} {self.folds:6}"
        )

    @property
    def mean(self) -> float:
        return sum(self.times_ms) / len(self.times_ms)


def delete(line_id: str) -> dict[str, Any]:
    return {"op": "deleteElements", "opId": f"d{line_id}", "lineIds": [line_id]}


def drawing_of(kb: int, rng: random.Random) -> dict[str, Any]:
    lines: list[dict[str, Any]] = []
    while len(orjson.dumps({"lines": lines})) < kb * 1024:
        lines.append(stroke(rng))
    return {"version": 1, "lines": lines}


def fresh_record(actor: Actor, appointment_id: int, drawing: dict[str, Any]) -> int:
    """The appointment's record, holding ``drawing`` (written whole, as a fold would)."""
    with session_scope() as session:
        record_id = editing.open_for_editing(session, actor, appointment_id).record_id
        session.execute(
            text("UPDATE medical_records SET drawing_data = CAST(:d AS jsonb) WHERE id = :i"),
            {"d": orjson.dumps(drawing).decode(), "i": record_id},
        )
    assert record_id is not None
    return record_id


def wal_lsn(conn: psycopg.Connection) -> int:
    row = conn.execute("SELECT pg_wal_lsn_diff(pg_current_wal_insert_lsn(), '0/0')").fetchone()
    assert row is not None
    return int(row[0])


def drawing_revision(conn: psycopg.Connection, record_id: int) -> int:
    row = conn.execute(
        "SELECT drawing_revision FROM medical_records WHERE id = %s", (record_id,)
    ).fetchone()
    assert row is not None
    return int(row[0])


def stroke_saves(
    actor: Actor, record_id: int, drawing: dict[str, Any], conn: psycopg.Connection, rng
) -> Figures:
    """SAVES saves, each one new stroke and the delete of the oldest; a save folded when
    it moved ``drawing_revision``."""
    oldest = deque(line["id"] for line in drawing["lines"])
    times: list[float] = []
    start_lsn = folds = 0
    folded_at = drawing_revision(conn, record_id)
    for n in range(WARMUP + SAVES):
        if n == WARMUP:
            start_lsn = wal_lsn(conn)
        line = stroke(rng)
        ops = [add_line(line), delete(oldest.popleft())]
        oldest.append(line["id"])
        started = time.perf_counter()
        with session_scope() as session:
            editing.save_operations(session, actor, record_id, ops)
        elapsed = time.perf_counter() - started
        if n >= WARMUP:
            times.append(elapsed * 1000)
            wal = wal_lsn(conn) - start_lsn
            now_folded_at = drawing_revision(conn, record_id)
            folds += now_folded_at != folded_at
            folded_at = now_folded_at
    return Figures("one stroke saved (app)", times, wal, folds)


def raw_updates(conn: psycopg.Connection, record_id: int, drawing: dict[str, Any], rng) -> Figures:
    """The whole document written by a raw UPDATE, a stroke longer each time."""
    times: list[float] = []
    lines = list(drawing["lines"])
    start = wal_lsn(conn)
    for _ in range(RAW_UPDATES):
        lines = [*lines[1:], stroke(rng)]
        doc = orjson.dumps({**drawing, "lines": lines}).decode()
        started = time.perf_counter()
        conn.execute(
            "UPDATE medical_records SET drawing_data = %s::jsonb WHERE id = %s", (doc, record_id)
        )
        times.append((time.perf_counter() - started) * 1000)
    return Figures("raw UPDATE of the document (before)", times, wal_lsn(conn) - start)


def psycopg_url(db_url: str) -> str:
    return make_url(db_url).set(drivername="postgresql").render_as_string(hide_password=False)


def main() -> None:
    rng = random.Random(SEED)
    results: dict[int, tuple[Figures, Figures]] = {}
    with embedded_admin_url() as admin_url, bench_database(admin_url, "medrec_bench_stroke") as url:
        clinic = make_clinic("Bench clinic", appointments=2 * len(SIZES_KB))
        actor = clinic.actors[Role.PRACTITIONER]
        appointments = iter(clinic.appointment_ids)
        with psycopg.connect(psycopg_url(url), autocommit=True) as conn:
            for kb in SIZES_KB:
                drawing = drawing_of(kb, rng)
                app_record = fresh_record(actor, next(appointments), drawing)
                raw_record = fresh_record(actor, next(appointments), drawing)
                app = stroke_saves(actor, app_record, drawing, conn, rng)
                raw = raw_updates(conn, raw_record, drawing, rng)
                results[kb] = (app, raw)
    report(results)


def report(results: dict[int, tuple[Figures, Figures]]) -> None:
    print(
        f"each save: one new ~100-point stroke and the delete of the oldest, so the drawing "
        f"keeps its size; {SAVES} saves per size after {WARMUP} warm-up"
    )
    header = f"{'':34} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8} {'mean ms':>8} {'WAL KB':>9}"
    for kb, (app, raw) in results.items():
        print(f"\ndrawing of {kb} KB")
        print(header + f" {'folds':>6}")
        print(app.row())
        print(raw.row())
    small, large = results[SIZES_KB[0]][0], results[SIZES_KB[-1]][0]
    ratio = large.mean / small.mean
    wal_kb = large.wal_bytes / len(large.times_ms) / 1024
    print(
        f"\nmean save on {SIZES_KB[-1]} KB / on {SIZES_KB[0]} KB: {ratio:.2f}x "
        f"(target <= {TARGET_RATIO}x: {'met' if ratio <= TARGET_RATIO else 'MISSED'})"
    )
    print(
        f"WAL per save on {SIZES_KB[-1]} KB: {wal_kb:.1f} KB "
        f"(target <= {TARGET_WAL_KB} KB: {'met' if wal_kb <= TARGET_WAL_KB else 'MISSED'})"
    )


if __name__ == "__main__":
    main()
