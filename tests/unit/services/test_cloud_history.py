"""A registered cloud's history through the services, both databases: six runs of 2020.06
object stored through the real services (two regressions, two flaky tests), the timeline,
the CSV, who may see it, the freshness the certificate shows (at-risk, then lapsed), the
metrics rows and the alerts mailed once to a real local SMTP server."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import pytest
from continuous_data import GUIDELINE, SECRET, TARGET, certify, seed
from refcore_testing import Inbox, smtp_server

from refcore.errors import NotFound, Unauthorized
from refcore.server.metrics import exposition
from refcore.services import accounts, certificates, cloud_history, watch
from refcore.services.accounts import ANONYMOUS
from refcore.services.guidelines import FixedSource
from refcore.services.mail import MailSettings

START = datetime(2026, 11, 1, 3, 0)
NOW = START + timedelta(days=6)


@pytest.fixture
def h(db_session: Any, guidelines: Any) -> Any:
    from continuous_data import required_tests

    a, b = (n for n, _ in required_tests(guidelines)[:2])
    history = seed(
        db_session,
        guidelines,
        start=START,
        plan=[
            (0, "schedule", set()),
            (1, "schedule", set()),
            (2, "schedule", {a, b}),
            (3, "manual", {a}),
            (4, "schedule", set()),
            (5, "schedule", {a}),
        ],
    )
    history.a, history.b = a, b  # type: ignore[attr-defined]
    return history


def _admin(db_session: Any, h: Any) -> Any:
    user = accounts.user_by_openid(db_session, h.admin)
    assert user is not None
    return accounts.actor_for(db_session, user)


def test_the_history_of_a_cloud(db_session: Any, guidelines: Any, h: Any) -> None:
    source = FixedSource(guidelines)
    body = cloud_history.cloud_history(
        db_session, _admin(db_session, h), source, cloud_history.Policy(NOW), h.cloud_id
    )
    assert body["cloud"]["id"] == h.cloud_id and body["cloud"]["version"]["version"] == "1.0"
    (s,) = body["series"]
    assert (s["guideline"], s["target"]) == (GUIDELINE, TARGET)
    assert [r["run_id"] for r in s["runs"]] == h.runs
    assert [r["meets"] for r in s["runs"]] == [True, True, False, False, True, False]
    assert [r["trigger"] for r in s["runs"]] == ["schedule"] * 3 + ["manual"] + ["schedule"] * 2
    total = len(h.tests)
    assert s["runs"][0]["pass_percent"] == 100.0 and s["runs"][0]["required_tests"] == total
    assert s["runs"][2]["required_not_passed"] == 2
    assert s["runs"][2]["pass_percent"] < s["runs"][3]["pass_percent"] < 100.0
    assert [r["regressions"] for r in s["runs"]] == [0, 0, 2, 0, 0, 1]
    # regressions newest first, each with the run it passed in and the one it failed in
    found = [(r["test"], r["passed_in"]["run_id"], r["failed_in"]["run_id"], r["open"]) for r in s["regressions"]]  # fmt: skip
    assert found == [
        (h.a, h.runs[4], h.runs[5], True),
        (h.a, h.runs[1], h.runs[2], True),
        (h.b, h.runs[1], h.runs[2], False),
    ]
    assert {(f["test"], f["flips"]) for f in s["flaky"]} == {(h.a, 3), (h.b, 2)}
    # at risk: the last scheduled run failed, the last passing run was two days before now
    fresh = s["freshness"]
    assert fresh["status"] == "at-risk" and fresh["failing_run_id"] == h.runs[5]
    assert fresh["days_since_pass"] == 2 and fresh["last_pass_at"] == "2026-11-05T03:00:00Z"
    # only the newest runs when the policy says so
    short = cloud_history.cloud_history(
        db_session, _admin(db_session, h), source, cloud_history.Policy(NOW, runs=3), h.cloud_id
    )
    assert [r["run_id"] for r in short["series"][0]["runs"]] == h.runs[3:]
    # the lapse clock does not depend on the window: one run kept, the last pass still known
    one = cloud_history.cloud_history(
        db_session, _admin(db_session, h), source, cloud_history.Policy(NOW, runs=1), h.cloud_id
    )["series"][0]
    assert [r["run_id"] for r in one["runs"]] == h.runs[5:]
    assert one["freshness"]["status"] == "at-risk" and one["freshness"]["days_since_pass"] == 2
    late = cloud_history.Policy(START + timedelta(days=33), lapse_days=30, runs=1)
    assert cloud_history.cloud_history(db_session, _admin(db_session, h), source, late, h.cloud_id)["series"][0]["freshness"]["status"] == "at-risk"  # fmt: skip
    # CSV: one line per run
    rows = list(csv.DictReader(io.StringIO(cloud_history.history_csv(body))))
    assert [r["run_id"] for r in rows] == h.runs
    assert rows[2]["meets"] == "no" and rows[2]["regressions"] == "2"
    assert SECRET not in str(body)


def test_only_the_vendors_admins_see_it(db_session: Any, guidelines: Any, h: Any) -> None:
    source = FixedSource(guidelines)
    policy = cloud_history.Policy(NOW)
    with pytest.raises(Unauthorized):
        cloud_history.cloud_history(db_session, ANONYMOUS, source, policy, h.cloud_id)
    stranger = accounts.actor_for(db_session, accounts.create_user(db_session, "cw-stranger"))
    boss = accounts.actor_for(db_session, accounts.create_user(db_session, "cw-boss", foundation=True))  # fmt: skip
    for who in (stranger, boss):
        with pytest.raises(NotFound):
            cloud_history.cloud_history(db_session, who, source, policy, h.cloud_id)
        assert cloud_history.metrics_rows(db_session, who, source, policy) == []
    # a guideline the cloud is not tested for: a clear 400
    from refcore.errors import InvalidInput

    with pytest.raises(InvalidInput, match="not tested for 2019.11"):
        cloud_history.cloud_history(
            db_session, _admin(db_session, h), source, policy, h.cloud_id, guideline="2019.11"
        )


def test_freshness_reaches_the_certificate(db_session: Any, guidelines: Any, h: Any) -> None:
    cert_id = certify(db_session, guidelines, h, START + timedelta(hours=1))

    def status(now: datetime, lapse: int = 30) -> dict[str, Any]:
        terms = certificates.Terms(now, lapse_days=lapse)
        return certificates.certificate(db_session, guidelines, terms, cert_id)

    # day 1: the runs so far pass
    assert status(START + timedelta(days=1, hours=1))["status"] == "valid"
    assert status(START + timedelta(days=1, hours=1))["freshness"]["status"] == "current"
    # day 2's scheduled run failed: at risk; day 3's manual run failed too, no change
    assert status(START + timedelta(days=3, hours=1))["status"] == "at-risk"
    # day 4 passed again
    assert status(START + timedelta(days=4, hours=1))["status"] == "valid"
    item = status(NOW)
    assert item["status"] == "at-risk"
    assert item["freshness"]["last_pass_at"] == "2026-11-05T03:00:00Z"
    # the public record names no run
    assert "failing_run_id" not in item["freshness"] and h.runs[5] not in str(item)
    # no passing run for 30 days: lapsed
    late = START + timedelta(days=4 + 30)
    assert status(late)["status"] == "lapsed"
    assert status(late - timedelta(seconds=1))["status"] == "at-risk"
    # the listing filters by the new statuses; CSV carries the freshness
    terms = certificates.Terms(late)
    listed = certificates.list_certificates(db_session, guidelines, terms, {"status": "lapsed"})
    assert cert_id in [c["id"] for c in listed]
    events = [(e["event"], e["at"]) for e in certificates.feed_entries(listed, terms)]
    assert ("lapsed", "2026-12-05T03:00:00Z") in events
    assert "at-risk" not in [e for e, _ in events]  # the current episode only
    text = certificates.certificates_csv(listed)
    assert text.splitlines()[0].endswith(",freshness") and ",lapsed" in text
    # an at-risk certificate still stands, a lapsed one does not
    product = listed[0]["product"]["id"]
    assert "object" in certificates.certified_targets(db_session, guidelines, certificates.Terms(NOW), product)  # fmt: skip
    assert "object" not in certificates.certified_targets(db_session, guidelines, terms, product)


def test_metrics_rows_and_exposition(db_session: Any, guidelines: Any, h: Any) -> None:
    source = FixedSource(guidelines)
    rows = cloud_history.metrics_rows(
        db_session, _admin(db_session, h), source, cloud_history.Policy(NOW)
    )
    (row,) = rows
    assert row["cloud_id"] == h.cloud_id and row["last_run_at"] == START + timedelta(days=5)
    assert row["meets"] is False and row["days_since_pass"] == 2 and row["freshness"] == "at-risk"
    text = exposition(rows).decode()
    assert f'refcore_cloud_meets{{cloud="{row["cloud"]}",cloud_id="{h.cloud_id}"' in text
    assert "refcore_cloud_days_since_pass{" in text and "} 2.0" in text
    assert 'status="at-risk",target="object",version="1.0"} 1.0' in text
    assert SECRET not in text


@pytest.fixture
def smtp() -> Iterator[tuple[Inbox, int]]:
    with smtp_server() as found:
        yield found


def test_alerts_for_a_regression_and_a_lapse_once(
    db_session: Any, guidelines: Any, h: Any, smtp: Any
) -> None:
    inbox, port = smtp
    source = FixedSource(guidelines)
    mail = MailSettings(host="127.0.0.1", port=port, sender="interop@example.org")
    sent = watch.check(
        db_session, source, cloud_history.Policy(NOW), mail=mail, webhook=None, cloud_id=h.cloud_id
    )
    assert [(a["kind"], a["run_id"], a["email"]) for a in sent] == [
        ("regression", h.runs[5], "sent")
    ]
    ((to, msg),) = inbox.envelopes
    assert to == ["ops@example.org"]
    text = msg.get_content()
    assert h.runs[4] in text and h.runs[5] in text and h.a in text
    assert f"/clouds/{h.cloud_id}/history" in text and SECRET not in text
    # checked again: nothing new
    again = watch.check(db_session, source, cloud_history.Policy(NOW), mail=mail, webhook=None, cloud_id=h.cloud_id)  # fmt: skip
    assert again == [] and len(inbox.envelopes) == 1
    # 30 days after the last pass: the lapse, once
    late = cloud_history.Policy(START + timedelta(days=35))
    lapsed = watch.check(db_session, source, late, mail=mail, webhook=None, cloud_id=h.cloud_id)
    assert [a["kind"] for a in lapsed] == ["lapse"]
    assert "lapsed" in inbox.envelopes[-1][1]["Subject"].lower()
    assert watch.check(db_session, source, late, mail=mail, webhook=None, cloud_id=h.cloud_id) == []  # fmt: skip
    # the history lists both alerts
    body = cloud_history.cloud_history(db_session, _admin(db_session, h), source, late, h.cloud_id)
    assert [a["kind"] for a in body["alerts"]] == ["lapse", "regression"]
