"""Import previews in the database instead of one server's temporary folder; what deleted
riders' past runs need to be derived (issue 14)

Revision ID: 0005_desk2
Revises: 0004_desk_effective_date
Create Date: 2026-12-06 10:45:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0005_desk2"
down_revision: str | None = "0004_desk_effective_date"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TIMESTAMP = sa.DateTime(timezone=True)
JSON_DOC = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "import_previews",
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("mode", sa.String(length=10), nullable=False),
        sa.Column("fingerprint", sa.Text(), nullable=False),
        sa.Column("names", JSON_DOC, nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.Column("expires_at", TIMESTAMP, nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.user_id"],
                                name=op.f("fk_import_previews_user_id_users"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("token_hash", name=op.f("pk_import_previews")),
    )
    with op.batch_alter_table("import_previews") as batch:
        batch.create_index(batch.f("ix_import_previews_user_id"), ["user_id"], unique=False)
        batch.create_index(batch.f("ix_import_previews_expires_at"), ["expires_at"],
                           unique=False)


    op.create_table(
        "deleted_riders",
        sa.Column("rider_id", sa.String(length=64), nullable=False),
        sa.Column("values", JSON_DOC, nullable=False),
        sa.Column("deleted_at", TIMESTAMP, nullable=False),
        sa.PrimaryKeyConstraint("rider_id", name=op.f("pk_deleted_riders")),
    )


def downgrade() -> None:
    op.drop_table("deleted_riders")
    op.drop_index(op.f("ix_import_previews_expires_at"), table_name="import_previews")
    op.drop_index(op.f("ix_import_previews_user_id"), table_name="import_previews")
    op.drop_table("import_previews")
