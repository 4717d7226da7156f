"""Operator commands: ``python -m medrec_app.cli {serve,prepare,migrate,create-clinic,
import-csv,frontend,display-images,backup,restore}``.

``serve`` is what ``./scripts/run`` ends in: start the embedded PostgreSQL unless
``DATABASE_URL`` is set, migrate, load demo data once, then run ``reflex run --env prod``
and stop everything, database included, on SIGTERM or SIGINT (Ctrl-C), exiting 0.
If the app server exits on its own, the database is stopped too and ``serve`` fails.
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager, suppress
from pathlib import Path
from typing import TYPE_CHECKING, Any

from medrec_app.db import make_engine, start_embedded
from medrec_app.migrations import migrate, schema_is_current
from medrec_app.settings import PROJECT_ROOT, get_settings

if TYPE_CHECKING:
    from medrec_app.domain.backup_manifest import Manifest
    from medrec_app.services.restore import Restored

log = logging.getLogger("medrec")

APP_SERVER_STOP_TIMEOUT_S = 30
# In production the app's database role owns nothing, so serve cannot migrate.
NOT_MIGRATED = (
    "The database schema is not at the newest migration. As the role that owns the schema, "
    "run: DATABASE_URL=<owner url> python -m medrec_app.cli migrate, then start medrec again."
)


class Stopped(Exception):
    """SIGTERM or SIGINT arrived: unwind, stopping everything started so far."""


class StopSignals:
    """SIGTERM and SIGINT as one ``Stopped`` exception, raised in the main thread.

    Starting or stopping a child process runs inside ``held()``: a signal that arrives
    meanwhile is raised when the block ends, so that no process is left half-started
    and unknown to the clean-up, or half-stopped. Signals after the first are ignored:
    the clean-up it started runs to the end.
    """

    def __init__(self) -> None:
        self._received = self._holding = self._pending = False

    def install(self) -> None:
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, self._handle)

    def _handle(self, signum: int, frame: object) -> None:
        if self._received:
            return
        self._received = True
        if self._holding:
            self._pending = True
        else:
            raise Stopped

    @contextmanager
    def held(self) -> Iterator[None]:
        """Hold a signal until the block ends; it then replaces any error of the block (a
        terminal's Ctrl-C also reaches the ``pg_ctl`` that the block may be running)."""
        self._holding = True
        try:
            yield
        finally:
            self._holding = False
            if self._pending:
                self._pending = False
                raise Stopped


stop_signals = StopSignals()


@contextmanager
def database() -> Iterator[str]:
    """The database URL to use: ``DATABASE_URL``, or the embedded server, stopped on exit."""
    settings = get_settings()
    if settings.database_url:
        yield settings.database_url
        return
    with ExitStack() as running:
        with stop_signals.held():
            server, url = start_embedded(settings.pg_dir)
            running.callback(_stop_embedded, server)
        print(f"Embedded PostgreSQL running in {settings.pg_dir}", flush=True)
        yield url


def _stop_embedded(server: Any) -> None:
    with stop_signals.held():
        server.stop()
    print("Embedded PostgreSQL stopped.", flush=True)


def prepare(url: str) -> list[tuple[str, str, str]]:
    """Migrate and load the demo data (once); returns the demo logins."""
    os.environ["DATABASE_URL"] = url
    get_settings.cache_clear()
    migrate(url)
    from medrec_app.services import demo

    return demo.ensure_demo_data()


def schema_ready(url: str) -> bool:
    """Use ``url`` from now on; migrate it (development) or check it is (production)."""
    os.environ["DATABASE_URL"] = url
    get_settings.cache_clear()
    if get_settings().env == "production":
        if not _schema_is_current(url):  # the app role cannot migrate: the owner does
            print(NOT_MIGRATED, file=sys.stderr, flush=True)
            return False
    else:
        migrate(url)
    return True


def create_clinic(url: str, args: argparse.Namespace) -> int:
    """The clinic, its admin and the admin's one-time link; 2 (and why) on bad input."""
    if not schema_ready(url):
        return 2
    from medrec_app.services import clinic_setup, unit_of_work
    from medrec_app.services.errors import ServiceError

    try:
        made = unit_of_work.run(
            clinic_setup.create_clinic,
            name=args.name,
            timezone=args.timezone,
            admin_email=args.admin_email,
            admin_name=args.admin_name,
        )
    except ServiceError as refused:
        messages = getattr(refused, "messages", None) or [str(refused)]
        print("The clinic was not created:", file=sys.stderr)
        print("\n".join(f"- {message}" for message in messages), file=sys.stderr)
        return 2
    origin = get_settings().cors_origins[0]
    until = made.link.expires_at.strftime("%Y-%m-%d %H:%M UTC")
    print(
        f"Created the clinic {args.name.strip()!r} and its admin {made.admin.full_name} "
        f"<{made.admin.email}>.\n"
        f"The admin sets a password at this link (it works once, until {until}):\n"
        f"  {origin}{made.link.path}\n"
        "Send it to them only; anyone with it can set the password.",
        flush=True,
    )
    return 0


def import_csv(url: str, args: argparse.Namespace) -> int:
    """``import-csv KIND FILE``: see ``medrec_app/csv_command.py``."""
    if not schema_ready(url):
        return 2
    from medrec_app import csv_command

    return csv_command.import_csv(args)


def make_display_images(url: str) -> int:
    """Display images for files stored without one; 1 when some file failed."""
    os.environ["DATABASE_URL"] = url
    get_settings.cache_clear()
    from medrec_app.services import display_backfill

    report = display_backfill.make_missing_display_images(progress=print)
    print(f"Display images made: {report.made}; files that need none: {report.not_needed}.")
    if report.failed:
        print(f"Failed (see the log): files {', '.join(map(str, report.failed))}.")
        return 1
    return 0


def backup(url: str, directory: Path) -> int:
    """``backup DIR``: 0 when complete; 1 when blobs the database names are missing (the
    backup is written and names them) or it failed; 2 when refused."""
    os.environ["DATABASE_URL"] = url
    get_settings.cache_clear()
    from medrec_app.services.backup import make_backup

    return _guarded("The backup", lambda: _backed_up(make_backup(url, directory), directory))


def _backed_up(made: Manifest, directory: Path) -> int:
    where = "copied into the backup" if made.blobs_copied else "left in the bucket"
    print(
        f"Backed up {len(made.table_rows)} tables, {made.row_count} rows "
        f"({_size(made.database.size)} dump, schema revision {made.alembic_revision}) and "
        f"{len(made.blobs)} blobs, {_size(made.blob_bytes)} ({where}; checksums in the "
        f"manifest) to {directory}.",
        flush=True,
    )
    return _report_missing(made.missing, "The backup")


def restore(url: str, directory: Path) -> int:
    """``restore DIR``: 0 when restored and checked; 1 when it failed; 2 when refused."""
    os.environ["DATABASE_URL"] = url
    get_settings.cache_clear()
    from medrec_app.services.restore import restore_backup

    return _guarded("The restore", lambda: _restored(restore_backup(url, directory)))


def _restored(done: Restored) -> int:
    made = done.manifest
    blobs = (
        f"{done.blobs_put} blobs put and read back"
        if made.blobs_copied
        else f"{len(made.blobs)} blobs checked in bucket {made.bucket!r}"
    )
    print(
        f"Restored {len(made.table_rows)} tables, {made.row_count} rows (schema revision "
        f"{made.alembic_revision}, row counts as in the manifest) and {blobs}, "
        f"{_size(made.blob_bytes)}, from the backup of {made.created_at:%Y-%m-%d %H:%M} UTC.",
        flush=True,
    )
    if not done.schema_is_newest:
        print("The schema is older than this medrec: run the migrate command next.", flush=True)
    return _report_missing(made.missing, "The backup restored")


def _guarded(what: str, action: Callable[[], int]) -> int:
    """Expected failures of backup and restore as a message and an exit code (2: refused,
    nothing written; 1: failed), never a traceback."""
    from medrec_app.services.errors import BackupFailed, BackupRefused

    try:
        return action()
    except BackupRefused as refused:
        print(f"{what} was refused: {refused}", file=sys.stderr, flush=True)
        return 2
    except BackupFailed as failed:
        print(f"{what} failed: {failed}", file=sys.stderr, flush=True)
    except OSError as error:
        print(f"{what} failed: {error.strerror or error} ({error.filename})", file=sys.stderr)
    return 1


def _report_missing(missing: list[str], what: str) -> int:
    if not missing:
        return 0
    print(
        f"MISSING: {what} lacks {len(missing)} blobs that the database names and the store "
        f"did not hold (the manifest lists them): {', '.join(missing)}",
        file=sys.stderr,
        flush=True,
    )
    return 1


def _size(count: int) -> str:
    if count < 1024:
        return f"{count} bytes"
    scaled, unit = count / 1024, "KB"
    for larger in ("MB", "GB"):
        if scaled < 1024:
            break
        scaled, unit = scaled / 1024, larger
    return f"{scaled:.1f} {unit}"


def reflex_command(port: int, *, backend_only: bool = False) -> list[str]:
    """The production server: frontend and backend on one port (or the backend alone,
    which serves the HTTP routes and the REST API without building the frontend)."""
    if backend_only:
        return [
            sys.executable, "-m", "reflex", "run", "--env", "prod",
            "--backend-only", "--backend-port", str(port),
        ]  # fmt: skip
    return [
        sys.executable, "-m", "reflex", "run", "--env", "prod",
        "--frontend-port", str(port), "--backend-port", str(port),
    ]  # fmt: skip


def serve() -> int:
    """Run until SIGTERM or SIGINT (``Stopped``) or until the app server exits on its own,
    which is a failure: its exit code, or 1."""
    settings = get_settings()
    with database() as url, ExitStack() as running:
        if settings.env == "production":
            if not _schema_is_current(url):
                print(NOT_MIGRATED, file=sys.stderr, flush=True)
                return 2
            logins = []
        else:
            logins = prepare(url)
        proc = _start_app_server(running, settings.port, url)
        _print_banner(settings.port, logins)
        code = proc.wait()
        print(f"The app server exited with code {code}; stopping medrec.", flush=True)
    return code if code > 0 else 1


def _schema_is_current(url: str) -> bool:
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            return schema_is_current(connection)
    finally:
        engine.dispose()


def _start_app_server(running: ExitStack, port: int, url: str) -> subprocess.Popen:
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "MEDREC_PORT": str(port),
        "REFLEX_TELEMETRY_ENABLED": "false",
        "REFLEX_CHECK_LATEST_VERSION": "false",
    }
    with stop_signals.held():
        # A session of its own: a terminal's Ctrl-C reaches only this process, which
        # then stops the server's whole process group (Reflex, granian, workers, bun).
        proc = subprocess.Popen(  # noqa: S603 - fixed command line
            reflex_command(port), cwd=PROJECT_ROOT, env=env, start_new_session=True
        )
        running.callback(_stop_app_server, proc)
    return proc


def _stop_app_server(proc: subprocess.Popen) -> None:
    """TERM to the server's process group, KILL if it has not exited in time; then KILL
    whatever of the group outlived its leader (workers of a server that died)."""
    with stop_signals.held():
        print("Stopping the app server...", flush=True)
        _signal_group(proc, signal.SIGTERM)
        try:
            proc.wait(timeout=APP_SERVER_STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            print("The app server did not stop in time; killing it.", flush=True)
        _signal_group(proc, signal.SIGKILL)
        proc.wait()


def _signal_group(proc: subprocess.Popen, signum: int) -> None:
    with suppress(ProcessLookupError):
        os.killpg(proc.pid, signum)


def _print_banner(port: int, logins: list[tuple[str, str, str]]) -> None:
    lines = [
        "",
        f"medrec is starting at http://localhost:{port}  (the first build takes a minute)",
    ]
    if logins:
        lines.append("Demo logins (password for all: see below):")
        lines += [f"  {role:<13} {email:<34} {password}" for role, email, password in logins]
    lines.append("Press Ctrl-C (or send SIGTERM) to stop medrec.\n")
    print("\n".join(lines), flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="medrec")
    sub = parser.add_subparsers(dest="cmd", required=True)
    sub.add_parser("serve", help="start database (embedded unless DATABASE_URL) and the app")
    sub.add_parser("migrate", help="apply Alembic migrations to DATABASE_URL")
    sub.add_parser("prepare", help="migrate and load the demo data once")
    clinic = sub.add_parser(
        "create-clinic",
        help="create a clinic and its first admin, who sets a password through a one-time "
        "link printed here",
    )
    clinic.add_argument("--name", required=True, help="the clinic's name")
    clinic.add_argument("--timezone", required=True, help="an IANA name: Europe/Amsterdam")
    clinic.add_argument("--admin-email", required=True)
    clinic.add_argument("--admin-name", required=True, help="the admin's full name")
    importing = sub.add_parser(
        "import-csv",
        help="create or update records from a CSV file (UTF-8, a header row), matched by "
        "the booking system's id: running it again changes nothing",
    )
    importing.add_argument("kind", choices=["appointments", "patients"], help="what the file holds")
    importing.add_argument("file", help="the CSV file (at most 200 MB)")
    importing.add_argument(
        "--user",
        required=True,
        metavar="EMAIL",
        help="the import acts as this user: their clinic and role; the audit names them",
    )
    importing.add_argument(
        "--dry-run", action="store_true", help="check every row and report; write nothing"
    )
    frontend = sub.add_parser(
        "frontend",
        help="build the static frontend, and the balancer's path and header snippets, for "
        "several workers behind Caddy (deploy/caddy/Caddyfile)",
    )
    frontend.add_argument("directory", type=Path, help="where to write site/ and the snippets")
    frontend.add_argument(
        "--origin",
        help="the URL browsers open (default: the first of MEDREC_ALLOWED_ORIGINS)",
    )
    sub.add_parser(
        "display-images",
        help="make the display images of files stored before medrec made them (run once "
        "after upgrading; safe to run again)",
    )
    backing_up = sub.add_parser(
        "backup",
        help="write a backup into a new folder: a pg_dump of the database, the local "
        "store's files and a manifest of every blob with its size and SHA-256",
    )
    backing_up.add_argument("dir", type=Path, help="a folder that does not exist, or is empty")
    restoring = sub.add_parser(
        "restore",
        help="restore a backup into an empty database and an empty store, checking every "
        "checksum first (an S3 backup: that the bucket holds every object)",
    )
    restoring.add_argument("dir", type=Path, help="the backup's folder")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(message)s")
    if args.cmd != "migrate" and (problems := get_settings().production_problems()):
        print("medrec will not start with MEDREC_ENV=production:", file=sys.stderr)
        print("\n".join(f"- {problem}" for problem in problems), file=sys.stderr)
        return 2
    stop_signals.install()
    try:
        return _run(args)
    except Stopped:
        print("medrec stopped.", flush=True)
        return 0


def _run(args: argparse.Namespace) -> int:
    cmd = args.cmd
    if cmd == "serve":
        return serve()
    if cmd == "frontend":
        return _frontend(args)
    with database() as url:
        if cmd == "prepare":
            prepare(url)
        elif cmd == "display-images":
            return make_display_images(url)
        elif cmd == "create-clinic":
            return create_clinic(url, args)
        elif cmd == "import-csv":
            return import_csv(url, args)
        elif cmd == "backup":
            return backup(url, args.dir)
        elif cmd == "restore":
            return restore(url, args.dir)
        else:
            migrate(url)
    return 0


def _frontend(args: argparse.Namespace) -> int:
    from medrec_app.frontend_command import export_frontend

    origin = args.origin or next(iter(get_settings().allowed_origins), None)
    if origin is None:
        print("Give --origin URL, or set MEDREC_ALLOWED_ORIGINS.", file=sys.stderr)
        return 2
    return export_frontend(args.directory, origin)


if __name__ == "__main__":
    raise SystemExit(main())
