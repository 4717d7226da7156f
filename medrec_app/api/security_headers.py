"""ASGI middleware: the security and caching headers of every HTTP answer.

Every answer, pages, the REST API, sign-in, file links and Reflex's own routes alike, says:
- ``Content-Security-Policy`` (``content_policy.py``), with ``frame-ancestors 'none'`` and
  ``X-Frame-Options: DENY`` so no other site can frame a signed-in page;
- ``X-Content-Type-Options: nosniff``, ``Referrer-Policy: same-origin`` and a
  ``Permissions-Policy`` denying the device features the app does not use;
- ``Strict-Transport-Security`` when the browser's connection is HTTPS (the scheme as
  resolved through the trusted proxies, so this sits inside ``behind_proxies``);
- ``Cache-Control: no-store`` unless the answer set its own: patient data must not stay
  in browser or proxy caches. Only the build's content-hashed files under ``/assets/``,
  which hold no data, may be cached for good.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from reflex.constants import Dirs
from reflex.utils.prerequisites import get_web_dir
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from medrec_app.api.content_policy import content_security_policy, inline_script_hashes, link_origin
from medrec_app.storage import get_store

PERMISSIONS_POLICY = ", ".join(
    f"{feature}=()"
    for feature in (
        "camera", "microphone", "geolocation", "payment", "usb", "serial", "bluetooth",
        "hid", "midi", "display-capture", "publickey-credentials-get", "browsing-topics",
    )
)  # fmt: skip
HSTS = "max-age=31536000; includeSubDomains"
IMMUTABLE = "public, max-age=31536000, immutable"
FIXED_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Permissions-Policy": PERMISSIONS_POLICY,
}


def current_policy() -> str:
    """The policy for the frontend build and file store this process serves."""
    probe = get_store().url_for("csp-probe", expires_in=60, content_type="image/png")
    return content_security_policy(
        inline_script_hashes(get_web_dir() / Dirs.STATIC), link_origin(probe)
    )


def _once(make: Callable[[], str]) -> Callable[[], str]:
    """``make()`` on first use (the build exists by the first request), then kept."""
    lock, made = threading.Lock(), []

    def get() -> str:
        with lock:
            if not made:
                made.append(make())
            return made[0]

    return get


def security_headers(app: ASGIApp, policy: Callable[[], str] = current_policy) -> ASGIApp:
    csp = _once(policy)

    async def wrapped(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await app(scope, receive, send)
            return

        async def sending(message: Message) -> None:
            if message["type"] == "http.response.start":
                message.setdefault("headers", [])
                headers = MutableHeaders(scope=message)
                for name, value in FIXED_HEADERS.items():
                    headers.setdefault(name, value)
                headers.setdefault("Content-Security-Policy", csp())
                if scope.get("scheme") == "https":
                    headers.setdefault("Strict-Transport-Security", HSTS)
                cached = IMMUTABLE if scope["path"].startswith("/assets/") else "no-store"
                headers.setdefault("Cache-Control", cached)
            await send(message)

        await app(scope, receive, sending)

    return wrapped
