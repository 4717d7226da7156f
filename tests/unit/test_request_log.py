"""The request log's lines: JSON with ids, route, status and duration, and nothing else."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import httpx
import orjson
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from medrec_app import log_redaction, request_log
from medrec_app.api.request_logging import log_requests

KEYS = ["time", "type", "request_id", "user_id", "clinic_id"]


class Lines(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.texts: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.texts.append(record.getMessage())

    def parsed(self) -> list[dict]:
        return [orjson.loads(text) for text in self.texts]


@pytest.fixture
def lines() -> Iterator[Lines]:
    """The request log's lines as the server writes them, through the redacting factory."""
    log_redaction.install()
    handler = Lines()
    request_log.log.addHandler(handler)
    level = request_log.log.level
    request_log.log.setLevel(logging.INFO)
    yield handler
    request_log.log.removeHandler(handler)
    request_log.log.setLevel(level)


def test_a_line_holds_ids_route_status_and_duration_as_json(lines: Lines) -> None:
    facts = request_log.begin()
    request_log.note_actor(7, 2)
    request_log.write(facts, kind="http", status=201, seconds=0.01234, method="POST", route="/x")
    [line] = lines.parsed()
    assert list(line) == [*KEYS, "method", "route", "status", "duration_ms"]
    assert line["time"].endswith("Z") and len(line["request_id"]) == 16
    assert (line["user_id"], line["clinic_id"], line["status"]) == (7, 2, 201)
    assert (line["method"], line["route"], line["duration_ms"]) == ("POST", "/x", 12.3)


def test_a_link_secret_in_the_route_is_not_written(lines: Lines) -> None:
    secret = "mrp_" + "Ab3" * 14
    for route in (f"/phone/{secret}", f"/set-password/mrs_{'x' * 40}"):
        request_log.write(request_log.begin(), kind="http", status=200, seconds=0, route=route)
    assert "mrp_" not in " ".join(lines.texts) and "x" * 40 not in " ".join(lines.texts)
    assert [line["route"].split("/")[1] for line in lines.parsed()] == ["phone", "set-password"]


def test_an_outcome_noted_by_the_code_replaces_the_status(lines: Lines) -> None:
    facts = request_log.begin()
    request_log.note_outcome("refused")
    request_log.write(facts, kind="event", status="ok", seconds=0.002, event="state.x.save")
    assert lines.parsed()[0]["status"] == "refused"


def test_without_a_request_being_logged_noting_an_actor_does_nothing() -> None:
    request_log._current.set(None)
    request_log.note_actor(1, 1)
    assert request_log.current() is None


def _app() -> Starlette:
    def hello(request: Request) -> PlainTextResponse:
        request_log.note_actor(3, 1)
        return PlainTextResponse("hi")

    def broken(request: Request) -> PlainTextResponse:
        raise RuntimeError("boom")

    return Starlette(routes=[Route("/hello/{n}", hello), Route("/broken", broken)])


async def _three_requests() -> list[httpx.Response]:
    transport = httpx.ASGITransport(app=log_requests(_app()), raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://medrec") as client:
        return [
            await client.get(path)
            for path in ("/hello/12?name=Ada+Lovelace", "/nowhere", "/broken")
        ]


def test_each_http_request_gets_a_line_and_its_id_in_the_answer(lines: Lines) -> None:
    # In a thread of its own: the browser tests' Playwright keeps an event loop running
    # in the main thread for the whole session.
    with ThreadPoolExecutor(1) as thread:
        ok, missing, failed = thread.submit(asyncio.run, _three_requests()).result()
    hello, nowhere, broken = lines.parsed()
    assert ok.headers["x-request-id"] == hello["request_id"]
    assert (hello["route"], hello["status"], hello["user_id"], hello["clinic_id"]) == (
        "/hello/12",
        200,
        3,
        1,
    )
    assert "Ada" not in " ".join(lines.texts)  # the query string is never written
    assert (nowhere["status"], nowhere["user_id"], missing.status_code) == (404, None, 404)
    assert (broken["status"], failed.status_code) == (500, 500)


def test_only_the_request_logger_passes_json_unredacted(lines: Lines) -> None:
    other = Lines()
    logger = logging.getLogger("medrec.somewhere")
    logger.addHandler(other)
    try:
        logger.warning('{"patient": "Ada Lovelace"}')
    finally:
        logger.removeHandler(other)
    assert other.texts == ["{…}"]
