"""Appointments are booked, rescheduled and cancelled in medrec and synced by the calendar.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-01

Issue 12: the front desk books visits (ids from the ``appointments_booked_here`` sequence,
from 1,000,000,000 up, so they stay apart from the calendar system's own ids), the booking
system upserts its own by ``calendar_event_id``, and a cancelled visit keeps its row and
record. ``updated_at`` moves on every update (the shared trigger) for the list's ``since``
filter. Existing appointments came from the calendar and are booked.
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from sqlalchemy.dialects import postgresql

from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TIMESTAMP = postgresql.TIMESTAMP(timezone=True)
_TEXT = sqlmodel.sql.sqltypes.AutoString


def upgrade() -> None:
    op.add_column("appointments", sa.Column("visit_type", _TEXT(length=80), nullable=True))
    op.add_column(
        "appointments",
        sa.Column("status", _TEXT(length=10), server_default="booked", nullable=False),
    )
    op.add_column(
        "appointments",
        sa.Column("booked_in", _TEXT(length=10), server_default="calendar", nullable=False),
    )
    op.add_column(
        "appointments",
        sa.Column("updated_at", TIMESTAMP, server_default=sa.text("now()"), nullable=False),
    )
    op.create_check_constraint(
        op.f("ck_appointments_status"), "appointments", "status IN ('booked', 'cancelled')"
    )
    op.create_check_constraint(
        op.f("ck_appointments_booked_in"),
        "appointments",
        "booked_in IN ('calendar', 'medrec')",
    )
    op.create_index("idx_appointments_clinic_updated", "appointments", ["clinic_id", "updated_at"])
    op.execute(
        "CREATE TRIGGER appointments_set_updated_at BEFORE UPDATE ON appointments "
        "FOR EACH ROW EXECUTE FUNCTION medrec_set_updated_at()"
    )
    op.execute(
        "CREATE SEQUENCE appointments_booked_here AS integer "
        "START WITH 1000000000 MINVALUE 1000000000"
    )


def downgrade() -> None:
    op.execute("DROP SEQUENCE appointments_booked_here")
    op.execute("DROP TRIGGER appointments_set_updated_at ON appointments")
    op.drop_index("idx_appointments_clinic_updated", "appointments")
    op.drop_constraint(op.f("ck_appointments_booked_in"), "appointments", type_="check")
    op.drop_constraint(op.f("ck_appointments_status"), "appointments", type_="check")
    for column in ("updated_at", "booked_in", "status", "visit_type"):
        op.drop_column("appointments", column)
