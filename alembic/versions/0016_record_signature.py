"""Record signatures: the hash of what was signed, and a signed record cannot change.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-01

Issue 14: signing stores ``signed_at``, ``signed_by_user_id`` (both since 0001) and
``signature_sha256``, the SHA-256 of the canonical JSON of the signed drawing and form
(``domain/signature.py``). The three are set together or not at all. Once signed, the
trigger ``medical_records_signed_frozen`` refuses any change of the signed documents,
template or signature, even from SQL: the services refuse first, with a message; the
trigger makes sure no path they missed can.
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel

from alembic import op
from medrec_app.domain.signature import signature_hash

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_SIGNED_COLUMNS = (
    "drawing_data",
    "form_data",
    "template_id",
    "template_version_id",
    "signed_at",
    "signed_by_user_id",
    "signature_sha256",
)


def upgrade() -> None:
    op.add_column(
        "medical_records",
        sa.Column("signature_sha256", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
    )
    _backfill()
    op.create_check_constraint(
        op.f("ck_medical_records_signature_together"),
        "medical_records",
        "(signed_at IS NULL) = (signed_by_user_id IS NULL) "
        "AND (signed_at IS NULL) = (signature_sha256 IS NULL)",
    )
    changed = " OR ".join(f"NEW.{c} IS DISTINCT FROM OLD.{c}" for c in _SIGNED_COLUMNS)
    op.execute(
        f"""
        CREATE FUNCTION medrec_signed_record_frozen() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF OLD.signed_at IS NOT NULL AND ({changed}) THEN
                RAISE EXCEPTION 'medical record % is signed: it cannot change', OLD.id
                    USING ERRCODE = 'integrity_constraint_violation';
            END IF;
            RETURN NEW;
        END $$
        """
    )
    op.execute(
        "CREATE TRIGGER medical_records_signed_frozen BEFORE UPDATE ON medical_records "
        "FOR EACH ROW EXECUTE FUNCTION medrec_signed_record_frozen()"
    )


def _backfill() -> None:
    """Rows marked signed before sign-off existed (by hand, in SQL) get the hash of what
    they hold now, and a signer and time: the last person who changed them, and when."""
    conn = op.get_bind()
    rows = conn.execute(
        sa.text(
            "SELECT id, drawing_data, form_data FROM medical_records "
            "WHERE signed_at IS NOT NULL OR signed_by_user_id IS NOT NULL"
        )
    ).all()
    for row in rows:
        conn.execute(
            sa.text(
                "UPDATE medical_records SET signature_sha256 = :h, "
                "signed_by_user_id = COALESCE(signed_by_user_id, updated_by_user_id, "
                "created_by_user_id), signed_at = COALESCE(signed_at, updated_at) "
                "WHERE id = :i"
            ),
            {"h": signature_hash(row.drawing_data, row.form_data), "i": row.id},
        )


def downgrade() -> None:
    op.execute("DROP TRIGGER medical_records_signed_frozen ON medical_records")
    op.execute("DROP FUNCTION medrec_signed_record_frozen()")
    op.drop_constraint(op.f("ck_medical_records_signature_together"), "medical_records")
    op.drop_column("medical_records", "signature_sha256")
