"""The audit log: every state change of vendors, products, versions, runs' claims,
declarations, certification requests and certificates — who, when, what, before and
after. Append-only: this module only inserts, and the database refuses UPDATE and DELETE
on ``audit_log`` (triggers, migration 0012). The Foundation reads all of it; a vendor's
admins read the events of their own objects."""

from __future__ import annotations

import csv
import io
import json
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from refcore.errors import InvalidInput
from refcore.services.accounts import Actor
from refcore.storage.models import AuditEvent, utcnow

__all__ = ["OBJECT_TYPES", "csv_text", "events", "events_csv", "record"]

OBJECT_TYPES = (
    "vendor",
    "product",
    "version",
    "run",
    "declaration",
    "request",
    "certificate",
    "cloud",
)
_FIELDS = ("id", "at", "actor", "action", "object_type", "object_id", "org_id", "before", "after")


def _dump(value: Any) -> str | None:
    return None if value is None else json.dumps(value, sort_keys=True, default=str)


def record(
    session: Session,
    actor: Actor,
    action: str,
    object_type: str,
    object_id: str,
    *,
    org_id: str | None = None,
    before: Any = None,
    after: Any = None,
    at: datetime | None = None,
) -> None:
    """Add one event to the caller's transaction (it lands or vanishes with the change)."""
    session.add(
        AuditEvent(
            at=at or utcnow(),
            user_id=actor.user_id,
            actor=actor.openid,
            action=action,
            object_type=object_type,
            object_id=str(object_id),
            org_id=org_id,
            before=_dump(before),
            after=_dump(after),
        )
    )


def events(
    session: Session,
    actor: Actor,
    *,
    object_type: str | None = None,
    object_id: str | None = None,
    limit: int = 500,
) -> list[dict[str, Any]]:
    """Newest first: everything for the Foundation, the events of the caller's vendors'
    objects for anyone else (nothing for anonymous)."""
    actor.require_login()
    if object_type is not None and object_type not in OBJECT_TYPES:
        raise InvalidInput(
            f"Unknown object type {object_type!r}", errors=[f"one of: {', '.join(OBJECT_TYPES)}"]
        )
    if not 1 <= limit <= 10000:
        raise InvalidInput("limit must be between 1 and 10000")
    query = select(AuditEvent).order_by(AuditEvent.id.desc()).limit(limit)
    if not actor.is_foundation:
        query = query.where(AuditEvent.org_id.in_(sorted(actor.org_ids)))
    if object_type is not None:
        query = query.where(AuditEvent.object_type == object_type)
    if object_id is not None:
        query = query.where(AuditEvent.object_id == object_id)
    return [
        {
            "id": e.id,
            "at": e.at.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "actor": e.actor,
            "action": e.action,
            "object_type": e.object_type,
            "object_id": e.object_id,
            "org_id": e.org_id,
            "before": json.loads(e.before) if e.before else None,
            "after": json.loads(e.after) if e.after else None,
        }
        for e in session.scalars(query)
    ]


def _cell(value: Any) -> Any:
    # a spreadsheet runs a cell starting with = + - @ as a formula: quote it
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return "" if value is None else value


def csv_text(header: tuple[str, ...], rows: list[list[Any]]) -> str:
    """CSV with a header row; text that a spreadsheet would run as a formula is quoted."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([_cell(v) for v in row])
    return out.getvalue()


def events_csv(rows: list[dict[str, Any]]) -> str:
    """The events as CSV (before/after as JSON text)."""
    return csv_text(
        _FIELDS,
        [[_dump(r[k]) if k in ("before", "after") else r[k] for k in _FIELDS] for r in rows],
    )
