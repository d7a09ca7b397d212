"""Vehicle layouts: a wheelchair place may replace seats (issue 8 item 5)

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25 12:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON_DOC = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    # [] = only the standard layout (seats, wheelchair_places): existing vehicles keep theirs.
    with op.batch_alter_table("vehicles") as batch:
        batch.add_column(sa.Column("layouts", JSON_DOC, nullable=False, server_default="[]"))


def downgrade() -> None:
    with op.batch_alter_table("vehicles") as batch:
        batch.drop_column("layouts")
