"""Reflex configuration. Everything configurable comes from medrec_app/settings.py."""

import os

import reflex as rx
from reflex.constants import StateManagerMode

from medrec_app.settings import get_settings

settings = get_settings()
# A backend-only run (the REST API tests) must not name a frontend port: Reflex refuses
# one then. The flag is read from the environment, as Reflex reads it after this file.
backend_only = os.environ.get("REFLEX_BACKEND_ONLY", "").lower() in ("1", "true", "yes")

config = rx.Config(
    app_name="medrec_app",
    telemetry_enabled=False,
    show_built_with_reflex=False,
    plugins=[rx.plugins.RadixThemesPlugin(theme=rx.theme(accent_color="teal", radius="medium"))],
    disable_plugins=[rx.plugins.SitemapPlugin],
    # Reflex allows every origin, with credentials, unless told otherwise.
    cors_allowed_origins=settings.cors_origins,
    # Page state holds patient data: keep it in memory (one process) or in Redis (several
    # workers), never in Reflex's default pickles on local disk.
    state_manager_mode=(
        StateManagerMode.REDIS if os.environ.get("REFLEX_REDIS_URL") else StateManagerMode.MEMORY
    ),
    frontend_port=None if backend_only else settings.port,
    backend_port=settings.port,
)
