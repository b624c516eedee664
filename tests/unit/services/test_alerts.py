"""Alerts of continuous compliance, against a real local SMTP server (aiosmtpd) and a real
local HTTP server: sent once per event, signed, recorded; no secret in the record. Both
databases."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from refcore_testing import Inbox, free_port, smtp_server
from sqlalchemy import select

from refcore.services import accounts, alerts, vendors
from refcore.services.mail import MailSettings
from refcore.storage.models import CloudAlert


@pytest.fixture
def smtp() -> Iterator[tuple[Inbox, int]]:
    with smtp_server() as found:
        yield found


class Hook:
    """A real HTTP server keeping each POST (path, headers, body); answers ``status``."""

    def __init__(self, status: int = 204) -> None:
        self.calls: list[tuple[str, dict[str, str], bytes]] = []
        hook = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802
                body = self.rfile.read(int(self.headers["Content-Length"]))
                hook.calls.append((self.path, dict(self.headers), body))
                self.send_response(status)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hooks/T0K3N"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def hook() -> Iterator[Hook]:
    h = Hook()
    yield h
    h.close()


def _vendor(db_session: Any) -> str:
    admin = accounts.create_user(db_session, "alert-admin", email="ops@example.org")
    other = accounts.create_user(db_session, "alert-2", email="noc@example.org")
    vendor = vendors.create_vendor(db_session, accounts.actor_for(db_session, admin), "AlertCo")
    from refcore.storage.models import OrgMember

    db_session.add(OrgMember(org_id=vendor, user_id=other.id))
    db_session.add(OrgMember(org_id=vendor, user_id=accounts.create_user(db_session, "no-mail").id))
    db_session.commit()
    return vendor


def _event(vendor: str, key: str = "regression:c1:2020.06:object:r2") -> alerts.AlertEvent:
    return alerts.AlertEvent(
        key=key,
        kind="regression",
        cloud_id="c1",
        org_id=vendor,
        guideline="2020.06",
        target="object",
        subject="Regression on cloud c1: 2 required tests of 2020.06 object",
        lines=["tempest.api.object_storage.test_a passed in r1, failed in r2"],
        payload={"cloud": "c1", "tests": ["tempest.api.object_storage.test_a"]},
    )


def test_an_alert_is_mailed_and_posted_once(db_session: Any, smtp: Any, hook: Hook) -> None:
    inbox, port = smtp
    vendor = _vendor(db_session)
    mail = MailSettings(host="127.0.0.1", port=port, sender="interop@example.org")
    webhook = alerts.Webhook(hook.url, secret="s3cret-hmac")
    assert "T0K3N" not in repr(webhook) and "s3cret" not in repr(webhook)

    done = alerts.deliver(db_session, _event(vendor), mail=mail, webhook=webhook)
    assert done is not None
    assert (done["email"], done["webhook"], done["recipients"], done["error"]) == ("sent", "sent", 2, None)  # fmt: skip
    # the e-mail went to the vendor's admins that have an address
    ((to, msg),) = inbox.envelopes
    assert sorted(to) == ["noc@example.org", "ops@example.org"]
    assert msg["Subject"].startswith("[refcore] Regression on cloud c1")
    assert "passed in r1, failed in r2" in msg.get_payload()
    # the webhook received the JSON, signed with the secret
    ((path, headers, body),) = hook.calls
    assert path == "/hooks/T0K3N"
    assert json.loads(body) == {
        "event": "regression",
        "key": "regression:c1:2020.06:object:r2",
        "cloud": "c1",
        "tests": ["tempest.api.object_storage.test_a"],
    }
    expected = hmac.new(b"s3cret-hmac", body, hashlib.sha256).hexdigest()
    assert headers["X-Refcore-Signature"] == f"sha256={expected}"
    assert headers["X-Refcore-Event"] == "regression"

    # the same event again: nothing sent, nothing recorded twice
    assert alerts.deliver(db_session, _event(vendor), mail=mail, webhook=webhook) is None
    assert len(inbox.envelopes) == 1 and len(hook.calls) == 1
    rows = db_session.scalars(select(CloudAlert).where(CloudAlert.cloud_id == "c1")).all()
    assert len(rows) == 1
    # the record holds neither an address nor the URL nor the secret
    text = json.dumps(alerts.alert_row(rows[0]))
    for secret in ("ops@example.org", "T0K3N", "s3cret"):
        assert secret not in text


def test_unreachable_servers_are_recorded_by_kind(db_session: Any) -> None:
    vendor = _vendor(db_session)
    closed = free_port()
    mail = MailSettings(host="127.0.0.1", port=closed, password="pw-never-shown")
    webhook = alerts.Webhook(f"http://127.0.0.1:{closed}/T0K3N", secret="x")
    done = alerts.deliver(db_session, _event(vendor, "lapse:c1:x"), mail=mail, webhook=webhook)
    assert done is not None
    assert (done["email"], done["webhook"]) == ("failed", "failed")
    assert done["error"] == "e-mail: ConnectionRefusedError; webhook: ConnectError"
    # without SMTP or webhook settings: recorded as such
    none = alerts.deliver(db_session, _event(vendor, "lapse:c1:y"), mail=None, webhook=None)
    assert none is not None and (none["email"], none["webhook"]) == ("no-smtp", "none")


def test_a_webhook_refusing_is_a_failure(db_session: Any) -> None:
    h = Hook(status=500)
    try:
        vendor = _vendor(db_session)
        done = alerts.deliver(db_session, _event(vendor, "k"), mail=None, webhook=alerts.Webhook(h.url))  # fmt: skip
        assert done is not None and done["webhook"] == "failed"
        assert done["error"] == "webhook: HTTP 500"
        assert "X-Refcore-Signature" not in h.calls[0][1]
    finally:
        h.close()
