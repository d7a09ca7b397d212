"""Riders' erasure: a pseudonymised rider keeps its row, marked erased (issue 15 item 4)

Revision ID: 0003_safety
Revises: 0003_jobs
Create Date: 2026-12-06 08:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

JSON_DOC = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
PERSONAL = ("rider", "absence", "no_show", "reimbursement_decision", "user")
SAFE = {"rider_id", "centre_id", "centre_ids", "vehicle_id", "run_id", "role", "scope", "late",
        "warranted", "rates_year", "supersedes", "per_month_ore", "erased", "counts"}

revision: str = "0003_safety"
down_revision: str | None = "0003_jobs"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _fields_only(change: dict) -> dict:  # type: ignore[type-arg]
    # As api.db.repo.audit_change at the time of this revision (copied: migrations are frozen).
    if change and set(change) <= {"before", "after"}:
        names = set(change.get("before") or {}) | set(change.get("after") or {})
        values = dict(change.get("after") or {})
    else:
        names, values = set(change or {}), dict(change or {})
    return {"fields": sorted(names), **{k: v for k, v in values.items() if k in SAFE}}


def upgrade() -> None:
    with op.batch_alter_table("riders") as batch:
        batch.add_column(sa.Column("erased_at", sa.DateTime(timezone=True), nullable=True))
    # Audit entries written before this revision hold personal values (names, addresses,
    # notes, afbud reasons): keep which fields changed, drop the values.
    audit = sa.table("audit_log", sa.column("audit_id", sa.Integer),
                     sa.column("entity", sa.String), sa.column("change", JSON_DOC))
    bind = op.get_bind()
    rows = bind.execute(sa.select(audit.c.audit_id, audit.c.change)
                        .where(audit.c.entity.in_(PERSONAL))).all()
    for audit_id, change in rows:
        if isinstance(change, dict) and "fields" not in change:
            bind.execute(audit.update().where(audit.c.audit_id == audit_id)
                         .values(change=_fields_only(change)))


def downgrade() -> None:
    with op.batch_alter_table("riders") as batch:
        batch.drop_column("erased_at")
