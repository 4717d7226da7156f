"""Ids in REST paths: whole numbers within the range of a row id (``domain/ids.py``).

Anything else (``2147483648``, ``-1``, ``²``) answers 422 with the parameter's path
before any service runs, like every other invalid input.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Path

from medrec_app.domain.ids import MAX_ID

RecordId = Annotated[int, Path(ge=1, le=MAX_ID, description="The record's id.")]
PatientId = Annotated[int, Path(gt=0, le=MAX_ID)]
FileId = Annotated[int, Path(gt=0, le=MAX_ID)]
TemplateId = Annotated[int, Path(gt=0, le=MAX_ID)]
AmendmentId = Annotated[int, Path(gt=0, le=MAX_ID)]
