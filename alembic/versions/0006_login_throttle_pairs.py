"""Sign-in throttling by (account, address) pair: a pair's wait and its last success.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02

``locked_until`` was an account lock; it becomes ``blocked_until``, the wait of one
(account, address) pair. ``last_success_at`` marks a pair that has signed in, which the
per-address and per-account caps leave alone. The old counters meant something else, so
they are dropped (at worst a guesser's count starts again at the upgrade).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute("DELETE FROM login_throttle")
    op.alter_column("login_throttle", "locked_until", new_column_name="blocked_until")
    op.add_column(
        "login_throttle",
        sa.Column("last_success_at", postgresql.TIMESTAMP(timezone=True), nullable=True),
    )


def downgrade() -> None:
    op.execute("DELETE FROM login_throttle")
    op.drop_column("login_throttle", "last_success_at")
    op.alter_column("login_throttle", "blocked_until", new_column_name="locked_until")
