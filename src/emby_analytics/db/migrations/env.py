"""Alembic environment: always run programmatically by `emby_analytics.db.migrate` with a live connection."""

from alembic import context
from sqlalchemy import Connection

from emby_analytics.db.schema import metadata

connection = context.config.attributes.get("connection")
if not isinstance(connection, Connection):
    raise RuntimeError("run migrations with `emby-analytics migrate`, not the alembic command line")

context.configure(
    connection=connection,
    target_metadata=metadata,
    render_as_batch=True,  # SQLite alters tables by copying them
    transaction_per_migration=True,
)
with context.begin_transaction():
    context.run_migrations()
