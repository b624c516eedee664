"""The Foundation's review queue: vendors waiting for approval (with their contact and
what they submitted), certification requests waiting for a decision (their pre-checks),
and runs claimed against a guideline that nobody has verified yet."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from refcore.errors import Forbidden
from refcore.services import certification
from refcore.services.accounts import PENDING_VENDOR, Actor
from refcore.storage import repositories as repo
from refcore.storage.models import Organization, OrgMember, Run, RunMeta, User

__all__ = ["queue"]

_RUN_LIMIT = 200


def queue(session: Session, actor: Actor) -> dict[str, Any]:
    actor.require_login()
    if not actor.is_foundation:
        raise Forbidden("The review queue is the Foundation's.")
    vendors = []
    for org in session.scalars(
        select(Organization).where(Organization.type == PENDING_VENDOR).order_by(Organization.name)
    ):
        contacts = session.execute(
            select(User.openid, User.fullname, User.email)
            .join(OrgMember, OrgMember.user_id == User.id)
            .where(OrgMember.org_id == org.id)
            .order_by(User.openid)
        )
        vendors.append(
            {
                "id": org.id,
                "name": org.name,
                "description": org.description,
                "properties": json.loads(org.properties) if org.properties else None,
                "contacts": [{"openid": o, "fullname": f, "email": e} for o, f, e in contacts],
            }
        )
    requests = [
        r
        for state in ("pending", "blocked")
        for r in certification.list_requests(session, actor, state)
    ]
    claimed = list(
        session.scalars(
            select(Run)
            .join(RunMeta, RunMeta.run_id == Run.id)
            .where(RunMeta.key == "guideline", Run.verification_status == 0)
            .order_by(Run.created_at.desc())
            .limit(_RUN_LIMIT)
        )
    )
    meta = repo.meta_for(session, [r.id for r in claimed])
    runs = [
        {
            "id": r.id,
            "created_at": r.created_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "guideline": meta.get(r.id, {}).get("guideline"),
            "target": meta.get(r.id, {}).get("target"),
            "shared": "shared" in meta.get(r.id, {}),
            "passed": r.passed_count,
            "tests": r.test_count,
        }
        for r in claimed
    ]
    return {"vendors": vendors, "requests": requests, "runs": runs}
