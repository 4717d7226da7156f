"""Patient details: sex, phone, email, address and an external id unique in the clinic.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-01

The front desk registers and edits patients (issue 12); the booking system finds them by
``external_id`` (its own id or the clinic's MRN). Existing patients keep their rows with
the new columns empty; ``updated_at`` starts at the migration and then moves on every
update through the same trigger as the other tables.
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from sqlalchemy.dialects import postgresql

from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TIMESTAMP = postgresql.TIMESTAMP(timezone=True)
_TEXT = sqlmodel.sql.sqltypes.AutoString


def upgrade() -> None:
    op.add_column("patients", sa.Column("sex", _TEXT(length=10), nullable=True))
    op.add_column("patients", sa.Column("phone", _TEXT(length=40), nullable=True))
    op.add_column("patients", sa.Column("email", _TEXT(length=254), nullable=True))
    op.add_column("patients", sa.Column("address", _TEXT(length=500), nullable=True))
    op.add_column("patients", sa.Column("external_id", _TEXT(length=100), nullable=True))
    op.add_column(
        "patients",
        sa.Column("updated_at", TIMESTAMP, server_default=sa.text("now()"), nullable=False),
    )
    op.create_check_constraint(
        op.f("ck_patients_sex"), "patients", "sex IN ('female', 'male', 'other', 'unknown')"
    )
    op.create_unique_constraint(
        "uq_patients_clinic_external_id", "patients", ["clinic_id", "external_id"]
    )
    op.execute(
        "CREATE TRIGGER patients_set_updated_at BEFORE UPDATE ON patients "
        "FOR EACH ROW EXECUTE FUNCTION medrec_set_updated_at()"
    )


def downgrade() -> None:
    op.execute("DROP TRIGGER patients_set_updated_at ON patients")
    op.drop_constraint("uq_patients_clinic_external_id", "patients", type_="unique")
    op.drop_constraint(op.f("ck_patients_sex"), "patients", type_="check")
    for column in ("updated_at", "external_id", "address", "email", "phone", "sex"):
        op.drop_column("patients", column)
