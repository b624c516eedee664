"""E-mail to managers when a draft is published: an unreachable SMTP server records failed
notices (the publication stands), no SMTP host sends nothing. Both databases."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from refcore_testing import free_port
from sqlalchemy import select

from refcore.core import authoring
from refcore.core.parsing import parse_guideline
from refcore.services import accounts, draft_impact, drafts
from refcore.services import stakeholders as teams
from refcore.storage.models import DraftNotice


def test_unreachable_smtp_records_failures_and_keeps_the_draft(
    db_session: Any, guidelines: Any, shared_dir: Path
) -> None:
    boss = accounts.actor_for(
        db_session, accounts.create_user(db_session, "f-notice", foundation=True)
    )
    manager = accounts.create_user(db_session, "m-notice", email="m@example.org")
    teams.register_team(
        db_session, accounts.actor_for(db_session, manager), guidelines, organisation="NVIDIA",
        name="Swift", role="manager", areas=[{"kind": "project", "project": "swift"}],
    )  # fmt: skip
    doc: dict[str, Any] = json.loads(json.dumps(guidelines["2020.06"].raw))
    doc["metadata"]["id"] = "2030.02"
    doc["metadata"]["os_trademark_approval"].update(replaces="2020.06", status="draft")
    doc = authoring.set_status(
        doc, "objectstore-container-list", "advisory", reason="t", date="2026-12-01"
    )
    draft = parse_guideline(doc, file="2030.02.json")
    drafts.publish(db_session, boss, guidelines, draft)
    source = str(shared_dir / "contrib")

    nothing = draft_impact.notify(db_session, None, guidelines, source, "2030.02")
    assert nothing["sent"] == 0 and nothing["reason"] == "no SMTP host is configured"

    closed = draft_impact.MailSettings(host="127.0.0.1", port=free_port(), password="s3cret")
    assert "s3cret" not in repr(closed)
    told = draft_impact.notify(db_session, closed, guidelines, source, "2030.02")
    assert told == {"sent": 0, "failed": 1, "no_address": 0}
    (row,) = db_session.scalars(select(DraftNotice).where(DraftNotice.draft_id == "2030.02"))
    assert row.status == "failed" and row.error.startswith("SMTP server unreachable")
    assert "objectstore-container-list" in row.capabilities
    assert drafts.get(db_session, "2030.02")["metadata"]["id"] == "2030.02"
