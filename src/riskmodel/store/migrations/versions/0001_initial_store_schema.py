"""Initial store schema: api_keys, risk_list_runs, risk_lists, scores, visits, drift_summaries, access_log.

Revision ID: 0001
Revises: 
Create Date: 2026-11-23
"""

from alembic import op
import sqlalchemy as sa


revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Declarative, as Alembic writes it: one ``create_table`` per table (long by nature, no logic)."""
    op.create_table('api_keys',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key_id', sa.String(length=16), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=True),
    sa.Column('role', sa.String(length=16), nullable=False),
    sa.Column('region_prefix', sa.String(length=12), nullable=True),
    sa.Column('salt', sa.String(length=32), nullable=False),
    sa.Column('key_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('key_id')
    )
    op.create_table('drift_summaries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('as_of', sa.Date(), nullable=False),
    sa.Column('model_version', sa.String(length=64), nullable=True),
    sa.Column('summary', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('drift_summaries', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_drift_summaries_as_of'), ['as_of'], unique=False)

    op.create_table('risk_list_runs',
    sa.Column('as_of', sa.Date(), nullable=False),
    sa.Column('model_name', sa.String(length=200), nullable=True),
    sa.Column('model_version', sa.String(length=64), nullable=True),
    sa.Column('run_id', sa.String(length=64), nullable=True),
    sa.Column('n_rows', sa.Integer(), nullable=False),
    sa.Column('meta', sa.JSON(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('as_of')
    )
    op.create_table('scores',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('as_of', sa.Date(), nullable=False),
    sa.Column('household_id', sa.String(length=64), nullable=False),
    sa.Column('region_code', sa.String(length=12), nullable=False),
    sa.Column('score', sa.Float(), nullable=False),
    sa.Column('probability', sa.Float(), nullable=True),
    sa.Column('rank', sa.Integer(), nullable=True),
    sa.Column('band', sa.String(length=32), nullable=True),
    sa.Column('category', sa.String(length=16), nullable=True),
    sa.Column('risk_types', sa.JSON(), nullable=True),
    sa.Column('contributions', sa.JSON(), nullable=True),
    sa.Column('measures', sa.JSON(), nullable=True),
    sa.Column('model_name', sa.String(length=200), nullable=True),
    sa.Column('model_version', sa.String(length=64), nullable=True),
    sa.Column('run_id', sa.String(length=64), nullable=True),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('as_of', 'household_id', name='uq_scores_week_household')
    )
    with op.batch_alter_table('scores', schema=None) as batch_op:
        batch_op.create_index('ix_scores_household', ['household_id'], unique=False)

    op.create_table('access_log',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key_id', sa.Integer(), nullable=True),
    sa.Column('household_id', sa.String(length=64), nullable=False),
    sa.Column('endpoint', sa.String(length=64), nullable=False),
    sa.Column('accessed_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['key_id'], ['api_keys.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('access_log', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_access_log_accessed_at'), ['accessed_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_access_log_household_id'), ['household_id'], unique=False)

    op.create_table('risk_lists',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('as_of', sa.Date(), nullable=False),
    sa.Column('household_id', sa.String(length=64), nullable=False),
    sa.Column('region_code', sa.String(length=12), nullable=False),
    sa.Column('county_code', sa.String(length=6), nullable=False),
    sa.Column('township_code', sa.String(length=9), nullable=False),
    sa.Column('rank', sa.Integer(), nullable=False),
    sa.Column('score', sa.Float(), nullable=False),
    sa.Column('probability', sa.Float(), nullable=True),
    sa.Column('band', sa.String(length=32), nullable=True),
    sa.Column('category', sa.String(length=16), nullable=True),
    sa.Column('risk_types', sa.JSON(), nullable=True),
    sa.Column('contributions', sa.JSON(), nullable=True),
    sa.Column('measures', sa.JSON(), nullable=True),
    sa.Column('new_on_list', sa.Boolean(), nullable=True),
    sa.Column('previous_rank', sa.Integer(), nullable=True),
    sa.Column('model_version', sa.String(length=64), nullable=True),
    sa.Column('run_id', sa.String(length=64), nullable=True),
    sa.ForeignKeyConstraint(['as_of'], ['risk_list_runs.as_of'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('as_of', 'household_id', name='uq_risk_lists_week_household')
    )
    with op.batch_alter_table('risk_lists', schema=None) as batch_op:
        batch_op.create_index('ix_risk_lists_household', ['household_id'], unique=False)
        batch_op.create_index('ix_risk_lists_week_region', ['as_of', 'region_code'], unique=False)

    op.create_table('visits',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('household_id', sa.String(length=64), nullable=False),
    sa.Column('visited_on', sa.Date(), nullable=False),
    sa.Column('outcome', sa.String(length=32), nullable=False),
    sa.Column('measures', sa.JSON(), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('key_id', sa.Integer(), nullable=True),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['key_id'], ['api_keys.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('visits', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_visits_household_id'), ['household_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('visits', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_visits_household_id'))

    op.drop_table('visits')
    with op.batch_alter_table('risk_lists', schema=None) as batch_op:
        batch_op.drop_index('ix_risk_lists_week_region')
        batch_op.drop_index('ix_risk_lists_household')

    op.drop_table('risk_lists')
    with op.batch_alter_table('access_log', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_access_log_household_id'))
        batch_op.drop_index(batch_op.f('ix_access_log_accessed_at'))

    op.drop_table('access_log')
    with op.batch_alter_table('scores', schema=None) as batch_op:
        batch_op.drop_index('ix_scores_household')

    op.drop_table('scores')
    op.drop_table('risk_list_runs')
    with op.batch_alter_table('drift_summaries', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_drift_summaries_as_of'))

    op.drop_table('drift_summaries')
    op.drop_table('api_keys')
