"""directory listing indexes: a narrow covering index for the directory's filters and order,
and (code, service) indexes on the area, kind and specialism rows

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23 17:20:00
"""

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

LISTING = [
    "name",
    "id",
    "status",
    "ended_on",
    "funded_until",
    "takes_from_anywhere",
    "accepts_men",
    "nrpf",
]
# (table, code column): the index on the code alone gives way to one on (code, service_id).
CODES = [("service_area", "area"), ("service_kind", "kind"), ("service_specialism", "specialism")]


def upgrade() -> None:
    op.create_index("ix_service_listing", "service", LISTING, unique=False)
    for table, column in CODES:
        op.create_index(f"ix_{table}_{column}_service_id", table, [column, "service_id"])
        op.drop_index(f"ix_{table}_{column}", table_name=table)


def downgrade() -> None:
    for table, column in CODES:
        op.create_index(f"ix_{table}_{column}", table, [column])
        op.drop_index(f"ix_{table}_{column}_service_id", table_name=table)
    op.drop_index("ix_service_listing", table_name="service")
