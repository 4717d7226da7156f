"""The balancer's generated snippets: the workers' paths and the static answers' headers."""

from __future__ import annotations

from starlette.routing import Mount, Route

from medrec_app.api.balancer import backend_matcher, backend_paths, static_headers


def _page(request):  # pragma: no cover - never called
    raise AssertionError


def test_routes_become_caddy_path_patterns_with_reflex_own() -> None:
    routes = [
        Route("/healthz", _page),
        Route("/set-password/{secret}", _page),
        Route("/files/{key:path}", _page),
        Mount("/api", routes=[]),
    ]
    paths = backend_paths(routes)
    assert paths == ["/healthz", "/set-password/*", "/files/*", "/api/*", "/_*", "/ping"]
    assert backend_matcher(paths) == f"@backend path {' '.join(paths)}\n"


def test_the_real_app_routes_cover_the_api_auth_and_files() -> None:
    from medrec_app.api import build_api

    paths = backend_paths(build_api().routes)
    for expected in ("/api/*", "/auth/sign-in", "/phone/*", "/readyz", "/exports/audit.csv"):
        assert expected in paths


def test_static_answers_get_the_workers_headers_and_pages_are_not_cached() -> None:
    snippet = static_headers("default-src 'self'; script-src 'sha256-a\"b'")
    assert (
        "header Content-Security-Policy \"default-src 'self'; script-src 'sha256-a\\\"b'\""
        in snippet
    )
    assert 'header X-Frame-Options "DENY"' in snippet
    assert 'header @pages Cache-Control "no-store"' in snippet
    assert "@assets path /assets/*" in snippet and "immutable" in snippet
