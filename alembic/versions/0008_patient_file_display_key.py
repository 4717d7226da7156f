"""The display image of a patient file: ``patient_files.display_key``.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01

An upright, 8-bit copy without metadata, stored beside the original when the original is
not shown the same way by every browser (EXIF orientation, 16-bit greyscale, palette,
animation, CMYK or a non-sRGB profile). Files uploaded before have none and are shown
from the original, as before.
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel

from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "patient_files",
        sa.Column("display_key", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
    )


def downgrade() -> None:
    op.drop_column("patient_files", "display_key")
