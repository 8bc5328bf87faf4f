"""catalog: stores, their products and accounts, partners and contacts; inquiries and bursts

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-28 20:45:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import hikeshi.db.base

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "partners",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("webhook_url", sa.String(length=500), nullable=True),
        sa.Column("notes", sa.String(length=2000), nullable=False),
        sa.Column("created_at", hikeshi.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_partners")),
        sa.UniqueConstraint("name", name=op.f("uq_partners_name")),
    )
    op.create_table(
        "partner_contacts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("partner_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("phone", sa.String(length=40), nullable=False),
        sa.ForeignKeyConstraint(
            ["partner_id"],
            ["partners.id"],
            name=op.f("fk_partner_contacts_partner_id_partners"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_partner_contacts")),
    )
    op.create_index(op.f("ix_partner_contacts_partner_id"), "partner_contacts", ["partner_id"], unique=False)
    op.create_table(
        "partner_products",
        sa.Column("partner_id", sa.Integer(), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["partner_id"],
            ["partners.id"],
            name=op.f("fk_partner_products_partner_id_partners"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["product_id"],
            ["products.id"],
            name=op.f("fk_partner_products_product_id_products"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("partner_id", "product_id", name=op.f("pk_partner_products")),
    )
    op.create_index(op.f("ix_partner_products_product_id"), "partner_products", ["product_id"], unique=False)
    op.create_table(
        "stores",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("external_id", sa.String(length=100), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("region", sa.String(length=20), nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column("language", sa.String(length=5), nullable=False),
        sa.Column("phone", sa.String(length=40), nullable=False),
        sa.Column("sales_rep_user_id", sa.Integer(), nullable=True),
        sa.Column("created_at", hikeshi.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", hikeshi.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["sales_rep_user_id"],
            ["users.id"],
            name=op.f("fk_stores_sales_rep_user_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stores")),
        sa.UniqueConstraint("external_id", name=op.f("uq_stores_external_id")),
    )
    op.create_index("ix_stores_region_name", "stores", ["region", "name"], unique=False)
    op.create_index(op.f("ix_stores_sales_rep_user_id"), "stores", ["sales_rep_user_id"], unique=False)
    op.create_table(
        "store_accounts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("store_id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("last_login_at", hikeshi.db.base.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["store_id"], ["stores.id"], name=op.f("fk_store_accounts_store_id_stores"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_store_accounts")),
        sa.UniqueConstraint("store_id", "email", name=op.f("uq_store_accounts_store_id")),
    )
    op.create_table(
        "store_products",
        sa.Column("store_id", sa.Integer(), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["product_id"],
            ["products.id"],
            name=op.f("fk_store_products_product_id_products"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["store_id"], ["stores.id"], name=op.f("fk_store_products_store_id_stores"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("store_id", "product_id", name=op.f("pk_store_products")),
    )
    op.create_index(
        "ix_store_products_product_store", "store_products", ["product_id", "store_id"], unique=False
    )
    op.create_table(
        "inquiry_bursts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("first_inquiry_id", sa.Integer(), nullable=False),
        sa.Column("dedup_key", sa.String(length=255), nullable=False),
        sa.Column("inquiry_count", sa.Integer(), nullable=False),
        sa.Column("started_at", hikeshi.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_inquiry_at", hikeshi.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("alert_group_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["alert_group_id"],
            ["alert_groups.id"],
            name=op.f("fk_inquiry_bursts_alert_group_id_alert_groups"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["product_id"],
            ["products.id"],
            name=op.f("fk_inquiry_bursts_product_id_products"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inquiry_bursts")),
        sa.UniqueConstraint("product_id", "first_inquiry_id", name=op.f("uq_inquiry_bursts_product_id")),
    )
    op.create_table(
        "inquiries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("store_id", sa.Integer(), nullable=True),
        sa.Column("product_id", sa.Integer(), nullable=True),
        sa.Column("channel", sa.String(length=20), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("looks_like_bug", sa.Boolean(), nullable=False),
        sa.Column("reported_by_id", sa.Integer(), nullable=True),
        sa.Column("alert_group_id", sa.Integer(), nullable=True),
        sa.Column("burst_id", sa.Integer(), nullable=True),
        sa.Column("created_at", hikeshi.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["alert_group_id"],
            ["alert_groups.id"],
            name=op.f("fk_inquiries_alert_group_id_alert_groups"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["burst_id"],
            ["inquiry_bursts.id"],
            name=op.f("fk_inquiries_burst_id_inquiry_bursts"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["product_id"],
            ["products.id"],
            name=op.f("fk_inquiries_product_id_products"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["reported_by_id"],
            ["users.id"],
            name=op.f("fk_inquiries_reported_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["store_id"], ["stores.id"], name=op.f("fk_inquiries_store_id_stores"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inquiries")),
    )
    op.create_index("ix_inquiries_created_at", "inquiries", ["created_at"], unique=False)
    op.create_index("ix_inquiries_product_created", "inquiries", ["product_id", "created_at"], unique=False)
    op.create_index(op.f("ix_inquiries_store_id"), "inquiries", ["store_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_inquiries_store_id"), table_name="inquiries")
    op.drop_index("ix_inquiries_product_created", table_name="inquiries")
    op.drop_index("ix_inquiries_created_at", table_name="inquiries")
    op.drop_table("inquiries")
    op.drop_table("inquiry_bursts")
    op.drop_index("ix_store_products_product_store", table_name="store_products")
    op.drop_table("store_products")
    op.drop_table("store_accounts")
    op.drop_index(op.f("ix_stores_sales_rep_user_id"), table_name="stores")
    op.drop_index("ix_stores_region_name", table_name="stores")
    op.drop_table("stores")
    op.drop_index(op.f("ix_partner_products_product_id"), table_name="partner_products")
    op.drop_table("partner_products")
    op.drop_index(op.f("ix_partner_contacts_partner_id"), table_name="partner_contacts")
    op.drop_table("partner_contacts")
    op.drop_table("partners")
