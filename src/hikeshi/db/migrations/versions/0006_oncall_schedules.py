"""oncall: rotations, schedules, layers, restrictions, overrides, calendar tokens

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-28 20:45:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import hikeshi.db.base

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _utc() -> hikeshi.db.base.UTCDateTime:
    return hikeshi.db.base.UTCDateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "oncall_schedules",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("description", sa.String(length=2000), nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=True),
        sa.Column("created_at", _utc(), nullable=False),
        sa.Column("updated_at", _utc(), nullable=False),
        sa.ForeignKeyConstraint(
            ["team_id"], ["teams.id"], name=op.f("fk_oncall_schedules_team_id_teams"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_oncall_schedules")),
        sa.UniqueConstraint("name", name=op.f("uq_oncall_schedules_name")),
    )
    op.create_index(op.f("ix_oncall_schedules_team_id"), "oncall_schedules", ["team_id"], unique=False)
    op.create_table(
        "oncall_rotations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("schedule_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("shift_hours", sa.Integer(), nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("handoff_time", sa.String(length=5), nullable=False),
        sa.Column("created_at", _utc(), nullable=False),
        sa.Column("updated_at", _utc(), nullable=False),
        sa.ForeignKeyConstraint(
            ["schedule_id"],
            ["oncall_schedules.id"],
            name=op.f("fk_oncall_rotations_schedule_id_oncall_schedules"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_oncall_rotations")),
    )
    op.create_index(
        op.f("ix_oncall_rotations_schedule_id"), "oncall_rotations", ["schedule_id"], unique=False
    )
    op.create_table(
        "oncall_rotation_members",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("rotation_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["rotation_id"],
            ["oncall_rotations.id"],
            name=op.f("fk_oncall_rotation_members_rotation_id_oncall_rotations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_oncall_rotation_members_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_oncall_rotation_members")),
        sa.UniqueConstraint("rotation_id", "position", name=op.f("uq_oncall_rotation_members_rotation_id")),
    )
    op.create_index(
        op.f("ix_oncall_rotation_members_user_id"), "oncall_rotation_members", ["user_id"], unique=False
    )
    op.create_table(
        "oncall_restrictions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("rotation_id", sa.Integer(), nullable=False),
        sa.Column("weekday", sa.Integer(), nullable=False),
        sa.Column("start_time", sa.String(length=5), nullable=False),
        sa.Column("end_time", sa.String(length=5), nullable=False),
        sa.ForeignKeyConstraint(
            ["rotation_id"],
            ["oncall_rotations.id"],
            name=op.f("fk_oncall_restrictions_rotation_id_oncall_rotations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_oncall_restrictions")),
    )
    op.create_index(
        op.f("ix_oncall_restrictions_rotation_id"), "oncall_restrictions", ["rotation_id"], unique=False
    )
    op.create_table(
        "oncall_overrides",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("schedule_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("replaced_user_id", sa.Integer(), nullable=True),
        sa.Column("starts_at", _utc(), nullable=False),
        sa.Column("ends_at", _utc(), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", _utc(), nullable=False),
        sa.ForeignKeyConstraint(
            ["schedule_id"],
            ["oncall_schedules.id"],
            name=op.f("fk_oncall_overrides_schedule_id_oncall_schedules"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_oncall_overrides_user_id_users"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["replaced_user_id"],
            ["users.id"],
            name=op.f("fk_oncall_overrides_replaced_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["users.id"],
            name=op.f("fk_oncall_overrides_created_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_oncall_overrides")),
    )
    op.create_index(op.f("ix_oncall_overrides_user_id"), "oncall_overrides", ["user_id"], unique=False)
    op.create_index(
        "ix_oncall_overrides_span", "oncall_overrides", ["schedule_id", "starts_at", "ends_at"], unique=False
    )
    op.create_table(
        "oncall_feed_tokens",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("schedule_id", sa.Integer(), nullable=True),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("prefix", sa.String(length=16), nullable=False),
        sa.Column("created_at", _utc(), nullable=False),
        sa.ForeignKeyConstraint(
            ["schedule_id"],
            ["oncall_schedules.id"],
            name=op.f("fk_oncall_feed_tokens_schedule_id_oncall_schedules"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_oncall_feed_tokens_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_oncall_feed_tokens")),
        sa.UniqueConstraint("schedule_id", name=op.f("uq_oncall_feed_tokens_schedule_id")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_oncall_feed_tokens_token_hash")),
        sa.UniqueConstraint("user_id", name=op.f("uq_oncall_feed_tokens_user_id")),
    )


def downgrade() -> None:
    op.drop_table("oncall_feed_tokens")
    op.drop_index("ix_oncall_overrides_span", table_name="oncall_overrides")
    op.drop_index(op.f("ix_oncall_overrides_user_id"), table_name="oncall_overrides")
    op.drop_table("oncall_overrides")
    op.drop_index(op.f("ix_oncall_restrictions_rotation_id"), table_name="oncall_restrictions")
    op.drop_table("oncall_restrictions")
    op.drop_index(op.f("ix_oncall_rotation_members_user_id"), table_name="oncall_rotation_members")
    op.drop_table("oncall_rotation_members")
    op.drop_index(op.f("ix_oncall_rotations_schedule_id"), table_name="oncall_rotations")
    op.drop_table("oncall_rotations")
    op.drop_index(op.f("ix_oncall_schedules_team_id"), table_name="oncall_schedules")
    op.drop_table("oncall_schedules")
