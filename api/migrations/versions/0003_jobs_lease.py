"""Plan jobs on a real queue: a lease per running job, cancellation (issue 15 item 3); parts of
a job solved by any worker (issue 17 item 3)

Revision ID: 0003_jobs
Revises: 0003_web_logins
Create Date: 2026-12-06 08:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

TIMESTAMP = sa.DateTime(timezone=True)
JSON_DOC = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")

revision: str = "0003_jobs"
down_revision: str | None = "0003_web_logins"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("plans") as batch:
        batch.add_column(sa.Column("lease_owner", sa.String(120), nullable=True))
        batch.add_column(sa.Column("lease_expires_at", TIMESTAMP, nullable=True))
        batch.add_column(sa.Column("cancel_requested", sa.Boolean(), nullable=False,
                                   server_default=sa.false()))
    op.create_table(
        "job_parts",
        sa.Column("part_id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("batch", sa.String(64), nullable=False),
        sa.Column("idx", sa.Integer(), nullable=False),
        sa.Column("solver", sa.String(200), nullable=False),
        sa.Column("spec", JSON_DOC, nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("result", JSON_DOC, nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("lease_owner", sa.String(120), nullable=True),
        sa.Column("lease_expires_at", TIMESTAMP, nullable=True),
        sa.Column("created_at", TIMESTAMP, nullable=False),
    )
    op.create_index("ix_job_parts_batch", "job_parts", ["batch"])
    op.create_index("ix_job_parts_status", "job_parts", ["status"])


def downgrade() -> None:
    op.drop_index("ix_job_parts_status", "job_parts")
    op.drop_index("ix_job_parts_batch", "job_parts")
    op.drop_table("job_parts")
    with op.batch_alter_table("plans") as batch:
        batch.drop_column("cancel_requested")
        batch.drop_column("lease_expires_at")
        batch.drop_column("lease_owner")
