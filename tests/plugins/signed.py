"""Marking a record signed in SQL, for tests whose subject is what a signature forbids
(signing itself is tested through ``services/records/signing.py``)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import text

from medrec_app.domain.signature import signature_hash


def mark_signed(conn: Any, record_id: int) -> None:
    """Sign record ``record_id`` as its creator, now; ``conn`` is a connection or session."""
    drawing, form = conn.execute(
        text("SELECT drawing_data, form_data FROM medical_records WHERE id = :r"),
        {"r": record_id},
    ).one()
    conn.execute(
        text(
            "UPDATE medical_records SET signed_at = now(), signed_by_user_id = "
            "created_by_user_id, signature_sha256 = :h WHERE id = :r"
        ),
        {"h": signature_hash(drawing, form), "r": record_id},
    )
