"""Helpers for the API tests: patient files stored as the app stores them, audit rows."""

from __future__ import annotations

import io
from typing import Any

from sqlmodel import col, select

from medrec_app.db import session_scope
from medrec_app.models import AuditEvent, PatientFile
from medrec_app.storage import get_store, patient_file_key

# A one-page PDF, small enough to read: enough for a browser or pypdf to open.
PDF_BYTES = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 200]>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)
PNG_BYTES = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"
    b"\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\xff\xff?\x00\x05\xfe\x02\xfe\xa7\x35\x81"
    b"\x84\x00\x00\x00\x00IEND\xaeB`\x82"
)


def store_patient_file(
    patient_id: int,
    uploader_id: int,
    *,
    name: str = "scan.pdf",
    file_type: str = "application/pdf",
    content: bytes = PDF_BYTES,
    page_count: int | None = 1,
) -> int:
    """A patient file in the blob store and ``patient_files``, as an upload leaves it."""
    store = get_store()
    ext = "pdf" if file_type == "application/pdf" else "png"
    with session_scope() as session:
        row = PatientFile(
            patient_id=patient_id,
            file_name=name,
            file_type=file_type,
            file_size=len(content),
            s3_key=f"pending/{patient_id}/{name}",
            s3_bucket=store.bucket,
            uploaded_by_user_id=uploader_id,
            page_count=page_count if file_type == "application/pdf" else None,
        )
        session.add(row)
        session.flush()
        row.s3_key = patient_file_key(patient_id, row.id, ext)
        store.put(row.s3_key, io.BytesIO(content), file_type)
        return row.id


def audit_rows(**where: Any) -> list[AuditEvent]:
    with session_scope() as session:
        query = select(AuditEvent).order_by(col(AuditEvent.id))
        for key, value in where.items():
            query = query.where(getattr(AuditEvent, key) == value)
        return list(session.exec(query).all())
