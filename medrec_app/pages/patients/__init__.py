"""The patient pages: state (``state.py``) and layout (``view.py``)."""

from medrec_app.pages.patients.state import PatientFilesState, PatientSearchState
from medrec_app.pages.patients.view import patient_page, patients_page

__all__ = ["PatientFilesState", "PatientSearchState", "patient_page", "patients_page"]
