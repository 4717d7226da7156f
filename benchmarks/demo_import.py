"""The demo importer on a folder of 1,000 exports: records/s and peak memory, with a
same-run baseline of 100.

Generates N demo saves (default 1,000) of mixed sizes, as the browser-only demo wrote
them: a third without background (5 to 400 strokes), a third over a PNG "x-ray" (up to
1200 x 1600 px), a fifth over a PDF (1 to 12 pages, some scanned), and 10% bad (bad
base64, NaN in points, a missing key, a PNG data URL holding a JPEG, a page beyond the
PDF). Then, on a fresh database in the embedded PostgreSQL (``data/bench-pg``, dropped
at the end) and a temporary local file store, it imports in this process as the command
does (``importer.run_jobs``, each export its own transaction):

- baseline: the first 100 exports, into a clinic of their own;
- the whole folder (target: at least 20 records/s);
- the whole folder again (every export skipped as already imported);
- the whole folder into a third clinic with the command's default workers (one process
  per core, at most 4: two here);

and prints for each the rate and the growth of peak RSS (``VmHWM`` after resetting it
with ``/proc/self/clear_refs``), which must not grow with the number of files::

    python benchmarks/demo_import.py [--files 1000]
"""

from __future__ import annotations

import argparse
import random
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _harness import bench_database, embedded_admin_url
from csv_import import _status, peak_reset

from medrec_app.domain.permissions import Role
from medrec_app.importer import Job, Summary, default_workers, run_jobs
from tests import samples
from tests.demo_exports import export_text, saved_state
from tests.file_samples import png_bytes, scanned_pdf_bytes
from tests.plugins.factories import make_clinic

BASELINE_FILES = 100


def write_exports(folder: Path, count: int) -> list[tuple[str, int]]:
    """``count`` export files; their names and sizes, in order."""
    rng = random.Random(13)
    pngs = [
        png_bytes((rng.randint(0, 255), 90, 40), (w, h))
        for w, h in [(300, 400), (600, 800), (900, 1200), (1200, 1600)]
    ]
    pdfs = [samples.pdf(1), samples.pdf(4), samples.pdf(12), scanned_pdf_bytes(2, (800, 1100))]
    written = []
    for n in range(count):
        lines, shapes = rng.randint(5, 400), rng.randint(0, 30)
        kind = n % 10
        if kind == 9:  # 10% bad, each way in turn
            state = bad_export(n // 10 % 5, rng)
        elif kind in (0, 1, 2):
            state = saved_state(seed=n, lines=lines, shapes=shapes)
        elif kind in (3, 4, 5, 6):
            state = saved_state(
                seed=n, lines=lines, shapes=shapes, image=("image/png", rng.choice(pngs))
            )
        else:
            pdf = rng.choice(pdfs)
            state = saved_state(seed=n, lines=lines, shapes=shapes, pdf=pdf, page=1)
        name = f"export-{n:05d}.json"
        text = export_text(state)
        (folder / name).write_text(text, encoding="utf-8")
        written.append((name, len(text)))
    return written


def bad_export(way: int, rng: random.Random) -> dict:
    state = saved_state(seed=way, lines=20, shapes=3)
    if way == 0:
        return state | {"backgroundImageDataUrl": "data:image/png;base64,iVBOR$w0KGgo="}
    if way == 1:
        state["lines"][0]["points"][1] = float("nan")
        return state
    if way == 2:
        del state["savedAt"]
        return state
    if way == 3:
        return saved_state(seed=way, image=("image/png", samples.jpeg((200, 150))))
    return saved_state(seed=way, pdf=samples.pdf(2), page=3, pages=None)


def timed(label: str, jobs: list[Job], workers: int = 1) -> Summary:
    before = peak_reset()
    start = time.perf_counter()
    summary = run_jobs(
        jobs,
        dry_run=False,
        merge=False,
        report=lambda line: None,
        progress=lambda d, t: None,
        workers=workers,
    )
    seconds = time.perf_counter() - start
    growth = (_status("VmHWM") - before) / 1024
    print(
        f"{label:<40} {len(jobs):>6,} files {seconds:8.2f} s "
        f"{len(jobs) / seconds:>8.1f} records/s {growth:8.1f} MB"
    )
    print(f"{'':<40} {summary.lines(len(jobs), False)[0]}")
    return summary


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--files", type=int, default=1_000)
    count = parser.parse_args().files
    wall = time.perf_counter()
    with (
        tempfile.TemporaryDirectory(prefix="medrec-bench-demo-") as tmp,
        embedded_admin_url() as admin_url,
        bench_database(admin_url, "medrec_bench_demo") as _,
    ):
        folder = Path(tmp)
        written = write_exports(folder, count)
        sizes = sorted(size for _, size in written)
        print(
            f"folder: {count:,} exports, {sum(sizes) / 1024 / 1024:.1f} MB; sizes from "
            f"{sizes[0] / 1024:.0f} KB to {sizes[-1] / 1024:.0f} KB "
            f"(median {sizes[len(sizes) // 2] / 1024:.0f} KB), 10% bad"
        )
        baseline_clinic = make_clinic("Demo import baseline", appointments=BASELINE_FILES)
        clinic = make_clinic("Demo import bench", appointments=count)

        def jobs(of_clinic, files: list[tuple[str, int]]) -> list[Job]:
            email = of_clinic.emails[Role.ADMIN]
            return [
                Job(folder / name, name, appointment, email)
                for (name, _), appointment in zip(files, of_clinic.appointment_ids, strict=False)
            ]

        print(f"{'':<40} {'':>12} {'time':>10} {'rate':>18} {'peak RSS+':>11}")
        timed(
            f"baseline: first {BASELINE_FILES} exports",
            jobs(baseline_clinic, written[:BASELINE_FILES]),
        )
        timed("the whole folder", jobs(clinic, written))
        timed("the whole folder again (duplicates)", jobs(clinic, written))
        parallel = make_clinic("Demo import bench, default workers", appointments=count)
        workers = default_workers(count)
        timed(f"the whole folder, {workers} workers (default)", jobs(parallel, written), workers)
        child_peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        print(f"{'':<40} peak RSS of a worker process: {child_peak:.0f} MB")
    print(f"\ntotal wall time: {time.perf_counter() - wall:.0f} s")


if __name__ == "__main__":
    main()
