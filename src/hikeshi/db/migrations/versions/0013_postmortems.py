"""postmortems: postmortems and their action items

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-29 01:58:53.764236
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import hikeshi.db.base

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "postmortems",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("symptom_ja", sa.Text(), nullable=False),
        sa.Column("symptom_en", sa.Text(), nullable=False),
        sa.Column("recovery_ja", sa.Text(), nullable=False),
        sa.Column("recovery_en", sa.Text(), nullable=False),
        sa.Column("impact_ja", sa.Text(), nullable=False),
        sa.Column("impact_en", sa.Text(), nullable=False),
        sa.Column("cause_ja", sa.Text(), nullable=False),
        sa.Column("cause_en", sa.Text(), nullable=False),
        sa.Column("prevention_ja", sa.Text(), nullable=False),
        sa.Column("prevention_en", sa.Text(), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=True),
        sa.Column("submitted_at", hikeshi.db.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("submitted_by_id", sa.Integer(), nullable=True),
        sa.Column("published_at", hikeshi.db.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("published_by_id", sa.Integer(), nullable=True),
        sa.Column("published_markdown", sa.Text(), nullable=False),
        sa.Column("kb_kind", sa.String(length=10), nullable=False),
        sa.Column("kb_post_number", sa.Integer(), nullable=True),
        sa.Column("kb_location", sa.String(length=1000), nullable=False),
        sa.Column("kb_synced_at", hikeshi.db.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("kb_synced_version", sa.Integer(), nullable=False),
        sa.Column("kb_error", sa.Text(), nullable=False),
        sa.Column("created_at", hikeshi.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", hikeshi.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["incident_id"],
            ["incidents.id"],
            name=op.f("fk_postmortems_incident_id_incidents"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["owner_id"], ["users.id"], name=op.f("fk_postmortems_owner_id_users"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["published_by_id"],
            ["users.id"],
            name=op.f("fk_postmortems_published_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["submitted_by_id"],
            ["users.id"],
            name=op.f("fk_postmortems_submitted_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_postmortems")),
        sa.UniqueConstraint("incident_id", name=op.f("uq_postmortems_incident_id")),
    )
    with op.batch_alter_table("postmortems", schema=None) as batch_op:
        batch_op.create_index("ix_postmortems_status", ["status", "updated_at"], unique=False)

    op.create_table(
        "action_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("postmortem_id", sa.Integer(), nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=500), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=True),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("done_at", hikeshi.db.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("done_by_id", sa.Integer(), nullable=True),
        sa.Column("reminded_due_on", sa.Date(), nullable=True),
        sa.Column("overdue_reminded_on", sa.Date(), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", hikeshi.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", hikeshi.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["users.id"],
            name=op.f("fk_action_items_created_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["done_by_id"], ["users.id"], name=op.f("fk_action_items_done_by_id_users"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["incident_id"],
            ["incidents.id"],
            name=op.f("fk_action_items_incident_id_incidents"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["owner_id"], ["users.id"], name=op.f("fk_action_items_owner_id_users"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["postmortem_id"],
            ["postmortems.id"],
            name=op.f("fk_action_items_postmortem_id_postmortems"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_action_items")),
    )
    with op.batch_alter_table("action_items", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_action_items_incident_id"), ["incident_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_action_items_owner_id"), ["owner_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_action_items_postmortem_id"), ["postmortem_id"], unique=False)
        batch_op.create_index("ix_action_items_status_due", ["status", "due_on"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("action_items", schema=None) as batch_op:
        batch_op.drop_index("ix_action_items_status_due")
        batch_op.drop_index(batch_op.f("ix_action_items_postmortem_id"))
        batch_op.drop_index(batch_op.f("ix_action_items_owner_id"))
        batch_op.drop_index(batch_op.f("ix_action_items_incident_id"))

    op.drop_table("action_items")
    with op.batch_alter_table("postmortems", schema=None) as batch_op:
        batch_op.drop_index("ix_postmortems_status")

    op.drop_table("postmortems")
