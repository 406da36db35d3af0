"""List rows carry their follow-up status; observed precision of visits per office and week.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-06
"""

from alembic import op
import sqlalchemy as sa


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('risk_lists', schema=None) as batch_op:
        batch_op.add_column(sa.Column('status', sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column('visit_outcome', sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column('visited_on', sa.Date(), nullable=True))
    op.create_table('visit_precision',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('week', sa.Date(), nullable=False),
    sa.Column('level', sa.String(length=16), nullable=False),
    sa.Column('office_code', sa.String(length=12), nullable=False),
    sa.Column('visited', sa.Integer(), nullable=False),
    sa.Column('confirmed', sa.Integer(), nullable=False),
    sa.Column('identified', sa.Integer(), nullable=False),
    sa.Column('not_home', sa.Integer(), nullable=False),
    sa.Column('precision', sa.Float(), nullable=True),
    sa.Column('identified_share', sa.Float(), nullable=True),
    sa.Column('matured', sa.Boolean(), nullable=False),
    sa.Column('as_of', sa.Date(), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('week', 'level', 'office_code', name='uq_visit_precision_week_office')
    )


def downgrade() -> None:
    op.drop_table('visit_precision')
    with op.batch_alter_table('risk_lists', schema=None) as batch_op:
        batch_op.drop_column('visited_on')
        batch_op.drop_column('visit_outcome')
        batch_op.drop_column('status')
