"""``/audit``: state (``state.py``) and layout (``view.py``)."""

from medrec_app.pages.audit.state import AuditState
from medrec_app.pages.audit.view import audit_page

__all__ = ["AuditState", "audit_page"]
