"""Alembic environment: always online, on the connection refcore hands over."""

from __future__ import annotations

from alembic import context

from refcore.storage.models import Base

config = context.config
connection = config.attributes.get("connection")
if connection is None:  # pragma: no cover - refcore always passes its connection
    raise RuntimeError("run migrations through refcore.storage.migrate")

context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
