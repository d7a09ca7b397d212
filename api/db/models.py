"""The tables (SQLAlchemy 2 typed ORM).

One schema serves SQLite and PostgreSQL: plain latitude/longitude columns (no PostGIS), JSON
documents as JSON/JSONB, timestamps as aware UTC (:class:`api.db.types.UTCDateTime`). Times of day
are integer seconds since midnight (``*_s``), money in øre. Alembic migrations in
``api/migrations`` create exactly these tables (a test compares them).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    Boolean,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from api.db.types import JSONDocument, UTCDateTime, utcnow

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

ID_LENGTH = 64
"""Longest public id (centre, session, rider, vehicle)."""


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        dict[str, Any]: JSONDocument,
        list[Any]: JSONDocument,
    }


class Centre(Base):
    __tablename__ = "centres"

    centre_id: Mapped[str] = mapped_column(String(ID_LENGTH), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    lat: Mapped[float] = mapped_column(Float)
    lon: Mapped[float] = mapped_column(Float)
    address: Mapped[str] = mapped_column(String(300), default="")
    phone: Mapped[str] = mapped_column(String(40), default="", server_default="")
    """Shown to the drivers of runs to this centre (revision 0003)."""
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class Session(Base):
    """An opening session (modul) of a centre; session ids are unique across centres."""

    __tablename__ = "sessions"

    session_id: Mapped[str] = mapped_column(String(ID_LENGTH), primary_key=True)
    centre_id: Mapped[str] = mapped_column(
        ForeignKey("centres.centre_id", ondelete="CASCADE"), index=True
    )
    weekday: Mapped[str] = mapped_column(String(3))
    start_s: Mapped[int] = mapped_column(Integer)
    end_s: Mapped[int] = mapped_column(Integer)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class Rider(Base):
    """A citizen with a granted place and transport: home, grants (sessions) and needs."""

    __tablename__ = "riders"

    rider_id: Mapped[str] = mapped_column(String(ID_LENGTH), primary_key=True)
    centre_id: Mapped[str] = mapped_column(ForeignKey("centres.centre_id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    lat: Mapped[float] = mapped_column(Float)
    lon: Mapped[float] = mapped_column(Float)
    address: Mapped[str] = mapped_column(String(300), default="")
    session_ids: Mapped[list[Any]] = mapped_column(default=list)
    wheelchair: Mapped[bool] = mapped_column(Boolean, default=False)
    escort: Mapped[bool] = mapped_column(Boolean, default=False)
    max_ride_s: Mapped[int | None] = mapped_column(Integer)
    detour_factor: Mapped[float | None] = mapped_column(Float)
    boarding_s: Mapped[int | None] = mapped_column(Integer)
    notes: Mapped[str] = mapped_column(Text, default="")
    can_travel_alone: Mapped[bool] = mapped_column(Boolean, default=False)
    has_driver: Mapped[bool] = mapped_column(Boolean, default=False)
    centre_assessment: Mapped[str | None] = mapped_column(Text)
    """The centre's concrete assessment that the shared ride is not an option (reimbursement)."""
    phone: Mapped[str] = mapped_column(String(40), default="", server_default="")
    contact_phone: Mapped[str] = mapped_column(String(40), default="", server_default="")
    """A relative's or contact person's number. Both numbers are shown only to the coordinator,
    the rider's centre and the drivers of the rider's runs (revision 0003)."""
    centre_assessment_by: Mapped[str | None] = mapped_column(String(200))
    """Who at the centre made the assessment."""
    centre_assessment_on: Mapped[date | None] = mapped_column(Date)
    """When the assessment was made."""
    can_cycle: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    erased_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    """Set when the rider's personal data was erased (:mod:`api.privacy`): the row stays,
    pseudonymised, so ids and counts remain for statistics; it is planned no more."""


class Vehicle(Base):
    __tablename__ = "vehicles"

    vehicle_id: Mapped[str] = mapped_column(String(ID_LENGTH), primary_key=True)
    kind: Mapped[str] = mapped_column(String(100), default="")
    depot_lat: Mapped[float] = mapped_column(Float)
    depot_lon: Mapped[float] = mapped_column(Float)
    seats: Mapped[int] = mapped_column(Integer)
    wheelchair_places: Mapped[int] = mapped_column(Integer)
    layouts: Mapped[list[Any]] = mapped_column(default=list)
    """All layouts ``[{"seats": 8, "wheelchair_places": 2}, …]`` (standard first; [] = only the
    standard one), revision 0002."""
    fixed_cost_ore: Mapped[int] = mapped_column(Integer)
    cost_per_km_ore: Mapped[int] = mapped_column(Integer)
    cost_per_hour_ore: Mapped[int] = mapped_column(Integer)
    available_from_s: Mapped[int] = mapped_column(Integer)
    available_to_s: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class User(Base):
    """A person (username and password) or a machine client (API key), or both.

    Only the key's SHA-256 and the password's argon2 hash are stored.
    """

    __tablename__ = "users"

    user_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20))
    token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    username: Mapped[str | None] = mapped_column(String(100), unique=True)
    password_hash: Mapped[str | None] = mapped_column(String(200))
    centre_ids: Mapped[list[Any]] = mapped_column(default=list)
    vehicle_id: Mapped[str | None] = mapped_column(String(ID_LENGTH))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class WebSession(Base):
    """A browser's login: the cookie holds a random value, this table its SHA-256, so a session
    can be ended on the server (logout, password reset, deactivation)."""

    __tablename__ = "web_sessions"

    session_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.user_id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    remember: Mapped[bool] = mapped_column(Boolean, default=False)
    """A driver's device kept logged in (30 days instead of a working day)."""
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Closure(Base):
    """A centre's closing day or period (inclusive dates)."""

    __tablename__ = "closures"
    __table_args__ = (UniqueConstraint("centre_id", "start_date", "end_date"),)

    closure_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    centre_id: Mapped[str] = mapped_column(
        ForeignKey("centres.centre_id", ondelete="CASCADE"), index=True
    )
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(String(300), default="")
    created_by: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Absence(Base):
    """An afbud: one day, a period, or until further notice (``end_date`` null).

    ``natural_key`` (rider, first day, last day, scope) is unique among the absences not
    withdrawn, which makes registering the same afbud twice harmless; a withdrawn row stays as
    history.
    """

    __tablename__ = "absences"
    __table_args__ = (
        Index(
            "uq_absences_active_natural_key",
            "natural_key",
            unique=True,
            sqlite_where=text("withdrawn_at IS NULL"),
            postgresql_where=text("withdrawn_at IS NULL"),
        ),
    )

    absence_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    rider_id: Mapped[str] = mapped_column(
        ForeignKey("riders.rider_id", ondelete="CASCADE"), index=True
    )
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date | None] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(String(300), default="")
    scope: Mapped[str] = mapped_column(String(12), default="both")
    """Rides cancelled: ``both``, ``to_centre`` or ``from_centre``."""
    reported_by: Mapped[str] = mapped_column(String(20), default="centre")
    late: Mapped[bool] = mapped_column(Boolean, default=False)
    natural_key: Mapped[str] = mapped_column(String(200))
    registered_by: Mapped[int | None] = mapped_column(Integer)
    registered_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    withdrawn_by: Mapped[int | None] = mapped_column(Integer)
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    """Last registration, withdrawal or change of the end (cache keys of manifests)."""


class NoShow(Base):
    """A rider not at the pickup point when the vehicle came (forgæves kørsel)."""

    __tablename__ = "no_shows"
    __table_args__ = (UniqueConstraint("rider_id", "date", "run_id"),)

    no_show_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    rider_id: Mapped[str] = mapped_column(
        ForeignKey("riders.rider_id", ondelete="CASCADE"), index=True
    )
    date: Mapped[date] = mapped_column(Date, index=True)
    run_id: Mapped[str] = mapped_column(String(ID_LENGTH * 2))
    vehicle_id: Mapped[str] = mapped_column(String(ID_LENGTH))
    direction: Mapped[str] = mapped_column(String(12), default="to_centre")
    keep_ride_home: Mapped[bool] = mapped_column(Boolean, default=False)
    """A morning no-show cancels the ride home unless this is set."""
    note: Mapped[str] = mapped_column(String(300), default="")
    recorded_by: Mapped[int | None] = mapped_column(Integer)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class ConsolidationRecord(Base):
    """A consolidation a coordinator accepted: on ``date`` run ``absorbed_run_id`` merges into
    ``target_run_id`` (daily runs apply it while it still fits the day's afbud)."""

    __tablename__ = "consolidations"
    __table_args__ = (UniqueConstraint("date", "absorbed_run_id"),)

    consolidation_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    plan_id: Mapped[int] = mapped_column(Integer)
    date: Mapped[date] = mapped_column(Date, index=True)
    absorbed_run_id: Mapped[str] = mapped_column(String(ID_LENGTH * 2))
    target_run_id: Mapped[str] = mapped_column(String(ID_LENGTH * 2))
    saved_ore: Mapped[int] = mapped_column(Integer)
    moved: Mapped[list[Any]] = mapped_column(default=list)
    accepted_by: Mapped[int | None] = mapped_column(Integer)
    accepted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class PlanRecord(Base):
    """A weekly plan: the solve job's state and, when done, the ``samkorsel.plan/1`` document."""

    __tablename__ = "plans"

    plan_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    status: Mapped[str] = mapped_column(String(20), default="queued", index=True)
    progress: Mapped[dict[str, Any]] = mapped_column(default=dict)
    params: Mapped[dict[str, Any]] = mapped_column(default=dict)
    # Deferred: the document is large and mostly served from the parsed-plan cache.
    document: Mapped[dict[str, Any] | None] = mapped_column(JSONDocument, deferred=True)
    summary: Mapped[dict[str, Any] | None] = mapped_column(JSONDocument)
    """Key figures and counts of the document, for status answers without loading it."""
    violations: Mapped[list[Any] | None] = mapped_column(JSONDocument)
    """What the independent checker (``routing.verify.checks``) found in the finished plan."""
    error: Mapped[str | None] = mapped_column(Text)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_by: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    published: Mapped[bool] = mapped_column(Boolean, default=False)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    published_by: Mapped[int | None] = mapped_column(Integer)
    effective_from: Mapped[date | None] = mapped_column(Date, index=True)
    """The first day the published plan is in force ("gældende fra"); earlier days keep the
    plan in force then."""
    # The job's lease (api.jobs.leases): the worker that runs it renews lease_expires_at by its
    # heartbeat; a lease that runs out means the worker is gone and the job may be taken again.
    lease_owner: Mapped[str | None] = mapped_column(String(120))
    lease_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancel_requested: Mapped[bool] = mapped_column(Boolean, default=False)


class JobPart(Base):
    """One independent part of a plan job, solved by any worker (``api.jobs.parts``): fanned out
    by the job that needs it, fanned in by ``batch`` in ``idx`` order."""

    __tablename__ = "job_parts"

    part_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    batch: Mapped[str] = mapped_column(String(64), index=True)
    idx: Mapped[int] = mapped_column(Integer)
    solver: Mapped[str] = mapped_column(String(200))
    spec: Mapped[dict[str, Any]] = mapped_column(JSONDocument)
    status: Mapped[str] = mapped_column(String(20), default="queued", index=True)
    result: Mapped[Any | None] = mapped_column(JSONDocument)
    error: Mapped[str | None] = mapped_column(Text)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    lease_owner: Mapped[str | None] = mapped_column(String(120))
    lease_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ReimbursementRecord(Base):
    """A stored reimbursement decision with the inputs it was computed from."""

    __tablename__ = "reimbursement_decisions"

    decision_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    rider_id: Mapped[str] = mapped_column(
        ForeignKey("riders.rider_id", ondelete="CASCADE"), index=True
    )
    plan_id: Mapped[int | None] = mapped_column(Integer)
    warranted: Mapped[bool] = mapped_column(Boolean)
    inputs: Mapped[dict[str, Any]] = mapped_column(default=dict)
    decision: Mapped[dict[str, Any]] = mapped_column(default=dict)
    supersedes_id: Mapped[int | None] = mapped_column(Integer)
    created_by: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ConfigEntry(Base):
    """Small service-wide values, e.g. the imported scenario's name and plan parameters."""

    __tablename__ = "config"

    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    value: Mapped[dict[str, Any]] = mapped_column(default=dict)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class AuditEntry(Base):
    """Who changed what when. ``change`` holds the new values (and old ones for updates)."""

    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_entity_entity_id", "entity", "entity_id"),)

    audit_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    user_id: Mapped[int | None] = mapped_column(Integer)
    action: Mapped[str] = mapped_column(String(40))
    entity: Mapped[str] = mapped_column(String(40))
    entity_id: Mapped[str] = mapped_column(String(ID_LENGTH * 2))
    change: Mapped[dict[str, Any]] = mapped_column(default=dict)


class Grant(Base):
    """What a rider is granted (bevilling): shared ride, reimbursement or nothing, with dates.

    Kept after the rider is deleted (no foreign key): a grant is part of the case history.
    """

    __tablename__ = "grants"

    grant_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    rider_id: Mapped[str] = mapped_column(String(ID_LENGTH), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    start: Mapped[date] = mapped_column(Date)
    end: Mapped[date | None] = mapped_column(Date)
    decided_by: Mapped[str] = mapped_column(String(200))
    decided_on: Mapped[date] = mapped_column(Date)
    means: Mapped[str] = mapped_column(String(200), default="")
    review_on: Mapped[date | None] = mapped_column(Date)
    decision_id: Mapped[int | None] = mapped_column(Integer)
    """The reimbursement decision that created or ended the grant, if any."""
    note: Mapped[str] = mapped_column(Text, default="")
    created_by: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class AbsenceFollowUp(Base):
    """The centre has contacted Socialområdet about a long absence (Randers' duty)."""

    __tablename__ = "absence_followups"
    __table_args__ = (UniqueConstraint("rider_id", "absence_start"),)

    followup_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    rider_id: Mapped[str] = mapped_column(String(ID_LENGTH), index=True)
    absence_start: Mapped[date] = mapped_column(Date)
    """First day of the continuous absence acknowledged."""
    contacted_by: Mapped[str] = mapped_column(String(200))
    contacted_on: Mapped[date] = mapped_column(Date)
    note: Mapped[str] = mapped_column(Text, default="")
    created_by: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Complaint(Base):
    """A complaint (klage) against a reimbursement decision and how far it has come."""

    __tablename__ = "complaints"

    complaint_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    decision_id: Mapped[int] = mapped_column(Integer, index=True)
    rider_id: Mapped[str] = mapped_column(String(ID_LENGTH), index=True)
    received_on: Mapped[date] = mapped_column(Date)
    complainant: Mapped[str] = mapped_column(String(200), default="")
    text: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(20), default="received")
    reassess_by: Mapped[date | None] = mapped_column(Date)
    outcome_note: Mapped[str] = mapped_column(Text, default="")
    forwarded_on: Mapped[date | None] = mapped_column(Date)
    forwarded_to: Mapped[str] = mapped_column(String(200), default="")
    created_by: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class RecurringClosure(Base):
    """A closure every year (``MM-DD`` or ISO week ``Www``); ``centre_id`` ``*`` = all centres."""

    __tablename__ = "recurring_closures"
    __table_args__ = (UniqueConstraint("centre_id", "start", "end"),)

    closure_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    centre_id: Mapped[str] = mapped_column(String(ID_LENGTH), index=True)
    start: Mapped[str] = mapped_column(String(5))
    end: Mapped[str] = mapped_column(String(5))
    reason: Mapped[str] = mapped_column(String(300), default="")
    created_by: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ImportPreview(Base):
    """An uploaded spreadsheet waiting for the coordinator's "Gem importen" (issue 14): kept
    in the database, not one server's temporary folder, so any API process can store it. The
    token is only known to the uploader's browser; the table holds its SHA-256."""

    __tablename__ = "import_previews"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.user_id", ondelete="CASCADE"), index=True
    )
    mode: Mapped[str] = mapped_column(String(10))
    fingerprint: Mapped[str] = mapped_column(Text)
    """The stored master data's fingerprint when previewed (saving refuses if it changed)."""
    names: Mapped[list[str]] = mapped_column(JSONDocument)
    content: Mapped[bytes] = mapped_column(LargeBinary)
    """The uploaded files, in order, as one zip."""
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)


class DeletedRider(Base):
    """What a deleted rider's past runs need to be derived again (name, home, centre, needs):
    the manifests of days before the deletion keep showing what was driven. Erasing the rider
    (:mod:`api.privacy`) deletes this row too."""

    __tablename__ = "deleted_riders"

    rider_id: Mapped[str] = mapped_column(String(ID_LENGTH), primary_key=True)
    values: Mapped[dict[str, Any]] = mapped_column(JSONDocument)
    """The riders-table columns the core's :class:`routing.model.Rider` is built from."""
    deleted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
