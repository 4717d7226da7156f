"""Benchmark of the GIN index on ``drawing_data -> 'shapes'`` (idx_medical_records_drawing_data).

Measures, against same-run baselines, on a fresh migrated database:

1. the spec's query ``drawing_data->'shapes' @> '[{"type": "circle"}]'`` over N realistic
   drawings (generated inside PostgreSQL), with the index and with index scans disabled;
2. the cost of one auto-save of a ~100 KB drawing (latency p50/p95 and WAL bytes per save)
   with (a) the migration's expression index, (b) no drawing index, (c) the spec's literal
   whole-column ``gin (drawing_data)`` index, which that query cannot use.

Run from the project root::

    python benchmarks/gin_index.py [--records 100000]

``BENCH_DATABASE_URL`` (admin URL of any PostgreSQL) is used if set; otherwise the embedded
server is started in ``data/bench-pg``. The database ``medrec_bench_<random>`` is dropped
at the end, also on error.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import random
import secrets
import statistics
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from medrec_app.db import drop_database, ensure_database, normalize_url, start_embedded  # noqa: E402
from medrec_app.migrations import migrate  # noqa: E402

INDEX = "idx_medical_records_drawing_data"
WHOLE_INDEX = "idx_medical_records_drawing_data_whole"
HAS_CIRCLE = """drawing_data->'shapes' @> '[{"type": "circle"}]'"""
QUERY = f"SELECT count(*) FROM medical_records WHERE {HAS_CIRCLE}"
UPDATE = "UPDATE medical_records SET drawing_data = %s::jsonb WHERE id = %s"
QUERY_RUNS = 5
SAVES = 200
SAVE_WARMUP = 10
SAVE_ROWS = 5
SAVE_DOC_BYTES = 100 * 1024
LOAD_WORKERS = os.cpu_count() or 1
AUTOVACUUM = "autovacuum_enabled"

FORM_DATA = {
    "chief_complaint": "Patient reports persistent knee pain after running",
    "vital_signs": {"bp": "120/80", "pulse": "72", "temperature": "36.5"},
    "assessment": "Initial assessment shows possible patellar tendinitis",
    "treatment_plan": "Prescribed rest and physical therapy exercises",
    "notes": "Patient to return in 2 weeks for follow-up",
}

COLORS = "ARRAY['#000000', '#FF0000', '#0000FF', '#00AA00']"
NOTES = "ARRAY['Pain here', 'Swelling', 'Patient shows improvement', 'Check at follow-up']"

# One row per record; every LATERAL subquery refers to the outer row so that PostgreSQL
# evaluates random() again for each record, line and shape (rather than once). The bulky
# lines are concatenated as JSON text and the document parsed once: building them with
# jsonb_agg/to_jsonb made generation about twice as slow.
INSERT_RECORDS = f"""
INSERT INTO medical_records (appointment_id, drawing_data, form_data, created_by_user_id)
SELECT g.i,
       ('{{"lines":' || ln.lines || ',"shapes":' || sh.shapes::text
        || ',"stageSize":{{"width":800,"height":600}},"backgroundType":null}}')::jsonb,
       %(form)s::jsonb,
       %(user)s
FROM generate_series(%(first)s::int, %(last)s::int) AS g(i)
CROSS JOIN LATERAL (
    SELECT '[' || string_agg(
               '{{"id":"line-' || g.i || '-' || l.j || '","tool":"' || l.tool
               || '","points":[' || array_to_string(ARRAY(
                   SELECT floor(random() * 801)::int
                   FROM generate_series(1, 2 * (10 + floor(random() * 91)::int) + 0 * l.j)
               ), ',')
               || '],"color":"' || CASE WHEN l.tool = 'eraser' THEN '#FFFFFF'
                                        ELSE ({COLORS})[1 + floor(random() * 4)::int] END
               || '","strokeWidth":' || CASE WHEN l.tool = 'eraser' THEN 10
                                             ELSE 1 + floor(random() * 5)::int END
               || '}}', ',') || ']' AS lines
    FROM (SELECT j, CASE WHEN random() < 0.9 THEN 'pen' ELSE 'eraser' END AS tool
          FROM generate_series(1, 5 + floor(random() * 21)::int + 0 * g.i) AS j) AS l
) AS ln
CROSS JOIN LATERAL (
    SELECT coalesce(jsonb_agg(
               jsonb_build_object(
                   'id', 'shape-' || g.i || '-' || s.k,
                   'type', s.type,
                   'x', floor(random() * 801)::int,
                   'y', floor(random() * 601)::int,
                   'color', ({COLORS})[1 + floor(random() * 4)::int],
                   'strokeWidth', 1 + floor(random() * 5)::int)
               || CASE s.type
                      WHEN 'text' THEN jsonb_build_object(
                          'text', ({NOTES})[1 + floor(random() * 4)::int], 'strokeWidth', 20)
                      WHEN 'arrow' THEN jsonb_build_object('points', jsonb_build_array(
                          floor(random() * 201)::int - 100, floor(random() * 201)::int - 100))
                      WHEN 'rect' THEN jsonb_build_object(
                          'width', 10 + floor(random() * 191)::int,
                          'height', 10 + floor(random() * 191)::int)
                      ELSE jsonb_build_object('radius', 5 + floor(random() * 96)::int)
                  END), '[]'::jsonb) AS shapes
    FROM (SELECT k, CASE WHEN r < 0.50 THEN 'text' WHEN r < 0.80 THEN 'arrow'
                         WHEN r < 0.98 THEN 'rect' ELSE 'circle' END AS type
          FROM (SELECT k, random() AS r
                FROM generate_series(1, floor(random() * 5)::int + 0 * g.i) AS k) AS d
         ) AS s
) AS sh
"""


@dataclass
class SaveStats:
    p50_ms: float
    p95_ms: float
    wal_bytes: float
    index_mb: float


@contextmanager
def admin_server() -> Iterator[str]:
    """Admin URL of BENCH_DATABASE_URL, or of the embedded server (stopped afterwards)."""
    if url := os.environ.get("BENCH_DATABASE_URL"):
        yield url
        return
    server, _ = start_embedded(ROOT / "data" / "bench-pg", database="postgres")
    try:
        yield server.get_uri(driver="psycopg")
    finally:
        server.stop()


@contextmanager
def bench_database(admin_url: str) -> Iterator[str]:
    """A fresh database migrated to head; yields its libpq URL and drops it afterwards."""
    name = f"medrec_bench_{secrets.token_hex(4)}"
    ensure_database(admin_url, name)
    try:
        url = make_url(normalize_url(admin_url)).set(database=name)
        migrate(url.render_as_string(hide_password=False))
        yield url.set(drivername="postgresql").render_as_string(hide_password=False)
    finally:
        drop_database(admin_url, name)


def scalar(conn: psycopg.Connection, sql: str, params: Any = None) -> Any:
    row = conn.execute(sql, params).fetchone()
    return row[0] if row else None


def insert_parents(conn: psycopg.Connection, n: int) -> int:
    """One clinic, practitioner and patient, and appointments 1..n; returns the user id."""
    clinic = scalar(conn, "INSERT INTO clinics (name) VALUES ('Bench clinic') RETURNING id")
    user = scalar(
        conn,
        "INSERT INTO users (email, full_name, role, is_active, clinic_id, password_hash) "
        "VALUES ('bench@example.org', 'Bench Practitioner', 'practitioner', true, %s, "
        "'not-a-real-hash') RETURNING id",
        (clinic,),
    )
    patient = scalar(
        conn,
        "INSERT INTO patients (clinic_id, first_name, last_name, date_of_birth) "
        "VALUES (%s, 'Bench', 'Patient', '1980-01-01') RETURNING id",
        (clinic,),
    )
    conn.execute(
        "INSERT INTO appointments (calendar_event_id, clinic_id, patient_id, practitioner_id, "
        "starts_at, duration_minutes) SELECT i, %s, %s, %s, "
        "timestamptz '2026-01-05 09:00+00' + i * interval '30 minutes', 30 "
        "FROM generate_series(1, %s) AS i",
        (clinic, patient, user, n),
    )
    return user


def insert_chunk(conninfo: str, params: dict[str, Any]) -> None:
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute(INSERT_RECORDS, params)


def insert_records(conninfo: str, user: int, n: int) -> None:
    """Insert records 1..n, split over one connection per core (compression is CPU-bound)."""
    workers = max(1, min(LOAD_WORKERS, n))
    bounds = [n * w // workers for w in range(workers + 1)]
    form = json.dumps(FORM_DATA)
    chunks = [
        {"form": form, "user": user, "first": lo + 1, "last": hi}
        for lo, hi in itertools.pairwise(bounds)
    ]
    with ThreadPoolExecutor(workers) as pool:
        list(pool.map(insert_chunk, itertools.repeat(conninfo), chunks))


def load(conn: psycopg.Connection, conninfo: str, n: int) -> None:
    print(f"== Load: {n:,} records generated inside PostgreSQL")
    start = time.perf_counter()
    user = insert_parents(conn, n)
    insert_records(conninfo, user, n)
    loaded = time.perf_counter()
    conn.execute("VACUUM (ANALYZE) medical_records")
    vacuum = time.perf_counter() - loaded
    print(f"load time: {loaded - start:.1f} s (then VACUUM ANALYZE: {vacuum:.1f} s)")
    describe_data(conn)


def describe_data(conn: psycopg.Connection) -> None:
    circles, total, column_kb, text_kb = conn.execute(
        f"SELECT count(*) FILTER (WHERE {HAS_CIRCLE}), count(*), "
        "avg(pg_column_size(drawing_data)) / 1024, avg(length(drawing_data::text)) / 1024 "
        "FROM medical_records"
    ).fetchone()
    print(f"records with a circle: {circles:,} of {total:,} ({100 * circles / total:.2f}%)")
    print(f"avg drawing size: {column_kb:.1f} KB stored (pg_column_size), {text_kb:.1f} KB as text")
    rows = conn.execute(
        "SELECT s->>'type', count(*) FROM medical_records, "
        "jsonb_array_elements(drawing_data->'shapes') AS s GROUP BY 1 ORDER BY 2 DESC"
    ).fetchall()
    shapes = sum(count for _, count in rows)
    mix = ", ".join(f"{kind} {100 * count / shapes:.1f}%" for kind, count in rows)
    print(f"shapes: {shapes:,} ({mix})")


def explain(conn: psycopg.Connection, sql: str = QUERY) -> str:
    rows = conn.execute(f"EXPLAIN {sql}", prepare=False)
    return "\n".join(f"    {row[0]}" for row in rows)


def time_query(conn: psycopg.Connection) -> list[float]:
    """Seconds per run of the spec's query, after one warm-up run.

    Never prepared: psycopg prepares a statement on its fifth run, and a prepared plan
    would keep using the index after ``SET enable_bitmapscan = off``.
    """
    conn.execute(QUERY, prepare=False).fetchone()
    times = []
    for _ in range(QUERY_RUNS):
        start = time.perf_counter()
        conn.execute(QUERY, prepare=False).fetchone()
        times.append(time.perf_counter() - start)
    return times


def bench_query(conn: psycopg.Connection) -> None:
    print(f"\n== Query: {QUERY}")
    plan = explain(conn)
    print(f"plan (default planner), uses {INDEX}: {INDEX in plan}\n{plan}")
    indexed = time_query(conn)
    conn.execute("SET enable_indexscan = off")
    conn.execute("SET enable_bitmapscan = off")
    print(f"plan (index scans off):\n{explain(conn)}")
    scanned = time_query(conn)
    conn.execute("RESET enable_indexscan")
    conn.execute("RESET enable_bitmapscan")
    print(f"runs: {QUERY_RUNS} each after 1 warm-up")
    for label, times in (("with index", indexed), ("index scans off", scanned)):
        med, low = statistics.median(times) * 1000, min(times) * 1000
        print(f"{label:>16}: median {med:9.2f} ms, min {low:9.2f} ms")
    ratio = statistics.median(scanned) / statistics.median(indexed)
    print(f"ratio (median, off / with): {ratio:.0f}x (target >= 50x)")


def save_document(size: int) -> dict[str, Any]:
    """A drawing of about ``size`` bytes of JSON: pen lines until the size is reached."""
    rng = random.Random(42)
    doc: dict[str, Any] = {
        "lines": [],
        "shapes": [
            {
                "id": "shape-1",
                "type": "text",
                "x": 120,
                "y": 80,
                "text": "Pain here",
                "color": "#000000",
                "strokeWidth": 20,
            },
            {
                "id": "shape-2",
                "type": "arrow",
                "x": 300,
                "y": 200,
                "points": [50, -40],
                "color": "#FF0000",
                "strokeWidth": 3,
            },
            {
                "id": "shape-3",
                "type": "rect",
                "x": 400,
                "y": 300,
                "width": 120,
                "height": 80,
                "color": "#0000FF",
                "strokeWidth": 2,
            },
        ],
        "stageSize": {"width": 800, "height": 600},
        "backgroundType": None,
    }
    while len(json.dumps(doc, separators=(",", ":"))) < size:
        points = [rng.randint(0, 800) for _ in range(2 * rng.randint(10, 100))]
        doc["lines"].append(
            {
                "id": f"line-{len(doc['lines'])}",
                "tool": "pen",
                "points": points,
                "color": "#000000",
                "strokeWidth": 3,
            }
        )
    return doc


@dataclass
class Saver:
    """Auto-saves of one ~100 KB drawing over a few rows, a coordinate changed every time."""

    conn: psycopg.Connection
    doc: dict[str, Any]
    ids: list[int]
    counter: Iterator[int] = field(default_factory=itertools.count)

    def save(self, n: int) -> float:
        self.doc["lines"][0]["points"][0] = next(self.counter) % 801
        payload = json.dumps(self.doc, separators=(",", ":"))
        start = time.perf_counter()
        self.conn.execute(UPDATE, (payload, self.ids[n % len(self.ids)]))
        return time.perf_counter() - start

    def measure(self) -> SaveStats:
        """SAVES timed saves after SAVE_WARMUP untimed ones."""
        for n in range(SAVE_WARMUP):
            self.save(n)
        lsn = scalar(self.conn, "SELECT pg_current_wal_lsn()::text")
        latencies = [self.save(n) for n in range(SAVES)]
        wal = scalar(self.conn, "SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), %s::pg_lsn)", (lsn,))
        cuts = statistics.quantiles(latencies, n=100)
        index_bytes = scalar(
            self.conn,
            "SELECT coalesce(sum(pg_relation_size(c.oid)), 0) FROM pg_class AS c "
            "WHERE c.relname = ANY(%s)",
            ([INDEX, WHOLE_INDEX],),
        )
        return SaveStats(cuts[49] * 1000, cuts[94] * 1000, float(wal) / SAVES, index_bytes / 2**20)


def timed(conn: psycopg.Connection, sql: str) -> str:
    start = time.perf_counter()
    conn.execute(sql)
    return f"{time.perf_counter() - start:.1f} s"


def save_variant(saver: Saver, change: str) -> SaveStats:
    """VACUUM (so every variant starts alike), apply ``change``, CHECKPOINT, then measure."""
    saver.conn.execute("VACUUM medical_records")
    if change:
        print(f"{change}: {timed(saver.conn, change)}")
    saver.conn.execute("CHECKPOINT")
    return saver.measure()


def bench_saves(conn: psycopg.Connection) -> None:
    doc = save_document(SAVE_DOC_BYTES)
    size_kb = len(json.dumps(doc, separators=(",", ":"))) / 1024
    print(f"\n== Save: {UPDATE}")
    print(f"document {size_kb:.0f} KB, {SAVES} autocommit saves per variant over {SAVE_ROWS} rows")
    ids = [row[0] for row in conn.execute(f"SELECT id FROM medical_records LIMIT {SAVE_ROWS}")]
    saver = Saver(conn, doc, ids)
    original = scalar(conn, "SELECT pg_get_indexdef(%s::regclass)", (INDEX,))
    conn.execute("SET maintenance_work_mem = '1GB'")
    # Autovacuum would add its own WAL to the WAL-per-save figure; each variant vacuums.
    conn.execute(f"ALTER TABLE medical_records SET ({AUTOVACUUM} = off, toast.{AUTOVACUUM} = off)")
    stats = {
        "(a) expression index (migration)": save_variant(saver, ""),
        "(b) no drawing index": save_variant(saver, f"DROP INDEX {INDEX}"),
        "(c) gin (drawing_data) (spec)": save_variant(
            saver, f"CREATE INDEX {WHOLE_INDEX} ON medical_records USING gin (drawing_data)"
        ),
    }
    plan = explain(conn)
    print(f"spec query with (c) only, uses {WHOLE_INDEX}: {WHOLE_INDEX in plan}\n{plan}")
    conn.execute(f"DROP INDEX {WHOLE_INDEX}")
    print(f"restore {INDEX}: {timed(conn, original)}")
    conn.execute(f"ALTER TABLE medical_records RESET ({AUTOVACUUM}, toast.{AUTOVACUUM})")
    print_save_table(stats)


def print_save_table(stats: dict[str, SaveStats]) -> None:
    print(f"{'variant':<34}{'p50 ms':>9}{'p95 ms':>9}{'WAL KB/save':>13}{'index MB':>10}")
    for label, s in stats.items():
        print(
            f"{label:<34}{s.p50_ms:9.2f}{s.p95_ms:9.2f}{s.wal_bytes / 1024:13.1f}{s.index_mb:10.1f}"
        )
    a, b = stats["(a) expression index (migration)"], stats["(b) no drawing index"]
    print(
        f"(a)/(b): p50 {a.p50_ms / b.p50_ms:.2f}x, p95 {a.p95_ms / b.p95_ms:.2f}x, "
        f"WAL {a.wal_bytes / b.wal_bytes:.2f}x (target: latency under 1.5x)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=100_000, help="records to load")
    args = parser.parse_args()
    start = time.perf_counter()
    with (
        admin_server() as admin_url,
        bench_database(admin_url) as url,
        psycopg.connect(url, autocommit=True) as conn,
    ):
        print(scalar(conn, "SELECT version()"))
        load(conn, url, args.records)
        bench_query(conn)
        bench_saves(conn)
    print(f"\ntotal wall time: {time.perf_counter() - start:.0f} s")


if __name__ == "__main__":
    main()
