"""``import-csv patients`` on 100,000 rows: rows/s and peak memory, with baselines.

Generates a patients CSV of N rows (default 100,000; UTF-8, quoted addresses with commas
and line breaks, some non-ASCII names) and, on a fresh database in the embedded
PostgreSQL (``data/bench-pg``, dropped at the end), times in this process:

- baselines: the standard library's ``csv.reader`` over the file (raw parse), the
  domain reader (``domain/csv_import.check_file``: decoding, header, rows), and a raw
  psycopg ``executemany`` INSERT of the same rows into ``patients`` (another clinic);
- the import as the CLI runs it (``services/csv_imports.run_import`` with
  ``patient_sync.import_patient_rows``): a dry run, the first run (all created), and a
  second run of the same file (all unchanged);

and the growth of peak RSS during each import (``VmHWM`` after resetting it with
``/proc/self/clear_refs``): it must not grow with the file::

    python benchmarks/csv_import.py [--rows 100000]
"""

from __future__ import annotations

import argparse
import csv
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import psycopg
from _harness import bench_database, embedded_admin_url
from save_latency import psycopg_url

from medrec_app.domain.csv_import import check_file
from medrec_app.domain.permissions import Role
from medrec_app.services import csv_imports, patient_sync
from tests.plugins.factories import make_clinic

FIRST = ["Anna", "Bram", "Chloé", "Daan", "Émile", "Fatma", "Gijs", "Hana", "Ivo", "Jürgen"]
LAST = ["de Vries", "Jansen", "Bakker", "Öztürk", "Visser", "Smit", "Meijer", "Dekker"]
STREETS = ["Keizersgracht", "Prinsengracht", "Damrak", "Rokin", "Singel"]


def write_file(path: Path, rows: int) -> None:
    rng = random.Random(12)
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerow(patient_sync.PATIENT_CSV.columns)
        for n in range(rows):
            writer.writerow(
                [
                    f"BK-{n:07d}",
                    rng.choice(FIRST),
                    rng.choice(LAST),
                    f"{rng.randint(1930, 2020)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
                    rng.choice(["female", "male", "", "other"]),
                    f"+31 20 {rng.randint(100, 999)} {rng.randint(1000, 9999)}",
                    f"p{n}@example.org",
                    f"{rng.choice(STREETS)} {rng.randint(1, 400)}, {n % 5 + 1}\n1015 CJ Amsterdam",
                ]
            )


def peak_reset() -> int:
    Path("/proc/self/clear_refs").write_text("5")
    return _status("VmHWM")


def _status(key: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1])  # kB
    raise KeyError(key)


def timed(label: str, rows: int, action) -> float:
    before = peak_reset()
    start = time.perf_counter()
    result = action()
    seconds = time.perf_counter() - start
    growth = (_status("VmHWM") - before) / 1024
    print(f"{label:<46} {seconds:8.2f} s {rows / seconds:>10,.0f} rows/s {growth:8.1f} MB")
    return result


def raw_insert(db_url: str, path: Path, clinic_id: int) -> int:
    with path.open(encoding="utf-8", newline="") as source:
        reader = csv.reader(source)
        next(reader)
        rows = [(clinic_id, r[1], r[2], r[3], r[4] or None, r[5], r[6], r[7], r[0]) for r in reader]
    with psycopg.connect(psycopg_url(db_url)) as conn, conn.cursor() as cur:
        cur.executemany(
            "INSERT INTO patients (clinic_id, first_name, last_name, date_of_birth, sex, "
            "phone, email, address, external_id) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)",
            rows,
        )
    return len(rows)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    rows = parser.parse_args().rows
    wall = time.perf_counter()
    with (
        tempfile.TemporaryDirectory(prefix="medrec-bench-csv-") as tmp,
        embedded_admin_url() as admin_url,
        bench_database(admin_url, "medrec_bench_csv") as db_url,
    ):
        path = Path(tmp) / "patients.csv"
        write_file(path, rows)
        size = path.stat().st_size
        print(f"file: {rows:,} rows, {size / 1024 / 1024:.1f} MB (UTF-8, CRLF, quoted addresses)")
        clinic, baseline_clinic = make_clinic("CSV bench"), make_clinic("CSV raw")
        actor = clinic.actors[Role.FRONT_DESK]
        print(f"{'':<46} {'time':>10} {'rate':>17} {'peak RSS+':>11}")

        def raw_parse() -> int:
            with path.open(encoding="utf-8", newline="") as source:
                return sum(1 for _ in csv.reader(source)) - 1

        def domain_parse() -> int:
            with path.open("rb") as source:
                return check_file(source, patient_sync.PATIENT_CSV)

        def run(dry_run: bool) -> csv_imports.ImportReport:
            with path.open("rb") as source:
                return csv_imports.run_import(
                    source,
                    patient_sync.PATIENT_CSV,
                    patient_sync.import_patient_rows,
                    actor,
                    dry_run=dry_run,
                )

        assert timed("baseline: csv.reader (raw parse)", rows, raw_parse) == rows
        assert timed("baseline: domain reader (decode, header, rows)", rows, domain_parse) == rows
        timed(
            "baseline: raw executemany INSERT",
            rows,
            lambda: raw_insert(db_url, path, baseline_clinic.clinic_id),
        )
        dry = timed("import-csv --dry-run", rows, lambda: run(True))
        first = timed("import-csv, first run (all created)", rows, lambda: run(False))
        second = timed("import-csv, second run (all unchanged)", rows, lambda: run(False))
        print(f"dry run: {dry.summary(dry_run=True)}")
        print(f"first run: {first.summary(dry_run=False)}")
        print(f"second run: {second.summary(dry_run=False)}")
        sys.stdout.flush()
    print(f"\ntotal wall time: {time.perf_counter() - wall:.0f} s")


if __name__ == "__main__":
    main()
