"""incidents: internal announcements

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-28 21:10:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import hikeshi.db.base

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "incident_announcements",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("chat_channel", sa.String(length=200), nullable=False),
        sa.Column("chat_delivery_id", sa.Integer(), nullable=True),
        sa.Column("email_address", sa.String(length=254), nullable=False),
        sa.Column("emails_sent", sa.Integer(), nullable=False),
        sa.Column("last_emailed_at", hikeshi.db.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("last_emailed_status", sa.String(length=20), nullable=False),
        sa.Column("facts", sa.JSON(), nullable=False),
        sa.Column("facts_hash", sa.String(length=64), nullable=False),
        sa.Column("revisions", sa.Integer(), nullable=False),
        sa.Column("posted_at", hikeshi.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", hikeshi.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["chat_delivery_id"],
            ["deliveries.id"],
            name=op.f("fk_incident_announcements_chat_delivery_id_deliveries"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["incident_id"],
            ["incidents.id"],
            name=op.f("fk_incident_announcements_incident_id_incidents"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_incident_announcements")),
        sa.UniqueConstraint("incident_id", name=op.f("uq_incident_announcements_incident_id")),
    )


def downgrade() -> None:
    op.drop_table("incident_announcements")
