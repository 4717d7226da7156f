"""Exports in the record editor: make the annotated PDF and PNG of the record as saved,
and open any export made before (``services/records/export.py``).

A state mixin of ``EditorState``, which provides ``record_id``, ``save_status``,
``_pending``, ``canvas_pending`` and ``_call``. An export shows the record as the server
holds it, so the page asks to wait while it holds changes not saved yet.
"""

from __future__ import annotations

import reflex as rx

from medrec_app.domain.formatting import local_datetime
from medrec_app.pages.patients.state import open_in_new_tab
from medrec_app.services.records import export
from medrec_app.state import row_id, service_event

UNSAVED = (
    "Some changes are not saved yet. Wait until the page says “All changes saved”, "
    "then export: the export shows the record as saved."
)


class ExportMixin(rx.State, mixin=True):
    can_export: bool = False
    # The record's exported files, newest first: id, name, kind (PDF or PNG), when, by.
    exports: list[dict[str, str]] = []
    export_message: str = ""
    export_notice: str = ""

    def _load_exports(self, can_export: bool) -> None:
        self.can_export = can_export
        self.export_message = self.export_notice = ""
        listed = self._call(export.record_exports, self.record_id) if self.record_id else []
        zone = self.clinic_timezone
        self.exports = [
            {
                "id": str(f.id),
                "name": f.file_name,
                "kind": "PDF" if f.file_type == "application/pdf" else "PNG",
                "when": local_datetime(f.created_at, zone),
                "by": f.uploaded_by_name,
            }
            for f in listed
        ]

    @service_event
    def export_record(self) -> rx.event.EventSpec | None:
        """Make (or find, if unchanged) the record's export and open its PDF."""
        if self._holds_unsaved():
            self.export_message = UNSAVED
            return None
        made = self._call(export.export_record, self.record_id)
        self._load_exports(self.can_export)
        self.export_message = (
            f"The record had not changed since {made.pdf.file_name} was made: it is opened."
            if made.reused
            else f"Exported {made.pdf.file_name} and its PNG."
        )
        self.export_notice = " ".join(made.notices)
        return open_in_new_tab(made.pdf.s3_url)

    @service_event
    def open_export(self, file_id: str) -> rx.event.EventSpec:
        """Issue a short-lived link to an export now and open it in a new tab."""
        linked = self._call(export.issue_export_link, self.record_id, row_id(file_id, "file"))
        return open_in_new_tab(linked.s3_url)
