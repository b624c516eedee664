"""Migration 0011 (signed uploads, key owners): up from 0010 with keys already
registered (each stays with its account), down again and up, on both databases."""

from __future__ import annotations

import base64
import hashlib
from datetime import datetime

from sqlalchemy import inspect, text


def test_0011_up_down_up(db_kind, tmp_path_factory) -> None:  # type: ignore[no-untyped-def]
    from alembic import command
    from refcore_testing import _fresh_database

    from refcore.storage.db import Database
    from refcore.storage.migrate import alembic_config, check, current, head, upgrade

    url, cleanup = _fresh_database(db_kind, "m0011", tmp_path_factory)
    db = Database.from_url(url)
    key_a, key_b = base64.b64encode(b"key-a").decode(), base64.b64encode(b"key-b").decode()
    try:
        upgrade(db.engine, "0010")
        with db.engine.begin() as conn:
            for uid in (1, 2):
                conn.execute(
                    text("INSERT INTO users (id, openid, created_at) VALUES (:i, :o, :t)"),
                    {"i": uid, "o": f"user{uid}", "t": datetime(2020, 1, uid)},
                )
            for kid, uid, key in (("k1", 1, key_a), ("k2", 2, key_b)):
                conn.execute(
                    text(
                        "INSERT INTO pubkeys (id, user_id, format, pubkey, md5_hash, created_at)"
                        " VALUES (:k, :u, 'ssh-rsa', :p, 'x', :t)"
                    ),
                    {"k": kid, "u": uid, "p": key, "t": datetime(2021, 1, uid)},
                )
        upgrade(db.engine)
        assert current(db.engine) == head() and check(db.engine) == []
        with db.engine.connect() as conn:
            owners = dict(conn.execute(text("SELECT fingerprint, user_id FROM key_owners")).all())
        assert owners == {
            hashlib.sha256(b"key-a").hexdigest(): 1,
            hashlib.sha256(b"key-b").hexdigest(): 2,
        }
        with db.engine.begin() as conn:
            command.downgrade(alembic_config(conn), "0011-1")  # just below 0011
        tables = set(inspect(db.engine).get_table_names())
        assert "pubkeys" in tables and not {"key_owners", "signed_uploads"} & tables
        upgrade(db.engine)
        assert current(db.engine) == head() and check(db.engine) == []
    finally:
        db.dispose()
        cleanup()
