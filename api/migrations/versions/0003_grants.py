"""Grants per rider, the centre's assessment (who, when), long-absence follow-ups, complaints
(issue 16)

Revision ID: 0003_grants
Revises: 0003_safety
Create Date: 2026-12-06 08:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003_grants"
down_revision: str | None = "0003_safety"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TIMESTAMP = sa.DateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("riders") as batch:
        batch.add_column(sa.Column("centre_assessment_by", sa.String(length=200), nullable=True))
        batch.add_column(sa.Column("centre_assessment_on", sa.Date(), nullable=True))
        batch.add_column(sa.Column("can_cycle", sa.Boolean(), nullable=False,
                                   server_default=sa.false()))
    op.create_table(
        "grants",
        sa.Column("grant_id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("rider_id", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("start", sa.Date(), nullable=False),
        sa.Column("end", sa.Date(), nullable=True),
        sa.Column("decided_by", sa.String(length=200), nullable=False),
        sa.Column("decided_on", sa.Date(), nullable=False),
        sa.Column("means", sa.String(length=200), nullable=False),
        sa.Column("review_on", sa.Date(), nullable=True),
        sa.Column("decision_id", sa.Integer(), nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.Column("updated_at", TIMESTAMP, nullable=False),
        sa.PrimaryKeyConstraint("grant_id", name=op.f("pk_grants")),
    )
    with op.batch_alter_table("grants") as batch:
        batch.create_index(batch.f("ix_grants_rider_id"), ["rider_id"], unique=False)
    op.create_table(
        "absence_followups",
        sa.Column("followup_id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("rider_id", sa.String(length=64), nullable=False),
        sa.Column("absence_start", sa.Date(), nullable=False),
        sa.Column("contacted_by", sa.String(length=200), nullable=False),
        sa.Column("contacted_on", sa.Date(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.PrimaryKeyConstraint("followup_id", name=op.f("pk_absence_followups")),
        sa.UniqueConstraint("rider_id", "absence_start",
                            name=op.f("uq_absence_followups_rider_id_absence_start")),
    )
    with op.batch_alter_table("absence_followups") as batch:
        batch.create_index(batch.f("ix_absence_followups_rider_id"), ["rider_id"], unique=False)
    op.create_table(
        "complaints",
        sa.Column("complaint_id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("decision_id", sa.Integer(), nullable=False),
        sa.Column("rider_id", sa.String(length=64), nullable=False),
        sa.Column("received_on", sa.Date(), nullable=False),
        sa.Column("complainant", sa.String(length=200), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("reassess_by", sa.Date(), nullable=True),
        sa.Column("outcome_note", sa.Text(), nullable=False),
        sa.Column("forwarded_on", sa.Date(), nullable=True),
        sa.Column("forwarded_to", sa.String(length=200), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.Column("updated_at", TIMESTAMP, nullable=False),
        sa.PrimaryKeyConstraint("complaint_id", name=op.f("pk_complaints")),
    )
    with op.batch_alter_table("complaints") as batch:
        batch.create_index(batch.f("ix_complaints_decision_id"), ["decision_id"], unique=False)
        batch.create_index(batch.f("ix_complaints_rider_id"), ["rider_id"], unique=False)


    op.create_table(
        "recurring_closures",
        sa.Column("closure_id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("centre_id", sa.String(length=64), nullable=False),
        sa.Column("start", sa.String(length=5), nullable=False),
        sa.Column("end", sa.String(length=5), nullable=False),
        sa.Column("reason", sa.String(length=300), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.PrimaryKeyConstraint("closure_id", name=op.f("pk_recurring_closures")),
        sa.UniqueConstraint("centre_id", "start", "end",
                            name=op.f("uq_recurring_closures_centre_id_start_end")),
    )
    with op.batch_alter_table("recurring_closures") as batch:
        batch.create_index(batch.f("ix_recurring_closures_centre_id"), ["centre_id"],
                           unique=False)


def downgrade() -> None:
    op.drop_table("recurring_closures")
    op.drop_table("complaints")
    op.drop_table("absence_followups")
    op.drop_table("grants")
    with op.batch_alter_table("riders") as batch:
        batch.drop_column("can_cycle")
        batch.drop_column("centre_assessment_on")
        batch.drop_column("centre_assessment_by")
