"""oncall: escalation policies, notification rules, pages

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-28 20:45:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import hikeshi.db.base

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "escalation_policies",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("description", sa.String(length=2000), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=True),
        sa.Column("repeat_count", sa.Integer(), nullable=False),
        sa.Column("created_at", hikeshi.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", hikeshi.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["team_id"], ["teams.id"], name=op.f("fk_escalation_policies_team_id_teams"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_escalation_policies")),
        sa.UniqueConstraint("name", name=op.f("uq_escalation_policies_name")),
    )
    with op.batch_alter_table("escalation_policies", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_escalation_policies_team_id"), ["team_id"], unique=False)

    op.create_table(
        "escalation_policy_products",
        sa.Column("policy_id", sa.Integer(), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["policy_id"],
            ["escalation_policies.id"],
            name=op.f("fk_escalation_policy_products_policy_id_escalation_policies"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["product_id"],
            ["products.id"],
            name=op.f("fk_escalation_policy_products_product_id_products"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("policy_id", "product_id", name=op.f("pk_escalation_policy_products")),
    )
    with op.batch_alter_table("escalation_policy_products", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_escalation_policy_products_product_id"), ["product_id"], unique=False
        )

    op.create_table(
        "escalation_steps",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("policy_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("delay_minutes", sa.Integer(), nullable=False),
        sa.Column("targets", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["policy_id"],
            ["escalation_policies.id"],
            name=op.f("fk_escalation_steps_policy_id_escalation_policies"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_escalation_steps")),
    )
    with op.batch_alter_table("escalation_steps", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_escalation_steps_policy_id"), ["policy_id"], unique=False)

    op.create_table(
        "notification_rules",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("contact_method_id", sa.Integer(), nullable=False),
        sa.Column("urgency", sa.String(length=10), nullable=False),
        sa.Column("delay_minutes", sa.Integer(), nullable=False),
        sa.Column("created_at", hikeshi.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["contact_method_id"],
            ["contact_methods.id"],
            name=op.f("fk_notification_rules_contact_method_id_contact_methods"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_notification_rules_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notification_rules")),
    )
    with op.batch_alter_table("notification_rules", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_notification_rules_contact_method_id"), ["contact_method_id"], unique=False
        )
        batch_op.create_index("ix_notification_rules_user_urgency", ["user_id", "urgency"], unique=False)

    op.create_table(
        "pages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=1024), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("urgency", sa.String(length=10), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("policy_id", sa.Integer(), nullable=True),
        sa.Column("policy_snapshot", sa.JSON(), nullable=False),
        sa.Column("source_kind", sa.String(length=30), nullable=False),
        sa.Column("source_id", sa.Integer(), nullable=True),
        sa.Column("requested_by_id", sa.Integer(), nullable=True),
        sa.Column("requested_by_name", sa.String(length=200), nullable=False),
        sa.Column("step_index", sa.Integer(), nullable=False),
        sa.Column("round", sa.Integer(), nullable=False),
        sa.Column("created_at", hikeshi.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", hikeshi.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("acknowledged_at", hikeshi.db.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("acknowledged_by_id", sa.Integer(), nullable=True),
        sa.Column("resolved_at", hikeshi.db.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("resolved_by_id", sa.Integer(), nullable=True),
        sa.Column("exhausted_at", hikeshi.db.base.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["acknowledged_by_id"],
            ["users.id"],
            name=op.f("fk_pages_acknowledged_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["policy_id"],
            ["escalation_policies.id"],
            name=op.f("fk_pages_policy_id_escalation_policies"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["requested_by_id"],
            ["users.id"],
            name=op.f("fk_pages_requested_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["resolved_by_id"], ["users.id"], name=op.f("fk_pages_resolved_by_id_users"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pages")),
    )
    with op.batch_alter_table("pages", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_pages_policy_id"), ["policy_id"], unique=False)
        batch_op.create_index("ix_pages_source", ["source_kind", "source_id"], unique=False)
        batch_op.create_index("ix_pages_status_created", ["status", "created_at"], unique=False)

    op.create_table(
        "page_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("page_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("channel", sa.String(length=20), nullable=True),
        sa.Column("note", sa.String(length=2000), nullable=False),
        sa.Column("at", hikeshi.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["page_id"], ["pages.id"], name=op.f("fk_page_events_page_id_pages"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_page_events_user_id_users"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_page_events")),
    )
    with op.batch_alter_table("page_events", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_page_events_page_id"), ["page_id"], unique=False)

    op.create_table(
        "page_notifications",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("page_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=20), nullable=False),
        sa.Column("step_index", sa.Integer(), nullable=False),
        sa.Column("round", sa.Integer(), nullable=False),
        sa.Column("suppressed", sa.Boolean(), nullable=False),
        sa.Column("at_night", sa.Boolean(), nullable=False),
        sa.Column("delivery_id", sa.Integer(), nullable=True),
        sa.Column("at", hikeshi.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["page_id"], ["pages.id"], name=op.f("fk_page_notifications_page_id_pages"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_page_notifications_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_page_notifications")),
    )
    with op.batch_alter_table("page_notifications", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_page_notifications_page_id"), ["page_id"], unique=False)
        batch_op.create_index("ix_page_notifications_user_at", ["user_id", "at"], unique=False)

    # Alerts page through a policy now (or one person directly, as before: that column stays, and so
    # existing integrations and rules keep paging the person they paged). A plain ADD COLUMN on both
    # databases: a batch "recreate" of integrations on SQLite would drop the table, and with foreign keys
    # on that deletes every alert that refers to it; hence no foreign key on these columns either.
    op.add_column("integrations", sa.Column("escalation_policy_id", sa.Integer(), nullable=True))
    op.add_column("routing_rules", sa.Column("escalation_policy_id", sa.Integer(), nullable=True))


def downgrade() -> None:
    op.drop_column("routing_rules", "escalation_policy_id")
    op.drop_column("integrations", "escalation_policy_id")
    with op.batch_alter_table("page_notifications", schema=None) as batch_op:
        batch_op.drop_index("ix_page_notifications_user_at")
        batch_op.drop_index(batch_op.f("ix_page_notifications_page_id"))

    op.drop_table("page_notifications")
    with op.batch_alter_table("page_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_page_events_page_id"))

    op.drop_table("page_events")
    with op.batch_alter_table("pages", schema=None) as batch_op:
        batch_op.drop_index("ix_pages_status_created")
        batch_op.drop_index("ix_pages_source")
        batch_op.drop_index(batch_op.f("ix_pages_policy_id"))

    op.drop_table("pages")
    with op.batch_alter_table("notification_rules", schema=None) as batch_op:
        batch_op.drop_index("ix_notification_rules_user_urgency")
        batch_op.drop_index(batch_op.f("ix_notification_rules_contact_method_id"))

    op.drop_table("notification_rules")
    with op.batch_alter_table("escalation_steps", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_escalation_steps_policy_id"))

    op.drop_table("escalation_steps")
    with op.batch_alter_table("escalation_policy_products", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_escalation_policy_products_product_id"))

    op.drop_table("escalation_policy_products")
    with op.batch_alter_table("escalation_policies", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_escalation_policies_team_id"))

    op.drop_table("escalation_policies")
