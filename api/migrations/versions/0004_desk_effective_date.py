"""Published plans carry the first day they are in force ("gældende fra", issue 14)

Plans published before this revision get no date: they count as in force from the start, so
the days they served keep them.

Revision ID: 0004_desk_effective_date
Revises: 0003_grants
Create Date: 2026-12-06 08:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004_desk_effective_date"
down_revision: str | None = "0003_grants"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("plans") as batch:
        batch.add_column(sa.Column("effective_from", sa.Date(), nullable=True))
        batch.create_index(batch.f("ix_plans_effective_from"), ["effective_from"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("plans") as batch:
        batch.drop_index(batch.f("ix_plans_effective_from"))
        batch.drop_column("effective_from")
