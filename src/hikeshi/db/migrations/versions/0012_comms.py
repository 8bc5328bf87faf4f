"""comms: notices, maintenance, campaigns, call lists, partner notices

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-28 23:22:13.914877
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import hikeshi.db.base

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "comms_version",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("changed_at", hikeshi.db.base.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_comms_version")),
    )
    # The one row every public change counts up: present from the start, so no writer races to add it.
    op.execute("INSERT INTO comms_version (id, version, changed_at) VALUES (1, 0, NULL)")
    op.create_table(
        "email_opt_outs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", hikeshi.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["users.id"],
            name=op.f("fk_email_opt_outs_created_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_email_opt_outs")),
        sa.UniqueConstraint("email", name=op.f("uq_email_opt_outs_email")),
    )
    op.create_table(
        "status_maintenances",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title_ja", sa.String(length=255), nullable=False),
        sa.Column("title_en", sa.String(length=255), nullable=False),
        sa.Column("body_ja", sa.Text(), nullable=False),
        sa.Column("body_en", sa.Text(), nullable=False),
        sa.Column("product_ids", sa.JSON(), nullable=False),
        sa.Column("region_codes", sa.JSON(), nullable=False),
        sa.Column("scheduled_for", hikeshi.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("scheduled_until", hikeshi.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("completed_at", hikeshi.db.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("cancelled_at", hikeshi.db.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", hikeshi.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", hikeshi.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["users.id"],
            name=op.f("fk_status_maintenances_created_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_status_maintenances")),
    )
    with op.batch_alter_table("status_maintenances", schema=None) as batch_op:
        batch_op.create_index("ix_status_maintenances_until", ["scheduled_until"], unique=False)

    op.create_table(
        "notices",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=True),
        sa.Column("maintenance_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("channels", sa.JSON(), nullable=False),
        sa.Column("title_ja", sa.String(length=255), nullable=False),
        sa.Column("title_en", sa.String(length=255), nullable=False),
        sa.Column("body_ja", sa.Text(), nullable=False),
        sa.Column("body_en", sa.Text(), nullable=False),
        sa.Column("public_status", sa.String(length=20), nullable=False),
        sa.Column("impact", sa.String(length=10), nullable=False),
        sa.Column("component_statuses", sa.JSON(), nullable=False),
        sa.Column("product_ids", sa.JSON(), nullable=False),
        sa.Column("region_codes", sa.JSON(), nullable=False),
        sa.Column("drafted_by_rule", sa.Boolean(), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("approved_by_id", sa.Integer(), nullable=True),
        sa.Column("approved_at", hikeshi.db.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("published_at", hikeshi.db.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("discarded_at", hikeshi.db.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_at", hikeshi.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", hikeshi.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["approved_by_id"],
            ["users.id"],
            name=op.f("fk_notices_approved_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"], name=op.f("fk_notices_created_by_id_users"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["incident_id"],
            ["incidents.id"],
            name=op.f("fk_notices_incident_id_incidents"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["maintenance_id"],
            ["status_maintenances.id"],
            name=op.f("fk_notices_maintenance_id_status_maintenances"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notices")),
    )
    with op.batch_alter_table("notices", schema=None) as batch_op:
        batch_op.create_index("ix_notices_incident", ["incident_id", "created_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_notices_maintenance_id"), ["maintenance_id"], unique=False)
        batch_op.create_index("ix_notices_status_published", ["status", "published_at"], unique=False)

    op.create_table(
        "call_tasks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("notice_id", sa.Integer(), nullable=True),
        sa.Column("store_id", sa.Integer(), nullable=False),
        sa.Column("assignee_user_id", sa.Integer(), nullable=True),
        sa.Column("priority", sa.Integer(), nullable=False),
        sa.Column("outcome", sa.String(length=20), nullable=True),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("called_by_id", sa.Integer(), nullable=True),
        sa.Column("called_at", hikeshi.db.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_at", hikeshi.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", hikeshi.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["assignee_user_id"],
            ["users.id"],
            name=op.f("fk_call_tasks_assignee_user_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["called_by_id"], ["users.id"], name=op.f("fk_call_tasks_called_by_id_users"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["incident_id"],
            ["incidents.id"],
            name=op.f("fk_call_tasks_incident_id_incidents"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["notice_id"], ["notices.id"], name=op.f("fk_call_tasks_notice_id_notices"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["store_id"], ["stores.id"], name=op.f("fk_call_tasks_store_id_stores"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_call_tasks")),
        sa.UniqueConstraint("incident_id", "store_id", name=op.f("uq_call_tasks_incident_id")),
    )
    with op.batch_alter_table("call_tasks", schema=None) as batch_op:
        batch_op.create_index("ix_call_tasks_assignee", ["assignee_user_id", "outcome"], unique=False)
        batch_op.create_index("ix_call_tasks_incident_priority", ["incident_id", "priority"], unique=False)

    op.create_table(
        "email_campaigns",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("notice_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("recipients_total", sa.Integer(), nullable=True),
        sa.Column("opted_out", sa.Integer(), nullable=False),
        sa.Column("created_at", hikeshi.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", hikeshi.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("finished_at", hikeshi.db.base.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["notice_id"],
            ["notices.id"],
            name=op.f("fk_email_campaigns_notice_id_notices"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_email_campaigns")),
        sa.UniqueConstraint("notice_id", name=op.f("uq_email_campaigns_notice_id")),
    )
    op.create_table(
        "notice_revisions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("notice_id", sa.Integer(), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(length=20), nullable=False),
        sa.Column("snapshot", sa.JSON(), nullable=False),
        sa.Column("actor_user_id", sa.Integer(), nullable=True),
        sa.Column("at", hikeshi.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["actor_user_id"],
            ["users.id"],
            name=op.f("fk_notice_revisions_actor_user_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["notice_id"],
            ["notices.id"],
            name=op.f("fk_notice_revisions_notice_id_notices"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notice_revisions")),
        sa.UniqueConstraint("notice_id", "revision", name=op.f("uq_notice_revisions_notice_id")),
    )
    op.create_table(
        "partner_notifications",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("notice_id", sa.Integer(), nullable=False),
        sa.Column("partner_id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=20), nullable=False),
        sa.Column("target", sa.String(length=500), nullable=False),
        sa.Column("delivery_id", sa.Integer(), nullable=True),
        sa.Column("created_at", hikeshi.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["delivery_id"],
            ["deliveries.id"],
            name=op.f("fk_partner_notifications_delivery_id_deliveries"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["notice_id"],
            ["notices.id"],
            name=op.f("fk_partner_notifications_notice_id_notices"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["partner_id"],
            ["partners.id"],
            name=op.f("fk_partner_notifications_partner_id_partners"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_partner_notifications")),
        sa.UniqueConstraint(
            "notice_id", "partner_id", "channel", "target", name=op.f("uq_partner_notifications_notice_id")
        ),
    )
    with op.batch_alter_table("partner_notifications", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_partner_notifications_partner_id"), ["partner_id"], unique=False)

    op.create_table(
        "campaign_recipients",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("store_id", sa.Integer(), nullable=True),
        sa.Column("language", sa.String(length=5), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("delivery_id", sa.Integer(), nullable=True),
        sa.Column("error", sa.String(length=500), nullable=False),
        sa.Column("updated_at", hikeshi.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["campaign_id"],
            ["email_campaigns.id"],
            name=op.f("fk_campaign_recipients_campaign_id_email_campaigns"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["delivery_id"],
            ["deliveries.id"],
            name=op.f("fk_campaign_recipients_delivery_id_deliveries"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["store_id"],
            ["stores.id"],
            name=op.f("fk_campaign_recipients_store_id_stores"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_campaign_recipients")),
        sa.UniqueConstraint("campaign_id", "email", name=op.f("uq_campaign_recipients_campaign_id")),
    )
    with op.batch_alter_table("campaign_recipients", schema=None) as batch_op:
        batch_op.create_index(
            "ix_campaign_recipients_campaign_status", ["campaign_id", "status"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_campaign_recipients_delivery_id"), ["delivery_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("campaign_recipients", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_campaign_recipients_delivery_id"))
        batch_op.drop_index("ix_campaign_recipients_campaign_status")

    op.drop_table("campaign_recipients")
    with op.batch_alter_table("partner_notifications", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_partner_notifications_partner_id"))

    op.drop_table("partner_notifications")
    op.drop_table("notice_revisions")
    op.drop_table("email_campaigns")
    with op.batch_alter_table("call_tasks", schema=None) as batch_op:
        batch_op.drop_index("ix_call_tasks_incident_priority")
        batch_op.drop_index("ix_call_tasks_assignee")

    op.drop_table("call_tasks")
    with op.batch_alter_table("notices", schema=None) as batch_op:
        batch_op.drop_index("ix_notices_status_published")
        batch_op.drop_index(batch_op.f("ix_notices_maintenance_id"))
        batch_op.drop_index("ix_notices_incident")

    op.drop_table("notices")
    with op.batch_alter_table("status_maintenances", schema=None) as batch_op:
        batch_op.drop_index("ix_status_maintenances_until")

    op.drop_table("status_maintenances")
    op.drop_table("email_opt_outs")
    op.drop_table("comms_version")
