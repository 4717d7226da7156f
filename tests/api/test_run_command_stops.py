"""``./scripts/run`` stops everything it started on SIGTERM (what systemd, Docker and
Kubernetes send) and on SIGINT (Ctrl-C), also when the signal comes during start-up, and
stops the embedded database when the app server dies on its own.

Each case starts the real run command on embedded defaults (no ``DATABASE_URL``) in a
fresh data folder, signals that one process, and then looks for leftovers: processes of
its sessions, the embedded PostgreSQL, a listener on the app port or the database socket.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import psutil
import pytest

from medrec_app.settings import PROJECT_ROOT
from tests.e2e.conftest import START_TIMEOUT_S, _free_port
from tests.support import http_request

STOP_TIMEOUT_S = 60


class RunCommand:
    """``./scripts/run`` in a session of its own, and every process it has started."""

    def __init__(self, data_dir: Path, log: Path) -> None:
        self.port = _free_port()
        self.pg_dir = data_dir / "pg"
        self.log = log
        env = {k: v for k, v in os.environ.items() if not k.startswith(("MEDREC_", "DATABASE"))}
        env.update(MEDREC_DATA_DIR=str(data_dir), MEDREC_PORT=str(self.port))
        with self.log.open("w") as out:
            self.proc = subprocess.Popen(
                [str(PROJECT_ROOT / "scripts" / "run")],
                cwd=PROJECT_ROOT,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self.sessions = {self.proc.pid}
        self.socket: Path | None = None

    def output(self) -> str:
        return self.log.read_text()[-4000:]

    def postmaster(self) -> tuple[int, Path, str] | None:
        """The embedded PostgreSQL's pid, socket and status, from its ``postmaster.pid``."""
        try:
            lines = (self.pg_dir / "postmaster.pid").read_text().splitlines()
        except FileNotFoundError:
            return None
        if len(lines) < 8:
            return None
        socket = Path(lines[4]) / f".s.PGSQL.{lines[3]}"
        self.socket = socket
        return int(lines[0]), socket, lines[7].strip()

    def processes(self) -> list[psutil.Process]:
        """Live processes: the command, its descendants, anything in the sessions they lead
        (the app server runs in its own), and the embedded PostgreSQL with its workers."""
        found: list[psutil.Process] = []
        for pid in [self.proc.pid, *self._postmaster_pid()]:
            found += _with_children(pid)
        self.sessions |= {_session(p.pid) for p in found} - {None}
        found += [p for p in psutil.process_iter() if _session(p.pid) in self.sessions]
        return sorted({p.pid: p for p in found if _alive(p)}.values(), key=lambda p: p.pid)

    def _postmaster_pid(self) -> list[int]:
        info = self.postmaster()
        return [info[0]] if info else []

    def kill_all(self) -> None:
        for p in self.processes():
            with contextlib.suppress(psutil.NoSuchProcess):
                p.kill()
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()


@pytest.fixture
def run_command(tmp_path: Path) -> Iterator[RunCommand]:
    """The run command on a fresh data folder, killed with all it started after the test.

    The folder is not under pytest's temporary root: PostgreSQL runs as its own user
    (when the tests run as root), and each pytest run, in any checkout, makes that root
    private to the user again and deletes older runs' folders.
    """
    (PROJECT_ROOT / "data").mkdir(exist_ok=True)
    data_dir = Path(tempfile.mkdtemp(prefix="test-run-", dir=PROJECT_ROOT / "data"))
    run = RunCommand(data_dir, tmp_path / "run.log")
    try:
        yield run
    finally:
        run.kill_all()
        shutil.rmtree(data_dir)


def _with_children(pid: int) -> list[psutil.Process]:
    try:
        parent = psutil.Process(pid)
        return [parent, *parent.children(recursive=True)]
    except psutil.NoSuchProcess:
        return []


def _session(pid: int) -> int | None:
    try:
        return os.getsid(pid)
    except OSError:
        return None


def _alive(p: psutil.Process) -> bool:
    try:
        return p.status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def _wait_until(condition: Callable[[], bool], timeout: float, what: str, run: RunCommand) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} within {timeout}s; output:\n{run.output()}")
        time.sleep(0.2)


def _listening_tcp_ports() -> set[int]:
    ports = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            if fields[3] == "0A":  # LISTEN
                ports.add(int(fields[1].rsplit(":", 1)[1], 16))
    return ports


def _unix_socket_paths() -> set[str]:
    lines = Path("/proc/net/unix").read_text().splitlines()[1:]
    return {fields[7] for fields in map(str.split, lines) if len(fields) > 7}


def _wait_until_serving(run: RunCommand) -> None:
    def pings() -> bool:
        assert run.proc.poll() is None, f"run exited with {run.proc.returncode}:\n{run.output()}"
        try:
            return http_request(f"http://127.0.0.1:{run.port}/ping").status == 200
        except OSError:
            return False

    _wait_until(pings, START_TIMEOUT_S, "the app did not answer /ping", run)


def _wait_until_database_ready(run: RunCommand) -> None:
    def ready() -> bool:
        info = run.postmaster()
        return info is not None and info[2] == "ready" and _alive(psutil.Process(info[0]))

    _wait_until(ready, START_TIMEOUT_S, "the embedded PostgreSQL did not start", run)


def _app_server(run: RunCommand) -> psutil.Process:
    """The ``reflex run`` process the command started (the leader of its own session)."""
    children = psutil.Process(run.proc.pid).children()
    servers = [p for p in children if "reflex" in " ".join(p.cmdline())]
    assert len(servers) == 1, [p.cmdline() for p in children]
    return servers[0]


def _assert_everything_stopped(run: RunCommand, started: list[psutil.Process]) -> None:
    _wait_until(lambda: run.proc.poll() is not None, STOP_TIMEOUT_S, "run did not exit", run)
    left = lambda: [p for p in started if _alive(p)] + run.processes()  # noqa: E731
    _wait_until(lambda: not left(), STOP_TIMEOUT_S, "processes were left running", run)
    assert run.port not in _listening_tcp_ports(), run.output()
    assert run.socket is not None
    assert str(run.socket) not in _unix_socket_paths(), run.output()
    assert not run.socket.exists(), run.output()


def _assert_app_and_database_running(run: RunCommand) -> list[psutil.Process]:
    started = run.processes()
    names = " ".join(" ".join(p.cmdline()) for p in started)
    assert "reflex run" in names, names
    info = run.postmaster()
    assert info is not None and info[0] in {p.pid for p in started}
    assert str(info[1]) in _unix_socket_paths()
    assert run.port in _listening_tcp_ports()
    return started


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_a_stop_signal_stops_the_app_server_and_the_embedded_database(
    run_command: RunCommand, signum: signal.Signals
) -> None:
    _wait_until_serving(run_command)
    started = _assert_app_and_database_running(run_command)

    os.kill(run_command.proc.pid, signum)

    _assert_everything_stopped(run_command, started)
    assert run_command.proc.returncode == 0, run_command.output()


def test_sigterm_during_start_up_stops_the_embedded_database(run_command: RunCommand) -> None:
    _wait_until_database_ready(run_command)
    started = run_command.processes()

    os.kill(run_command.proc.pid, signal.SIGTERM)

    _assert_everything_stopped(run_command, started)
    assert run_command.proc.returncode == 0, run_command.output()


def test_when_the_app_server_dies_the_database_stops_and_run_fails(
    run_command: RunCommand,
) -> None:
    _wait_until_serving(run_command)
    started = _assert_app_and_database_running(run_command)

    _app_server(run_command).kill()

    _assert_everything_stopped(run_command, started)
    assert run_command.proc.returncode not in (0, None), run_command.output()
    assert "exited" in run_command.output()
