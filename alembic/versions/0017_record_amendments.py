"""Record amendments: dated corrections of a signed record, each signed on its own.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-01

Issue 14 item 3: after signing, a record is corrected by amendments: a reason and text
by their author, auto-saved as a draft (one per author and record), then signed and
frozen (trigger ``record_amendments_frozen``), so the signed record's documents never
change and its amendments read in order under it.
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from sqlalchemy.dialects import postgresql

from alembic import op

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLE = "record_amendments"


def upgrade() -> None:
    op.create_table(
        TABLE,
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("medical_record_id", sa.Integer(), nullable=False),
        sa.Column("author_user_id", sa.Integer(), nullable=False),
        sa.Column("reason", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("revision", sa.Integer(), server_default="0", nullable=False),
        sa.Column(
            "created_at",
            postgresql.TIMESTAMP(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            postgresql.TIMESTAMP(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("signed_at", postgresql.TIMESTAMP(timezone=True), nullable=True),
        sa.Column("signature_sha256", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.CheckConstraint(
            "(signed_at IS NULL) = (signature_sha256 IS NULL)",
            name=op.f("ck_record_amendments_amendment_signature_together"),
        ),
        sa.ForeignKeyConstraint(
            ["medical_record_id"],
            ["medical_records.id"],
            name=op.f("fk_record_amendments_medical_record_id_medical_records"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["author_user_id"],
            ["users.id"],
            name=op.f("fk_record_amendments_author_user_id_users"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_record_amendments")),
    )
    op.create_index(
        "uq_record_amendments_one_draft",
        TABLE,
        ["medical_record_id", "author_user_id"],
        unique=True,
        postgresql_where=sa.text("signed_at IS NULL"),
    )
    op.execute(
        """
        CREATE FUNCTION medrec_signed_amendment_frozen() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF OLD.signed_at IS NOT NULL THEN
                RAISE EXCEPTION 'amendment % is signed: it cannot change', OLD.id
                    USING ERRCODE = 'integrity_constraint_violation';
            END IF;
            RETURN NEW;
        END $$
        """
    )
    op.execute(
        f"CREATE TRIGGER record_amendments_frozen BEFORE UPDATE ON {TABLE} "
        "FOR EACH ROW EXECUTE FUNCTION medrec_signed_amendment_frozen()"
    )
    op.execute(
        f"CREATE TRIGGER record_amendments_set_updated_at BEFORE UPDATE ON {TABLE} "
        "FOR EACH ROW EXECUTE FUNCTION medrec_set_updated_at()"
    )


def downgrade() -> None:
    op.drop_table(TABLE)
    op.execute("DROP FUNCTION medrec_signed_amendment_frozen()")
