"""Test helpers: a real HTTP server for ASGI apps and a tiny HTTP client."""

from __future__ import annotations

import asyncio
import socket
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from granian.constants import Interfaces
from granian.server.embed import Server
from starlette.types import ASGIApp


@dataclass
class HttpResult:
    status: int
    headers: dict[str, str]
    body: bytes


def http_request(
    url: str, *, method: str = "GET", headers: dict[str, str] | None = None
) -> HttpResult:
    """Fetch ``url``; 4xx/5xx come back as results, not exceptions."""
    request = urllib.request.Request(url, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return HttpResult(response.status, _lower(response.headers.items()), response.read())
    except urllib.error.HTTPError as error:
        with error:
            return HttpResult(error.code, _lower(error.headers.items()), error.read())


def _lower(items: Iterable[tuple[str, str]]) -> dict[str, str]:
    return {name.lower(): value for name, value in items}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_until_listening(port: int, thread: threading.Thread, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not thread.is_alive():
            raise RuntimeError("HTTP server thread exited during startup")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.01)
    raise TimeoutError(f"nothing listening on port {port} after {timeout}s")


@contextmanager
def serve_asgi(app: ASGIApp) -> Iterator[str]:
    """Serve ``app`` over real HTTP with granian's embedded server; yields the base URL.

    Granian needs a port number up front, so a free one is picked just before binding.
    """
    port = _free_port()
    server = Server(
        app, address="127.0.0.1", port=port, interface=Interfaces.ASGI, log_enabled=False
    )
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_until_complete, args=(server.serve(),), daemon=True)
    thread.start()
    try:
        _wait_until_listening(port, thread)
        yield f"http://127.0.0.1:{port}"
    finally:
        loop.call_soon_threadsafe(server.stop)
        thread.join(timeout=10)
        loop.close()
