"""Persistence: the engine, the ORM tables, the queries and the migrations.

Nothing here knows about HTTP; :mod:`refcore.services` owns the transactions.
"""
