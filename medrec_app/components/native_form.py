"""A plain HTML form that the browser submits itself.

Reflex's ``rx.el.form`` always attaches a submit handler that prevents the native
submission. Sign-in and sign-out must reach our HTTP routes as real POSTs, so that the
server can set and clear the HttpOnly session cookie and the page reloads onto a fresh
websocket.
"""

from __future__ import annotations

import reflex as rx
from reflex_components_core.el.elements.base import BaseHTML


class NativeForm(BaseHTML):
    tag = "form"

    action: rx.Var[str]
    method: rx.Var[str]


native_form = NativeForm.create
