"""The record editor page: its state (``state.py``) and its layout (``view.py``)."""

from medrec_app.pages.record.state import EditorState
from medrec_app.pages.record.view import record_page

__all__ = ["EditorState", "record_page"]
