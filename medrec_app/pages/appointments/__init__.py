"""The first page: the day's appointments (``state.py``, ``view.py``) and booking."""

from medrec_app.pages.appointments.state import AppointmentsState
from medrec_app.pages.appointments.view import appointments_page

__all__ = ["AppointmentsState", "appointments_page"]
