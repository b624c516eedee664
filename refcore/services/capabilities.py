"""A capability across guidelines: its status in every target of every guideline
that lists it, its score there, and each of its tests over time (which guidelines
list it, flagged or not). Computed from the guideline set alone (no database)."""

from __future__ import annotations

from dataclasses import dataclass, field

from refcore.core.guidelines import GuidelineSet
from refcore.errors import NotFound
from refcore.services.scoring import capability_scores

__all__ = ["CapabilityHistory", "GuidelineEntry", "TestHistory", "history"]

#: kinds of guideline a history covers (drafts and legacy files are not guidelines of record)
KINDS = ("powered", "add-on", "vertical")


@dataclass
class GuidelineEntry:
    guideline: str
    guideline_status: str | None
    #: target -> status of the capability there (targets that list it)
    statuses: dict[str, str]
    tests: int
    flagged: int
    score: int | None
    reaches_cutoff: bool | None


@dataclass
class TestHistory:
    name: str
    #: guideline id -> "listed" | "flagged" for the guidelines listing the test
    presence: dict[str, str] = field(default_factory=dict)


@dataclass
class CapabilityHistory:
    name: str
    description: str | None
    project: str | None
    entries: list[GuidelineEntry]
    tests: list[TestHistory]

    @property
    def guidelines(self) -> list[str]:
        return [e.guideline for e in self.entries]


def history(gs: GuidelineSet, name: str) -> CapabilityHistory:
    """The capability ``name`` in every guideline (oldest first); NotFound when no
    guideline defines it."""
    entries: list[GuidelineEntry] = []
    tests: dict[str, TestHistory] = {}
    description = project = None
    for g in gs.values():
        cap = g.capabilities.get(name)
        if g.kind not in KINDS or cap is None:
            continue
        description = cap.description or description
        project = cap.project or project
        statuses = {t: s for t in g.targets if (s := g.capability_statuses(t).get(name))}
        score = capability_scores(g).get(name)
        entries.append(
            GuidelineEntry(
                g.id,
                g.status,
                statuses,
                len(cap.tests),
                sum(1 for t in cap.tests if t.flagged),
                score.total if score else None,
                score.star if score else None,
            )
        )
        for t in cap.tests:
            row = tests.setdefault(t.name, TestHistory(t.name))
            row.presence[g.id] = "flagged" if t.flagged else "listed"
    if not entries:
        raise NotFound(f"No guideline defines a capability {name!r}")
    return CapabilityHistory(
        name, description, project, entries, sorted(tests.values(), key=lambda r: r.name)
    )
