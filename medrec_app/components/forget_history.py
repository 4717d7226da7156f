"""Forgets the canvases' undo and redo kept in the browser (``assets/record``).

Placed on the sign-in page: whoever signs in next at a shared computer starts without
the previous person's undo. Unsaved changes are not touched; they are still sent.
"""

from __future__ import annotations

import reflex as rx


class ForgetHistory(rx.Component):
    library = "$/public/record/forget_history.jsx"
    tag = "ForgetHistory"


forget_history = ForgetHistory.create
