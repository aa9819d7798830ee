"""directory translations: per-language versions of free text

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23 16:35:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    for table in ("organisation", "service"):
        with op.batch_alter_table(table) as batch:
            batch.add_column(
                sa.Column("translations", sa.JSON(), nullable=False, server_default="{}")
            )


def downgrade() -> None:
    for table in ("organisation", "service"):
        with op.batch_alter_table(table) as batch:
            batch.drop_column("translations")
