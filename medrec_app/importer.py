"""Import saves of the browser-only demo: ``python -m medrec_app.importer``.

    python -m medrec_app.importer EXPORT.json --appointment ID --as EMAIL [--dry-run] [--merge]
    python -m medrec_app.importer FOLDER --appointment ID --as EMAIL ...  (every *.json in it)
    python -m medrec_app.importer [FOLDER] --mapping MAPPING.csv [--dry-run] [--merge]

A mapping line is ``export_file,appointment_id,user_email``; file names are relative to
FOLDER (default: the mapping's folder). Each export is imported on its own
(``services/demo_import.py``): one refused export is reported and the others go on; a
refused one leaves nothing behind. Progress goes to stderr, one line per export and the
summary to stdout. Exit status 0 when every export was imported or skipped as already
imported, 1 when some were refused, 2 when nothing could be tried (a bad mapping).
"""

from __future__ import annotations

import argparse
import functools
import logging
import multiprocessing
import os
import sys
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path

from medrec_app.domain.demo_export import MAX_EXPORT_BYTES, export_too_large, parse_mapping
from medrec_app.domain.errors import DocumentError
from medrec_app.domain.permissions import Actor, PermissionDenied

USAGE_ERROR = 2
log = logging.getLogger("medrec.importer")


@dataclass(frozen=True)
class Job:
    """One export to import: its file, shown as ``name``, into which visit, as whom."""

    path: Path
    name: str
    appointment_id: int
    user_email: str


@dataclass
class Summary:
    imported: int = 0
    duplicates: int = 0
    refused: list[tuple[str, str]] = field(default_factory=list)

    def lines(self, total: int, dry_run: bool) -> list[str]:
        verb = "would be imported" if dry_run else "imported"
        head = (
            f"{self.imported} {verb}, {self.duplicates} skipped as already imported, "
            f"{len(self.refused)} refused (of {total} exports)"
        )
        out = [("Dry run, nothing written: " if dry_run else "") + head]
        if self.refused:
            out.append("Refused:")
            out += [f"  {name}: {reason}" for name, reason in self.refused]
        return out


def jobs_from_arguments(args: argparse.Namespace) -> list[Job]:
    """The exports to import, in order; ``DocumentError`` for a mapping that is refused."""
    if args.mapping:
        mapping = Path(args.mapping)
        base = Path(args.source) if args.source else mapping.parent
        try:
            text = mapping.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as error:
            raise DocumentError([f"{mapping.name}: cannot be read ({_reason(error)})"]) from None
        return [
            Job(base / row.export_file, row.export_file, row.appointment_id, row.user_email)
            for row in parse_mapping(text)
        ]
    source = Path(args.source)
    if source.is_dir():
        paths = sorted(p for p in source.iterdir() if p.suffix.lower() == ".json" and p.is_file())
        if not paths:
            raise DocumentError([f"{source}: holds no .json exports"])
        return [Job(p, p.name, args.appointment, args.as_user) for p in paths]
    return [Job(source, source.name, args.appointment, args.as_user)]


def run_jobs(
    jobs: list[Job],
    *,
    dry_run: bool,
    merge: bool,
    report: Callable[[str], None],
    progress: Callable[[int, int], None],
    workers: int = 1,
) -> Summary:
    """Import each job, reporting one line per export in order; never stops at a refusal.

    With ``workers`` > 1 the exports are imported by that many processes at once (each
    export still its own transaction); the lines still come in the jobs' order.
    """
    one = functools.partial(import_one, dry_run=dry_run, merge=merge)
    summary = Summary()
    with ExitStack() as stack:
        if workers > 1:
            pool = stack.enter_context(
                ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn"))
            )
            outcomes: Iterator[tuple[str, str]] = pool.map(one, jobs, chunksize=2)
        else:
            outcomes = map(one, jobs)
        for done, (job, (outcome, text)) in enumerate(zip(jobs, outcomes, strict=True), 1):
            if outcome == "refused":
                summary.refused.append((job.name, text))
                report(f"{job.name}: refused: {text}")
            else:
                if outcome == "duplicate":
                    summary.duplicates += 1
                else:
                    summary.imported += 1
                report(f"{job.name} -> appointment {job.appointment_id}: {text}")
            progress(done, len(jobs))
    return summary


PARALLEL_FROM = 20
"""Exports from which a folder is imported in several processes unless told otherwise:
starting one costs about a second, an export about a tenth (benchmarks/demo_import.py)."""
MAX_DEFAULT_WORKERS = 4


def default_workers(exports: int) -> int:
    """One process per core this process may use, for a folder large enough to gain."""
    if exports < PARALLEL_FROM:
        return 1
    return max(1, min(len(os.sched_getaffinity(0)), MAX_DEFAULT_WORKERS))


_actors: dict[str, Actor | str] = {}
"""The acting user of each email (or why there is none), per process."""


def import_one(job: Job, *, dry_run: bool, merge: bool) -> tuple[str, str]:
    """``(outcome, sentence)`` of one export; ``outcome`` is ``"refused"`` with the reason
    when it was refused (nothing stored). Never raises for one export's problem."""
    from medrec_app.services import csv_imports, demo_import, unit_of_work
    from medrec_app.services.errors import ServiceError

    try:
        key = job.user_email.lower()
        if key not in _actors:
            try:
                _actors[key] = unit_of_work.run(csv_imports.importing_actor, job.user_email)
            except ServiceError as error:
                _actors[key] = str(error)
        actor = _actors[key]
        if isinstance(actor, str):
            raise _Refused(actor)
        export = demo_import.read_export(_read(job.path))
        result = unit_of_work.run(
            demo_import.import_demo_export,
            actor,
            job.appointment_id,
            export,
            merge=merge,
            dry_run=dry_run,
        )
    except (_Refused, ServiceError, PermissionDenied) as error:
        return "refused", str(error)
    except Exception as error:  # one export's surprise must not stop the others
        log.exception("importing %s failed", job.name)
        return "refused", f"could not be imported ({type(error).__name__}); nothing was stored"
    return result.outcome, result.sentence()


class _Refused(Exception):
    pass


def _read(path: Path) -> bytes:
    try:
        size = path.stat().st_size
        if size > MAX_EXPORT_BYTES:  # refused before reading: memory stays flat
            raise _Refused(export_too_large(size))
        return path.read_bytes()
    except OSError as error:
        raise _Refused(f"cannot be read ({_reason(error)})") from None


def _reason(error: Exception) -> str:
    return getattr(error, "strerror", None) or type(error).__name__


def _progress() -> Callable[[int, int], None]:
    shown = [-1]

    def show(done: int, total: int) -> None:
        step = done * 10 // total if total else 10
        if step > shown[0]:
            shown[0] = step
            print(f"Importing: {step * 10}% ({done:,} of {total:,} exports)", file=sys.stderr)
            sys.stderr.flush()

    return show


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m medrec_app.importer",
        description="Import saves of the browser-only demo into appointments' records.",
    )
    p.add_argument(
        "source",
        nargs="?",
        help="an export (.json), a folder of exports, or with --mapping the folder its "
        "file names are relative to",
    )
    p.add_argument("--appointment", type=int, help="the appointment id to import into")
    p.add_argument(
        "--as", dest="as_user", metavar="USER_EMAIL", help="the admin the import acts as"
    )
    p.add_argument(
        "--mapping",
        metavar="FILE.csv",
        help="many exports: lines of export_file,appointment_id,user_email",
    )
    p.add_argument("--dry-run", action="store_true", help="check everything; store nothing")
    p.add_argument(
        "--workers",
        type=int,
        metavar="N",
        help=(
            f"import N exports at a time, in N processes (default: one per core, at most "
            f"{MAX_DEFAULT_WORKERS}, for {PARALLEL_FROM} exports or more; else 1)"
        ),
    )
    p.add_argument(
        "--merge",
        action="store_true",
        help="add the drawing to a record that already has content (otherwise refused)",
    )
    return p


def main(argv: list[str] | None = None) -> int:
    p = parser()
    args = p.parse_args(argv)
    if not args.mapping and (not args.source or args.appointment is None or not args.as_user):
        p.error("give FILE_OR_FOLDER --appointment ID --as USER_EMAIL, or --mapping FILE.csv")
    if args.mapping and (args.appointment is not None or args.as_user):
        p.error("--mapping names the appointment and user of each export; leave out the others")
    try:
        jobs = jobs_from_arguments(args)
    except DocumentError as error:
        print("Nothing was imported:", *error.messages, sep="\n  ", file=sys.stderr)
        return USAGE_ERROR
    logging.basicConfig(level=logging.WARNING, format="%(message)s")
    from medrec_app import cli

    with cli.database() as url:
        if not cli.schema_ready(url):
            return USAGE_ERROR
        summary = run_jobs(
            jobs,
            dry_run=args.dry_run,
            merge=args.merge,
            report=lambda line: print(line, flush=True),
            progress=_progress(),
            workers=max(1, min(args.workers or default_workers(len(jobs)), 16)),
        )
    print("\n".join(summary.lines(len(jobs), args.dry_run)), flush=True)
    return 1 if summary.refused else 0


if __name__ == "__main__":
    raise SystemExit(main())
