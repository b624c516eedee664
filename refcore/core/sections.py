"""Designated sections: what code a product must run, per guideline and project.

The parser fills :attr:`Guideline.designated_sections` from every schema (1.x
status-outermost, 2.0 project-outermost, legacy ``havanasections.json`` attached to
guideline ``havana``); this module answers the questions the verdicts ask:

* which sections of a project are designated, with guidance, comments and status
  (required, advisory, deprecated, removed, informational);
* which projects a program (target) requires: 2.0 states it per component
  (``designated_sections.required``); 1.x and legacy leave it implicit, so it is
  derived from the projects of the required capabilities of the target;
* where sections *bind*: only for projects with must-pass tests in the program
  (2016A D3, and the seed: "designated code in projects that do not have must-pass
  tests is not actually required");
* what a section the guideline does not list would be: published section first,
  then the TC rules (:mod:`refcore.core.tc_rules`), then the project's guidance
  default ("By default, designated except ..."), then the policy default (rule 8).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from refcore.errors import ProfileError

from .guidelines import Capability, Guideline, Section, SectionGroup
from .tc_rules import RULES, Decision, Policy, Property, decide, infer_properties, parse_policy

__all__ = [
    "BINDING_STATUSES",
    "PROJECT_BY_PREFIX",
    "SECTION_STATUSES",
    "ProjectRequirement",
    "SectionInfo",
    "assume_designation",
    "capability_project",
    "classify_section",
    "find_section",
    "program_projects",
    "section_infos",
    "section_projects",
]

#: statuses a section group can have; 2.0 adds ``informational``
SECTION_STATUSES: tuple[str, ...] = (
    "required",
    "advisory",
    "deprecated",
    "removed",
    "informational",
)
#: section groups under these statuses bind (the others warn or inform)
BINDING_STATUSES: tuple[str, ...] = ("required",)

#: capability-name prefix -> project, for legacy matrices whose capabilities name no
#: project (havana, icehouse, juno). ``messaging`` was Marconi in that era (now Zaqar).
PROJECT_BY_PREFIX: Mapping[str, str] = {
    "compute": "nova",
    "identity": "keystone",
    "images": "glance",
    "networks": "neutron",
    "objectstore": "swift",
    "orch": "heat",
    "volume": "cinder",
    "baremetal": "ironic",
    "data": "sahara",
    "database": "trove",
    "messaging": "marconi",
}


def capability_project(capability: Capability) -> str | None:
    """The project behind a capability: as the guideline says, or from its name prefix."""
    if capability.project:
        return capability.project
    return PROJECT_BY_PREFIX.get(capability.name.split("-", 1)[0])


@dataclass(frozen=True, slots=True)
class SectionInfo:
    """One section with its group's context (flattened for listings and JSON)."""

    project: str
    status: str
    name: str
    designated: bool
    description: str | None = None
    comment: str | None = None
    guidance: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "project": self.project,
            "status": self.status,
            "name": self.name,
            "designated": self.designated,
            "description": self.description,
            "comment": self.comment,
        }


def section_projects(guideline: Guideline) -> list[str]:
    """Projects the guideline says anything about, in file order."""
    return list(dict.fromkeys(g.project for g in guideline.designated_sections))


def section_infos(
    guideline: Guideline,
    project: str | None = None,
    *,
    designated: bool | None = None,
    statuses: Iterable[str] | None = None,
) -> list[SectionInfo]:
    """Every section (filtered by project, designation, group status)."""
    wanted = set(statuses) if statuses is not None else None
    out = []
    for group in guideline.designated_sections:
        if project is not None and group.project != project:
            continue
        if wanted is not None and group.status not in wanted:
            continue
        for s in group.sections:
            if designated is None or s.designated == designated:
                out.append(
                    SectionInfo(
                        group.project,
                        group.status,
                        s.name,
                        s.designated,
                        s.description,
                        s.comment,
                        group.guidance,
                    )
                )
    return out


def find_section(
    guideline: Guideline, project: str, name: str
) -> tuple[SectionGroup, Section] | None:
    """A published section by name (case-insensitive); required groups searched first."""
    key = name.strip().lower()
    groups = sorted(guideline.sections_for(project), key=lambda g: SECTION_STATUSES.index(g.status))
    for group in groups:
        for s in group.sections:
            if s.name.lower() == key:
                return group, s
    return None


def guidance_default(group: SectionGroup | None) -> bool:
    """Whether the project's guidance designates unlisted code by default
    (nova: "By default, designated except scheduler, ...")."""
    text = (group.guidance or "").lower() if group else ""
    return text.startswith("by default, designated")


def classify_section(
    guideline: Guideline,
    project: str,
    name: str,
    properties: Iterable[str | Property] = (),
    policy: str | Policy = Policy.APPROVED_TEXT,
) -> tuple[Decision, str | None]:
    """Is section ``name`` of ``project`` designated, and which rule says so?

    Returns the decision and the status of the group that decided (None when the
    guideline does not list the section)."""
    pol = parse_policy(policy)
    found = find_section(guideline, project, name)
    if found is not None:
        group, section = found
        inferred = infer_properties(section)
        agreeing = decide(inferred, pol)
        if inferred and agreeing.designated == section.designated and agreeing.rule.number != 8:
            return agreeing, group.status
        return Decision(section.designated, RULES[9], pol), group.status
    props = list(properties)
    by_rules = decide(props, pol)
    if by_rules.rule.number != 8:
        return by_rules, None
    groups = [g for g in guideline.sections_for(project) if g.status in BINDING_STATUSES]
    if groups and guidance_default(groups[0]):
        return Decision(True, RULES[10], pol), None
    return by_rules, None


@dataclass(slots=True)
class ProjectRequirement:
    """What a program (target) asks of one project."""

    project: str
    #: required capabilities of the program backed by this project
    required_capabilities: list[str] = field(default_factory=list)
    #: non-flagged tests of those capabilities (the must-pass tests)
    must_pass_tests: int = 0
    #: 2.0: the components' ``designated_sections`` status listing the project
    listed_as: str | None = None

    @property
    def binding(self) -> bool:
        """Designated sections bind only where there are must-pass tests."""
        return self.must_pass_tests > 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "project": self.project,
            "required_capabilities": list(self.required_capabilities),
            "must_pass_tests": self.must_pass_tests,
            "listed_as": self.listed_as,
            "binding": self.binding,
        }


def program_projects(guideline: Guideline, target: str) -> dict[str, ProjectRequirement]:
    """Projects a program requires: from the components' ``designated_sections``
    (2.0) and, for every schema, from the projects of its required capabilities."""
    out: dict[str, ProjectRequirement] = {}
    for component in guideline.target_components(target):
        for status, projects in component.designated_sections.items():
            for p in projects:
                req = out.setdefault(p, ProjectRequirement(p))
                if req.listed_as is None or status == "required":
                    req.listed_as = status
    statuses = guideline.capability_statuses(target)
    for name, status in statuses.items():
        cap = guideline.capabilities.get(name)
        if status != "required" or cap is None:
            continue
        project = capability_project(cap)
        if project is None:
            continue
        req = out.setdefault(project, ProjectRequirement(project))
        req.required_capabilities.append(name)
        req.must_pass_tests += sum(1 for t in cap.tests if not t.flagged)
    return out


def assume_designation(guideline: Guideline, assumptions: Mapping[str, str]) -> Guideline:
    """A copy of the guideline with some projects' sections re-designated, for
    what-if questions such as the seed's "if Swift is 0 % / 100 % designated".

    ``assumptions``: project -> ``"none"`` (no section designated), ``"all"``
    (every section designated) or ``"published"`` (as the guideline says)."""
    if not assumptions:
        return guideline
    known = set(section_projects(guideline))
    groups = list(guideline.designated_sections)
    for project, mode in assumptions.items():
        if mode not in ("none", "all", "published"):
            raise ProfileError(
                f"designation assumption for {project!r}: {mode!r} (expected none, all or published)"
            )
        if project not in known:
            raise ProfileError(
                f"designation assumption for {project!r}: guideline {guideline.id} has no "
                f"sections for it (has: {', '.join(sorted(known)) or 'none'})"
            )
        if mode == "published":
            continue
        flag = mode == "all"
        groups = [
            replace(g, sections=tuple(replace(s, designated=flag) for s in g.sections))
            if g.project == project
            else g
            for g in groups
        ]
    return replace(guideline, designated_sections=groups)
