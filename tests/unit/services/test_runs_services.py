"""Run use cases on a real database, each test inside a rolled-back transaction."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from refcore.errors import Forbidden, InvalidInput, Unauthorized
from refcore.services import accounts, reports, runs, runs_edit, runs_read
from refcore.services.guidelines import FixedSource
from refcore.storage.models import Run, RunReport


def body(*names: str, cpid: str = "c") -> bytes:
    return json.dumps(
        {"cpid": cpid, "duration_seconds": 3, "results": [{"name": n} for n in names]}
    ).encode()


def count_runs(session) -> int:  # type: ignore[no-untyped-def]
    return int(session.scalar(select(func.count()).select_from(Run)))


def test_upload_is_stored_whole_or_not_at_all(db_session) -> None:  # type: ignore[no-untyped-def]
    before = count_runs(db_session)
    run = runs.submit_v1(
        db_session, runs.Upload(body("t.a", "t.b")), accounts.ANONYMOUS, allow_anonymous=True
    )
    assert run.test_count == 2 and run.listed and run.owner_id is None
    bad = json.dumps(
        {
            "cpid": "c",
            "duration_seconds": 1,
            "results": [{"name": "x", "uuid": "1"}, {"name": "x", "uuid": "2"}],
        }
    )
    with pytest.raises(InvalidInput, match="Duplicate test name"):
        runs.submit_v1(
            db_session, runs.Upload(bad.encode()), accounts.ANONYMOUS, allow_anonymous=True
        )
    with pytest.raises(Unauthorized, match="Anonymous result uploads are disabled"):
        runs.submit_v1(
            db_session, runs.Upload(body("t.c")), accounts.ANONYMOUS, allow_anonymous=False
        )
    assert count_runs(db_session) == before + 1
    detail = runs_read.run_detail(db_session, accounts.ANONYMOUS, run.id)
    assert sorted(detail["results"]) == ["t.a", "t.b"]


def test_roles_and_privacy(db_session, guidelines) -> None:  # type: ignore[no-untyped-def]
    owner = accounts.create_user(db_session, "svc-owner")
    other = accounts.create_user(db_session, "svc-other")
    boss = accounts.create_user(db_session, "svc-boss", foundation=True)
    a_owner, a_other, a_boss = (accounts.actor_for(db_session, u) for u in (owner, other, boss))
    run = runs.submit_v1(db_session, runs.Upload(body("t.a")), a_owner, allow_anonymous=False)
    assert run.owner_id == owner.id and not run.listed
    role = runs_read.run_role
    assert role(run, a_owner, None) == "owner"
    assert role(run, a_boss, None) == "foundation"
    assert role(run, a_other, None) is None
    assert role(run, accounts.ANONYMOUS, None) is None
    with pytest.raises(Forbidden):
        runs_edit.set_meta(db_session, a_other, run.id, "shared", "true", guidelines=guidelines)
    runs_edit.set_meta(db_session, a_owner, run.id, "shared", "true", guidelines=guidelines)
    assert role(run, a_other, None) == "user"
    page = runs_read.list_runs(db_session, accounts.ANONYMOUS, cpid="c")
    assert run.id in [i["id"] for i in page.items]
    item = next(i for i in page.items if i["id"] == run.id)
    assert item["meta"] == {"shared": "true"} and "cpid" not in item


def test_report_is_computed_once(db_session, guidelines) -> None:  # type: ignore[no-untyped-def]
    names = [t.name for _, t in guidelines["2020.06"].tests("platform")][:10]
    run = runs.submit_v1(
        db_session, runs.Upload(body(*names)), accounts.ANONYMOUS, allow_anonymous=True
    )
    source = FixedSource(guidelines)
    first = reports.report(db_session, accounts.ANONYMOUS, run.id, source, "2020.06", "platform")
    assert json.loads(first)["meets"] is False
    rows = db_session.scalars(select(RunReport).where(RunReport.run_id == run.id)).all()
    assert len(rows) == 1 and rows[0].body == first
    assert (
        reports.report(db_session, accounts.ANONYMOUS, run.id, source, "2020.06", "platform")
        == first
    )
