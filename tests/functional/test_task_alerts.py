"""The task engine sends continuous-compliance alerts (both databases): after a job recorded
a regressing run (``Context.check_alerts`` for its cloud) the vendor's admins get the e-mail
at a real local SMTP server; the scheduler's tick finds a lapse with no run at all; each
once."""

from __future__ import annotations

from contextlib import ExitStack
from datetime import timedelta
from typing import Any

import pytest
from continuous_data import required_tests, seed
from refcore_testing import _fresh_database, smtp_server

from refcore.config import Settings
from refcore.storage.db import Database
from refcore.storage.migrate import upgrade
from refcore.storage.models import utcnow


def test_the_worker_and_the_tick_send_alerts(
    db_kind: str, guidelines: Any, interop_dir: Any, tmp_path_factory: pytest.TempPathFactory
) -> None:
    from refcore.tasks import engine

    url, cleanup = _fresh_database(db_kind, "task-alerts", tmp_path_factory)
    db = Database.from_url(url)
    servers = ExitStack()
    inbox, port = servers.enter_context(smtp_server())
    try:
        upgrade(db.engine)
        a = required_tests(guidelines)[0][0]
        with db.read() as session:
            # regressed yesterday; another cloud passed last 40 days ago: lapsed
            h = seed(session, guidelines, start=utcnow() - timedelta(days=2),
                     plan=[(0, "schedule", set()), (1, "schedule", {a})])  # fmt: skip
            old = seed(session, guidelines, start=utcnow() - timedelta(days=45),
                       plan=[(0, "schedule", set()), (5, "schedule", {a})], email="old@example.org")  # fmt: skip
        settings = Settings(
            database_url=url,
            guidelines=str(interop_dir),
            smtp_host="127.0.0.1",
            smtp_port=port,
            task_broker_url="memory://",
        )
        engine.configure(settings, worker="test-worker")
        ctx = engine.context()
        # the worker, after the job of h's second run: the regression, for that cloud only
        assert ctx.check_alerts(h.cloud_id) == 1
        (msg,) = inbox.messages
        assert msg["To"] == "ops@example.org" and "Regression on" in msg["Subject"]
        assert h.runs[0] in msg.get_content() and h.runs[1] in msg.get_content()
        assert ctx.check_alerts(h.cloud_id) == 0
        # the tick: every cloud (the old one's regression and lapse), once
        ticked = engine._tick()
        assert ticked["alerts"] == 2 and ticked["dispatched"] == 0
        told = {m["Subject"].split(" ")[1].lower(): m for m in inbox.messages[1:]}
        assert set(told) == {"regression", "certificate"}
        assert all(m["To"] == "old@example.org" for m in told.values())
        assert "lapsed" in told["certificate"]["Subject"].lower()
        assert engine._tick()["alerts"] == 0 and len(inbox.messages) == 3
        assert f"/clouds/{old.cloud_id}/history" in told["certificate"].get_content()
    finally:
        if engine._context is not None and engine._context._db is not None:
            engine._context._db.dispose()  # the worker context's own engine
        servers.close()
        db.dispose()
        cleanup()
