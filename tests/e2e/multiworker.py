"""The production layout of several workers, started for real: Redis, three Reflex backend
workers, the static frontend and Caddy in front (``deploy/caddy/Caddyfile``), on a fresh
database in the embedded PostgreSQL and a moto S3 bucket.

The frontend is built into a web folder of its own (``REFLEX_WEB_WORKDIR``, its packages
linked from the project's), so the single-process app of the other browser tests keeps
its build; a checkout no app has run in yet (a benchmark's) builds in its own.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import orjson
from sqlalchemy import Engine, text

from medrec_app.settings import PROJECT_ROOT
from medrec_app.storage.s3 import browser_cors_configuration, make_s3_client
from tests.plugins import drawings

START_TIMEOUT_S = 180
WORKERS = 3
BUCKET = "medrec-multiworker"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(url: str, proc: subprocess.Popen, log: Path, timeout_s: float = START_TIMEOUT_S):
    """Until ``url`` answers 200; fails early, with the log's end, if ``proc`` exits."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"exited with {proc.returncode}:\n{log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(url, timeout=2) as answer:
                if answer.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.25)
    raise RuntimeError(f"{url} did not answer in {timeout_s} s:\n{log.read_text()[-3000:]}")


def stop(proc: subprocess.Popen | None, signum: int = signal.SIGTERM) -> None:
    """Signal the process group and wait for its leader (KILL after 30 s)."""
    if proc is None or proc.poll() is not None:
        return
    os.killpg(proc.pid, signum)
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


@dataclass
class Worker:
    port: int
    log: Path
    env: dict[str, str]
    proc: subprocess.Popen | None = None

    def start(self) -> None:
        with self.log.open("a") as out:
            self.proc = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "reflex",
                    "run",
                    "--env",
                    "prod",
                    "--backend-only",
                    "--backend-port",
                    str(self.port),
                ],
                cwd=PROJECT_ROOT,
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        wait_for(f"http://127.0.0.1:{self.port}/readyz", self.proc, self.log)

    def kill(self) -> None:
        """SIGKILL to the worker and everything it started, as a crash would."""
        stop(self.proc, signal.SIGKILL)

    def restart(self) -> None:
        stop(self.proc)
        self.start()

    def lines(self) -> list[dict]:
        """The request log's lines this worker wrote, in order."""
        return [
            orjson.loads(line)
            for line in self.log.read_text(errors="replace").splitlines()
            if line.startswith('{"time":')
        ]


@dataclass
class Layout:
    url: str
    db: Engine
    workers: list[Worker]

    def marks(self) -> list[int]:
        """How many request-log lines each worker has written so far."""
        return [len(worker.lines()) for worker in self.workers]

    def events_since(self, marks: list[int], user_id: int, *, event: str) -> dict[int, int]:
        """How many events whose name ends in ``event`` each worker (by index) handled for
        ``user_id`` since ``marks``; workers that handled none are left out."""
        counts = {}
        for index, (worker, mark) in enumerate(zip(self.workers, marks, strict=True)):
            count = sum(
                line["type"] == "event"
                and line["user_id"] == user_id
                and line["event"].endswith(event)
                for line in worker.lines()[mark:]
            )
            if count:
                counts[index] = count
        return counts

    def user_id(self, email: str) -> int:
        with self.db.connect() as conn:
            found = conn.execute(text("SELECT id FROM users WHERE email = :e"), {"e": email})
            return found.one()[0]

    def visits_of(self, email: str) -> list[int]:
        """The appointment ids of a practitioner, in order."""
        with self.db.connect() as conn:
            return list(
                conn.execute(
                    text(
                        "SELECT a.calendar_event_id FROM appointments a JOIN users u "
                        "ON u.id = a.practitioner_id WHERE u.email = :e ORDER BY a.starts_at"
                    ),
                    {"e": email},
                ).scalars()
            )

    def stored(self, appointment_id: int) -> tuple[dict, dict]:
        """The record's drawing (with its tail) and form as the database holds them."""
        drawing, form, _ = drawings.stored(self.db, appointment_id=appointment_id)
        return drawing, form


def web_folder(root: Path) -> dict[str, str]:
    """``REFLEX_WEB_WORKDIR`` for a web folder of the project's, without its build, its
    packages linked; none where the project has no packages installed yet."""
    source = PROJECT_ROOT / ".web"
    if not (source / "node_modules").is_dir():
        return {}
    target = root / "web"
    shutil.copytree(
        source,
        target,
        ignore=shutil.ignore_patterns("node_modules", "build", ".react-router"),
        symlinks=True,
    )
    (target / "node_modules").symlink_to(source / "node_modules")
    return {"REFLEX_WEB_WORKDIR": str(target)}


def make_bucket(s3_endpoint: str, port: int) -> None:
    """The layout's bucket, taking the browser's direct uploads from the balancer's origin."""
    client = make_s3_client("us-east-1", s3_endpoint)
    client.create_bucket(Bucket=BUCKET)
    client.put_bucket_cors(
        Bucket=BUCKET,
        CORSConfiguration=browser_cors_configuration([f"http://localhost:{port}"]),
    )


@dataclass
class Parts:
    """Everything the layout needs that the test session makes."""

    db_url: str
    s3_endpoint: str
    root: Path
    port: int
    """The balancer's."""
    procs: list[subprocess.Popen] = field(default_factory=list)


def start_layout(parts: Parts, db: Engine) -> Iterator[Layout]:
    root = parts.root
    redis_port, admin_port = free_port(), free_port()
    origin = f"http://localhost:{parts.port}"
    redis_log = root / "redis.log"
    with redis_log.open("w") as out:
        redis = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(redis_port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ],
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    parts.procs.append(redis)
    env = {
        **os.environ,
        "DATABASE_URL": parts.db_url,
        "MEDREC_DATA_DIR": str(root / "data"),
        "MEDREC_DEMO_DATA": "true",
        "MEDREC_SESSION_CHECK_SECONDS": "2",
        "MEDREC_TRUSTED_PROXIES": '["127.0.0.1", "::1"]',
        "MEDREC_ALLOWED_ORIGINS": f'["{origin}"]',
        "MEDREC_SECRET_KEY": "multi-worker-test-" + "k" * 40,
        "MEDREC_STORAGE_BACKEND": "s3",
        "MEDREC_S3_BUCKET": BUCKET,
        "MEDREC_S3_ENDPOINT_URL": parts.s3_endpoint,
        "REFLEX_REDIS_URL": f"redis://127.0.0.1:{redis_port}",
        **web_folder(root),
        "REFLEX_BACKEND_ONLY": "true",
        "GRANIAN_WORKERS": "1",
        "REFLEX_TELEMETRY_ENABLED": "false",
        "REFLEX_CHECK_LATEST_VERSION": "false",
    }
    subprocess.run(
        [sys.executable, "-m", "medrec_app.cli", "prepare"], env=env, cwd=PROJECT_ROOT, check=True
    )
    frontend = root / "frontend"
    built = subprocess.run(
        [sys.executable, "-m", "medrec_app.cli", "frontend", str(frontend)],
        env={k: v for k, v in env.items() if k != "REFLEX_BACKEND_ONLY"},
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert built.returncode == 0, built.stdout[-3000:] + built.stderr[-3000:]
    workers = [Worker(free_port(), root / f"worker-{n}.log", env) for n in range(WORKERS)]
    for worker in workers:
        worker.start()
    caddy_log = root / "caddy.log"
    caddy_home = root / "caddy-home"
    with caddy_log.open("w") as out:
        caddy = subprocess.Popen(
            [
                "caddy",
                "run",
                "--config",
                str(PROJECT_ROOT / "deploy/caddy/Caddyfile"),
                "--adapter",
                "caddyfile",
            ],
            env={
                **os.environ,
                "HOME": str(caddy_home),
                "XDG_DATA_HOME": str(caddy_home),
                "XDG_CONFIG_HOME": str(caddy_home),
                "MEDREC_SITE": origin,
                "MEDREC_CADDY_ADMIN": f"localhost:{admin_port}",
                "MEDREC_FRONTEND": str(frontend),
                "MEDREC_WORKERS": " ".join(f"127.0.0.1:{w.port}" for w in workers),
            },
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    parts.procs.append(caddy)
    wait_for(f"{origin}/readyz", caddy, caddy_log)
    wait_for(f"{origin}/login", caddy, caddy_log)
    try:
        yield Layout(origin, db, workers)
    finally:
        for worker in workers:
            stop(worker.proc)
        for proc in reversed(parts.procs):
            stop(proc)
