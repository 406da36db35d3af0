"""Visits: region code (sync by region), idempotency key (retries never duplicate), recorded_at index.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-06
"""

from alembic import op
import sqlalchemy as sa


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('visits', schema=None) as batch_op:
        batch_op.add_column(sa.Column('region_code', sa.String(length=12), nullable=True))
        batch_op.add_column(sa.Column('idempotency_key', sa.String(length=128), nullable=True))
        batch_op.create_index(batch_op.f('ix_visits_region_code'), ['region_code'], unique=False)
        batch_op.create_index(batch_op.f('ix_visits_recorded_at'), ['recorded_at'], unique=False)
        batch_op.create_unique_constraint('uq_visits_key_idempotency', ['key_id', 'idempotency_key'])
    # visits recorded before: the household's latest known region (scores first, then lists)
    for table in ('scores', 'risk_lists'):
        op.execute(sa.text(
            f"UPDATE visits SET region_code = (SELECT t.region_code FROM {table} t "
            f"WHERE t.household_id = visits.household_id ORDER BY t.as_of DESC LIMIT 1) "
            f"WHERE region_code IS NULL"))


def downgrade() -> None:
    with op.batch_alter_table('visits', schema=None) as batch_op:
        batch_op.drop_constraint('uq_visits_key_idempotency', type_='unique')
        batch_op.drop_index(batch_op.f('ix_visits_recorded_at'))
        batch_op.drop_index(batch_op.f('ix_visits_region_code'))
        batch_op.drop_column('idempotency_key')
        batch_op.drop_column('region_code')
