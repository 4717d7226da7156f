"""``python -m medrec_app.cli import-csv KIND FILE --user EMAIL [--dry-run]``.

The reading and importing are ``services/csv_imports.py`` (over ``domain/csv_import.py``);
this module picks the kind's columns and row service, prints each refused row and the
summary on stdout and a progress bar on stderr, and chooses the exit code. Adding a
kind is one entry in ``KINDS``.
"""

from __future__ import annotations

import argparse
import os
import sys

from medrec_app.domain.permissions import PermissionDenied
from medrec_app.services import appointment_sync, csv_imports, patient_sync, unit_of_work
from medrec_app.services.errors import ServiceUnavailable, ValidationFailed

KINDS = {
    "patients": (patient_sync.PATIENT_CSV, patient_sync.import_patient_rows),
    "appointments": (appointment_sync.APPOINTMENT_CSV, appointment_sync.import_appointment_rows),
}


class Progress:
    """A progress bar on stderr: redrawn in place on a terminal, every 10% otherwise."""

    WIDTH = 30

    def __init__(self, label: str) -> None:
        self.label = label
        self.tty = sys.stderr.isatty()
        self.shown = -1

    def __call__(self, done: int, total: int) -> None:
        share = done / total if total else 1.0
        if self.tty:
            filled = round(share * self.WIDTH)
            bar = "#" * filled + "-" * (self.WIDTH - filled)
            end = "\n" if done >= total else ""
            print(f"\r{self.label} [{bar}] {done:,}/{total:,} rows", end=end, file=sys.stderr)
        elif (step := int(share * 10)) > self.shown:
            self.shown = step
            print(f"{self.label}: {step * 10}% ({done:,} of {total:,} rows)", file=sys.stderr)
        sys.stderr.flush()

    def clear(self) -> None:
        if self.tty:
            print("\r\033[K", end="", file=sys.stderr, flush=True)


def import_csv(args: argparse.Namespace) -> int:
    """Upsert the file's rows; 0 when every row was fine, 1 when some were refused
    (each printed: line, column, what is wrong), 2 when the whole file was refused."""
    kind, apply = KINDS[args.kind]
    name = os.path.basename(args.file)

    def refused(reason: str) -> int:
        print(f"{name} was not imported (nothing was written): {reason}", file=sys.stderr)
        return 2

    try:
        actor = unit_of_work.run(csv_imports.importing_actor, args.user)
    except ValidationFailed as problem:
        return refused(str(problem))
    progress = Progress(f"{'Checking' if args.dry_run else 'Importing'} {kind.name}")

    def problem(line: int, message: str) -> None:
        progress.clear()
        print(f"line {line}: {message}", flush=True)

    try:
        if too_large := csv_imports.file_problem(args.file):
            return refused(too_large)
        with open(args.file, "rb") as stream:
            report = csv_imports.run_import(
                stream,
                kind,
                apply,
                actor,
                dry_run=args.dry_run,
                on_problem=problem,
                on_progress=progress,
            )
    except OSError as error:
        return refused(error.strerror or type(error).__name__)
    except csv_imports.CsvRefused as error:
        return refused(str(error))
    except PermissionDenied as error:
        return refused(str(error))
    except ServiceUnavailable as error:
        progress.clear()
        print(
            f"{name}: the import stopped: {error} Rows imported so far stay; run the same "
            "file again to finish (they will count as unchanged).",
            file=sys.stderr,
        )
        return 2
    print(("Dry run, nothing written: " if args.dry_run else "") + report.summary(args.dry_run))
    return 1 if report.refused else 0
