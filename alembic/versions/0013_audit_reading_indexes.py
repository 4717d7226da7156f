"""Indexes for reading the audit trail by patient and by file.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-01

Issue 12 item 6: the audit page filters a clinic's rows by patient, newest first, and a
patient's access report also finds the rows that name only one of their files. Without
these, both read every row the clinic ever wrote.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "idx_audit_events_clinic_patient_time",
        "audit_events",
        ["clinic_id", "patient_id", "occurred_at"],
    )
    op.create_index("idx_audit_events_file", "audit_events", ["file_id"])


def downgrade() -> None:
    op.drop_index("idx_audit_events_file", "audit_events")
    op.drop_index("idx_audit_events_clinic_patient_time", "audit_events")
