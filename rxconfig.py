"""Reflex configuration. Everything configurable comes from medrec_app/settings.py."""

import os

import reflex as rx
from reflex.constants import StateManagerMode

from medrec_app.settings import get_settings

settings = get_settings()

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
    frontend_port=settings.port,
    backend_port=settings.port,
)
