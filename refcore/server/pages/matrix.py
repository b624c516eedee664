"""The capabilities matrix of a guideline, shaped for the page.

Rows are capabilities grouped by component and project; columns are the
program's criteria (achieved or not, from the capability's ``achievements``),
then the total from :func:`refcore.services.scoring.capability_scores` (the same
score ``GET /v2/scoring/{id}`` gives) against the cut-off.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from refcore.core.guidelines import STATUSES, Capability, Guideline
from refcore.core.scoring import CRITERIA_KEYS, CRITERIA_NAMES, Score
from refcore.core.sections import capability_project
from refcore.services.scoring import capability_scores

__all__ = ["Column", "Matrix", "Row", "build_matrix"]


@dataclass(frozen=True)
class Column:
    key: str
    name: str
    weight: int | None


@dataclass
class Row:
    capability: Capability
    status: str
    project: str
    achieved: list[bool]
    score: Score | None
    flagged: int

    @property
    def anchor(self) -> str:
        return "cap-" + self.capability.name


@dataclass
class ProjectGroup:
    project: str
    rows: list[Row] = field(default_factory=list)


@dataclass
class ComponentGroup:
    name: str
    projects: list[ProjectGroup] = field(default_factory=list)

    @property
    def size(self) -> int:
        return sum(len(p.rows) for p in self.projects)


@dataclass
class Matrix:
    columns: list[Column]
    components: list[ComponentGroup]
    cutoff: int | None
    counts: dict[str, int]
    undefined: list[str]
    #: capabilities defined in the file that no component lists (in no target)
    unlisted: list[str] = field(default_factory=list)

    @property
    def rows(self) -> list[Row]:
        return [r for c in self.components for p in c.projects for r in p.rows]


def build_matrix(
    guideline: Guideline, target: str | None, statuses: Iterable[str] = STATUSES
) -> Matrix:
    """Every component of ``target`` (all components when None), filtered by status."""
    wanted = [s for s in STATUSES if s in set(statuses)]
    scores = capability_scores(guideline)
    keys = [k for k in CRITERIA_KEYS if k in guideline.criteria]
    columns = [
        Column(k, CRITERIA_NAMES.get(k, guideline.criteria[k].name), guideline.criteria[k].weight)
        for k in keys
    ]
    components = (
        guideline.target_components(target) if target else list(guideline.components.values())
    )
    # a capability listed by two components (identity in compute and object) is one
    # capability: counted once, as the report and the scorecard count it
    counted: dict[str, set[str]] = {s: set() for s in STATUSES}
    groups: list[ComponentGroup] = []
    for component in components:
        by_project: dict[str, ProjectGroup] = {}
        for status in STATUSES:
            for name in component.capabilities.get(status, ()):
                cap = guideline.capabilities.get(name)
                if cap is None:
                    continue
                counted[status].add(name)
                if status not in wanted:
                    continue
                project = capability_project(cap) or "other"
                group = by_project.setdefault(project, ProjectGroup(project))
                group.rows.append(_row(cap, status, project, keys, scores.get(name)))
        groups.append(
            ComponentGroup(component.name, sorted(by_project.values(), key=lambda p: p.project))
        )
    counts = {s: len(names) for s, names in counted.items()}
    listed = {
        n for c in guideline.components.values() for ns in c.capabilities.values() for n in ns
    }
    return Matrix(
        columns,
        groups,
        guideline.cutoff_score,
        counts,
        guideline.undefined_capabilities(),
        sorted(set(guideline.capabilities) - listed),
    )


def _row(cap: Capability, status: str, project: str, keys: list[str], score: Score | None) -> Row:
    met = set(cap.achievements)
    return Row(
        capability=cap,
        status=status,
        project=project,
        achieved=[k in met for k in keys],
        score=score,
        flagged=sum(1 for t in cap.tests if t.flagged),
    )
