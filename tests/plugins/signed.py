"""Marking a record signed in SQL, for tests whose subject is what a signature forbids
(signing itself is tested through ``services/records/signing.py``)."""

from __future__ import annotations

from typing import Any

import orjson
from sqlalchemy import text

from medrec_app.domain.signature import signature_hash
from tests.plugins.drawings import stored


def mark_signed(conn: Any, record_id: int) -> None:
    """Sign record ``record_id`` as its creator, now; ``conn`` is a connection or session.
    The drawing is written whole first, as signing folds its tail."""
    drawing, form, _ = stored(conn, record_id=record_id)
    conn.execute(
        text(
            "UPDATE medical_records SET drawing_data = CAST(:d AS jsonb), signed_at = now(), "
            "signed_by_user_id = created_by_user_id, signature_sha256 = :h WHERE id = :r"
        ),
        {"d": orjson.dumps(drawing).decode(), "h": signature_hash(drawing, form), "r": record_id},
    )
