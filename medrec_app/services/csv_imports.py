"""Importing a CSV file of any kind (``cli import-csv KIND FILE``), in batches.

:func:`run_import` first reads the whole file (``domain/csv_import.read_rows``) and
refuses it, with nothing written, when it is too large, not UTF-8, or has a wrong header
or broken quoting. Then it reads it again and hands the rows to the kind's
``apply`` service in batches of ``BATCH_ROWS``, one transaction each. A row whose shape
is wrong, whose key an earlier line of the file already had, or that ``apply`` refuses
is reported (line, column, what is wrong) and the others go on. The file is streamed:
memory holds one batch and the keys seen so far.

A run that changed something is audited once, as ``csv_import.<kind>``, with the counts;
each patient created or changed has its own row too (from the upsert). A dry run writes
nothing at all.

Adding a kind: a ``CsvKind`` (columns, key) and an ``apply(session, actor, rows, *,
dry_run)`` service returning a :class:`RowResult` per row, like
``patient_sync.import_patient_rows``.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import BinaryIO, Protocol

from sqlmodel import Session, func, select

from medrec_app.domain.csv_import import CsvKind, CsvRefused, CsvRow, check_file, read_rows
from medrec_app.domain.csv_import import size_problem as _size_problem
from medrec_app.domain.permissions import Actor, Role
from medrec_app.models import User
from medrec_app.services import audit, unit_of_work
from medrec_app.services.errors import ValidationFailed

BATCH_ROWS = 500
OUTCOMES = ("created", "updated", "unchanged")


@dataclass(frozen=True)
class RowResult:
    """One row as ``apply`` left it: its outcome (``OUTCOMES``), or its problems, each
    worded ``"column: what is wrong"``."""

    line: int
    outcome: str | None = None
    problems: tuple[str, ...] = ()


class ApplyRows(Protocol):
    def __call__(
        self, session: Session, actor: Actor, rows: list[CsvRow], *, dry_run: bool = False
    ) -> list[RowResult]: ...


@dataclass
class ImportReport:
    rows: int = 0
    counts: Counter[str] = field(default_factory=Counter)
    refused: int = 0

    def summary(self, dry_run: bool) -> str:
        would = "would be " if dry_run else ""
        return (
            f"{self.counts['created']} {would}created, {self.counts['updated']} {would}updated, "
            f"{self.counts['unchanged']} unchanged, {self.refused} refused "
            f"(of {self.rows} rows)"
        )


def importing_actor(session: Session, email: str) -> Actor:
    """The active user an import acts as (their clinic and role; the audit names them)."""
    user = session.exec(select(User).where(User.email == func.lower(email.strip()))).first()
    if user is None or not user.is_active or user.id is None:
        message = (
            f"User: no active user has the email {email.strip()[:100]!r}; use the email "
            "of a front-desk user, practitioner or admin of the clinic."
        )
        raise ValidationFailed([message])
    return Actor(user.id, user.clinic_id, Role(user.role))


def file_problem(path: str | os.PathLike[str]) -> str | None:
    """Why the file cannot be imported before reading it (too large), or None."""
    return _size_problem(os.stat(path).st_size)


def run_import(
    stream: BinaryIO,
    kind: CsvKind,
    apply: ApplyRows,
    actor: Actor,
    *,
    dry_run: bool = False,
    on_problem: Callable[[int, str], None] = lambda line, message: None,
    on_progress: Callable[[int, int], None] = lambda done, total: None,
) -> ImportReport:
    """Import ``stream`` (a binary file, seekable); ``CsvRefused`` for a refused file,
    ``PermissionDenied`` when the actor may not do what ``apply`` does."""
    unit_of_work.run(apply, actor, [], dry_run=True)  # the permission, before any reading
    total = check_file(stream, kind)
    stream.seek(0)
    report = ImportReport(rows=total)
    on_progress(0, total)
    first_line_of: dict[str, int] = {}
    batch: list[CsvRow] = []  # rows refused while reading keep their problem, in order

    def flush() -> None:
        applied = iter(
            unit_of_work.run(apply, actor, [r for r in batch if not r.problem], dry_run=dry_run)
        )
        for row in batch:
            result = RowResult(row.line, problems=(row.problem,)) if row.problem else next(applied)
            if result.outcome:
                report.counts[result.outcome] += 1
                continue
            report.refused += 1
            for problem in result.problems:
                on_problem(result.line, problem)
        on_progress(report.refused + sum(report.counts.values()), total)
        batch.clear()

    for row in read_rows(stream, kind):
        key = " ".join(row.values.get(kind.key, "").split())
        if key and key in first_line_of:
            problem = f"{kind.key}: {key[:100]!r} is on line {first_line_of[key]} too"
            row = CsvRow(row.line, row.values, problem)
        elif key:
            first_line_of[key] = row.line
        batch.append(row)
        if len(batch) >= BATCH_ROWS:
            flush()
    if batch:
        flush()
    if not dry_run and (report.counts["created"] or report.counts["updated"]):
        unit_of_work.run(_audit_run, actor, kind.name, report)
    return report


def _audit_run(session: Session, actor: Actor, kind: str, report: ImportReport) -> None:
    details = {name: report.counts[name] for name in OUTCOMES} | {"refused": report.refused}
    audit.record(session, actor, f"csv_import.{kind}", details=details)


__all__ = ["CsvRefused", "ImportReport", "file_problem", "importing_actor", "run_import"]
