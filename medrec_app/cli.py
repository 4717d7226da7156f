"""Operator commands: ``python -m medrec_app.cli {serve,prepare,migrate}``.

``serve`` is what ``./scripts/run`` ends in: start the embedded PostgreSQL unless
``DATABASE_URL`` is set, migrate, load demo data once, then run ``reflex run --env prod``
and stop everything, database included, on Ctrl-C.
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager

from medrec_app.migrations import migrate
from medrec_app.settings import PROJECT_ROOT, get_settings

log = logging.getLogger("medrec")


@contextmanager
def database() -> Iterator[str]:
    """The database URL to use: ``DATABASE_URL``, or the embedded server, stopped on exit."""
    settings = get_settings()
    if settings.database_url:
        yield settings.database_url
        return
    from medrec_app.db import start_embedded

    server, url = start_embedded(settings.pg_dir)
    print(f"Embedded PostgreSQL running in {settings.pg_dir}", flush=True)
    try:
        yield url
    finally:
        server.stop()
        print("Embedded PostgreSQL stopped.", flush=True)


def prepare(url: str) -> list[tuple[str, str, str]]:
    """Migrate and load the demo data (once); returns the demo logins."""
    os.environ["DATABASE_URL"] = url
    get_settings.cache_clear()
    migrate(url)
    from medrec_app.services import demo

    return demo.ensure_demo_data()


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
    settings = get_settings()
    with database() as url:
        logins = prepare(url)
        env = {
            **os.environ,
            "DATABASE_URL": url,
            "MEDREC_PORT": str(settings.port),
            "REFLEX_TELEMETRY_ENABLED": "false",
            "REFLEX_CHECK_LATEST_VERSION": "false",
        }
        proc = subprocess.Popen(  # noqa: S603 - fixed command line
            reflex_command(settings.port),
            cwd=PROJECT_ROOT,
            env=env,
            start_new_session=True,
        )
        _print_banner(settings.port, logins)
        try:
            return proc.wait()
        except KeyboardInterrupt:
            print("\nStopping medrec...", flush=True)
            return 0
        finally:
            _stop(proc)


def _stop(proc: subprocess.Popen) -> None:
    if proc.poll() is not None:
        return
    try:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    except ProcessLookupError:
        pass


def _print_banner(port: int, logins: list[tuple[str, str, str]]) -> None:
    lines = [
        "",
        f"medrec is starting at http://localhost:{port}  (the first build takes a minute)",
        "Demo logins (password for all: see below):",
    ]
    lines += [f"  {role:<13} {email:<34} {password}" for role, email, password in logins]
    lines.append("Press Ctrl-C to stop the app and its database.\n")
    print("\n".join(lines), flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="medrec")
    sub = parser.add_subparsers(dest="cmd", required=True)
    sub.add_parser("serve", help="start database (embedded unless DATABASE_URL) and the app")
    sub.add_parser("migrate", help="apply Alembic migrations to DATABASE_URL")
    sub.add_parser("prepare", help="migrate and load the demo data once")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(message)s")
    if args.cmd == "serve":
        return serve()
    if args.cmd == "prepare":
        with database() as url:
            prepare(url)
        return 0
    if args.cmd == "migrate":
        with database() as url:
            migrate(url)
        return 0
    return 2


if __name__ == "__main__":
    raise SystemExit(main())
