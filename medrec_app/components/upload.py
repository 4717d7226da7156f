"""The file upload widget: a Reflex wrapper around ``assets/upload/medrec_upload.jsx``.

The JSX shows a drop zone and a "Choose files" button, and uploads each file in its own
same-origin ``POST`` (``multipart/form-data``, one part named ``file``) to
``upload_url``, with a progress bar and a Cancel button per file; at most
``max_concurrent`` files are in flight at once. The session cookie authenticates the
request, so the route behind ``upload_url`` checks the user, the clinic, the size and
the content; the widget's size check only gives an early message.

For every file the server accepts (HTTP 201) ``on_uploaded`` receives the server's JSON,
``{"file_id", "file_name", "file_type", "file_size", "page_count", "s3_url"}``. Refusals
show the server's ``error.message`` beside the file and fire nothing.

Show the widget only to roles that may upload; hiding it is for people, the route is
what refuses.
"""

from __future__ import annotations

from typing import Any

import reflex as rx

from medrec_app.domain.file_types import accept_filter
from medrec_app.settings import get_settings

UPLOAD_LIBRARY = "$/public/upload/medrec_upload.jsx"
# What the file dialog offers; the server decides from the bytes.
ACCEPTED = accept_filter()
MAX_CONCURRENT = 2


class MedrecUpload(rx.Component):
    """``<MedrecUpload>`` from the app's own assets (plain React, no npm packages)."""

    library = UPLOAD_LIBRARY
    tag = "MedrecUpload"

    upload_url: rx.Var[str]
    """Same-origin URL to POST each file to; ``""`` disables the widget."""
    max_bytes: rx.Var[int]
    """Files larger than this are refused in the browser before sending; 0 means no check."""
    max_concurrent: rx.Var[int]
    """Uploads in flight at once; the others wait."""
    accept: rx.Var[str]
    """The file dialog's filter (a hint only)."""

    on_uploaded: rx.EventHandler[rx.event.passthrough_event_spec(dict)]
    """Receives the server's JSON for each accepted file."""


def upload_widget(upload_url: Any, on_uploaded: Any, **props: Any) -> rx.Component:
    """The widget with the app's limits: ``max_upload_bytes`` from settings, 2 at a time.

    ``upload_url`` is usually a state var such as ``"/api/patients/7/files"``;
    ``on_uploaded`` an event handler taking one ``dict``.
    """
    props.setdefault("max_bytes", get_settings().max_upload_bytes)
    props.setdefault("max_concurrent", MAX_CONCURRENT)
    props.setdefault("accept", ACCEPTED)
    return MedrecUpload.create(upload_url=upload_url, on_uploaded=on_uploaded, **props)
