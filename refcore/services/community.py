"""Community feedback on capabilities: votes on a capability x criterion of a guideline being
drafted, weighted by the voter's role.

* **Roles** are set by the Foundation, never self-declared: ``vendor`` (a vendor member),
  ``operator``, ``ptl-tc`` (a project technical lead or TC member), ``interop-wg`` (an
  interop working group member). Only accounts with a role vote; anonymous voting is not
  offered.
* **Weights** per role are the working group's (members of ``interop-wg`` or the Foundation
  change them); defaults: :data:`DEFAULT_WEIGHTS`.
* A vote says whether the capability meets the criterion (1) or not (0), with an optional
  comment; one per account and item, changeable (or withdrawn) until the cycle closes: votes
  are taken on guidelines that are not approved (``next``, drafts, published drafts).
* Results per capability and criterion: votes per role, the weighted share saying "meets".
  They are shown beside the computed criteria in ``scoring suggest``: a vote never changes a
  score by itself.
* Every vote, change, withdrawal, role and weight change is appended to ``vote_events``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from refcore.core.guidelines import Guideline
from refcore.core.scoring import CRITERIA_KEYS
from refcore.errors import Conflict, Forbidden, InvalidInput, NotFound
from refcore.services.accounts import Actor, user_by_openid
from refcore.storage.models import CommunityRole, RoleWeight, Vote, VoteEvent, utcnow

__all__ = [
    "DEFAULT_WEIGHTS",
    "ROLES",
    "events",
    "results",
    "role_of",
    "set_role",
    "set_weights",
    "vote",
    "weights",
    "withdraw",
]

ROLES = ("vendor", "operator", "ptl-tc", "interop-wg")
#: a project lead's or TC member's view of a capability counts double, as does an operator's
#: (they run what the guideline asks for); vendors and the working group count once
DEFAULT_WEIGHTS: Mapping[str, int] = {"vendor": 1, "operator": 2, "ptl-tc": 2, "interop-wg": 1}
MAX_COMMENT = 2000


def _event(
    session: Session, actor: Actor, action: str, subject: str, before: Any, after: Any
) -> None:
    session.add(
        VoteEvent(
            user_id=actor.user_id,
            action=action,
            subject=subject[:255],
            before=None if before is None else json.dumps(before, sort_keys=True),
            after=None if after is None else json.dumps(after, sort_keys=True),
        )
    )


def role_of(session: Session, actor: Actor) -> str | None:
    if not actor.authenticated:
        return None
    row = session.get(CommunityRole, actor.user_id)
    return row.role if row else None


def set_role(session: Session, actor: Actor, openid: str, role: str | None) -> dict[str, Any]:
    """The Foundation gives (or, with None, takes away) a member's role."""
    actor.require_login()
    if not actor.is_foundation:
        raise Forbidden("Only the Foundation sets community roles")
    if role is not None and role not in ROLES:
        raise InvalidInput(f"Unknown role {role!r}", errors=[f"roles: {', '.join(ROLES)}"])
    user = user_by_openid(session, openid)
    if user is None:
        raise NotFound(f"No user {openid}")
    row = session.get(CommunityRole, user.id)
    before = row.role if row else None
    if role is None:
        if row is not None:
            session.delete(row)
    elif row is None:
        session.add(CommunityRole(user_id=user.id, role=role, set_by=actor.user_id))
    else:
        row.role, row.set_by, row.set_at = role, actor.user_id, utcnow()
    _event(session, actor, "role", openid, before, role)
    session.commit()
    return {"user": openid, "role": role}


def weights(session: Session) -> dict[str, int]:
    out = dict(DEFAULT_WEIGHTS)
    for row in session.scalars(select(RoleWeight)):
        out[row.role] = row.weight
    return out


def set_weights(session: Session, actor: Actor, new: Mapping[str, int]) -> dict[str, int]:
    """The working group (or the Foundation) sets how much each role's vote weighs."""
    actor.require_login()
    if not (actor.is_foundation or role_of(session, actor) == "interop-wg"):
        raise Forbidden("Only the interop working group sets the weights of roles")
    unknown = sorted(set(new) - set(ROLES))
    if unknown:
        raise InvalidInput(f"Unknown roles: {', '.join(unknown)}")
    for role, weight in new.items():
        if isinstance(weight, bool) or not isinstance(weight, int) or not 0 <= weight <= 100:
            raise InvalidInput(f"Weight of {role} must be a whole number from 0 to 100")
    before = weights(session)
    for role, weight in new.items():
        row = session.get(RoleWeight, role)
        if row is None:
            session.add(RoleWeight(role=role, weight=weight, set_by=actor.user_id))
        else:
            row.weight, row.set_by, row.set_at = weight, actor.user_id, utcnow()
    _event(session, actor, "weight", "roles", before, {**before, **new})
    session.commit()
    return weights(session)


def _open(guideline: Guideline) -> None:
    if guideline.status == "approved":
        raise Conflict(
            f"Voting on {guideline.id} is closed: it is approved. Votes are taken on guidelines "
            "being drafted (next, drafts)."
        )


def _check_item(guideline: Guideline, capability: str, criterion: str) -> None:
    if capability not in guideline.capabilities:
        raise NotFound(f"No capability {capability} in {guideline.id}")
    if criterion not in CRITERIA_KEYS:
        raise InvalidInput(
            f"Unknown criterion {criterion!r}", errors=[f"criteria: {', '.join(CRITERIA_KEYS)}"]
        )


def vote(
    session: Session,
    actor: Actor,
    guideline: Guideline,
    capability: str,
    criterion: str,
    value: int,
    comment: str | None = None,
) -> dict[str, Any]:
    """Cast or change the caller's vote on one item."""
    actor.require_login()
    _open(guideline)
    _check_item(guideline, capability, criterion)
    if value not in (0, 1) or isinstance(value, bool):
        raise InvalidInput("A vote is 1 (meets the criterion) or 0 (does not)")
    if comment is not None and len(comment) > MAX_COMMENT:
        raise InvalidInput(f"A comment is at most {MAX_COMMENT} characters")
    role = role_of(session, actor)
    if role is None:
        raise Forbidden("Voting needs a community role; the Foundation gives it")
    row = session.scalar(
        select(Vote).where(
            Vote.guideline_id == guideline.id,
            Vote.capability == capability,
            Vote.criterion == criterion,
            Vote.user_id == actor.user_id,
        )
    )
    subject = f"{guideline.id}/{capability}/{criterion}"
    after = {"value": value, "comment": comment, "role": role}
    if row is None:
        assert actor.user_id is not None
        session.add(
            Vote(
                guideline_id=guideline.id,
                capability=capability,
                criterion=criterion,
                user_id=actor.user_id,
                role=role,
                value=value,
                comment=comment,
            )
        )
        _event(session, actor, "vote", subject, None, after)
    else:
        before = {"value": row.value, "comment": row.comment, "role": row.role}
        row.value, row.comment, row.role, row.updated_at = value, comment, role, utcnow()
        _event(session, actor, "change", subject, before, after)
    session.commit()
    return {"guideline": guideline.id, "capability": capability, "criterion": criterion, **after}


def withdraw(
    session: Session, actor: Actor, guideline: Guideline, capability: str, criterion: str
) -> None:
    actor.require_login()
    _open(guideline)
    row = session.scalar(
        select(Vote).where(
            Vote.guideline_id == guideline.id,
            Vote.capability == capability,
            Vote.criterion == criterion,
            Vote.user_id == actor.user_id,
        )
    )
    if row is None:
        raise NotFound("You have no vote on that item")
    before = {"value": row.value, "comment": row.comment, "role": row.role}
    session.delete(row)
    _event(session, actor, "withdraw", f"{guideline.id}/{capability}/{criterion}", before, None)
    session.commit()


def results(
    session: Session, guideline: Guideline, actor: Actor | None = None
) -> dict[str, dict[str, dict[str, Any]]]:
    """capability -> criterion -> {votes, by_role: {role: {for, against}}, weighted_for,
    weighted_total, share (weighted share of "meets"), comments, mine (the caller's vote)}."""
    w = weights(session)
    out: dict[str, dict[str, dict[str, Any]]] = {}
    rows = session.scalars(select(Vote).where(Vote.guideline_id == guideline.id))
    for row in rows:
        item = out.setdefault(row.capability, {}).setdefault(
            row.criterion,
            {"votes": 0, "by_role": {}, "weighted_for": 0, "weighted_total": 0, "comments": []},
        )
        item["votes"] += 1
        counts = item["by_role"].setdefault(row.role, {"for": 0, "against": 0})
        counts["for" if row.value else "against"] += 1
        weight = w.get(row.role, 0)
        item["weighted_total"] += weight
        item["weighted_for"] += weight * row.value
        if row.comment:
            item["comments"].append({"role": row.role, "value": row.value, "text": row.comment})
        if actor is not None and actor.user_id == row.user_id:
            item["mine"] = {"value": row.value, "comment": row.comment}
    for criteria in out.values():
        for item in criteria.values():
            total = item["weighted_total"]
            item["share"] = round(item["weighted_for"] / total, 4) if total else None
    return out


def events(session: Session, actor: Actor, limit: int = 500) -> list[dict[str, Any]]:
    """The trail, newest first: the Foundation sees every event, others their own."""
    actor.require_login()
    query = select(VoteEvent).order_by(VoteEvent.id.desc()).limit(limit)
    if not actor.is_foundation:
        query = query.where(VoteEvent.user_id == actor.user_id)
    return [
        {
            "at": e.at.isoformat(timespec="seconds") + "Z",
            "action": e.action,
            "subject": e.subject,
            "before": json.loads(e.before) if e.before else None,
            "after": json.loads(e.after) if e.after else None,
        }
        for e in session.scalars(query)
    ]
