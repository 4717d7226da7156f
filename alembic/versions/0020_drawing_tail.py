"""Saves that cost one stroke: a record's drawing tail and the bounds it is checked by.

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-02

Issue 15 item 5. An auto-save that adds a stroke no longer rewrites ``drawing_data``:
its operations stay in ``medical_record_ops``, after ``drawing_revision``, until a later
save folds them in (``domain/drawing_tail.py``).

- ``drawing_revision`` and ``drawing_lines`` / ``_shapes`` / ``_points`` / ``_bytes``:
  the revision ``drawing_data`` holds and its size, set by the trigger
  ``medical_records_drawing_bounds`` whenever ``drawing_data`` is written, by any path,
  so the counts can never fall behind the document. Bytes are the length of PostgreSQL's
  own JSON text, which has a space after each ``:`` and ``,`` and so is an upper bound.
- ``tail_lines`` / ``_shapes`` / ``_points`` / ``_bytes``: upper bounds of what the tail
  adds; the trigger zeroes them, since a written ``drawing_data`` is the whole drawing.
- A signed record has no tail (``signed_without_tail``).
- ``fillfactor`` 80: a save that leaves ``drawing_data`` alone can then be a HOT update,
  which writes no new GIN index entries for the whole document.
- Drawings left with a tail are folded once nobody has changed them for a while, so the
  spec's GIN query sees them whole (``idx_medical_records_tail``); such a fold does not
  move ``updated_at``.
"""

from collections.abc import Sequence

import orjson
import sqlalchemy as sa

from alembic import op
from medrec_app.domain.drawing_tail import TAIL_OPS, with_tail
from medrec_app.domain.edits import parse_operations

revision: str = "0020"
down_revision: str | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLE = "medical_records"
COUNTED = ("drawing_revision", "drawing_lines", "drawing_shapes", "drawing_points", "drawing_bytes")
TAIL = ("tail_lines", "tail_shapes", "tail_points", "tail_bytes")

CHANGED = "NEW.revision <> OLD.revision OR OLD.tail_bytes = 0 OR NEW.tail_bytes <> 0"
"""Every update but a fold of an idle drawing's tail (drawing_data written with the tail
in it, no new revision) moves updated_at: folding changes nothing anyone drew. The
condition sees the row as medical_records_drawing_bounds left it, which runs first."""

_STATS = """
CREATE FUNCTION medrec_drawing_stats(d jsonb, OUT lines int, OUT shapes int, OUT points int,
                                     OUT bytes int) LANGUAGE sql IMMUTABLE AS $$
    SELECT count(e) FILTER (WHERE k = 'lines')::int,
           count(e) FILTER (WHERE k = 'shapes')::int,
           coalesce(sum(CASE jsonb_typeof(e -> 'points')
                        WHEN 'array' THEN jsonb_array_length(e -> 'points') ELSE 0 END), 0)::int,
           octet_length(d::text)
    FROM (VALUES ('lines'), ('shapes')) AS keys (k)
    LEFT JOIN LATERAL jsonb_array_elements(
        CASE jsonb_typeof(d -> k) WHEN 'array' THEN d -> k ELSE '[]' END) AS e ON true
$$
"""

_BOUNDS = """
CREATE FUNCTION medrec_drawing_bounds() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    SELECT s.lines, s.shapes, s.points, s.bytes
    INTO NEW.drawing_lines, NEW.drawing_shapes, NEW.drawing_points, NEW.drawing_bytes
    FROM medrec_drawing_stats(NEW.drawing_data) AS s;
    NEW.drawing_revision := NEW.revision;
    NEW.tail_lines := 0;
    NEW.tail_shapes := 0;
    NEW.tail_points := 0;
    NEW.tail_bytes := 0;
    RETURN NEW;
END $$
"""


def upgrade() -> None:
    for column in (*COUNTED, *TAIL):
        op.add_column(TABLE, sa.Column(column, sa.Integer(), server_default="0", nullable=False))
    op.execute(_STATS)
    op.execute(_BOUNDS)
    op.execute(
        f"CREATE TRIGGER {TABLE}_drawing_bounds BEFORE INSERT OR UPDATE OF drawing_data "
        f"ON {TABLE} FOR EACH ROW EXECUTE FUNCTION medrec_drawing_bounds()"
    )
    # Counting the existing drawings is no change of theirs: updated_at stays.
    op.execute(f"ALTER TABLE {TABLE} DISABLE TRIGGER {TABLE}_set_updated_at")
    op.execute(
        "UPDATE medical_records SET drawing_revision = revision, "
        "(drawing_lines, drawing_shapes, drawing_points, drawing_bytes) = "
        "(SELECT * FROM medrec_drawing_stats(drawing_data))"
    )
    op.execute(f"ALTER TABLE {TABLE} ENABLE TRIGGER {TABLE}_set_updated_at")
    op.create_check_constraint(
        op.f("ck_medical_records_signed_without_tail"), TABLE, "signed_at IS NULL OR tail_bytes = 0"
    )
    op.execute(f"ALTER TABLE {TABLE} SET (fillfactor = 80)")
    op.create_index(
        "idx_medical_records_tail",
        TABLE,
        ["updated_at"],
        postgresql_where=sa.text("tail_bytes > 0"),
    )
    _updated_at_trigger(f"WHEN ({CHANGED})")


def _updated_at_trigger(when: str) -> None:
    op.execute(f"DROP TRIGGER {TABLE}_set_updated_at ON {TABLE}")
    op.execute(
        f"CREATE TRIGGER {TABLE}_set_updated_at BEFORE UPDATE ON {TABLE} FOR EACH ROW "
        f"{when} EXECUTE FUNCTION medrec_set_updated_at()"
    )


def downgrade() -> None:
    _fold_tails()
    _updated_at_trigger("")
    op.drop_index("idx_medical_records_tail", TABLE)
    op.execute(f"ALTER TABLE {TABLE} RESET (fillfactor)")
    op.drop_constraint(op.f("ck_medical_records_signed_without_tail"), TABLE)
    op.execute(f"DROP TRIGGER {TABLE}_drawing_bounds ON {TABLE}")
    op.execute("DROP FUNCTION medrec_drawing_bounds()")
    op.execute("DROP FUNCTION medrec_drawing_stats(jsonb)")
    for column in reversed((*COUNTED, *TAIL)):
        op.drop_column(TABLE, column)


def _fold_tails() -> None:
    """Each drawing with a tail gets it folded in: before 0020 ``drawing_data`` was the
    whole drawing, and nothing a clinician drew may be lost by going back."""
    conn = op.get_bind()
    records = conn.execute(
        sa.text(
            "SELECT id, drawing_data, drawing_revision FROM medical_records WHERE tail_bytes > 0"
        )
    ).all()
    for record in records:
        ops = conn.execute(
            sa.text(
                "SELECT op FROM medical_record_ops WHERE medical_record_id = :r "
                "AND revision > :after AND applied ORDER BY id"
            ),
            {"r": record.id, "after": record.drawing_revision},
        ).scalars()
        logged = list(ops)
        tail = [o for o in parse_operations(logged, max_ops=len(logged)) if isinstance(o, TAIL_OPS)]
        conn.execute(
            sa.text("UPDATE medical_records SET drawing_data = CAST(:d AS jsonb) WHERE id = :r"),
            {"d": orjson.dumps(with_tail(record.drawing_data, tail)).decode(), "r": record.id},
        )
