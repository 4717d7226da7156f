"""Every table, in SQLModel, with the spec's names, plus the Public shapes read by the UI.

Follows full-stack-fastapi-template: a ``*Base`` with the shared fields, the table class,
and ``*Public`` models for what leaves the services. Alembic (``alembic/versions``) owns
the schema; triggers, the expression GIN index and TOAST compression live there.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Column,
    ForeignKeyConstraint,
    Identity,
    Index,
    Integer,
    Text,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB, TIMESTAMP
from sqlmodel import Field, SQLModel

ROLES = ("admin", "practitioner", "front_desk", "read_only")
FILE_ROLES = ("background", "attachment", "export")

# Constraint and index names are explicit so that migrations are reviewable and stable.
SQLModel.metadata.naming_convention = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def _created_at() -> Any:
    return Field(
        default=None,
        sa_type=TIMESTAMP(timezone=True),
        sa_column_kwargs={"nullable": False, "server_default": func.now()},
    )


def _updated_at() -> Any:
    # The database trigger medrec_set_updated_at() moves it on every UPDATE, whoever writes.
    return Field(
        default=None,
        sa_type=TIMESTAMP(timezone=True),
        sa_column_kwargs={"nullable": False, "server_default": func.now()},
    )


def _jsonb(nullable: bool = False) -> Any:
    return Field(
        default_factory=dict,
        sa_type=JSONB,
        sa_column_kwargs={"nullable": nullable, "server_default": "{}"},
    )


# --- clinics and people -------------------------------------------------------------


class ClinicBase(SQLModel):
    name: str = Field(max_length=200)
    # IANA zone name; appointment times are shown in the clinic's local time.
    timezone: str = Field(default="UTC", max_length=64, sa_column_kwargs={"server_default": "UTC"})


class Clinic(ClinicBase, table=True):
    __tablename__ = "clinics"

    id: int | None = Field(default=None, primary_key=True)
    created_at: datetime | None = _created_at()


class ClinicPublic(ClinicBase):
    id: int


class UserBase(SQLModel):
    email: str = Field(max_length=254)
    full_name: str = Field(max_length=200)
    role: str = Field(max_length=20)
    is_active: bool = True


class User(UserBase, table=True):
    __tablename__ = "users"
    __table_args__ = (
        UniqueConstraint("email", name="uq_users_email"),
        CheckConstraint(f"role IN {ROLES!r}", name="role"),
        CheckConstraint("email = lower(email)", name="email_lowercase"),
        Index("idx_users_clinic", "clinic_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    clinic_id: int = Field(foreign_key="clinics.id", ondelete="RESTRICT")
    password_hash: str = Field(max_length=255)
    created_at: datetime | None = _created_at()
    updated_at: datetime | None = _updated_at()


class UserPublic(UserBase):
    id: int
    clinic_id: int


class Patient(SQLModel, table=True):
    """A patient of one clinic. ``external_id`` is the booking system's id or the clinic's
    MRN, unique within the clinic (checks: ``domain/patient_details.py``)."""

    __tablename__ = "patients"
    __table_args__ = (
        Index("idx_patients_clinic_name", "clinic_id", "last_name", "first_name"),
        UniqueConstraint("clinic_id", "external_id", name="uq_patients_clinic_external_id"),
        CheckConstraint("sex IN ('female', 'male', 'other', 'unknown')", name="sex"),
    )

    id: int | None = Field(default=None, primary_key=True)
    clinic_id: int = Field(foreign_key="clinics.id", ondelete="RESTRICT")
    first_name: str = Field(max_length=100)
    last_name: str = Field(max_length=100)
    date_of_birth: date
    sex: str | None = Field(default=None, max_length=10)
    phone: str | None = Field(default=None, max_length=40)
    email: str | None = Field(default=None, max_length=254)
    address: str | None = Field(default=None, max_length=500)
    external_id: str | None = Field(default=None, max_length=100)
    created_at: datetime | None = _created_at()
    updated_at: datetime | None = _updated_at()


class Appointment(SQLModel, table=True):
    """A booking. Its id is the calendar system's (``booked_in='calendar'``) or, for a visit
    booked in medrec, one from the ``appointments_booked_here`` sequence (migration 0012;
    checks: ``domain/bookings.py``). A cancelled visit stays, with any record it has."""

    __tablename__ = "appointments"
    __table_args__ = (
        Index("idx_appointments_clinic_start", "clinic_id", "starts_at"),
        Index("idx_appointments_patient", "patient_id"),
        Index("idx_appointments_practitioner", "practitioner_id"),
        Index("idx_appointments_clinic_updated", "clinic_id", "updated_at"),
        CheckConstraint("duration_minutes > 0", name="duration_positive"),
        CheckConstraint("status IN ('booked', 'cancelled')", name="status"),
        CheckConstraint("booked_in IN ('calendar', 'medrec')", name="booked_in"),
    )

    calendar_event_id: int = Field(sa_column=Column(Integer, primary_key=True, autoincrement=False))
    clinic_id: int = Field(foreign_key="clinics.id", ondelete="RESTRICT")
    patient_id: int = Field(foreign_key="patients.id", ondelete="RESTRICT")
    practitioner_id: int = Field(foreign_key="users.id", ondelete="RESTRICT")
    starts_at: datetime = Field(sa_type=TIMESTAMP(timezone=True))
    duration_minutes: int = 30
    visit_type: str | None = Field(default=None, max_length=80)
    status: str = Field(
        default="booked", max_length=10, sa_column_kwargs={"server_default": "booked"}
    )
    booked_in: str = Field(
        default="calendar", max_length=10, sa_column_kwargs={"server_default": "calendar"}
    )
    created_at: datetime | None = _created_at()
    updated_at: datetime | None = _updated_at()


# --- templates, records and files ----------------------------------------------------


class MedicalRecordTemplate(SQLModel, table=True):
    """A clinic's template: its name and place in the clinic; the fields are in versions.

    The form itself lives in :class:`TemplateVersion` rows: published versions never
    change, so a record keeps rendering with the version it was made with.
    """

    __tablename__ = "medical_record_templates"
    __table_args__ = (
        UniqueConstraint("clinic_id", "name", name="uq_templates_clinic_name"),
        Index(
            "uq_templates_one_default_per_clinic",
            "clinic_id",
            unique=True,
            postgresql_where=text("is_default"),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    clinic_id: int = Field(foreign_key="clinics.id", ondelete="RESTRICT")
    name: str = Field(max_length=200)
    description: str = Field(default="", sa_column_kwargs={"server_default": ""})
    is_default: bool = False
    # An archived template is offered for no new record; its records keep it.
    archived_at: datetime | None = Field(default=None, sa_type=TIMESTAMP(timezone=True))
    created_at: datetime | None = _created_at()
    updated_at: datetime | None = _updated_at()


class TemplateVersion(SQLModel, table=True):
    """One version of a template's form and background; immutable once published.

    ``published_at`` null is the template's one draft, edited freely. A trigger
    (migration 0014) refuses any change to a published row. ``form_schema`` is the
    versioned document of ``domain/forms.py``: later kinds of content (named regions on
    the background, fields bound to canvas tools) are new keys of that document, so a
    version holds them with the fields they belong to.
    """

    __tablename__ = "template_versions"
    __table_args__ = (
        UniqueConstraint("template_id", "version", name="uq_template_versions_number"),
        # The target of medical_records' (template_id, template_version_id) key.
        UniqueConstraint("template_id", "id", name="uq_template_versions_template_id_id"),
        Index(
            "uq_template_versions_one_draft",
            "template_id",
            unique=True,
            postgresql_where=text("published_at IS NULL"),
        ),
        CheckConstraint("version > 0", name="version_positive"),
    )

    id: int | None = Field(default=None, primary_key=True)
    template_id: int = Field(foreign_key="medical_record_templates.id", ondelete="RESTRICT")
    version: int
    form_schema: dict[str, Any] = _jsonb()
    # Blob-store key of the version's canvas background (an image, or a one-page PDF).
    background_file_key: str | None = Field(default=None, max_length=500)
    background_file_type: str | None = Field(default=None, max_length=50)
    created_by_user_id: int | None = Field(default=None, foreign_key="users.id")
    published_at: datetime | None = Field(default=None, sa_type=TIMESTAMP(timezone=True))
    published_by_user_id: int | None = Field(default=None, foreign_key="users.id")
    created_at: datetime | None = _created_at()
    updated_at: datetime | None = _updated_at()


class MedicalRecord(SQLModel, table=True):
    __tablename__ = "medical_records"
    # The GIN indexes are expression/opclass indexes created by the migration; see
    # alembic/versions/0001_initial.py for why they take that form.
    __table_args__ = (
        Index("idx_medical_records_appointment", "appointment_id", unique=True),
        Index("idx_medical_records_created_at", "created_at"),
        # The drawings whose tails are waiting to be folded (services/records/tail.py).
        Index("idx_medical_records_tail", "updated_at", postgresql_where=text("tail_bytes > 0")),
        # The version must be one of the record's template's versions.
        ForeignKeyConstraint(
            ["template_id", "template_version_id"],
            ["template_versions.template_id", "template_versions.id"],
            name="fk_medical_records_template_version",
        ),
        CheckConstraint(
            "(template_id IS NULL) = (template_version_id IS NULL)",
            name="template_and_version_together",
        ),
        CheckConstraint(
            "(signed_at IS NULL) = (signed_by_user_id IS NULL) "
            "AND (signed_at IS NULL) = (signature_sha256 IS NULL)",
            name="signature_together",
        ),
        # Signing folds the tail: a signed drawing is all in drawing_data, hashed and frozen.
        CheckConstraint("signed_at IS NULL OR tail_bytes = 0", name="signed_without_tail"),
    )

    id: int | None = Field(default=None, primary_key=True)
    appointment_id: int = Field(foreign_key="appointments.calendar_event_id")
    template_id: int | None = Field(default=None, foreign_key="medical_record_templates.id")
    # The exact version the record was made with; it renders and validates with it.
    template_version_id: int | None = None
    drawing_data: dict[str, Any] = _jsonb()
    form_data: dict[str, Any] = _jsonb()
    created_by_user_id: int = Field(foreign_key="users.id")
    updated_by_user_id: int | None = Field(default=None, foreign_key="users.id")
    # Bumped by every save; the ETag of the REST API and the base of merges.
    revision: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    # When each shape, form field, background and stage last changed (ms since the
    # epoch, keyed "shape:<id>", "field:<path>", ...): older edits lose (domain/conflicts).
    edit_clock: dict[str, Any] = _jsonb()
    # The drawing is drawing_data plus its tail, the applied drawing operations logged
    # after drawing_revision (domain/drawing_tail.py). The trigger
    # medical_records_drawing_bounds sets drawing_revision and the drawing_* counts
    # whenever drawing_data is written, and zeroes the tail_* bounds, which saves that
    # leave drawing_data alone raise by what their operations may add.
    drawing_revision: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    drawing_lines: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    drawing_shapes: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    drawing_points: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    drawing_bytes: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    tail_lines: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    tail_shapes: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    tail_points: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    tail_bytes: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    created_at: datetime | None = _created_at()
    updated_at: datetime | None = _updated_at()
    # Set together by sign-off (services/records/signing.py). A signed record never
    # changes (trigger medical_records_signed_frozen) and its files may not be deleted.
    signed_at: datetime | None = Field(default=None, sa_type=TIMESTAMP(timezone=True))
    signed_by_user_id: int | None = Field(default=None, foreign_key="users.id")
    # SHA-256 of the canonical JSON of the signed drawing and form (domain/signature.py).
    signature_sha256: str | None = Field(default=None, max_length=64)


class MedicalRecordOp(SQLModel, table=True):
    """Every edit operation a save logged, in order (``id``).

    The unique ``(medical_record_id, op_id)`` makes a re-sent operation a no-op (the
    browser re-sends until it sees its acknowledgement). With ``applied`` true, ``op``
    is the operation exactly as it changed the documents (a delete trimmed by a newer
    edit is logged trimmed), so replaying the applied operations from a revision row's
    documents gives every later revision (``services/records/history.py``); false is an
    operation that lost to a newer edit, logged only so that a re-send is skipped; null
    is a row from before migration 0018, when nobody recorded which.
    """

    __tablename__ = "medical_record_ops"
    __table_args__ = (
        UniqueConstraint("medical_record_id", "op_id", name="uq_medical_record_ops_op"),
        Index("idx_medical_record_ops_record_revision", "medical_record_id", "revision"),
    )

    id: int | None = Field(
        default=None, sa_column=Column(BigInteger, Identity(always=True), primary_key=True)
    )
    medical_record_id: int = Field(foreign_key="medical_records.id", ondelete="CASCADE")
    revision: int
    op_id: str = Field(max_length=64)
    user_id: int = Field(foreign_key="users.id")
    op: dict[str, Any] = _jsonb()
    applied_at: datetime | None = _created_at()
    applied: bool | None = None


class MedicalRecordRevision(SQLModel, table=True):
    """One row per revision of a record: what kind of change made it, who and when.

    Documents are kept only where a revision did not come from logged operations: the
    record as created (``kind`` "created"), and each record as it was when migration
    0018 started keeping history ("kept"). Every other revision ("edited", "imported",
    "template", "signed") is its predecessor plus its applied operations in
    ``medical_record_ops`` (none for a template change or a signature). See
    ``services/records/history.py``.
    """

    __tablename__ = "medical_record_revisions"
    __table_args__ = (
        UniqueConstraint("medical_record_id", "revision", name="uq_medical_record_revisions_rev"),
        CheckConstraint("(drawing_data IS NULL) = (form_data IS NULL)", name="documents_together"),
    )

    id: int | None = Field(
        default=None, sa_column=Column(BigInteger, Identity(always=True), primary_key=True)
    )
    medical_record_id: int = Field(foreign_key="medical_records.id", ondelete="CASCADE")
    revision: int
    kind: str = Field(max_length=20)
    user_id: int = Field(foreign_key="users.id")
    # The template version the record followed at this revision (null: no template).
    template_version_id: int | None = Field(default=None, foreign_key="template_versions.id")
    drawing_data: dict[str, Any] | None = Field(default=None, sa_type=JSONB)
    form_data: dict[str, Any] | None = Field(default=None, sa_type=JSONB)
    created_at: datetime | None = _created_at()


class PatientFile(SQLModel, table=True):
    __tablename__ = "patient_files"
    __table_args__ = (
        Index("idx_patient_files_patient", "patient_id"),
        Index("idx_patient_files_created_at", "created_at"),
        UniqueConstraint("s3_key", name="uq_patient_files_s3_key"),
        CheckConstraint("file_size >= 0", name="file_size_nonnegative"),
    )

    id: int | None = Field(default=None, primary_key=True)
    patient_id: int = Field(foreign_key="patients.id")
    file_name: str = Field(max_length=255)
    file_type: str = Field(max_length=50)
    file_size: int
    s3_key: str = Field(max_length=500)
    s3_bucket: str = Field(max_length=255)
    uploaded_by_user_id: int = Field(foreign_key="users.id")
    created_at: datetime | None = _created_at()
    # Beyond the spec: PDF page count and the key of a small preview image, both written
    # at upload from the validated bytes (null when not applicable or not produced).
    page_count: int | None = Field(default=None)
    thumbnail_key: str | None = Field(default=None, max_length=500)
    # What the upload established about the file beyond its type and size, e.g. for a
    # PDF stored repaired: {"repaired_by": "qpdf", "original_sha256": ..., "original_size": ...}.
    file_metadata: dict[str, Any] = _jsonb()
    # The display image (upright, 8-bit, no metadata) every view shows instead of the
    # original, when the original is not shown the same way by every browser; null: the
    # original is the display image. Its type follows from its key's extension.
    display_key: str | None = Field(default=None, max_length=500)


class MedicalRecordFile(SQLModel, table=True):
    __tablename__ = "medical_record_files"
    __table_args__ = (
        Index("idx_medical_record_files_record", "medical_record_id"),
        Index("idx_medical_record_files_file", "patient_file_id"),
        UniqueConstraint(
            "medical_record_id", "patient_file_id", "file_role", name="uq_medical_record_files_link"
        ),
        CheckConstraint(f"file_role IN {FILE_ROLES!r}", name="file_role"),
    )

    id: int | None = Field(default=None, primary_key=True)
    medical_record_id: int = Field(foreign_key="medical_records.id", ondelete="CASCADE")
    patient_file_id: int = Field(foreign_key="patient_files.id", ondelete="CASCADE")
    file_role: str = Field(
        default="attachment", max_length=50, sa_column_kwargs={"server_default": "attachment"}
    )
    created_at: datetime | None = _created_at()


class RecordAmendment(SQLModel, table=True):
    """A dated correction of a signed record, by its author: a reason and text, auto-saved
    as a draft, then signed on its own and frozen (trigger ``record_amendments_frozen``).
    The record's documents never change: amendments are read beside them, in order of
    signing (``services/records/amendments.py``)."""

    __tablename__ = "record_amendments"
    __table_args__ = (
        # One draft per author and record: "Add amendment" opens it again.
        Index(
            "uq_record_amendments_one_draft",
            "medical_record_id",
            "author_user_id",
            unique=True,
            postgresql_where=text("signed_at IS NULL"),
        ),
        CheckConstraint(
            "(signed_at IS NULL) = (signature_sha256 IS NULL)", name="amendment_signature_together"
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    medical_record_id: int = Field(foreign_key="medical_records.id", ondelete="CASCADE")
    author_user_id: int = Field(foreign_key="users.id")
    reason: str = Field(default="", max_length=500)
    body: str = Field(default="", sa_type=Text)
    revision: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    created_at: datetime | None = _created_at()
    updated_at: datetime | None = _updated_at()
    signed_at: datetime | None = Field(default=None, sa_type=TIMESTAMP(timezone=True))
    # SHA-256 of the canonical JSON of the record's signature, reason, text and drawing.
    signature_sha256: str | None = Field(default=None, max_length=64)
    # Lines and shapes drawn on the amendment's own layer over the signed drawing.
    drawing_data: dict[str, Any] = _jsonb()


class RecordAmendmentOp(SQLModel, table=True):
    """Each drawing operation applied to an amendment, once (the canvas re-sends until
    acknowledged), like ``medical_record_ops`` for a record."""

    __tablename__ = "record_amendment_ops"
    __table_args__ = (UniqueConstraint("amendment_id", "op_id", name="uq_record_amendment_ops_op"),)

    id: int | None = Field(
        default=None, sa_column=Column(BigInteger, Identity(always=True), primary_key=True)
    )
    amendment_id: int = Field(foreign_key="record_amendments.id", ondelete="CASCADE")
    revision: int
    op_id: str = Field(max_length=64)
    user_id: int = Field(foreign_key="users.id")
    op: dict[str, Any] = _jsonb()
    applied_at: datetime | None = _created_at()


class RecordImport(SQLModel, table=True):
    """A demo save imported into a record: its content hash, so importing the same save
    into the same record again creates nothing (``services/demo_import.py``)."""

    __tablename__ = "record_imports"
    __table_args__ = (
        UniqueConstraint("medical_record_id", "content_hash", name="uq_record_imports_content"),
    )

    id: int | None = Field(default=None, primary_key=True)
    medical_record_id: int = Field(foreign_key="medical_records.id", ondelete="CASCADE")
    content_hash: str = Field(max_length=64)
    saved_at: str = Field(max_length=64)
    """The demo's ``savedAt``, as it wrote it."""
    imported_by_user_id: int = Field(foreign_key="users.id")
    created_at: datetime | None = _created_at()


# --- sign-in, sessions and audit -----------------------------------------------------


class UserSession(SQLModel, table=True):
    """A server-side sign-in session; the browser holds only the random token."""

    __tablename__ = "user_sessions"
    __table_args__ = (
        UniqueConstraint("token_hash", name="uq_user_sessions_token_hash"),
        Index("idx_user_sessions_user", "user_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="users.id", ondelete="CASCADE")
    token_hash: str = Field(max_length=64)
    created_at: datetime | None = _created_at()
    last_seen_at: datetime = Field(sa_type=TIMESTAMP(timezone=True))
    expires_at: datetime = Field(sa_type=TIMESTAMP(timezone=True))
    revoked_at: datetime | None = Field(default=None, sa_type=TIMESTAMP(timezone=True))


class ApiToken(SQLModel, table=True):
    """A bearer token for the REST API, acting as its user (that user's clinic and role).

    Only the SHA-256 of the secret is stored; ``prefix`` is its first characters, shown
    so people can tell tokens apart. The ``rate_window_*`` columns count requests in the
    current minute, so the limit holds across backend workers.
    """

    __tablename__ = "api_tokens"
    __table_args__ = (
        UniqueConstraint("token_hash", name="uq_api_tokens_token_hash"),
        Index("idx_api_tokens_user", "user_id"),
        CheckConstraint("rate_limit_per_minute > 0", name="rate_limit_positive"),
    )

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="users.id", ondelete="CASCADE")
    name: str = Field(max_length=100)
    token_hash: str = Field(max_length=64)
    prefix: str = Field(max_length=16)
    created_by_user_id: int = Field(foreign_key="users.id")
    created_at: datetime | None = _created_at()
    last_used_at: datetime | None = Field(default=None, sa_type=TIMESTAMP(timezone=True))
    expires_at: datetime | None = Field(default=None, sa_type=TIMESTAMP(timezone=True))
    revoked_at: datetime | None = Field(default=None, sa_type=TIMESTAMP(timezone=True))
    # Null: the limit from settings (MEDREC_API_RATE_LIMIT_PER_MINUTE).
    rate_limit_per_minute: int | None = Field(default=None)
    rate_window_started_at: datetime | None = Field(default=None, sa_type=TIMESTAMP(timezone=True))
    rate_window_count: int = Field(default=0, sa_column_kwargs={"server_default": "0"})


class PhoneUploadLink(SQLModel, table=True):
    """A one-time link a phone uses to add files to one patient, acting as its issuer.

    Only the SHA-256 of the secret is stored. ``upload_count`` counts every upload the
    link was used for; the ``rate_window_*`` columns count them in the current minute.
    """

    __tablename__ = "phone_upload_links"
    __table_args__ = (
        UniqueConstraint("token_hash", name="uq_phone_upload_links_token_hash"),
        Index("idx_phone_upload_links_patient", "patient_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    clinic_id: int = Field(foreign_key="clinics.id", ondelete="CASCADE")
    patient_id: int = Field(foreign_key="patients.id", ondelete="CASCADE")
    created_by_user_id: int = Field(foreign_key="users.id", ondelete="CASCADE")
    token_hash: str = Field(max_length=64)
    created_at: datetime | None = _created_at()
    expires_at: datetime = Field(sa_type=TIMESTAMP(timezone=True))
    revoked_at: datetime | None = Field(default=None, sa_type=TIMESTAMP(timezone=True))
    upload_count: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    rate_window_started_at: datetime | None = Field(default=None, sa_type=TIMESTAMP(timezone=True))
    rate_window_count: int = Field(default=0, sa_column_kwargs={"server_default": "0"})


class PasswordLink(SQLModel, table=True):
    """A one-time link where a user sets their password: a new user's invitation (made
    by an admin or by ``cli create-clinic``) or an admin's reset. Valid for 24 hours and
    once; only the SHA-256 of the secret is stored."""

    __tablename__ = "password_links"
    __table_args__ = (
        UniqueConstraint("token_hash", name="uq_password_links_token_hash"),
        CheckConstraint("purpose IN ('invite', 'reset')", name="purpose"),
        Index("idx_password_links_user", "user_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="users.id", ondelete="CASCADE")
    purpose: str = Field(max_length=10)
    token_hash: str = Field(max_length=64)
    created_by_user_id: int | None = Field(
        default=None, foreign_key="users.id", ondelete="SET NULL"
    )
    created_at: datetime | None = _created_at()
    expires_at: datetime = Field(sa_type=TIMESTAMP(timezone=True))
    used_at: datetime | None = Field(default=None, sa_type=TIMESTAMP(timezone=True))


class LoginThrottle(SQLModel, table=True):
    """Sign-in attempt counters (services/sign_in_throttle.py), keyed by a hash of an
    (account, address) pair, of an address or of an account's email.

    ``blocked_until`` is a pair's wait; ``last_success_at`` marks a pair that signed in.
    """

    __tablename__ = "login_throttle"

    key: str = Field(primary_key=True, max_length=64)
    failures: int = 0
    window_started_at: datetime = Field(sa_type=TIMESTAMP(timezone=True))
    blocked_until: datetime | None = Field(default=None, sa_type=TIMESTAMP(timezone=True))
    last_success_at: datetime | None = Field(default=None, sa_type=TIMESTAMP(timezone=True))


class AuditEvent(SQLModel, table=True):
    """Append-only: the database refuses UPDATE, DELETE and TRUNCATE (see migration 0001).

    Ids only, never names or clinical text: the details must hold no PHI.
    """

    __tablename__ = "audit_events"
    __table_args__ = (
        Index("idx_audit_events_clinic_time", "clinic_id", "occurred_at"),
        Index("idx_audit_events_user_time", "user_id", "occurred_at"),
        Index("idx_audit_events_record", "record_id"),
        Index("idx_audit_events_clinic_patient_time", "clinic_id", "patient_id", "occurred_at"),
        Index("idx_audit_events_file", "file_id"),
    )

    id: int | None = Field(
        default=None, sa_column=Column(BigInteger, Identity(always=True), primary_key=True)
    )
    occurred_at: datetime | None = _created_at()
    clinic_id: int | None = Field(default=None, foreign_key="clinics.id")
    user_id: int | None = Field(default=None, foreign_key="users.id")
    action: str = Field(max_length=64)
    patient_id: int | None = None
    appointment_id: int | None = None
    record_id: int | None = None
    file_id: int | None = None
    ip: str | None = Field(default=None, max_length=64)
    details: dict[str, Any] = _jsonb()
