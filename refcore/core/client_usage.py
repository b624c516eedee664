"""A client library's API use, mapped onto one guideline (the seed's "Mist" case).

DefCore does not apply to a client library, but the seed asks three things of it:
map its use of the OpenStack APIs to the capabilities (it answers "Used by
Clients"), help close test gaps for APIs it uses that are not tested, and help
promote the capabilities it relies on that are not must-pass yet. This module
sorts each use into one of:

``must-pass``   a required capability with at least one non-flagged test;
``candidate``   a capability with tests that is not required (advisory): a core
                candidate the library can help promote;
``deprecated``  a deprecated or removed capability: the library should move off it;
``untested``    no test proves it: an API call mapped to no capability, a
                capability the guideline does not define or lists in no program,
                or one whose tests are all flagged or absent.

The input is the scoring engine's usage declaration
(:class:`refcore.core.usage.UsageDeclaration`), so one file serves both: the
scoring engine counts it for the "clients" criterion, the verdict maps it here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .guidelines import STATUSES, Guideline
from .sections import capability_project
from .usage import UsageDeclaration

__all__ = ["CATEGORIES", "UsageEntry", "map_usage", "usage_reasons"]

CATEGORIES: tuple[str, ...] = ("must-pass", "candidate", "deprecated", "untested")


@dataclass(frozen=True, slots=True)
class UsageEntry:
    #: the capability, or None for an API call no capability covers
    capability: str | None
    category: str
    #: the capability's strongest status in the guideline (None: not listed)
    status: str | None = None
    project: str | None = None
    must_pass_tests: int = 0
    tests: int = 0
    #: API calls of the declaration that map to this entry (``"compute POST /servers"``)
    calls: tuple[str, ...] = ()
    #: why an entry is untested: no-capability | not-in-guideline | not-in-any-program | no-tests | only-flagged-tests
    why: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "capability": self.capability,
            "category": self.category,
            "status": self.status,
            "project": self.project,
            "must_pass_tests": self.must_pass_tests,
            "tests": self.tests,
            "calls": list(self.calls),
            "why": self.why,
        }


def map_usage(declaration: UsageDeclaration | None, guideline: Guideline) -> list[UsageEntry]:
    """One entry per capability used (declared or through a call), then one per
    unmapped API call; capabilities in the declaration's order."""
    if declaration is None:
        return []
    statuses = _statuses(guideline)
    calls: dict[str, list[str]] = {}
    for call in declaration.api_calls:
        if call.capability:
            calls.setdefault(call.capability, []).append(str(call))
    names = list(dict.fromkeys([*declaration.capabilities, *calls]))
    out = []
    for name in names:
        cap = guideline.capabilities.get(name)
        status = statuses.get(name)
        via = tuple(calls.get(name, ()))
        if cap is None:
            out.append(UsageEntry(name, "untested", status, calls=via, why="not-in-guideline"))
            continue
        must = sum(1 for t in cap.tests if not t.flagged)
        project = capability_project(cap)
        if status is None:
            category, why = "untested", "not-in-any-program"
        elif not cap.tests:
            category, why = "untested", "no-tests"
        elif must == 0:
            category, why = "untested", "only-flagged-tests"
        elif status == "required":
            category, why = "must-pass", None
        elif status == "advisory":
            category, why = "candidate", None
        else:
            category, why = "deprecated", None
        out.append(
            UsageEntry(
                name,
                category,
                status=status,
                project=project,
                must_pass_tests=must,
                tests=len(cap.tests),
                calls=via,
                why=why,
            )
        )
    for call in declaration.unmapped_calls:
        out.append(UsageEntry(None, "untested", calls=(str(call),), why="no-capability"))
    return out


def _statuses(guideline: Guideline) -> dict[str, str]:
    """Capability -> its strongest status in any component (any program)."""
    found: dict[str, str] = {}
    for comp in guideline.components.values():
        for status in reversed(STATUSES):
            for cap in comp.capabilities.get(status, ()):
                if cap not in found or STATUSES.index(status) < STATUSES.index(found[cap]):
                    found[cap] = status
    return found


def usage_reasons(
    entries: list[UsageEntry], guideline: Guideline
) -> list[tuple[str, str, dict[str, Any]]]:
    """(code, message, data) summarising the mapping, one per non-empty category,
    worded as the seed's three requests to the library."""
    by: dict[str, list[UsageEntry]] = {c: [] for c in CATEGORIES}
    for e in entries:
        by[e.category].append(e)

    def label(e: UsageEntry) -> str:
        return e.capability or ", ".join(e.calls)

    out = []
    texts = {
        "must-pass": ("usage_must_pass", "must-pass in {g}: every OpenStack product passes them"),
        "candidate": (
            "usage_candidates",
            "not must-pass in {g}: help identify them as core candidates",
        ),
        "deprecated": ("usage_deprecated", "deprecated or removed in {g}: plan to move off them"),
        "untested": (
            "usage_untested",
            "not tested by {g}: work with the community to close the gap",
        ),
    }
    for category in CATEGORIES:
        found = by[category]
        if not found:
            continue
        code, text = texts[category]
        names = ", ".join(label(e) for e in found)
        out.append(
            (
                code,
                f"{len(found)} used API(s) {text.format(g=guideline.id)}: {names}",
                {"category": category, "entries": [label(e) for e in found]},
            )
        )
    return out
