"""Alerts of continuous compliance: on a regression or a lapse, e-mail the vendor's admins
and POST the optional webhook, once per event.

Once: an event has a key (``regression:<cloud>:<guideline>:<target>:<run>``,
``lapse:<cloud>:<guideline>:<target>:<since>``); :func:`deliver` first claims it by
inserting a ``cloud_alerts`` row under that unique key and committing, and only the
claimant sends. Two workers seeing the same event send one alert; a process dying between
the claim and the sending leaves the row ``pending`` (recorded, never sent twice).

Synchronous on purpose: it runs in worker jobs and in the server's worker threads, never on
the event loop; no database transaction is open while talking to the SMTP server or the
webhook. Neither the SMTP password, the webhook URL (it often carries a token) nor its
secret is ever logged or recorded: failures are recorded by kind (``ConnectError``).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import smtplib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Any

import httpx
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from refcore.services.mail import MailSettings
from refcore.storage.models import CloudAlert, OrgMember, User

__all__ = ["AlertEvent", "Webhook", "alert_row", "deliver", "vendor_contacts"]

#: seconds an SMTP server or a webhook may take
TIMEOUT = 15.0


@dataclass(frozen=True)
class Webhook:
    """Where alerts are POSTed (from ``REFCORE_CONTINUOUS_WEBHOOK_*``)."""

    url: str
    secret: str | None = None

    def __repr__(self) -> str:  # never show the URL (it may hold a token) or the secret
        return "Webhook(url=***)"


@dataclass(frozen=True)
class AlertEvent:
    """One regression or lapse of one cloud for one guideline/target."""

    key: str
    kind: str  # regression | lapse
    cloud_id: str
    org_id: str | None
    guideline: str
    target: str
    subject: str
    lines: Sequence[str]
    run_id: str | None = None
    #: the JSON the webhook receives (no secret, no address)
    payload: Mapping[str, Any] = field(default_factory=dict)


def vendor_contacts(session: Session, org_id: str | None) -> list[str]:
    """The e-mail addresses of the vendor's admins (its members), sorted, without duplicates."""
    if org_id is None:
        return []
    rows = session.scalars(
        select(User.email)
        .join(OrgMember, OrgMember.user_id == User.id)
        .where(OrgMember.org_id == org_id)
    )
    return sorted({e for e in rows if e and "@" in e})


def _message(mail: MailSettings, to: Sequence[str], event: AlertEvent) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = mail.sender
    msg["To"] = ", ".join(to)
    msg["Subject"] = f"[refcore] {event.subject}"
    msg.set_content(
        "\n".join(
            [
                *event.lines,
                "",
                "You receive this because you administer the vendor of this registered cloud "
                "on refcore.",
            ]
        )
    )
    return msg


def _send_mail(mail: MailSettings | None, to: Sequence[str], event: AlertEvent) -> tuple[str, str | None]:  # fmt: skip
    if mail is None:
        return "no-smtp", None
    if not to:
        return "no-address", None
    try:
        with smtplib.SMTP(mail.host, mail.port, timeout=TIMEOUT) as client:
            if mail.starttls:
                client.starttls()
            if mail.username:
                client.login(mail.username, mail.password or "")
            client.send_message(_message(mail, to, event))
    except (OSError, smtplib.SMTPException) as exc:
        return "failed", f"e-mail: {type(exc).__name__}"
    return "sent", None


def _call_webhook(hook: Webhook | None, event: AlertEvent) -> tuple[str, str | None]:
    if hook is None:
        return "none", None
    body = json.dumps(
        {"event": event.kind, "key": event.key, **event.payload}, sort_keys=True
    ).encode()
    headers = {"Content-Type": "application/json", "X-Refcore-Event": event.kind}
    if hook.secret:
        digest = hmac.new(hook.secret.encode(), body, hashlib.sha256).hexdigest()
        headers["X-Refcore-Signature"] = f"sha256={digest}"
    try:
        with httpx.Client(timeout=TIMEOUT, follow_redirects=False) as client:
            answer = client.post(hook.url, content=body, headers=headers)
    except httpx.HTTPError as exc:
        return "failed", f"webhook: {type(exc).__name__}"
    if answer.status_code >= 300:
        return "failed", f"webhook: HTTP {answer.status_code}"
    return "sent", None


def _claim(session: Session, event: AlertEvent) -> CloudAlert | None:
    """Insert the event's row; None when another delivery claimed it first."""
    session.rollback()  # a write as the first statement of its own transaction
    if session.scalar(select(CloudAlert.id).where(CloudAlert.event_key == event.key)):
        return None
    row = CloudAlert(
        event_key=event.key,
        kind=event.kind,
        cloud_id=event.cloud_id,
        guideline=event.guideline,
        target=event.target,
        run_id=event.run_id,
        subject=event.subject[:255],
        email_status="pending",
        webhook_status="pending",
    )
    session.add(row)
    try:
        session.commit()
    except IntegrityError:
        session.rollback()
        return None
    return row


def deliver(
    session: Session,
    event: AlertEvent,
    *,
    mail: MailSettings | None,
    webhook: Webhook | None,
) -> dict[str, Any] | None:
    """Send the alert unless it was sent already; the recorded outcome (None: already
    claimed by an earlier delivery)."""
    row = _claim(session, event)
    if row is None:
        return None
    alert_id = row.id
    to = vendor_contacts(session, event.org_id)
    session.commit()  # no transaction open while talking to the servers
    email_status, email_error = _send_mail(mail, to, event)
    hook_status, hook_error = _call_webhook(webhook, event)
    row = session.get(CloudAlert, alert_id)
    assert row is not None
    row.email_status = email_status
    row.webhook_status = hook_status
    row.recipients = len(to) if email_status == "sent" else 0
    errors = [e for e in (email_error, hook_error) if e]
    row.error = "; ".join(errors)[:255] or None
    session.commit()
    return alert_row(row)


def alert_row(row: CloudAlert) -> dict[str, Any]:
    """An alert as the history shows it (no address, no URL)."""
    return {
        "id": row.id,
        "kind": row.kind,
        "guideline": row.guideline,
        "target": row.target,
        "run_id": row.run_id,
        "subject": row.subject,
        "email": row.email_status,
        "recipients": row.recipients,
        "webhook": row.webhook_status,
        "error": row.error,
        "at": row.created_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
    }
