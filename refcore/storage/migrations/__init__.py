"""Alembic migrations (env.py + versions/). Run them with :mod:`refcore.storage.migrate`."""
