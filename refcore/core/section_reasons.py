"""Verdict reasons about designated sections: what a profile runs of each project
that binds in a program, against what the guideline designates (see
:mod:`refcore.core.sections` and the TC rules in :mod:`refcore.core.tc_rules`)."""

from __future__ import annotations

from typing import Any

from .guidelines import Guideline
from .profiles import Profile
from .reasons import Reason, Severity
from .sections import BINDING_STATUSES, classify_section, find_section, program_projects
from .tc_rules import Policy, decide

__all__ = ["section_reasons"]


def section_reasons(g: Guideline, target: str, profile: Profile, policy: Policy) -> list[Reason]:
    """Per project of the profile and per binding project of the program."""
    out: list[Reason] = []
    reqs = program_projects(g, target)
    for project, entry in profile.projects.items():
        req = reqs.get(project)
        if req is None or not req.binding:
            groups = g.sections_for(project)
            why = groups[0].guidance if groups and groups[0].guidance else None
            state = "deployed" if entry.deployed else "not deployed"
            out.append(
                Reason(
                    "project_not_binding",
                    Severity.INFO,
                    f"{project} ({state}): no must-pass tests in {target} of {g.id}, so it has "
                    "no trademark requirement and its designated sections do not bind"
                    + (f" (guidance: {why})" if why else ""),
                    {"project": project, "deployed": entry.deployed, "in_guideline": bool(groups)},
                )
            )
    for project, req in reqs.items():
        if not req.binding:
            continue
        use = profile.project(project)
        if use is None:
            out.append(
                Reason(
                    "project_assumed_deployed",
                    Severity.INFO,
                    f"{project} is not in the profile; assumed deployed with every section included",
                    {"project": project},
                )
            )
        groups = [grp for grp in g.sections_for(project) if grp.sections]
        if not groups:
            out.extend(_unpublished(g, project, use, policy))
            continue
        for grp in groups:
            missing = []
            for s in grp.sections:
                state, declared = use.section_state(s.name) if use else ("included", False)
                if state == "included":
                    continue
                if s.designated:
                    missing.append({"section": s.name, "state": state, "declared": declared})
                elif declared:
                    out.append(
                        Reason(
                            "section_not_designated",
                            Severity.INFO,
                            f"{project}: section '{s.name}' is {state}; it is not designated, "
                            "so own code or none is allowed",
                            {"project": project, "section": s.name, "state": state},
                        )
                    )
            if missing:
                out.append(_missing(g, project, grp.status, missing))
        if use is not None:
            out.extend(_unlisted(g, project, use, policy))
    return out


def _missing(g: Guideline, project: str, status: str, missing: list[dict[str, Any]]) -> Reason:
    severity = (
        Severity.REFUSAL
        if status in BINDING_STATUSES
        else Severity.WARNING
        if status in ("advisory", "deprecated")
        else Severity.INFO
    )
    names = ", ".join(f"'{m['section']}' ({m['state']})" for m in missing)
    return Reason(
        "designated_sections_missing",
        severity,
        f"{project}: {len(missing)} {status} designated section(s) not included: {names}",
        {"project": project, "status": status, "sections": missing},
    )


def _unpublished(g: Guideline, project: str, use: Any, policy: Policy) -> list[Reason]:
    """A binding project for which the guideline publishes no sections (rule 8)."""
    if use is None or use.deployed:
        return []
    d = decide((), policy)
    data = {"project": project, "rule": d.rule.number, "policy": policy.value}
    if d.designated:
        return [
            Reason(
                "project_code_assumed_designated",
                Severity.REFUSAL,
                f"{project} is replaced by own code; {g.id} publishes no sections for it and "
                f"under the {policy.value} policy {d.explanation}",
                data,
            )
        ]
    return [
        Reason(
            "no_designated_sections",
            Severity.INFO,
            f"{project} is replaced by own code; {g.id} publishes no sections for it, so "
            f"{d.explanation}: the tests decide",
            data,
        )
    ]


def _unlisted(g: Guideline, project: str, use: Any, policy: Policy) -> list[Reason]:
    """Sections the profile names that the guideline does not list: the TC rules decide."""
    out = []
    for name, s in use.sections.items():
        if s.state == "included" or find_section(g, project, name) is not None:
            continue
        d, _ = classify_section(g, project, name, s.properties, policy)
        data = {"project": project, "section": name, "state": s.state, "decision": d.to_dict()}
        if d.designated:
            out.append(
                Reason(
                    "unlisted_section_designated",
                    Severity.REFUSAL,
                    f"{project}: section '{name}' ({s.state}) is not listed in {g.id}; "
                    f"{d.explanation}",
                    data,
                )
            )
        else:
            out.append(
                Reason(
                    "unlisted_section_not_designated",
                    Severity.INFO,
                    f"{project}: section '{name}' ({s.state}) is not listed in {g.id}; "
                    f"{d.explanation}",
                    data,
                )
            )
    return out
