"""HTTP/1.1 connections after an answer sent before the request body was read.

Refusing early is the point of the body limits and the sign-in checks: a 413 for a body
over the limit, a 401 or 403 before a byte of the upload is read. But a keep-alive
connection whose request body was not read to the end is not at a request boundary: the
unread bytes follow, and whether the server drains or drops them is its own affair. A
client that sends its next request on that connection (as every pooling client does)
then sees "server disconnected without sending a response", on a POST it cannot safely
repeat. Such an answer therefore says ``Connection: close``, which tells the client (and
the server) to end the connection after it, so the next request opens a new one.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send


def close_unread_bodies(app: ASGIApp) -> ASGIApp:
    """ASGI middleware: ``Connection: close`` on answers that start before the request
    body has been received in full."""

    async def wrapped(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await app(scope, receive, send)
            return
        unread = _has_body(scope)

        async def receiving() -> Message:
            nonlocal unread
            message = await receive()
            if message["type"] == "http.request" and not message.get("more_body", False):
                unread = False
            return message

        async def sending(message: Message) -> None:
            if message["type"] == "http.response.start" and unread:
                kept = [(k, v) for k, v in message.get("headers", []) if k.lower() != b"connection"]
                message = {**message, "headers": [*kept, (b"connection", b"close")]}
            await send(message)

        await app(scope, receiving, sending)

    return wrapped


def _has_body(scope: Scope) -> bool:
    for name, value in scope.get("headers", []):
        key = name.lower()
        if key == b"content-length":
            return value.strip() != b"0"
        if key == b"transfer-encoding":
            return True
    return False
