"""Amendments draw too: a drawing of their own, over the signed one, and their op log.

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-02

Issue 14 item 3: an amendment may add drawing on a new layer over the signed drawing.
It is its own document (``record_amendments.drawing_data``, lines and shapes as in the
spec's drawing), so the record's ``drawing_data`` stays the signed original; the signed
row is frozen by ``record_amendments_frozen`` like its text. The canvas re-sends an
operation until it sees it acknowledged: ``record_amendment_ops`` keeps each applied
operation once, as ``medical_record_ops`` does for records.
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from sqlalchemy.dialects import postgresql

from alembic import op

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLE = "record_amendment_ops"


def upgrade() -> None:
    op.add_column(
        "record_amendments",
        sa.Column(
            "drawing_data",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default="{}",
            nullable=False,
        ),
    )
    op.create_table(
        TABLE,
        sa.Column("id", sa.BigInteger(), sa.Identity(always=True), nullable=False),
        sa.Column("amendment_id", sa.Integer(), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("op_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column(
            "op", postgresql.JSONB(astext_type=sa.Text()), server_default="{}", nullable=False
        ),
        sa.Column(
            "applied_at",
            postgresql.TIMESTAMP(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["amendment_id"],
            ["record_amendments.id"],
            name=op.f("fk_record_amendment_ops_amendment_id_record_amendments"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_record_amendment_ops_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_record_amendment_ops")),
        sa.UniqueConstraint("amendment_id", "op_id", name="uq_record_amendment_ops_op"),
    )


def downgrade() -> None:
    op.drop_table(TABLE)
    op.drop_column("record_amendments", "drawing_data")
