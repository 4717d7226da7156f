"""Rules the database itself enforces, so that no code path can get around them."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError, IntegrityError

from medrec_app.db import get_engine, session_scope
from medrec_app.domain.permissions import Role
from medrec_app.services.records.create import MedicalRecordCreate, create_record

DRAWING = {
    "lines": [{"tool": "pen", "points": [1, 2, 3, 4], "color": "#000000", "strokeWidth": 3}],
    "shapes": [
        {
            "id": "c1",
            "type": "circle",
            "x": 5,
            "y": 5,
            "radius": 4,
            "color": "#FF0000",
            "strokeWidth": 2,
        }
    ],
    "stageSize": {"width": 800, "height": 600},
}


def _record(clinic) -> int:
    with session_scope() as session:
        record = create_record(
            session,
            clinic.actors[Role.PRACTITIONER],
            MedicalRecordCreate(
                appointment_id=clinic.appointment_ids[0],
                template_id=None,
                drawing_data=DRAWING,
                form_data={"notes": "x"},
            ),
        )
    return record.id


def test_updated_at_moves_on_every_update_however_written(clinic_factory):
    record_id = _record(clinic_factory())
    with get_engine().begin() as conn:
        before = conn.execute(
            text("SELECT updated_at FROM medical_records WHERE id = :i"), {"i": record_id}
        ).scalar_one()
        conn.execute(
            text('UPDATE medical_records SET form_data = \'{"notes": "y"}\' WHERE id = :i'),
            {"i": record_id},
        )
        after = conn.execute(
            text("SELECT updated_at FROM medical_records WHERE id = :i"), {"i": record_id}
        ).scalar_one()
    assert after > before


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE audit_events SET action = 'tampered'",
        "DELETE FROM audit_events",
        "TRUNCATE audit_events",
    ],
)
def test_audit_events_are_append_only(clinic_factory, statement):
    clinic_factory()
    with pytest.raises(DBAPIError, match="append-only"), get_engine().begin() as conn:
        conn.execute(text(statement))
    with get_engine().connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM audit_events")).scalar_one() > 0


def test_one_record_per_appointment(clinic_factory):
    clinic = clinic_factory()
    _record(clinic)
    with pytest.raises(IntegrityError), get_engine().begin() as conn:
        conn.execute(
            text(
                "INSERT INTO medical_records (appointment_id, created_by_user_id) VALUES (:a, :u)"
            ),
            {"a": clinic.appointment_ids[0], "u": clinic.actors[Role.PRACTITIONER].user_id},
        )


def test_spec_query_on_shapes_uses_the_drawing_gin_index(clinic_factory):
    _record(clinic_factory())
    with get_engine().begin() as conn:
        conn.execute(text("SET LOCAL enable_seqscan = off"))
        plan = "\n".join(
            conn.execute(
                text(
                    "EXPLAIN SELECT id FROM medical_records "
                    "WHERE drawing_data->'shapes' @> '[{\"type\": \"circle\"}]'"
                )
            ).scalars()
        )
        found = conn.execute(
            text(
                "SELECT count(*) FROM medical_records "
                "WHERE drawing_data->'shapes' @> '[{\"type\": \"circle\"}]'"
            )
        ).scalar_one()
    assert "idx_medical_records_drawing_data" in plan
    assert found >= 1


def test_form_data_containment_uses_its_gin_index(clinic_factory):
    _record(clinic_factory())
    with get_engine().begin() as conn:
        conn.execute(text("SET LOCAL enable_seqscan = off"))
        plan = "\n".join(
            conn.execute(
                text('EXPLAIN SELECT id FROM medical_records WHERE form_data @> \'{"notes": "x"}\'')
            ).scalars()
        )
    assert "idx_medical_records_form_data" in plan


def test_jsonb_columns_use_lz4_where_the_server_has_it(database_url):
    with get_engine().connect() as conn:
        enumvals = conn.execute(
            text("SELECT enumvals FROM pg_settings WHERE name = 'default_toast_compression'")
        ).scalar_one()
        compression = conn.execute(
            text(
                "SELECT attcompression FROM pg_attribute "
                "WHERE attrelid = 'medical_records'::regclass AND attname = 'drawing_data'"
            )
        ).scalar_one()
    assert compression == ("l" if "lz4" in enumvals else "")


def test_unlinking_a_record_cascades_to_its_file_links(clinic_factory):
    clinic = clinic_factory()
    record_id = _record(clinic)
    uid = clinic.actors[Role.FRONT_DESK].user_id
    with get_engine().begin() as conn:
        file_id = conn.execute(
            text(
                "INSERT INTO patient_files (patient_id, file_name, file_type, file_size, s3_key,"
                " s3_bucket, uploaded_by_user_id) VALUES (:p, 'x.png', 'image/png', 1, :k,"
                " 'local', :u) RETURNING id"
            ),
            {
                "p": clinic.patient_ids[0],
                "k": f"patients/{clinic.patient_ids[0]}/{record_id}.png",
                "u": uid,
            },
        ).scalar_one()
        conn.execute(
            text(
                "INSERT INTO medical_record_files (medical_record_id, patient_file_id) "
                "VALUES (:r, :f)"
            ),
            {"r": record_id, "f": file_id},
        )
        role = conn.execute(
            text("SELECT file_role FROM medical_record_files WHERE medical_record_id = :r"),
            {"r": record_id},
        ).scalar_one()
        conn.execute(text("DELETE FROM medical_records WHERE id = :r"), {"r": record_id})
        left = conn.execute(
            text("SELECT count(*) FROM medical_record_files WHERE medical_record_id = :r"),
            {"r": record_id},
        ).scalar_one()
    assert role == "attachment"
    assert left == 0


def test_file_role_is_one_of_the_spec_roles(clinic_factory):
    clinic = clinic_factory()
    record_id = _record(clinic)
    with pytest.raises(IntegrityError), get_engine().begin() as conn:
        conn.execute(
            text(
                "INSERT INTO medical_record_files (medical_record_id, patient_file_id, file_role)"
                " VALUES (:r, 1, 'thumbnail')"
            ),
            {"r": record_id},
        )
