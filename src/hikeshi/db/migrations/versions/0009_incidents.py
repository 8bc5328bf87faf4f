"""incidents: incidents, timeline events, tasks, recovery actions, links

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-28 21:10:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import hikeshi.db.base

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "incidents",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=500), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("severity", sa.String(length=10), nullable=False),
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.Column("product_ids", sa.JSON(), nullable=False),
        sa.Column("region_codes", sa.JSON(), nullable=False),
        sa.Column("impact_store_count", sa.Integer(), nullable=False),
        sa.Column("impact_stores_japan", sa.Integer(), nullable=False),
        sa.Column("impact_stores_overseas", sa.Integer(), nullable=False),
        sa.Column("impact_web_booking", sa.Boolean(), nullable=False),
        sa.Column("impact_partner_ids", sa.JSON(), nullable=False),
        sa.Column("impact_estimated_at", hikeshi.db.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("override_stores_japan", sa.Integer(), nullable=True),
        sa.Column("override_stores_overseas", sa.Integer(), nullable=True),
        sa.Column("override_web_booking", sa.Boolean(), nullable=True),
        sa.Column("impact_note", sa.Text(), nullable=False),
        sa.Column("started_at", hikeshi.db.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("detected_at", hikeshi.db.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("declared_at", hikeshi.db.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("resolved_at", hikeshi.db.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("dismissed_at", hikeshi.db.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("dismiss_reason", sa.Text(), nullable=False),
        sa.Column("no_action_reason", sa.Text(), nullable=False),
        sa.Column("commander_id", sa.Integer(), nullable=True),
        sa.Column("comms_lead_id", sa.Integer(), nullable=True),
        sa.Column("hotfix_deployer_id", sa.Integer(), nullable=True),
        sa.Column("hotfix_planned_at", hikeshi.db.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", hikeshi.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", hikeshi.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["commander_id"], ["users.id"], name=op.f("fk_incidents_commander_id_users"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["comms_lead_id"],
            ["users.id"],
            name=op.f("fk_incidents_comms_lead_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["users.id"],
            name=op.f("fk_incidents_created_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["hotfix_deployer_id"],
            ["users.id"],
            name=op.f("fk_incidents_hotfix_deployer_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_incidents")),
        sa.UniqueConstraint("number", name=op.f("uq_incidents_number")),
    )
    op.create_index("ix_incidents_status_declared", "incidents", ["status", "declared_at"], unique=False)
    op.create_table(
        "incident_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("actor_user_id", sa.Integer(), nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("at", hikeshi.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["actor_user_id"],
            ["users.id"],
            name=op.f("fk_incident_events_actor_user_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["incident_id"],
            ["incidents.id"],
            name=op.f("fk_incident_events_incident_id_incidents"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_incident_events")),
    )
    op.create_index("ix_incident_events_incident_at", "incident_events", ["incident_id", "at"], unique=False)
    op.create_table(
        "incident_tasks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("runbook_key", sa.String(length=40), nullable=True),
        sa.Column("title", sa.String(length=500), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=True),
        sa.Column("due_at", hikeshi.db.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("done_at", hikeshi.db.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("done_by_id", sa.Integer(), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", hikeshi.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["users.id"],
            name=op.f("fk_incident_tasks_created_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["done_by_id"], ["users.id"], name=op.f("fk_incident_tasks_done_by_id_users"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["incident_id"],
            ["incidents.id"],
            name=op.f("fk_incident_tasks_incident_id_incidents"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["owner_id"], ["users.id"], name=op.f("fk_incident_tasks_owner_id_users"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_incident_tasks")),
    )
    op.create_index(op.f("ix_incident_tasks_incident_id"), "incident_tasks", ["incident_id"], unique=False)
    op.create_table(
        "recovery_actions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("performed_by_id", sa.Integer(), nullable=True),
        sa.Column("performed_at", hikeshi.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("recorded_by_id", sa.Integer(), nullable=True),
        sa.Column("recorded_at", hikeshi.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["incident_id"],
            ["incidents.id"],
            name=op.f("fk_recovery_actions_incident_id_incidents"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["performed_by_id"],
            ["users.id"],
            name=op.f("fk_recovery_actions_performed_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by_id"],
            ["users.id"],
            name=op.f("fk_recovery_actions_recorded_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_recovery_actions")),
    )
    op.create_index(
        op.f("ix_recovery_actions_incident_id"), "recovery_actions", ["incident_id"], unique=False
    )
    op.create_table(
        "incident_alert_groups",
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("alert_group_id", sa.Integer(), nullable=False),
        sa.Column("linked_at", hikeshi.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["alert_group_id"],
            ["alert_groups.id"],
            name=op.f("fk_incident_alert_groups_alert_group_id_alert_groups"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["incident_id"],
            ["incidents.id"],
            name=op.f("fk_incident_alert_groups_incident_id_incidents"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("incident_id", "alert_group_id", name=op.f("pk_incident_alert_groups")),
    )
    op.create_index(
        op.f("ix_incident_alert_groups_alert_group_id"),
        "incident_alert_groups",
        ["alert_group_id"],
        unique=False,
    )
    op.create_table(
        "incident_inquiries",
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("inquiry_id", sa.Integer(), nullable=False),
        sa.Column("linked_at", hikeshi.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["incident_id"],
            ["incidents.id"],
            name=op.f("fk_incident_inquiries_incident_id_incidents"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["inquiry_id"],
            ["inquiries.id"],
            name=op.f("fk_incident_inquiries_inquiry_id_inquiries"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("incident_id", "inquiry_id", name=op.f("pk_incident_inquiries")),
    )
    op.create_index(
        op.f("ix_incident_inquiries_inquiry_id"), "incident_inquiries", ["inquiry_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_incident_inquiries_inquiry_id"), table_name="incident_inquiries")
    op.drop_table("incident_inquiries")
    op.drop_index(op.f("ix_incident_alert_groups_alert_group_id"), table_name="incident_alert_groups")
    op.drop_table("incident_alert_groups")
    op.drop_index(op.f("ix_recovery_actions_incident_id"), table_name="recovery_actions")
    op.drop_table("recovery_actions")
    op.drop_index(op.f("ix_incident_tasks_incident_id"), table_name="incident_tasks")
    op.drop_table("incident_tasks")
    op.drop_index("ix_incident_events_incident_at", table_name="incident_events")
    op.drop_table("incident_events")
    op.drop_index("ix_incidents_status_declared", table_name="incidents")
    op.drop_table("incidents")
