"""People who direct the work: teams registered by managers, their areas and members,
initiatives and commitments, and the Foundation's edits of the mappings.

* A member registers a **team** at an organisation as its ``manager`` or ``product-manager``,
  names what it works on (projects, designated sections, capabilities: checked against the
  guidelines) and may list contributor ids (the ids of the histories). A listed contributor
  **confirms** or **removes** themselves: their id is computed from their account's e-mail,
  never typed by them. A listed id counts for the team's organisation in the contributions
  (it wins over the e-mail domain).
* A **contact** is opt-in; it is shown to logged-in members only. Public answers carry
  organisations, roles and team names, never an e-mail address.
* An **initiative** on a capability or section is opened by a registered manager; teams
  join it with a **commitment** (headcount, review hours a week, a note).
* The Foundation edits the domain -> organisation mapping and the section -> paths mapping;
  the edits overlay the shipped defaults (:mod:`refcore.core.affiliation`,
  :mod:`refcore.core.code_areas`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from sqlalchemy import and_, delete, func, or_, select
from sqlalchemy.orm import Session

from refcore.core.affiliation import DEFAULT_FREE_MAIL, DEFAULT_ORGANISATIONS, Affiliation
from refcore.core.code_areas import DEFAULT_SECTION_PATHS
from refcore.core.contributions import author_id
from refcore.core.guidelines import GuidelineSet
from refcore.core.sections import capability_project, section_infos
from refcore.errors import Conflict, Forbidden, InvalidInput, NotFound
from refcore.services.accounts import Actor
from refcore.storage.models import (
    AffiliationEdit,
    Commitment,
    Initiative,
    SectionPathEdit,
    StakeholderArea,
    StakeholderMember,
    StakeholderTeam,
    User,
    utcnow,
)

__all__ = [
    "AREA_KINDS",
    "ROLES",
    "affiliation",
    "capability_home",
    "commit",
    "confirm",
    "contributor_id",
    "declared",
    "delete_team",
    "initiatives",
    "known_projects",
    "leave",
    "list_teams",
    "my_teams",
    "open_initiative",
    "register_team",
    "section_mapping",
    "set_domain",
    "set_section_paths",
    "team",
    "withdraw_commitment",
]

ROLES = ("manager", "product-manager")
AREA_KINDS = ("project", "section", "capability")
INITIATIVE_KINDS = ("capability", "section")
DOMAIN_KINDS = ("organisation", "free-mail", "unmapped")
MAX_AREAS = 50
MAX_CONTRIBUTORS = 200
MAX_PATTERNS = 30
_CONTRIBUTOR = re.compile(r"^[0-9a-f]{12}$")
_DOMAIN = re.compile(r"^(?=.{3,255}$)[a-z0-9](?:[a-z0-9-]{0,62}\.)+[a-z0-9-]{2,63}$")


def _text(value: str | None, what: str, limit: int, *, required: bool = True) -> str | None:
    text = " ".join((value or "").split())
    if not text:
        if required:
            raise InvalidInput(f"{what} is required")
        return None
    if len(text) > limit:
        raise InvalidInput(f"{what} is longer than {limit} characters")
    return text


# -- what the guidelines know ----------------------------------------------------------------
_projects_cache: dict[int, tuple[GuidelineSet, frozenset[str]]] = {}


def known_projects(gs: GuidelineSet) -> frozenset[str]:
    """Projects named by a capability or a designated section of any guideline."""
    hit = _projects_cache.get(id(gs))
    if hit is not None and hit[0] is gs:
        return hit[1]
    out: set[str] = set()
    for g in gs.values():
        out.update(p for c in g.capabilities.values() if (p := capability_project(c)))
        out.update(group.project for group in g.designated_sections)
    found = frozenset(out)
    if len(_projects_cache) > 16:  # sets joined with a draft are made per request
        _projects_cache.clear()
    _projects_cache[id(gs)] = (gs, found)
    return found


def capability_home(gs: GuidelineSet, name: str) -> tuple[str, str]:
    """``(project, guideline id)`` of a capability, from the newest guideline listing it."""
    for g in reversed(list(gs.values())):
        cap = g.capabilities.get(name)
        if cap is not None:
            project = capability_project(cap)
            if project:
                return project, g.id
    raise NotFound(f"No guideline has a capability {name!r}")


def _section_name(gs: GuidelineSet, project: str, name: str) -> str:
    key = name.strip().lower()
    for g in gs.values():
        for s in section_infos(g, project):
            if s.name.lower() == key:
                return key
    raise NotFound(f"No guideline has a designated section {name!r} of {project}")


def _area(gs: GuidelineSet, raw: Mapping[str, Any]) -> tuple[str, str, str]:
    kind = str(raw.get("kind") or "")
    if kind not in AREA_KINDS:
        raise InvalidInput(f"An area's kind must be one of {', '.join(AREA_KINDS)}, not {kind!r}")
    project = str(raw.get("project") or "").strip().lower()
    name = str(raw.get("name") or "").strip()
    if kind == "capability":
        return kind, capability_home(gs, name)[0], name
    if project not in known_projects(gs):
        raise NotFound(f"No guideline names a project {project!r}")
    if kind == "project":
        return kind, project, ""
    return kind, project, _section_name(gs, project, name)


# -- teams ----------------------------------------------------------------------------------
def contributor_id(session: Session, actor: Actor) -> str | None:
    """The caller's contributor id (from their account's e-mail), or None without one."""
    if not actor.authenticated:
        return None
    user = session.get(User, actor.user_id)
    return author_id(user.email) if user is not None and user.email else None


def _contributors(values: Iterable[str]) -> list[str]:
    out = list(dict.fromkeys(v.strip().lower() for v in values if v.strip()))
    bad = [v for v in out if not _CONTRIBUTOR.match(v)]
    if bad:
        raise InvalidInput(
            f"Contributor ids are 12 hex digits (as in the histories); not {', '.join(bad[:3])}"
        )
    if len(out) > MAX_CONTRIBUTORS:
        raise InvalidInput(f"At most {MAX_CONTRIBUTORS} contributor ids per team")
    return out


def register_team(
    session: Session,
    actor: Actor,
    gs: GuidelineSet,
    *,
    organisation: str,
    name: str,
    role: str,
    areas: Sequence[Mapping[str, Any]],
    contributors: Sequence[str] = (),
    contact: str | None = None,
) -> dict[str, Any]:
    """Register a team (any logged-in member, for a team they manage)."""
    actor.require_login()
    if role not in ROLES:
        raise InvalidInput(f"role must be one of {', '.join(ROLES)}, not {role!r}")
    org = _text(organisation, "organisation", 128)
    team_name = _text(name, "team name", 128)
    contact_text = _text(contact, "contact", 255, required=False)
    if not areas:
        raise InvalidInput("Name at least one project, section or capability the team works on")
    if len(areas) > MAX_AREAS:
        raise InvalidInput(f"At most {MAX_AREAS} areas per team")
    parsed = list(dict.fromkeys(_area(gs, a) for a in areas))
    ids = _contributors(contributors)
    assert org is not None and team_name is not None
    ensure_unique_registration(session, actor, org, team_name)
    row = StakeholderTeam(
        user_id=actor.user_id, role=role, organisation=org, name=team_name, contact=contact_text
    )
    session.add(row)
    session.flush()
    for kind, project, area in parsed:
        session.add(StakeholderArea(team_id=row.id, kind=kind, project=project, name=area))
    for cid in ids:
        session.add(StakeholderMember(team_id=row.id, contributor=cid, confirmed=False))
    session.commit()
    return team(session, actor, row.id)


def _own_team(session: Session, actor: Actor, team_id: int) -> StakeholderTeam:
    actor.require_login()
    row = session.get(StakeholderTeam, team_id)
    if row is None:
        raise NotFound(f"No team {team_id}")
    if row.user_id != actor.user_id and not actor.is_foundation:
        raise Forbidden("Only the team's manager (or the Foundation) changes it")
    return row


def delete_team(session: Session, actor: Actor, team_id: int) -> None:
    session.delete(_own_team(session, actor, team_id))
    session.commit()


def _teams(session: Session, where: Any = None) -> list[StakeholderTeam]:
    q = select(StakeholderTeam).order_by(StakeholderTeam.organisation, StakeholderTeam.id)
    if where is not None:
        q = q.where(where)
    return list(session.scalars(q))


def _manager_name(fullname: str | None) -> str:
    name = (fullname or "").strip()
    # a display name that is an address would leak it: never shown
    return name if name and "@" not in name else "(name not given)"


def _team_dict(
    actor: Actor,
    row: StakeholderTeam,
    manager: str | None,
    areas: list[tuple[str, str, str]],
    members: list[tuple[str, bool]],
    me: str | None,
) -> dict[str, Any]:
    mine = actor.authenticated and (row.user_id == actor.user_id or actor.is_foundation)
    out: dict[str, Any] = {
        "id": row.id,
        "organisation": row.organisation,
        "name": row.name,
        "role": row.role,
        "manager": _manager_name(manager),
        "areas": [
            {"kind": kind, "project": project, "name": name or None}
            for kind, project, name in sorted(areas)
        ],
        "contributors": len(members),
        "confirmed": sum(1 for _, ok in members if ok),
        "yours": bool(mine),
        # you are listed: you may confirm or remove yourself
        "lists_you": me is not None and any(c == me for c, _ in members),
        "you_confirmed": me is not None and any(c == me and ok for c, ok in members),
    }
    # the opt-in contact: logged-in members only
    out["contact"] = row.contact if actor.authenticated else None
    if mine:
        out["members"] = [{"contributor": c, "confirmed": ok} for c, ok in sorted(members)]
    return out


def describe_teams(
    session: Session, actor: Actor, rows: list[StakeholderTeam]
) -> list[dict[str, Any]]:
    """The public (or, for members and managers, fuller) view of teams: four queries."""
    if not rows:
        return []
    ids = [r.id for r in rows]
    areas: dict[int, list[tuple[str, str, str]]] = {i: [] for i in ids}
    for team_id, kind, project, name in session.execute(
        select(
            StakeholderArea.team_id, StakeholderArea.kind, StakeholderArea.project,
            StakeholderArea.name,
        ).where(StakeholderArea.team_id.in_(ids))
    ):  # fmt: skip
        areas[team_id].append((kind, project, name))
    members: dict[int, list[tuple[str, bool]]] = {i: [] for i in ids}
    for team_id, contributor, confirmed in session.execute(
        select(
            StakeholderMember.team_id, StakeholderMember.contributor, StakeholderMember.confirmed
        ).where(StakeholderMember.team_id.in_(ids))
    ):
        members[team_id].append((contributor, bool(confirmed)))
    names: dict[int, str | None] = dict(
        session.execute(
            select(User.id, User.fullname).where(User.id.in_({r.user_id for r in rows}))
        ).all()
    )
    me = contributor_id(session, actor)
    return [
        _team_dict(actor, r, names.get(r.user_id), areas[r.id], members[r.id], me) for r in rows
    ]


def my_teams(session: Session, actor: Actor) -> list[dict[str, Any]]:
    """The caller's own teams."""
    if not actor.authenticated:
        return []
    return describe_teams(session, actor, _teams(session, StakeholderTeam.user_id == actor.user_id))


def team(session: Session, actor: Actor, team_id: int) -> dict[str, Any]:
    row = session.get(StakeholderTeam, team_id)
    if row is None:
        raise NotFound(f"No team {team_id}")
    return describe_teams(session, actor, [row])[0]


def list_teams(session: Session, actor: Actor) -> list[dict[str, Any]]:
    """Every registered team (public: organisations, roles, areas; contacts for members)."""
    return describe_teams(session, actor, _teams(session))


def add_contributors(
    session: Session, actor: Actor, team_id: int, contributors: Sequence[str]
) -> dict[str, Any]:
    row = _own_team(session, actor, team_id)
    have = set(
        session.scalars(
            select(StakeholderMember.contributor).where(StakeholderMember.team_id == row.id)
        )
    )
    new = [c for c in _contributors(contributors) if c not in have]
    if len(have) + len(new) > MAX_CONTRIBUTORS:
        raise InvalidInput(f"At most {MAX_CONTRIBUTORS} contributor ids per team")
    for cid in new:
        session.add(StakeholderMember(team_id=row.id, contributor=cid, confirmed=False))
    session.commit()
    return team(session, actor, row.id)


def _membership(session: Session, actor: Actor, team_id: int) -> StakeholderMember:
    actor.require_login()
    me = contributor_id(session, actor)
    if me is None:
        raise Forbidden("Your account has no e-mail address: no contributor id to match")
    row = session.get(StakeholderMember, (team_id, me))
    if row is None:
        raise NotFound(f"Team {team_id} does not list your contributor id {me}")
    return row


def confirm(session: Session, actor: Actor, team_id: int) -> dict[str, Any]:
    """A listed contributor confirms they are on the team."""
    row = _membership(session, actor, team_id)
    row.confirmed = True
    session.commit()
    return team(session, actor, team_id)


def leave(session: Session, actor: Actor, team_id: int) -> None:
    """A listed contributor removes themselves from the team."""
    session.delete(_membership(session, actor, team_id))
    session.commit()


_declared_cache: dict[str, tuple[tuple[Any, ...], dict[str, str]]] = {}


def declared(session: Session) -> dict[str, str]:
    """Contributor id -> organisation, from the teams' lists (the latest team wins).

    Kept per database until the lists change: a one-row query (counts, newest ids and
    times) tells whether they did."""
    sig = tuple(
        session.execute(
            select(
                select(func.count()).select_from(StakeholderMember).scalar_subquery(),
                select(func.max(StakeholderMember.added_at)).scalar_subquery(),
                select(func.count()).select_from(StakeholderTeam).scalar_subquery(),
                select(func.max(StakeholderTeam.id)).scalar_subquery(),
            )
        ).one()
    )
    url = str(session.connection().engine.url)
    hit = _declared_cache.get(url)
    if hit is not None and hit[0] == sig:
        return hit[1]
    rows = session.execute(
        select(StakeholderMember.contributor, StakeholderTeam.organisation)
        .join(StakeholderTeam, StakeholderTeam.id == StakeholderMember.team_id)
        .order_by(StakeholderTeam.id)
    )
    found: dict[str, str] = dict(rows.all())
    _declared_cache[url] = (sig, found)
    return found


def teams_covering(
    session: Session, project: str, *, capability: str | None = None, section: str | None = None
) -> list[StakeholderTeam]:
    """Teams working on the project, or on this capability or section of it (a project's
    map: every team on the project or any of its capabilities and sections)."""
    where = StakeholderArea.project == project
    if capability is not None:
        where = and_(
            where,
            or_(
                StakeholderArea.kind == "project",
                and_(StakeholderArea.kind == "capability", StakeholderArea.name == capability),
            ),
        )
    elif section is not None:
        where = and_(
            where,
            or_(
                StakeholderArea.kind == "project",
                and_(StakeholderArea.kind == "section", StakeholderArea.name == section.lower()),
            ),
        )
    ids = select(StakeholderArea.team_id).where(where)
    return _teams(session, StakeholderTeam.id.in_(ids))


# -- initiatives ------------------------------------------------------------------------------
def open_initiative(
    session: Session,
    actor: Actor,
    gs: GuidelineSet,
    *,
    team_id: int,
    kind: str,
    subject: str,
    title: str,
    project: str | None = None,
    description: str | None = None,
) -> dict[str, Any]:
    """A registered manager opens an initiative on a capability or a section."""
    row = _own_team(session, actor, team_id)
    if kind not in INITIATIVE_KINDS:
        raise InvalidInput(f"kind must be capability or section, not {kind!r}")
    if kind == "capability":
        where, name = capability_home(gs, subject.strip())[0], subject.strip()
    else:
        where = (project or "").strip().lower()
        if where not in known_projects(gs):
            raise NotFound(f"No guideline names a project {project!r}")
        name = _section_name(gs, where, subject)
    item = Initiative(
        title=_text(title, "title", 200),
        kind=kind,
        project=where,
        subject=name,
        description=_text(description, "description", 4000, required=False),
        team_id=row.id,
    )
    session.add(item)
    session.commit()
    return initiatives(session, actor, initiative_id=item.id)[0]


def _initiative(session: Session, initiative_id: int) -> Initiative:
    row = session.get(Initiative, initiative_id)
    if row is None:
        raise NotFound(f"No initiative {initiative_id}")
    return row


def commit(
    session: Session,
    actor: Actor,
    initiative_id: int,
    *,
    team_id: int,
    headcount: int,
    review_hours: int,
    note: str | None = None,
) -> dict[str, Any]:
    """A team joins an initiative, or changes what it commits."""
    item = _initiative(session, initiative_id)
    own = _own_team(session, actor, team_id)
    if not 0 <= headcount <= 100:
        raise InvalidInput("headcount must be between 0 and 100")
    if not 0 <= review_hours <= 168:
        raise InvalidInput("review hours must be between 0 and 168 a week")
    if headcount == 0 and review_hours == 0:
        raise InvalidInput("Commit some headcount or review time (or withdraw)")
    row = session.get(Commitment, (item.id, own.id))
    text = _text(note, "note", 1000, required=False)
    if row is None:
        session.add(
            Commitment(
                initiative_id=item.id,
                team_id=own.id,
                headcount=headcount,
                review_hours=review_hours,
                note=text,
            )
        )
    else:
        row.headcount, row.review_hours, row.note, row.updated_at = (
            headcount,
            review_hours,
            text,
            utcnow(),
        )
    session.commit()
    return initiatives(session, actor, initiative_id=item.id)[0]


def withdraw_commitment(session: Session, actor: Actor, initiative_id: int, team_id: int) -> None:
    own = _own_team(session, actor, team_id)
    row = session.get(Commitment, (initiative_id, own.id))
    if row is None:
        raise NotFound(f"Team {team_id} has no commitment to initiative {initiative_id}")
    session.delete(row)
    session.commit()


def initiatives(
    session: Session,
    actor: Actor,
    *,
    initiative_id: int | None = None,
    project: str | None = None,
    subject: str | None = None,
) -> list[dict[str, Any]]:
    """Initiatives (one, or those on a project / a subject) with their commitments."""
    q = select(Initiative).order_by(Initiative.id)
    if initiative_id is not None:
        q = q.where(Initiative.id == initiative_id)
    if project is not None:
        q = q.where(Initiative.project == project)
    if subject is not None:
        q = q.where(Initiative.subject == subject)
    items = list(session.scalars(q))
    if initiative_id is not None and not items:
        raise NotFound(f"No initiative {initiative_id}")
    if not items:
        return []
    commitments: dict[int, list[Commitment]] = {i.id: [] for i in items}
    for c in session.scalars(
        select(Commitment).where(Commitment.initiative_id.in_(list(commitments)))
    ):
        commitments[c.initiative_id].append(c)
    team_ids = {i.team_id for i in items} | {c.team_id for cs in commitments.values() for c in cs}
    teams = {t.id: t for t in _teams(session, StakeholderTeam.id.in_(team_ids))}

    def who(team_id: int) -> dict[str, Any]:
        t = teams[team_id]
        return {"team_id": t.id, "organisation": t.organisation, "team": t.name, "role": t.role}

    out = []
    for i in items:
        cs = sorted(commitments[i.id], key=lambda c: (teams[c.team_id].organisation, c.team_id))
        out.append(
            {
                "id": i.id,
                "title": i.title,
                "kind": i.kind,
                "project": i.project,
                "subject": i.subject,
                "description": i.description,
                "opened_by": who(i.team_id),
                "opened_at": i.created_at.isoformat(timespec="seconds") + "Z",
                "commitments": [
                    {
                        **who(c.team_id),
                        "headcount": c.headcount,
                        "review_hours": c.review_hours,
                        "note": c.note,
                    }
                    for c in cs
                ],
                "headcount": sum(c.headcount for c in cs),
                "review_hours": sum(c.review_hours for c in cs),
                "organisations": len({teams[c.team_id].organisation for c in cs}),
            }
        )
    return out


# -- the Foundation's mappings ----------------------------------------------------------------
def affiliation(session: Session) -> Affiliation:
    """The shipped domain mapping with the Foundation's edits on top."""
    orgs = dict(DEFAULT_ORGANISATIONS)
    free = set(DEFAULT_FREE_MAIL)
    for e in session.scalars(select(AffiliationEdit)):
        orgs.pop(e.domain, None)
        free.discard(e.domain)
        if e.kind == "organisation" and e.organisation:
            orgs[e.domain] = e.organisation
        elif e.kind == "free-mail":
            free.add(e.domain)
    return Affiliation(orgs, frozenset(free))


def _foundation(actor: Actor, what: str) -> None:
    actor.require_login()
    if not actor.is_foundation:
        raise Forbidden(f"Only the Foundation edits {what}")


def set_domain(
    session: Session, actor: Actor, domain: str, kind: str, organisation: str | None = None
) -> dict[str, Any]:
    """Map a domain to an organisation, mark it free-mail, or mark it unmapped."""
    _foundation(actor, "the domain mapping")
    d = domain.strip().lower()
    if not _DOMAIN.match(d):
        raise InvalidInput(f"{domain!r} is not an e-mail domain")
    if kind not in DOMAIN_KINDS:
        raise InvalidInput(f"kind must be one of {', '.join(DOMAIN_KINDS)}, not {kind!r}")
    org = _text(organisation, "organisation", 128, required=kind == "organisation")
    if kind != "organisation" and org:
        raise InvalidInput("Only an organisation domain names an organisation")
    row = session.get(AffiliationEdit, d)
    if row is None:
        session.add(AffiliationEdit(domain=d, kind=kind, organisation=org, set_by=actor.user_id))
    else:
        row.kind, row.organisation, row.set_by, row.set_at = kind, org, actor.user_id, utcnow()
    session.commit()
    return {"domain": d, "kind": kind, "organisation": org}


def section_mapping(session: Session) -> dict[str, dict[str, tuple[str, ...]]]:
    """Project -> section -> path patterns: the shipped mapping with the Foundation's edits."""
    out = {p: dict(s) for p, s in DEFAULT_SECTION_PATHS.items()}
    for e in session.scalars(select(SectionPathEdit)):
        out.setdefault(e.project, {})[e.section] = (
            tuple(e.patterns.split("\n")) if e.patterns else ()
        )
    return out


def set_section_paths(
    session: Session,
    actor: Actor,
    gs: GuidelineSet,
    project: str,
    section: str,
    patterns: Sequence[str],
) -> dict[str, Any]:
    """Where a designated section's code lives (patterns: ``dir/`` or an fnmatch glob)."""
    _foundation(actor, "the section paths")
    p = project.strip().lower()
    if p not in known_projects(gs):
        raise NotFound(f"No guideline names a project {project!r}")
    name = _section_name(gs, p, section)
    clean = list(dict.fromkeys(x.strip() for x in patterns if x.strip()))
    if len(clean) > MAX_PATTERNS:
        raise InvalidInput(f"At most {MAX_PATTERNS} patterns per section")
    for x in clean:
        if len(x) > 200 or x.startswith("/") or ".." in x.split("/") or "\n" in x:
            raise InvalidInput(f"{x[:60]!r} is not a path pattern inside the repository")
    row = session.get(SectionPathEdit, (p, name))
    text = "\n".join(clean)
    if row is None:
        session.add(SectionPathEdit(project=p, section=name, patterns=text, set_by=actor.user_id))
    else:
        row.patterns, row.set_by, row.set_at = text, actor.user_id, utcnow()
    session.commit()
    return {"project": p, "section": name, "patterns": clean}


def reset_section_paths(session: Session, actor: Actor, project: str, section: str) -> None:
    """Back to the shipped default."""
    _foundation(actor, "the section paths")
    session.execute(
        delete(SectionPathEdit).where(
            SectionPathEdit.project == project.lower(), SectionPathEdit.section == section.lower()
        )
    )
    session.commit()


def ensure_unique_registration(
    session: Session, actor: Actor, organisation: str, name: str
) -> None:
    """A manager registers a team once per organisation and name (409 otherwise)."""
    if session.scalar(
        select(StakeholderTeam.id).where(
            StakeholderTeam.user_id == actor.user_id,
            StakeholderTeam.organisation == organisation,
            StakeholderTeam.name == name,
        )
    ):
        raise Conflict(f"You registered the team {name!r} at {organisation} already")
