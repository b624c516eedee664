"""The impact of a draft guideline: who needs to hear about it, and telling them.

For a draft against the guideline it replaces (or one named), every changed capability —
becomes required, stops being required, added, removed, a test flagged or unflagged — and
every section newly designated, with:

* the products whose stored runs it affects (:mod:`refcore.services.whatif`: runs that
  would miss a required test of the capability under the draft, with the products the
  caller may see);
* the organisations behind the capability's code (top contributors of its project over the
  default period, see :mod:`refcore.services.stakeholder_map`) and the registered teams
  working on it — their managers are who must staff the work.

When the Foundation publishes a draft, :func:`notify` e-mails each registered manager
concerned (the team's opt-in contact, else the account's address) once, listing what
concerns their teams; every e-mail sent or failed is recorded in ``draft_notices``. No
address ever appears in an answer; the e-mails go out between transactions (no database
lock is held while talking to the SMTP server).
"""

from __future__ import annotations

import contextlib
import json
import smtplib
from collections.abc import Sequence
from email.message import EmailMessage
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from refcore.core.diff import diff_guidelines
from refcore.core.guidelines import Guideline, GuidelineSet
from refcore.errors import Forbidden, GuidelineNotFound, HistoryError, InvalidInput, RefcoreError
from refcore.services import drafts
from refcore.services import stakeholders as teams_service
from refcore.services.accounts import ANONYMOUS, Actor
from refcore.services.mail import MailSettings
from refcore.services.stakeholder_map import contributions
from refcore.services.whatif import stored_what_if
from refcore.storage.models import DraftNotice, StakeholderTeam, User

__all__ = ["MailSettings", "impact", "notices", "notify"]

#: organisations named per changed capability
TOP_ORGANISATIONS = 5


def _base(gs: GuidelineSet, draft: Guideline, base: str | None) -> Guideline:
    base_id = base or draft.replaces
    if not base_id:
        latest = gs.latest_approved()
        if latest is None:
            raise InvalidInput(
                "The draft names no guideline it replaces: say which to compare with"
            )
        return latest
    if base_id not in gs:
        raise GuidelineNotFound(f"Guideline not found: {base_id}")
    return gs[base_id]


def _changes(a: Guideline, b: Guideline) -> tuple[dict[str, list[str]], list[dict[str, Any]]]:
    d = diff_guidelines(a, b)
    caps: dict[str, list[str]] = {}

    def add(cap: str, what: str) -> None:
        caps.setdefault(cap, [])
        if what not in caps[cap]:
            caps[cap].append(what)

    for c in d.status_changes:
        if c.after == "required":
            add(c.capability, f"becomes required ({c.target})")
        elif c.before == "required":
            add(c.capability, f"no longer required ({c.target}): {c.after or 'not listed'}")
        else:
            add(
                c.capability,
                f"{c.before or 'not listed'} -> {c.after or 'not listed'} ({c.target})",
            )
    for cap in d.capabilities_added:
        add(cap, "added")
    for cap in d.capabilities_removed:
        add(cap, "removed")
    for t in d.flags_added:
        for cap in t.capabilities:
            add(cap, "test flagged")
    for t in d.flags_cleared:
        for cap in t.capabilities:
            add(cap, "flag cleared")
    sections = [
        {"project": s["project"], "section": s["section"], "change": "newly designated"}
        for s in d.sections
        if "section" in s
        and (s["to"] or {}).get("designated")
        and not (s["from"] or {}).get("designated")
    ]
    return caps, sections


def _products(
    session: Session, actor: Actor, gs: GuidelineSet, a: Guideline, b: Guideline
) -> dict[str, list[dict[str, Any]]]:
    """capability -> products whose latest run would miss one of its required tests."""
    out: dict[str, dict[str, dict[str, Any]]] = {}
    for target in (t for t in b.targets if t in a.targets):
        body = stored_what_if(
            session, actor, gs, a.id, b.id, target=target, by="product", limit=200
        )
        for row in body["runs"]:
            product = row.get("product")
            if not product:
                continue
            for miss in row["missing_b"]:
                entry = out.setdefault(miss["capability"], {}).setdefault(
                    product["product_version_id"],
                    {
                        "product": product["name"],
                        "product_id": product["id"],
                        "version": product["version"],
                        "change": row["change"],
                        "targets": [],
                        "missing_tests": 0,
                    },
                )
                if target not in entry["targets"]:
                    entry["targets"].append(target)
                entry["missing_tests"] += 1
    return {cap: list(rows.values()) for cap, rows in out.items()}


def impact(
    session: Session,
    actor: Actor,
    gs: GuidelineSet,
    source: str | None,
    draft_ref: str,
    *,
    base: str | None = None,
) -> dict[str, Any]:
    """Each changed capability and newly designated section of the draft, with the products
    its stored runs affect, the organisations and the registered teams behind it."""
    draft, full = drafts.resolve(session, gs, draft_ref)
    a = _base(full, draft, base)
    caps, sections = _changes(a, draft)
    products = _products(session, actor, full, a, draft)
    rows = []
    for cap in sorted(caps):
        try:
            project = teams_service.capability_home(full, cap)[0]
        except RefcoreError:
            project = None
        orgs: list[dict[str, Any]] = []
        hidden = None
        if project:
            try:
                counted = contributions(session, full, source, project=project)
                orgs = [
                    g.to_dict(counted.commits) for g in counted.groups if g.kind == "organisation"
                ][:TOP_ORGANISATIONS]
                hidden = round(counted.hidden_share(), 4)
            except HistoryError:
                pass
        covering = teams_service.teams_covering(session, project, capability=cap) if project else []
        rows.append(
            {
                "capability": cap,
                "project": project,
                "changes": caps[cap],
                "products": products.get(cap, []),
                "organisations": orgs,
                "hidden_share": hidden,
                "teams": teams_service.describe_teams(session, actor, covering),
            }
        )
    for s in sections:
        covering = teams_service.teams_covering(session, s["project"], section=s["section"])
        s["teams"] = teams_service.describe_teams(session, actor, covering)
    return {
        "draft": draft.id,
        "base": a.id,
        "capabilities": rows,
        "sections": sections,
        "teams": len({t["id"] for r in [*rows, *sections] for t in r["teams"]}),
    }


def _message(
    mail: MailSettings, to: str, draft: str, base: str, lines: Sequence[str]
) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = mail.sender
    msg["To"] = to
    msg["Subject"] = f"[refcore] Draft guideline {draft}: changes in what your teams work on"
    body = [
        f"The OpenStack Foundation published the draft guideline {draft} (against {base}).",
        "It changes capabilities or designated sections your registered teams work on:",
        "",
        *lines,
        "",
        "You receive this because you registered these teams on refcore's stakeholder map.",
    ]
    msg.set_content("\n".join(body))
    return msg


def notify(
    session: Session,
    mail: MailSettings | None,
    gs: GuidelineSet,
    source: str | None,
    draft_id: str,
) -> dict[str, Any]:
    """E-mail the managers of the teams a published draft concerns; record each e-mail."""
    if mail is None:
        return {"sent": 0, "failed": 0, "no_address": 0, "reason": "no SMTP host is configured"}
    # the public view of products: an e-mail never names a product its reader may not see
    found = impact(session, ANONYMOUS, gs, source, draft_id)
    lines_by_team: dict[int, list[str]] = {}
    for row in found["capabilities"]:
        text = f"- {row['capability']} ({row['project'] or 'project unknown'}): " + "; ".join(
            row["changes"]
        )
        if row["products"]:
            text += f"; stored runs of {len(row['products'])} product(s) miss its tests"
        for t in row["teams"]:
            lines_by_team.setdefault(t["id"], []).append(text)
    for s in found["sections"]:
        for t in s["teams"]:
            lines_by_team.setdefault(t["id"], []).append(
                f"- section {s['section']} of {s['project']}: {s['change']}"
            )
    # who gets what: one e-mail per manager, to the opt-in contact or the account address
    plan: dict[int, tuple[str | None, list[str]]] = {}
    for team_id, lines in sorted(lines_by_team.items()):
        t = session.get(StakeholderTeam, team_id)
        if t is None:
            continue
        user = session.get(User, t.user_id)
        address = t.contact if t.contact and "@" in t.contact else (user.email if user else None)
        to, have = plan.get(t.user_id, (address, []))
        have.extend(f"{line} [team {t.name}, {t.organisation}]" for line in lines)
        plan[t.user_id] = (to or address, have)
    session.commit()  # end the read transaction: no lock is held while talking to SMTP
    results: list[tuple[int, list[str], str, str | None]] = []
    if plan:
        client: smtplib.SMTP | None = None
        error: str | None = None
        try:
            client = smtplib.SMTP(mail.host, mail.port, timeout=15)
            if mail.starttls:
                client.starttls()
            if mail.username:
                client.login(mail.username, mail.password or "")
        except (OSError, smtplib.SMTPException) as exc:
            client = None
            error = f"SMTP server unreachable: {type(exc).__name__}"
        for user_id, (address, lines) in plan.items():
            if not address:
                results.append((user_id, lines, "no-address", None))
            elif client is None:
                results.append((user_id, lines, "failed", error))
            else:
                try:
                    client.send_message(
                        _message(mail, address, found["draft"], found["base"], lines)
                    )
                    results.append((user_id, lines, "sent", None))
                except (OSError, smtplib.SMTPException) as exc:
                    results.append((user_id, lines, "failed", f"{type(exc).__name__}"[:255]))
        if client is not None:
            with contextlib.suppress(OSError, smtplib.SMTPException):
                client.quit()
    for user_id, lines, status, err in results:
        session.add(
            DraftNotice(
                draft_id=found["draft"],
                user_id=user_id,
                capabilities=json.dumps(lines),
                status=status,
                error=err,
            )
        )
    session.commit()
    counts = {s: sum(1 for r in results if r[2] == s) for s in ("sent", "failed", "no-address")}
    return {"sent": counts["sent"], "failed": counts["failed"], "no_address": counts["no-address"]}


def notices(session: Session, actor: Actor, draft_id: str) -> list[dict[str, Any]]:
    """The e-mails sent for a draft (the Foundation only): to whom (by team), their status."""
    actor.require_login()
    if not actor.is_foundation:
        raise Forbidden("Only the Foundation sees the notices sent")
    rows = session.scalars(
        select(DraftNotice).where(DraftNotice.draft_id == draft_id).order_by(DraftNotice.id)
    )
    return [
        {
            "user_id": r.user_id,
            "status": r.status,
            "error": r.error,
            "lines": json.loads(r.capabilities),
            "sent_at": r.sent_at.isoformat(timespec="seconds") + "Z",
        }
        for r in rows
    ]
