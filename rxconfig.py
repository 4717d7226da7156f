"""Reflex configuration. Everything configurable comes from medrec_app/settings.py."""

import reflex as rx

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
    frontend_port=settings.port,
    backend_port=settings.port,
)
