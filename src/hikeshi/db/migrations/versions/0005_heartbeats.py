"""alerts: heartbeats; integrations.resolve_after_minutes (quiet-period auto-resolve)

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-28 18:55:34.210534
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import hikeshi.db.base

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "heartbeats",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("key_hash", sa.String(length=64), nullable=False),
        sa.Column("key_prefix", sa.String(length=12), nullable=False),
        sa.Column("integration_id", sa.Integer(), nullable=False),
        sa.Column("period_seconds", sa.Integer(), nullable=True),
        sa.Column("cron", sa.String(length=100), nullable=True),
        sa.Column("timezone", sa.String(length=64), nullable=True),
        sa.Column("grace_seconds", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("last_ping_at", hikeshi.db.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("last_ping_kind", sa.String(length=10), nullable=True),
        sa.Column("last_ping_body", sa.Text(), nullable=False),
        sa.Column("last_start_at", hikeshi.db.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("last_duration_seconds", sa.Float(), nullable=True),
        sa.Column("next_due_at", hikeshi.db.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_at", hikeshi.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["integration_id"],
            ["integrations.id"],
            name=op.f("fk_heartbeats_integration_id_integrations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_heartbeats")),
        sa.UniqueConstraint("key_hash", name=op.f("uq_heartbeats_key_hash")),
    )
    op.create_index(op.f("ix_heartbeats_integration_id"), "heartbeats", ["integration_id"], unique=False)
    # A plain ADD COLUMN on both databases: a batch "recreate" of integrations on SQLite would drop
    # the table, and with foreign keys on that deletes every alert that refers to it.
    op.add_column("integrations", sa.Column("resolve_after_minutes", sa.Integer(), nullable=True))


def downgrade() -> None:
    # DROP COLUMN in place (SQLite 3.35+), for the same reason as above.
    op.drop_column("integrations", "resolve_after_minutes")
    op.drop_index(op.f("ix_heartbeats_integration_id"), table_name="heartbeats")
    op.drop_table("heartbeats")
