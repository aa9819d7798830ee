"""staff, inbox and admin: staff users, sessions and invites, the audit log, the closed
loop's statuses, delivery modes, availability, and marks for administrator edits

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23 19:00:00
"""

import sqlalchemy as sa
from alembic import op

from portal.models import UTCDateTime

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "staff_user",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("email", sa.String(254), nullable=False),
        sa.Column("name", sa.String(120), nullable=False),
        sa.Column("role", sa.String(20), nullable=False),
        sa.Column("organisation_id", sa.Uuid(), nullable=True),
        sa.Column("password_hash", sa.String(200), nullable=False),
        sa.Column("totp_secret", sa.LargeBinary(), nullable=True),
        sa.Column("totp_last_step", sa.Integer(), nullable=True),
        sa.Column("failed_attempts", sa.Integer(), nullable=False),
        sa.Column("locked_until", UTCDateTime(), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("last_sign_in_at", UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisation.id"],
            name=op.f("fk_staff_user_organisation_id_organisation"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_staff_user")),
        sa.UniqueConstraint("email", name=op.f("uq_staff_user_email")),
    )
    op.create_table(
        "staff_session",
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("last_seen_at", UTCDateTime(), nullable=False),
        sa.Column("second_factor", sa.Boolean(), nullable=False),
        sa.Column("ended_at", UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["staff_user.id"], name=op.f("fk_staff_session_user_id_staff_user")
        ),
        sa.PrimaryKeyConstraint("token_hash", name=op.f("pk_staff_session")),
    )
    op.create_index(op.f("ix_staff_session_user_id"), "staff_session", ["user_id"])
    op.create_table(
        "staff_invite",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("email", sa.String(254), nullable=False),
        sa.Column("name", sa.String(120), nullable=False),
        sa.Column("role", sa.String(20), nullable=False),
        sa.Column("organisation_id", sa.Uuid(), nullable=True),
        sa.Column("created_by_id", sa.Uuid(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("expires_at", UTCDateTime(), nullable=False),
        sa.Column("used_at", UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisation.id"],
            name=op.f("fk_staff_invite_organisation_id_organisation"),
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["staff_user.id"],
            name=op.f("fk_staff_invite_created_by_id_staff_user"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_staff_invite")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_staff_invite_token_hash")),
    )
    op.create_table(
        "audit_event",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("actor_id", sa.Uuid(), nullable=True),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("action", sa.String(60), nullable=False),
        sa.Column("subject_type", sa.String(40), nullable=True),
        sa.Column("subject_id", sa.String(64), nullable=True),
        sa.Column("changes", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["actor_id"], ["staff_user.id"], name=op.f("fk_audit_event_actor_id_staff_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_event")),
    )
    op.create_index(op.f("ix_audit_event_at"), "audit_event", ["at"])
    op.create_index(op.f("ix_audit_event_subject_id"), "audit_event", ["subject_id"])
    op.create_table(
        "delivery_status_event",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("delivery_id", sa.Uuid(), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("reason", sa.String(40), nullable=True),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("by_id", sa.Uuid(), nullable=True),
        sa.ForeignKeyConstraint(
            ["delivery_id"],
            ["delivery.id"],
            name=op.f("fk_delivery_status_event_delivery_id_delivery"),
        ),
        sa.ForeignKeyConstraint(
            ["by_id"], ["staff_user.id"], name=op.f("fk_delivery_status_event_by_id_staff_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_delivery_status_event")),
    )
    op.create_index(
        op.f("ix_delivery_status_event_delivery_id"), "delivery_status_event", ["delivery_id"]
    )
    with op.batch_alter_table("organisation") as batch:
        batch.add_column(
            sa.Column("delivery_mode", sa.String(10), nullable=False, server_default="full")
        )
        batch.add_column(sa.Column("admin_edited_at", UTCDateTime(), nullable=True))
    with op.batch_alter_table("service") as batch:
        batch.add_column(sa.Column("admin_edited_at", UTCDateTime(), nullable=True))
        batch.add_column(sa.Column("availability", sa.String(20), nullable=True))
        batch.add_column(sa.Column("spaces_now", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("availability_at", UTCDateTime(), nullable=True))
        batch.add_column(sa.Column("availability_by_id", sa.Uuid(), nullable=True))
        batch.create_foreign_key(
            op.f("fk_service_availability_by_id_staff_user"),
            "staff_user",
            ["availability_by_id"],
            ["id"],
        )
    with op.batch_alter_table("delivery") as batch:
        batch.add_column(sa.Column("mode", sa.String(10), nullable=False, server_default="full"))
        batch.add_column(sa.Column("provider_status", sa.String(20), nullable=True))
        batch.add_column(sa.Column("provider_status_at", UTCDateTime(), nullable=True))
        batch.add_column(sa.Column("closed_reason", sa.String(40), nullable=True))
        batch.add_column(sa.Column("acknowledged_at", UTCDateTime(), nullable=True))
        batch.add_column(sa.Column("reminded_at", UTCDateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("delivery") as batch:
        for column in (
            "reminded_at",
            "acknowledged_at",
            "closed_reason",
            "provider_status_at",
            "provider_status",
            "mode",
        ):
            batch.drop_column(column)
    with op.batch_alter_table("service") as batch:
        batch.drop_constraint(op.f("fk_service_availability_by_id_staff_user"), type_="foreignkey")
        for column in (
            "availability_by_id",
            "availability_at",
            "spaces_now",
            "availability",
            "admin_edited_at",
        ):
            batch.drop_column(column)
    with op.batch_alter_table("organisation") as batch:
        batch.drop_column("admin_edited_at")
        batch.drop_column("delivery_mode")
    op.drop_table("delivery_status_event")
    op.drop_table("audit_event")
    op.drop_table("staff_invite")
    op.drop_table("staff_session")
    op.drop_table("staff_user")
