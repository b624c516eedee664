"""OpenStack governance ``reference/projects.yaml``: project teams, leaders, liaisons, repos.

Text in, :class:`ProjectTeam` values out. A team led by a PTL has that PTL as its leader;
a team under distributed leadership has its liaisons (release, security, TACT SIG, TC
liaison) as the people to talk to. Repositories (``openstack/swift``) name the code a team
owns, which is how a history file (``swift.gitlog.gz``) is tied to its team.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import yaml

from refcore.errors import HistoryError

__all__ = ["Person", "ProjectTeam", "parse_projects", "team_of_repository"]


@dataclass(frozen=True, slots=True)
class Person:
    """A named person in a role (``ptl``, ``release liaison``, ...); never an e-mail."""

    name: str
    role: str
    irc: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "role": self.role, "irc": self.irc}


@dataclass(frozen=True, slots=True)
class ProjectTeam:
    """One official project team."""

    name: str
    leadership_type: str
    leaders: tuple[Person, ...]
    liaisons: tuple[Person, ...]
    service: str | None
    mission: str | None
    deliverables: Mapping[str, tuple[str, ...]]

    @property
    def repositories(self) -> tuple[str, ...]:
        return tuple(r for repos in self.deliverables.values() for r in repos)

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "leadership_type": self.leadership_type,
            "leaders": [p.to_dict() for p in self.leaders],
            "liaisons": [p.to_dict() for p in self.liaisons],
            "service": self.service,
            "repositories": list(self.repositories),
        }


def _people(entries: Any, role: str) -> list[Person]:
    out = []
    for e in entries if isinstance(entries, list) else []:
        if isinstance(e, dict) and e.get("name"):
            irc = e.get("irc")
            out.append(Person(str(e["name"]).strip(), role, str(irc) if irc else None))
    return out


def parse_projects(text: str) -> dict[str, ProjectTeam]:
    """Every team of a ``projects.yaml`` text, by team name (lower case)."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise HistoryError(f"governance projects.yaml is not YAML: {exc}") from None
    if not isinstance(data, dict):
        raise HistoryError("governance projects.yaml must map team names to teams")
    teams: dict[str, ProjectTeam] = {}
    for name, body in data.items():
        if not isinstance(body, dict):
            raise HistoryError(f"governance projects.yaml: team {name!r} is not a mapping")
        kind = str(body.get("leadership_type") or "ptl")
        leaders: list[Person] = []
        ptl = body.get("ptl")
        if isinstance(ptl, dict) and ptl.get("name"):
            leaders += _people([ptl], "ptl")
        liaisons: list[Person] = []
        raw = body.get("liaisons")
        if isinstance(raw, dict):
            for role, entries in raw.items():
                liaisons += _people(entries, f"{role} liaison")
        deliverables: dict[str, tuple[str, ...]] = {}
        for dname, d in (body.get("deliverables") or {}).items():
            repos = d.get("repos") if isinstance(d, dict) else None
            deliverables[str(dname)] = tuple(str(r) for r in repos or ())
        mission = body.get("mission")
        teams[str(name).lower()] = ProjectTeam(
            name=str(name),
            leadership_type=kind,
            leaders=tuple(leaders),
            liaisons=tuple(liaisons),
            service=str(body["service"]) if body.get("service") else None,
            mission=" ".join(str(mission).split()) if mission else None,
            deliverables=deliverables,
        )
    return teams


def team_of_repository(teams: Mapping[str, ProjectTeam], repo: str) -> ProjectTeam | None:
    """The team owning ``openstack/<repo>`` (or a bare repository name)."""
    full = repo if "/" in repo else f"openstack/{repo}"
    for team in teams.values():
        if full in team.repositories:
            return team
    return None
