"""ASGI middleware: the real client address and scheme of requests through trusted proxies.

Rewrites the ASGI scope (``client`` and ``scheme``) once, at the outermost layer, so that
everything inside sees the browser's side of the connection: Starlette's
``request.client`` and ``request.url`` (the sign-in cookie's ``Secure`` flag, the
same-origin check), the security headers (HSTS), Reflex's ``router.session.client_ip``
on the websocket, and the audit rows written while the request runs.
"""

from __future__ import annotations

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Receive, Scope, Send

from medrec_app.domain.forwarding import resolve_peer
from medrec_app.services import audit
from medrec_app.settings import get_settings

_SECURE = {"http": "https", "websocket": "wss"}


def behind_proxies(app: ASGIApp) -> ASGIApp:
    trusted = get_settings().trusted_proxy_networks

    async def wrapped(scope: Scope, receive: Receive, send: Send) -> None:
        kind = scope["type"]
        if kind not in _SECURE:
            await app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        host, port = scope.get("client") or ("", 0)
        peer = resolve_peer(
            host,
            scope.get("scheme") in _SECURE.values(),
            headers.get("x-forwarded-for"),
            headers.get("x-forwarded-proto"),
            trusted,
        )
        scheme = _SECURE[kind] if peer.https else kind.replace("websocket", "ws")
        scope = {**scope, "client": (peer.ip, port), "scheme": scheme}
        with audit.client_address(peer.ip):
            await app(scope, receive, send)

    return wrapped
