"""Admin page: the clinic's templates. Create, open, duplicate, make default, archive."""

from __future__ import annotations

import dataclasses
from typing import Any

import reflex as rx

from medrec_app.components.labels import labelled, visually_hidden
from medrec_app.components.layout import signed_in_page
from medrec_app.components.messages import page_message
from medrec_app.components.table import data_table
from medrec_app.domain.permissions import Action, can
from medrec_app.services import template_builder
from medrec_app.state import AuthState, row_id, service_event


@dataclasses.dataclass
class TemplateRow:
    template_id: int
    name: str
    description: str
    state: str
    is_default: bool
    archived: bool
    records: int


def _state(published: int, has_draft: bool, archived: bool) -> str:
    if archived:
        return "Archived"
    shown = f"Version {published}" if published else "Never published"
    return f"{shown}, draft open" if has_draft and published else shown


class CatalogueState(AuthState):
    templates: list[TemplateRow] = []
    allowed: bool = False
    message: str = ""
    message_is_error: bool = False

    def _say(self, text: str, *, error: bool = False) -> None:
        self.message, self.message_is_error = text, error

    def _refused(self, message: str) -> None:
        self._say(message, error=True)

    def _refresh(self) -> None:
        self.templates = [
            TemplateRow(
                template_id=t.id,
                name=t.name,
                description=t.description,
                state=_state(t.published_version, t.has_draft, t.archived),
                is_default=t.is_default,
                archived=t.archived,
                records=t.records,
            )
            for t in self._call(template_builder.list_for_admin)
        ]

    @service_event
    def load(self) -> None:
        actor = self._begin_page()
        self._say("")
        self.allowed = can(actor.role, Action.MANAGE_TEMPLATES)
        self.templates = []
        if self.allowed:
            self._refresh()

    @service_event
    def create(self, form: dict[str, Any]) -> rx.event.EventSpec:
        self._say("")
        template_id = self._call(
            template_builder.create_template, str(form.get("name") or "")[:300]
        )
        return rx.redirect(f"/admin/templates/{template_id}")

    @service_event
    def duplicate(self, template_id: int) -> rx.event.EventSpec:
        copy = self._call(template_builder.duplicate_template, row_id(template_id, "template"))
        return rx.redirect(f"/admin/templates/{copy}")

    @service_event
    def make_default(self, template_id: int) -> None:
        self._call(template_builder.make_default, row_id(template_id, "template"))
        self._say("New records now follow this template unless the practitioner picks another.")
        self._refresh()

    @service_event
    def set_archived(self, template_id: int, archived: bool) -> None:
        self._call(template_builder.set_archived, row_id(template_id, "template"), bool(archived))
        self._say(
            "Archived: no new record can use it; its records keep it."
            if archived
            else "Restored: new records can use it again."
        )
        self._refresh()


def _row(template: TemplateRow) -> rx.Component:
    return rx.table.row(
        rx.table.row_header_cell(
            rx.vstack(
                rx.link(
                    template.name,
                    href="/admin/templates/" + template.template_id.to_string(),
                    data_testid="template-link",
                ),
                rx.text(template.description, size="1", color="var(--gray-11)"),
                spacing="1",
            )
        ),
        rx.table.cell(
            rx.hstack(
                rx.text(template.state, data_testid="template-state"),
                rx.cond(template.is_default, rx.badge("Default", color_scheme="green")),
                spacing="2",
            )
        ),
        rx.table.cell(template.records),
        rx.table.cell(
            rx.hstack(
                rx.button(
                    "Duplicate",
                    variant="soft",
                    size="1",
                    on_click=CatalogueState.duplicate(template.template_id),
                    aria_label="Duplicate " + template.name,
                    data_testid="duplicate-template",
                ),
                rx.cond(
                    template.is_default | template.archived,
                    rx.fragment(),
                    rx.button(
                        "Make default",
                        variant="soft",
                        size="1",
                        on_click=CatalogueState.make_default(template.template_id),
                        aria_label="Make " + template.name + " the default",
                        data_testid="make-default",
                    ),
                ),
                rx.button(
                    rx.cond(template.archived, "Restore", "Archive"),
                    variant="soft",
                    size="1",
                    color_scheme=rx.cond(template.archived, "gray", "red"),
                    on_click=CatalogueState.set_archived(template.template_id, ~template.archived),
                    aria_label=rx.cond(template.archived, "Restore ", "Archive ") + template.name,
                    data_testid="archive-template",
                ),
                spacing="2",
            )
        ),
        data_testid="template-row",
        data_name=template.name,
    )


def _create_form() -> rx.Component:
    return rx.form(
        rx.hstack(
            labelled(
                "Name of a new template",
                rx.input(id="new-template-name", name="name", required=True, max_length=200),
                "new-template-name",
            ),
            rx.button("Create template", type="submit", data_testid="create-template"),
            align="end",
            spacing="3",
        ),
        on_submit=CatalogueState.create,
        reset_on_submit=True,
    )


def catalogue_page() -> rx.Component:
    return signed_in_page(
        rx.heading("Templates", as_="h1", size="6"),
        rx.cond(
            CatalogueState.allowed,
            rx.vstack(
                rx.text(
                    "A template is the form a visit's record follows. Editing one makes a "
                    "draft; publishing it makes a new version. Records keep the version "
                    "they were made with.",
                    size="2",
                ),
                page_message(
                    CatalogueState.message,
                    "templates-message",
                    is_error=CatalogueState.message_is_error,
                ),
                _create_form(),
                data_table(
                    ["Template", "State", "Records", visually_hidden("Actions")],
                    CatalogueState.templates,
                    _row,
                    "templates-table",
                ),
                width="100%",
                spacing="4",
            ),
            rx.text("Only administrators build templates."),
        ),
    )
