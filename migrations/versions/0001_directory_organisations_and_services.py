"""directory: organisations and services

Revision ID: 0001
Revises:
Create Date: 2026-11-22 21:08:27.239445
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "organisation",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("slug", sa.String(length=80), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("short_name", sa.String(length=80), nullable=True),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("referral_email", sa.String(length=254), nullable=True),
        sa.Column("referral_email_is_demo", sa.Boolean(), nullable=False),
        sa.Column("sources", sa.JSON(), nullable=False),
        sa.Column("reviewed_on", sa.Date(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_organisation")),
        sa.UniqueConstraint("slug", name=op.f("uq_organisation_slug")),
    )
    op.create_table(
        "service",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("slug", sa.String(length=120), nullable=False),
        sa.Column("organisation_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("how_to_refer", sa.Text(), nullable=False),
        sa.Column("commissioner", sa.String(length=200), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("started_on", sa.Date(), nullable=True),
        sa.Column("ended_on", sa.Date(), nullable=True),
        sa.Column("funded_until", sa.Date(), nullable=True),
        sa.Column("status_note", sa.Text(), nullable=False),
        sa.Column("accepts_women", sa.Boolean(), nullable=False),
        sa.Column("accepts_men", sa.Boolean(), nullable=False),
        sa.Column("min_age", sa.Integer(), nullable=True),
        sa.Column("max_age", sa.Integer(), nullable=True),
        sa.Column("eligibility_note", sa.Text(), nullable=False),
        sa.Column("takes_from_anywhere", sa.Boolean(), nullable=False),
        sa.Column("units", sa.Integer(), nullable=True),
        sa.Column("unit_types", sa.String(length=200), nullable=True),
        sa.Column("wheelchair_units", sa.Integer(), nullable=True),
        sa.Column("largest_family", sa.Integer(), nullable=True),
        sa.Column("sons_no_age_limit", sa.Boolean(), nullable=False),
        sa.Column("max_son_age", sa.Integer(), nullable=True),
        sa.Column("max_son_age_if_agreed", sa.Integer(), nullable=True),
        sa.Column("son_age_note", sa.Text(), nullable=False),
        sa.Column("nrpf", sa.String(length=10), nullable=True),
        sa.Column("pets", sa.Boolean(), nullable=True),
        sa.Column("pet_units", sa.Integer(), nullable=True),
        sa.Column("overnight_security", sa.Boolean(), nullable=True),
        sa.Column("quality_standards", sa.String(length=200), nullable=True),
        sa.Column("phone", sa.String(length=40), nullable=True),
        sa.Column("text_phone", sa.String(length=40), nullable=True),
        sa.Column("contact_note", sa.Text(), nullable=False),
        sa.Column("sources", sa.JSON(), nullable=False),
        sa.Column("source_note", sa.Text(), nullable=False),
        sa.Column("reviewed_on", sa.Date(), nullable=False),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisation.id"],
            name=op.f("fk_service_organisation_id_organisation"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_service")),
        sa.UniqueConstraint("slug", name=op.f("uq_service_slug")),
    )
    with op.batch_alter_table("service", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_service_organisation_id"), ["organisation_id"], unique=False
        )

    op.create_table(
        "service_area",
        sa.Column("service_id", sa.Uuid(), nullable=False),
        sa.Column("area", sa.String(length=40), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["service_id"],
            ["service.id"],
            name=op.f("fk_service_area_service_id_service"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("service_id", "area", name=op.f("pk_service_area")),
    )
    with op.batch_alter_table("service_area", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_service_area_area"), ["area"], unique=False)

    op.create_table(
        "service_kind",
        sa.Column("service_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["service_id"],
            ["service.id"],
            name=op.f("fk_service_kind_service_id_service"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("service_id", "kind", name=op.f("pk_service_kind")),
    )
    with op.batch_alter_table("service_kind", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_service_kind_kind"), ["kind"], unique=False)

    op.create_table(
        "service_specialism",
        sa.Column("service_id", sa.Uuid(), nullable=False),
        sa.Column("specialism", sa.String(length=40), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["service_id"],
            ["service.id"],
            name=op.f("fk_service_specialism_service_id_service"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("service_id", "specialism", name=op.f("pk_service_specialism")),
    )
    with op.batch_alter_table("service_specialism", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_service_specialism_specialism"), ["specialism"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("service_specialism", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_service_specialism_specialism"))

    op.drop_table("service_specialism")
    with op.batch_alter_table("service_kind", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_service_kind_kind"))

    op.drop_table("service_kind")
    with op.batch_alter_table("service_area", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_service_area_area"))

    op.drop_table("service_area")
    with op.batch_alter_table("service", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_service_organisation_id"))

    op.drop_table("service")
    op.drop_table("organisation")
