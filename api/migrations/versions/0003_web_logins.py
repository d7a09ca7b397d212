"""People log in with username and password; browser sessions; phone numbers (issue 14)

Revision ID: 0003_web_logins
Revises: 0002
Create Date: 2026-12-06 08:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003_web_logins"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TIMESTAMP = sa.DateTime(timezone=True)


def upgrade() -> None:
    # A person may have only a password (no API key): token_hash becomes optional.
    with op.batch_alter_table("users") as batch:
        batch.alter_column("token_hash", existing_type=sa.String(length=64), nullable=True)
        batch.add_column(sa.Column("username", sa.String(length=100), nullable=True))
        batch.add_column(sa.Column("password_hash", sa.String(length=200), nullable=True))
        batch.create_unique_constraint(batch.f("uq_users_username"), ["username"])
    op.create_table(
        "web_sessions",
        sa.Column("session_hash", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.Column("expires_at", TIMESTAMP, nullable=False),
        sa.Column("remember", sa.Boolean(), nullable=False),
        sa.Column("revoked_at", TIMESTAMP, nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["users.user_id"], ondelete="CASCADE",
                                name=op.f("fk_web_sessions_user_id_users")),
        sa.PrimaryKeyConstraint("session_hash", name=op.f("pk_web_sessions")),
    )
    with op.batch_alter_table("web_sessions") as batch:
        batch.create_index(batch.f("ix_web_sessions_user_id"), ["user_id"], unique=False)
    for table in ("riders", "centres"):
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("phone", sa.String(length=40), nullable=False,
                                       server_default=""))
    with op.batch_alter_table("riders") as batch:
        batch.add_column(sa.Column("contact_phone", sa.String(length=40), nullable=False,
                                   server_default=""))


def downgrade() -> None:
    with op.batch_alter_table("riders") as batch:
        batch.drop_column("contact_phone")
    for table in ("riders", "centres"):
        with op.batch_alter_table(table) as batch:
            batch.drop_column("phone")
    op.drop_table("web_sessions")
    with op.batch_alter_table("users") as batch:
        batch.drop_constraint("uq_users_username", type_="unique")
        batch.drop_column("password_hash")
        batch.drop_column("username")
        batch.alter_column("token_hash", existing_type=sa.String(length=64), nullable=False)
