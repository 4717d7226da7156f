"""The Reflex app: pages and the HTTP routes mounted beside them. Nothing else."""

import reflex as rx

from medrec_app import log_redaction, request_log
from medrec_app.api import (
    behind_proxies,
    block_reflex_uploads,
    build_api,
    close_unread_bodies,
    security_headers,
)
from medrec_app.api.request_logging import log_events, log_requests
from medrec_app.api.upkeep import start_upkeep
from medrec_app.pages.account import AccountState, account_page
from medrec_app.pages.appointments import AppointmentsState, appointments_page
from medrec_app.pages.audit import AuditState, audit_page
from medrec_app.pages.demo_import import DemoImportState, demo_import_page
from medrec_app.pages.login import LoginState, login_page
from medrec_app.pages.not_found import not_found_page
from medrec_app.pages.patients import (
    PatientFilesState,
    PatientSearchState,
    patient_page,
    patients_page,
)
from medrec_app.pages.record import EditorState, record_page
from medrec_app.pages.templates.builder_state import BuilderState
from medrec_app.pages.templates.builder_view import builder_page
from medrec_app.pages.templates.catalogue import CatalogueState, catalogue_page
from medrec_app.pages.tokens import TokensState, tokens_page
from medrec_app.pages.users import UsersState, users_page
from medrec_app.settings import get_settings

# Every worker imports this module: none serves on demo defaults in production.
if problems := get_settings().production_problems():
    raise RuntimeError("MEDREC_ENV=production, but:\n- " + "\n- ".join(problems))

# This module is imported in every server process: redact the logs before anything runs.
log_redaction.install()
request_log.install()

# Each transformer wraps the ones before it: behind_proxies is the outermost but one, so
# everything inside sees the browser's address and scheme; the request log wraps it all.
app = rx.App(
    stylesheets=["/styles/contrast.css", "/styles/layout.css"],
    api_transformer=[
        build_api(),
        block_reflex_uploads,
        close_unread_bodies,
        security_headers,
        behind_proxies,
        log_requests,
    ],
)
log_events(app)
start_upkeep(app)
app.add_page(login_page, route="/login", title="Sign in · medrec", on_load=LoginState.load)
app.add_page(
    appointments_page, route="/", title="Appointments · medrec", on_load=AppointmentsState.load
)
app.add_page(
    record_page,
    route="/appointments/[appointment_id]",
    title="Record · medrec",
    on_load=EditorState.load,
)
app.add_page(
    account_page, route="/account", title="Your password · medrec", on_load=AccountState.load
)
app.add_page(users_page, route="/admin/users", title="Users · medrec", on_load=UsersState.load)
app.add_page(
    patients_page, route="/patients", title="Patients · medrec", on_load=PatientSearchState.load
)
app.add_page(
    patient_page,
    route="/patients/[patient_id]",
    title="Patient · medrec",
    on_load=PatientFilesState.load,
)
app.add_page(
    tokens_page, route="/admin/tokens", title="API tokens · medrec", on_load=TokensState.load
)
app.add_page(
    catalogue_page,
    route="/admin/templates",
    title="Templates · medrec",
    on_load=CatalogueState.load,
)
app.add_page(
    builder_page,
    route="/admin/templates/[template_id]",
    title="Template builder · medrec",
    on_load=BuilderState.load,
)
app.add_page(audit_page, route="/audit", title="Audit trail · medrec", on_load=AuditState.load)
app.add_page(
    demo_import_page,
    route="/admin/import",
    title="Import from the demo · medrec",
    on_load=DemoImportState.load,
)
app.add_page(not_found_page, route="404", title="Page not found · medrec")
