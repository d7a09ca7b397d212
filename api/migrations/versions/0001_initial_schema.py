"""Initial schema: all tables of the service

Revision ID: 0001
Revises:
Create Date: 2026-11-23 09:45:25.353978
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Aware timestamps (stored as UTC) and JSON documents (JSONB on PostgreSQL), as in api.db.types.
TIMESTAMP = sa.DateTime(timezone=True)
JSON_DOC = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "audit_log",
        sa.Column("audit_id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("at", TIMESTAMP, nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("action", sa.String(length=40), nullable=False),
        sa.Column("entity", sa.String(length=40), nullable=False),
        sa.Column("entity_id", sa.String(length=128), nullable=False),
        sa.Column("change", JSON_DOC, nullable=False),
        sa.PrimaryKeyConstraint("audit_id", name=op.f("pk_audit_log")),
    )
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_audit_log_at"), ["at"], unique=False)
        batch_op.create_index(
            "ix_audit_log_entity_entity_id", ["entity", "entity_id"], unique=False
        )

    op.create_table(
        "centres",
        sa.Column("centre_id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("lat", sa.Float(), nullable=False),
        sa.Column("lon", sa.Float(), nullable=False),
        sa.Column("address", sa.String(length=300), nullable=False),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.Column("updated_at", TIMESTAMP, nullable=False),
        sa.PrimaryKeyConstraint("centre_id", name=op.f("pk_centres")),
    )
    op.create_table(
        "config",
        sa.Column("key", sa.String(length=100), nullable=False),
        sa.Column("value", JSON_DOC, nullable=False),
        sa.Column("updated_at", TIMESTAMP, nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_config")),
    )
    op.create_table(
        "consolidations",
        sa.Column("consolidation_id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("absorbed_run_id", sa.String(length=128), nullable=False),
        sa.Column("target_run_id", sa.String(length=128), nullable=False),
        sa.Column("saved_ore", sa.Integer(), nullable=False),
        sa.Column("moved", JSON_DOC, nullable=False),
        sa.Column("accepted_by", sa.Integer(), nullable=True),
        sa.Column("accepted_at", TIMESTAMP, nullable=False),
        sa.PrimaryKeyConstraint("consolidation_id", name=op.f("pk_consolidations")),
        sa.UniqueConstraint("date", "absorbed_run_id",
                            name=op.f("uq_consolidations_date_absorbed_run_id")),
    )
    with op.batch_alter_table("consolidations", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_consolidations_date"), ["date"], unique=False)

    op.create_table(
        "plans",
        sa.Column("plan_id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("progress", JSON_DOC, nullable=False),
        sa.Column("params", JSON_DOC, nullable=False),
        sa.Column("document", JSON_DOC, nullable=True),
        sa.Column("summary", JSON_DOC, nullable=True),
        sa.Column("violations", JSON_DOC, nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.Column("started_at", TIMESTAMP, nullable=True),
        sa.Column("finished_at", TIMESTAMP, nullable=True),
        sa.Column("published", sa.Boolean(), nullable=False),
        sa.Column("published_at", TIMESTAMP, nullable=True),
        sa.Column("published_by", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("plan_id", name=op.f("pk_plans")),
    )
    with op.batch_alter_table("plans", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_plans_status"), ["status"], unique=False)

    op.create_table(
        "users",
        sa.Column("user_id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("centre_ids", JSON_DOC, nullable=False),
        sa.Column("vehicle_id", sa.String(length=64), nullable=True),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.Column("revoked_at", TIMESTAMP, nullable=True),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_users")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_users_token_hash")),
    )
    op.create_table(
        "vehicles",
        sa.Column("vehicle_id", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=100), nullable=False),
        sa.Column("depot_lat", sa.Float(), nullable=False),
        sa.Column("depot_lon", sa.Float(), nullable=False),
        sa.Column("seats", sa.Integer(), nullable=False),
        sa.Column("wheelchair_places", sa.Integer(), nullable=False),
        sa.Column("fixed_cost_ore", sa.Integer(), nullable=False),
        sa.Column("cost_per_km_ore", sa.Integer(), nullable=False),
        sa.Column("cost_per_hour_ore", sa.Integer(), nullable=False),
        sa.Column("available_from_s", sa.Integer(), nullable=False),
        sa.Column("available_to_s", sa.Integer(), nullable=False),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.Column("updated_at", TIMESTAMP, nullable=False),
        sa.PrimaryKeyConstraint("vehicle_id", name=op.f("pk_vehicles")),
    )
    op.create_table(
        "closures",
        sa.Column("closure_id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("centre_id", sa.String(length=64), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("end_date", sa.Date(), nullable=False),
        sa.Column("reason", sa.String(length=300), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.ForeignKeyConstraint(
            ["centre_id"],
            ["centres.centre_id"],
            name=op.f("fk_closures_centre_id_centres"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("closure_id", name=op.f("pk_closures")),
        sa.UniqueConstraint(
            "centre_id",
            "start_date",
            "end_date",
            name=op.f("uq_closures_centre_id_start_date_end_date"),
        ),
    )
    with op.batch_alter_table("closures", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_closures_centre_id"), ["centre_id"], unique=False)

    op.create_table(
        "riders",
        sa.Column("rider_id", sa.String(length=64), nullable=False),
        sa.Column("centre_id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("lat", sa.Float(), nullable=False),
        sa.Column("lon", sa.Float(), nullable=False),
        sa.Column("address", sa.String(length=300), nullable=False),
        sa.Column("session_ids", JSON_DOC, nullable=False),
        sa.Column("wheelchair", sa.Boolean(), nullable=False),
        sa.Column("escort", sa.Boolean(), nullable=False),
        sa.Column("max_ride_s", sa.Integer(), nullable=True),
        sa.Column("detour_factor", sa.Float(), nullable=True),
        sa.Column("boarding_s", sa.Integer(), nullable=True),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column("can_travel_alone", sa.Boolean(), nullable=False),
        sa.Column("has_driver", sa.Boolean(), nullable=False),
        sa.Column("centre_assessment", sa.Text(), nullable=True),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.Column("updated_at", TIMESTAMP, nullable=False),
        sa.ForeignKeyConstraint(
            ["centre_id"], ["centres.centre_id"], name=op.f("fk_riders_centre_id_centres")
        ),
        sa.PrimaryKeyConstraint("rider_id", name=op.f("pk_riders")),
    )
    with op.batch_alter_table("riders", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_riders_centre_id"), ["centre_id"], unique=False)

    op.create_table(
        "sessions",
        sa.Column("session_id", sa.String(length=64), nullable=False),
        sa.Column("centre_id", sa.String(length=64), nullable=False),
        sa.Column("weekday", sa.String(length=3), nullable=False),
        sa.Column("start_s", sa.Integer(), nullable=False),
        sa.Column("end_s", sa.Integer(), nullable=False),
        sa.Column("updated_at", TIMESTAMP, nullable=False),
        sa.ForeignKeyConstraint(
            ["centre_id"],
            ["centres.centre_id"],
            name=op.f("fk_sessions_centre_id_centres"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("session_id", name=op.f("pk_sessions")),
    )
    with op.batch_alter_table("sessions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_sessions_centre_id"), ["centre_id"], unique=False)

    op.create_table(
        "absences",
        sa.Column("absence_id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("rider_id", sa.String(length=64), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("end_date", sa.Date(), nullable=True),
        sa.Column("reason", sa.String(length=300), nullable=False),
        sa.Column("scope", sa.String(length=12), nullable=False),
        sa.Column("reported_by", sa.String(length=20), nullable=False),
        sa.Column("late", sa.Boolean(), nullable=False),
        sa.Column("natural_key", sa.String(length=200), nullable=False),
        sa.Column("registered_by", sa.Integer(), nullable=True),
        sa.Column("registered_at", TIMESTAMP, nullable=False),
        sa.Column("withdrawn_by", sa.Integer(), nullable=True),
        sa.Column("withdrawn_at", TIMESTAMP, nullable=True),
        sa.Column("changed_at", TIMESTAMP, nullable=False),
        sa.ForeignKeyConstraint(
            ["rider_id"],
            ["riders.rider_id"],
            name=op.f("fk_absences_rider_id_riders"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("absence_id", name=op.f("pk_absences")),
    )
    with op.batch_alter_table("absences", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_absences_rider_id"), ["rider_id"], unique=False)
        batch_op.create_index(
            "uq_absences_active_natural_key",
            ["natural_key"],
            unique=True,
            sqlite_where=sa.text("withdrawn_at IS NULL"),
            postgresql_where=sa.text("withdrawn_at IS NULL"),
        )

    op.create_table(
        "no_shows",
        sa.Column("no_show_id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("rider_id", sa.String(length=64), nullable=False),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("run_id", sa.String(length=128), nullable=False),
        sa.Column("vehicle_id", sa.String(length=64), nullable=False),
        sa.Column("direction", sa.String(length=12), nullable=False),
        sa.Column("keep_ride_home", sa.Boolean(), nullable=False),
        sa.Column("note", sa.String(length=300), nullable=False),
        sa.Column("recorded_by", sa.Integer(), nullable=True),
        sa.Column("recorded_at", TIMESTAMP, nullable=False),
        sa.Column("changed_at", TIMESTAMP, nullable=False),
        sa.ForeignKeyConstraint(
            ["rider_id"],
            ["riders.rider_id"],
            name=op.f("fk_no_shows_rider_id_riders"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("no_show_id", name=op.f("pk_no_shows")),
        sa.UniqueConstraint(
            "rider_id", "date", "run_id", name=op.f("uq_no_shows_rider_id_date_run_id")
        ),
    )
    with op.batch_alter_table("no_shows", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_no_shows_date"), ["date"], unique=False)
        batch_op.create_index(batch_op.f("ix_no_shows_rider_id"), ["rider_id"], unique=False)

    op.create_table(
        "reimbursement_decisions",
        sa.Column("decision_id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("rider_id", sa.String(length=64), nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=True),
        sa.Column("warranted", sa.Boolean(), nullable=False),
        sa.Column("inputs", JSON_DOC, nullable=False),
        sa.Column("decision", JSON_DOC, nullable=False),
        sa.Column("supersedes_id", sa.Integer(), nullable=True),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.ForeignKeyConstraint(
            ["rider_id"],
            ["riders.rider_id"],
            name=op.f("fk_reimbursement_decisions_rider_id_riders"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("decision_id", name=op.f("pk_reimbursement_decisions")),
    )
    with op.batch_alter_table("reimbursement_decisions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_reimbursement_decisions_rider_id"), ["rider_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("reimbursement_decisions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_reimbursement_decisions_rider_id"))

    op.drop_table("reimbursement_decisions")
    with op.batch_alter_table("no_shows", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_no_shows_rider_id"))
        batch_op.drop_index(batch_op.f("ix_no_shows_date"))

    op.drop_table("no_shows")
    with op.batch_alter_table("absences", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_absences_active_natural_key",
            sqlite_where=sa.text("withdrawn_at IS NULL"),
            postgresql_where=sa.text("withdrawn_at IS NULL"),
        )
        batch_op.drop_index(batch_op.f("ix_absences_rider_id"))

    op.drop_table("absences")
    with op.batch_alter_table("sessions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sessions_centre_id"))

    op.drop_table("sessions")
    with op.batch_alter_table("riders", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_riders_centre_id"))

    op.drop_table("riders")
    with op.batch_alter_table("closures", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_closures_centre_id"))

    op.drop_table("closures")
    op.drop_table("vehicles")
    op.drop_table("users")
    with op.batch_alter_table("plans", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_plans_status"))

    op.drop_table("plans")
    with op.batch_alter_table("consolidations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_consolidations_date"))

    op.drop_table("consolidations")
    op.drop_table("config")
    op.drop_table("centres")
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.drop_index("ix_audit_log_entity_entity_id")
        batch_op.drop_index(batch_op.f("ix_audit_log_at"))

    op.drop_table("audit_log")
