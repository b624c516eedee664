"""The stakeholder map: who contributes to the code behind a capability, project or section,
who directs that work, who leads the project, and who is not in the room.

Contributions come from the histories (:mod:`refcore.readers.contrib`), counted by the core
(:func:`refcore.core.contributions.count`) with the Foundation's domain mapping and the
teams' declared contributors. A capability's code is its project's (the guidelines say
which project backs it); a section's is given by the section -> paths mapping.

The default period is the two years before the newest commit of the history, so a map is
the same however late it is read. Counts are kept in memory per history, period, area and
mapping, so a warm map costs a few small queries.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from refcore.core.code_areas import touches_any
from refcore.core.contributions import BY_CHOICES, Commit, Contributions, count
from refcore.core.governance import ProjectTeam, team_of_repository
from refcore.core.guidelines import GuidelineSet
from refcore.errors import HistoryError, InvalidInput
from refcore.readers.contrib import read_governance, read_history
from refcore.services import stakeholders as teams_service
from refcore.services.accounts import Actor

__all__ = ["contributions", "default_period", "governance_of", "stakeholder_map"]

_lock = threading.Lock()
_areas: dict[tuple[int, tuple[str, ...]], tuple[Commit, ...]] = {}
_counts: OrderedDict[tuple[Any, ...], Contributions] = OrderedDict()
_periods: dict[int, tuple[tuple[Commit, ...], tuple[str, str]]] = {}
MAX_CACHED = 512


def _day(value: str | None, what: str) -> str | None:
    if value is None or value == "":
        return None
    try:
        return date.fromisoformat(value).isoformat()
    except ValueError:
        raise InvalidInput(f"{what} must be a date (YYYY-MM-DD), not {value!r}") from None


def default_period(commits: tuple[Commit, ...]) -> tuple[str, str]:
    """The two years up to the newest commit of a history (kept per history)."""
    with _lock:
        known = _periods.get(id(commits))
    if known is not None and known[0] is commits:
        return known[1]
    last = max((c.when[:10] for c in commits), default=date.today().isoformat())
    end = date.fromisoformat(last)
    start = date(end.year - 2, end.month, min(end.day, 28))
    period = (start.isoformat(), end.isoformat())
    with _lock:
        _periods[id(commits)] = (commits, period)
    return period


def _area_commits(commits: tuple[Commit, ...], patterns: tuple[str, ...]) -> tuple[Commit, ...]:
    key = (id(commits), patterns)
    with _lock:
        found = _areas.get(key)
    if found is None:
        test = touches_any(patterns)
        found = tuple(c for c in commits if test(c))
        with _lock:
            _areas[key] = found
    return found


def contributions(
    session: Session,
    gs: GuidelineSet,
    source: str | None,
    *,
    project: str | None = None,
    capability: str | None = None,
    section: str | None = None,
    since: str | None = None,
    until: str | None = None,
    by: str = "organisation",
) -> Contributions:
    """Commits and authors per organisation for a project, one of its sections, or the
    project behind a capability (raises :class:`HistoryError` without a history)."""
    if by not in BY_CHOICES:
        raise InvalidInput(f"by must be one of {', '.join(BY_CHOICES)}, not {by!r}")
    first, last = _day(since, "since"), _day(until, "until")
    area = None
    if capability:
        project, area = teams_service.capability_home(gs, capability)[0], capability
    if not project:
        raise InvalidInput("Say which project, capability or section")
    project = project.strip().lower()
    commits = read_history(project, source)
    if first is None and last is None:
        first, last = default_period(commits)
    if first and last and first > last:
        raise InvalidInput(f"since {first} is after until {last}")
    pool = commits
    patterns: tuple[str, ...] = ()
    if section:
        found = teams_service.section_mapping(session).get(project, {}).get(section.lower())
        if found is None:
            raise InvalidInput(f"No code paths are known for section {section!r} of {project}")
        patterns, area = tuple(found), section.lower()
        pool = _area_commits(commits, patterns)
    aff = teams_service.affiliation(session)
    people = teams_service.declared(session) if by == "organisation" else {}
    key = (
        id(commits), project, area, patterns, first, last, by,
        tuple(sorted(aff.organisations.items())), aff.free_mail, tuple(sorted(people.items())),
    )  # fmt: skip
    with _lock:
        hit = _counts.get(key)
        if hit is not None:
            _counts.move_to_end(key)
            return hit
    result = count(
        project, pool, since=first, until=last, by=by, affiliation=aff, declared=people, area=area
    )
    with _lock:
        _counts[key] = result
        while len(_counts) > MAX_CACHED:
            _counts.popitem(last=False)
    return result


def governance_of(source: str | None, project: str) -> ProjectTeam | None:
    """The governance team owning ``openstack/<project>`` (None without governance data)."""
    try:
        teams = read_governance(source)
    except HistoryError:
        return None
    return team_of_repository(teams, project)


def stakeholder_map(
    session: Session,
    actor: Actor,
    gs: GuidelineSet,
    source: str | None,
    *,
    capability: str | None = None,
    project: str | None = None,
    section: str | None = None,
    since: str | None = None,
    until: str | None = None,
) -> dict[str, Any]:
    """Per capability (or project, or section of a project): contributing organisations and
    their share, their registered teams, the project's leaders and liaisons, the
    organisations contributing with nobody registered ("not in the room"), initiatives."""
    if capability:
        project, guideline = teams_service.capability_home(gs, capability)
        subject = {"kind": "capability", "name": capability, "project": project}
    elif project and section:
        project = project.strip().lower()
        subject = {"kind": "section", "name": section.lower(), "project": project}
    elif project:
        project = project.strip().lower()
        subject = {"kind": "project", "name": project, "project": project}
    else:
        raise InvalidInput("Say which capability, project or section")
    if project not in teams_service.known_projects(gs):
        raise InvalidInput(f"No guideline names a project {project!r}")
    history: Contributions | None = None
    missing = None
    try:
        history = contributions(
            session, gs, source, project=project, section=section, since=since, until=until
        )
    except HistoryError as exc:
        missing = str(exc)
    covering = teams_service.teams_covering(
        session, project, capability=capability, section=section
    )
    team_rows = teams_service.describe_teams(session, actor, covering)
    by_org: dict[str, list[dict[str, Any]]] = {}
    for t in team_rows:
        by_org.setdefault(t["organisation"].lower(), []).append(t)
    organisations = []
    not_in_room = []
    hidden = 0
    if history is not None:
        for g in history.groups:
            row = g.to_dict(history.commits)
            row["teams"] = by_org.get(g.name.lower(), [])
            organisations.append(row)
            if g.kind == "organisation" and not row["teams"]:
                not_in_room.append({"name": g.name, "commits": g.commits, "share": row["share"]})
            if g.kind in ("free-mail", "unmapped"):
                hidden += g.commits
    contributing = {o["name"].lower() for o in organisations}
    gov = governance_of(source, project)
    items = teams_service.initiatives(
        session,
        actor,
        project=project,
        subject=capability or (section.lower() if section else None),
    )
    return {
        "subject": subject,
        "period": {
            "since": history.since if history else since,
            "until": history.until if history else until,
        },
        "history": None
        if history is None
        else {"commits": history.commits, "authors": history.authors},
        "history_missing": missing,
        "organisations": organisations,
        "hidden": {
            "commits": hidden,
            "share": round(hidden / history.commits, 4) if history and history.commits else 0.0,
        },
        "teams": team_rows,
        "teams_not_contributing": [
            t for t in team_rows if t["organisation"].lower() not in contributing
        ],
        "not_in_the_room": not_in_room,
        "governance": None
        if gov is None
        else {
            "team": gov.name,
            "leadership_type": gov.leadership_type,
            "leaders": [p.to_dict() for p in gov.leaders],
            "liaisons": [p.to_dict() for p in gov.liaisons],
        },
        "initiatives": items,
    }
