"""What the load balancer in front of several workers must know, written for Caddy.

With several workers the frontend is static files the balancer serves itself, and
everything else goes to a worker. Two things would otherwise be copied by hand into the
balancer's configuration and drift: which paths are the backend's, and the headers every
answer carries (``security_headers.py``: the policy hashes the build's inline scripts).
Both are generated here from the app's own routes and header rules, beside the build
they belong to (``python -m medrec_app.cli frontend DIR``), and the Caddyfile imports them.
"""

from __future__ import annotations

from starlette.routing import BaseRoute, Mount, Route

from medrec_app.api.security_headers import FIXED_HEADERS, HSTS, IMMUTABLE

REFLEX_PATHS = ["/_*", "/ping"]
"""Reflex's own: the event socket (``/_event``), ``/_health``, ``/_upload`` and ``/ping``."""


def backend_paths(routes: list[BaseRoute]) -> list[str]:
    """Caddy path patterns for ``routes`` (our HTTP routes) and Reflex's own."""
    paths = []
    for route in routes:
        path = route.path if isinstance(route, Route | Mount) else None
        if not path:
            continue
        literal, brace, _ = path.partition("{")
        paths.append(f"{literal.rstrip('/')}/*" if brace or isinstance(route, Mount) else path)
    return list(dict.fromkeys([*paths, *REFLEX_PATHS]))


def backend_matcher(paths: list[str]) -> str:
    """The named matcher the Caddyfile proxies to the workers."""
    return f"@backend path {' '.join(paths)}\n"


def static_headers(policy: str) -> str:
    """The headers of a static answer, as the workers give theirs (HTTPS at Caddy)."""
    headers = {
        **FIXED_HEADERS,
        "Content-Security-Policy": policy,
        "Strict-Transport-Security": HSTS,
    }
    lines = [f"header {name} {_quoted(value)}" for name, value in headers.items()]
    lines.append('header @pages Cache-Control "no-store"')
    lines.append(f"header @assets Cache-Control {_quoted(IMMUTABLE)}")
    return "@assets path /assets/*\n@pages not path /assets/*\n" + "\n".join(lines) + "\n"


def _quoted(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
