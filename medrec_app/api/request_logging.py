"""The request log's two sources (``request_log.py``): HTTP requests and Reflex events.

HTTP requests pass an ASGI wrapper that times them to the end of their response and
answers with the line's ``X-Request-Id``. Reflex events are timed by Reflex's own trace
points (``reflex_base.otel``), switched on here with an OpenTelemetry tracer provider
whose one span processor writes each finished event's line; a Reflex middleware starts
the event's facts before its handler runs. Reflex 0.10 calls no middleware after an
event, so the span is the one hook that sees an event end, with its duration and
whether it raised. Every event is recorded: the sampler ignores a trace context the
browser sends, which could otherwise switch its events' lines off.
"""

from __future__ import annotations

import time
from typing import Any

import reflex as rx
from opentelemetry.sdk.trace import ReadableSpan, SpanProcessor, TracerProvider
from opentelemetry.sdk.trace.sampling import ALWAYS_ON
from reflex.middleware import Middleware
from reflex_base import otel
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from medrec_app import request_log

EVENT_NAME = otel.ATTR_EVENT_NAME


def log_requests(app: ASGIApp) -> ASGIApp:
    """``app`` with one request-log line per HTTP request (websockets pass as they are)."""

    async def logged(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await app(scope, receive, send)
            return
        facts = request_log.begin()
        started = time.perf_counter()
        status = 500  # what the client sees if the app fails before it answers

        async def answering(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                named = (b"x-request-id", facts.request_id.encode())
                message = {**message, "headers": [*message.get("headers", []), named]}
            await send(message)

        try:
            await app(scope, receive, answering)
        finally:
            request_log.write(
                facts,
                kind="http",
                status=status,
                seconds=time.perf_counter() - started,
                method=scope["method"],
                route=scope["path"],
            )

    return logged


class _EventFacts(Middleware):
    """Starts each event's facts, in the task that then runs its handler."""

    async def preprocess(self, app: Any, state: Any, event: Any) -> None:
        request_log.begin()
        return None


class _EventLines(SpanProcessor):
    """Writes the line of each Reflex event when its span ends (in the event's task)."""

    def on_end(self, span: ReadableSpan) -> None:
        name = (span.attributes or {}).get(EVENT_NAME)
        if not isinstance(name, str) or span.start_time is None or span.end_time is None:
            return
        facts = request_log.current() or request_log.RequestFacts()
        request_log.write(
            facts,
            kind="event",
            status="ok" if span.status.is_ok else "error",
            seconds=(span.end_time - span.start_time) / 1e9,
            event=name,
        )


def log_events(app: rx.App) -> None:
    """One request-log line per Reflex event of ``app``, from now on in this process."""
    app.add_middleware(_EventFacts())
    provider = TracerProvider(sampler=ALWAYS_ON)
    provider.add_span_processor(_EventLines())
    otel.enable(tracer_provider=provider)
