"""The 12 DefCore criteria, their weights, the cut-off and a capability's total.

A capability is scored with one mark per criterion (``"0"``, ``"1"``, ``"?"``
for not scored yet, ``"*"`` for a criterion the program does not consider)
plus the Non-Admin veto column. The total follows the interop repository's
``tabulate_scores.py`` exactly (spec §3)::

    NonAdmin != "1"  -> 0  (an admin-only API is vetoed)
    otherwise        -> sum(mark * weight) over the criteria that carry a weight;
                        any weighted mark that is not 0/1 makes the total
                        negative (scoring incomplete)
    star             -> total >= cutoff_score

Weights come from a guideline (2.0 ``metadata.scoring``, 1.x/legacy
``criteria``), from such a block directly, or are given explicitly.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from refcore.errors import ScoringError

from .guidelines import Criterion, Guideline

__all__ = [
    "CATEGORIES",
    "CRITERIA_KEYS",
    "CRITERIA_NAMES",
    "MARKS",
    "Marks",
    "Score",
    "Scoring",
    "reaching_cutoff",
]

#: the 12 criteria in worksheet order (4 groups of 3)
CRITERIA_KEYS: tuple[str, ...] = (
    "deployed",
    "tools",
    "clients",
    "future",
    "complete",
    "stable",
    "discover",
    "doc",
    "sticky",
    "foundation",
    "atomic",
    "proximity",
)

#: worksheet column names
CRITERIA_NAMES: Mapping[str, str] = {
    "deployed": "Widely Deployed",
    "tools": "Used By Tools",
    "clients": "Used by Clients",
    "future": "TC Future Direction",
    "complete": "Complete",
    "stable": "Stable",
    "discover": "Discoverable",
    "doc": "Doc'd",
    "sticky": "Required in Last Release",
    "foundation": "Foundational",
    "atomic": "Atomic",
    "proximity": "Proximity",
}

#: the four worksheet groups
CATEGORIES: Mapping[str, tuple[str, ...]] = {
    "usage": CRITERIA_KEYS[0:3],
    "direction": CRITERIA_KEYS[3:6],
    "community": CRITERIA_KEYS[6:9],
    "system": CRITERIA_KEYS[9:12],
}

#: marks a worksheet may carry
MARKS: tuple[str, ...] = ("0", "1", "?", "*")


@dataclass(frozen=True, slots=True)
class Marks:
    """One capability's marks: 12 criteria in :data:`CRITERIA_KEYS` order + Non-Admin."""

    values: tuple[str, ...]
    non_admin: str = "1"

    def __post_init__(self) -> None:
        if len(self.values) != len(CRITERIA_KEYS):
            raise ScoringError(
                f"expected {len(CRITERIA_KEYS)} criterion marks, got {len(self.values)}"
            )
        for mark in (*self.values, self.non_admin):
            if not isinstance(mark, str) or len(mark) != 1 or mark.isspace():
                raise ScoringError(f"a mark is one character (0, 1, ? or *), not {mark!r}")

    @classmethod
    def from_mapping(cls, marks: Mapping[str, object], non_admin: object = "1") -> Marks:
        """Marks from ``{criterion: 0|1|"?"|"*"}``; criteria not given are ``"*"``."""
        unknown = sorted(set(marks) - set(CRITERIA_KEYS))
        if unknown:
            raise ScoringError(f"unknown criteria: {', '.join(unknown)}")
        return cls(tuple(str(marks.get(k, "*")) for k in CRITERIA_KEYS), str(non_admin))

    @classmethod
    def from_achievements(cls, achievements: Iterable[str], non_admin: bool = True) -> Marks:
        """A guideline's ``achievements`` list read as marks (met -> 1, others -> 0)."""
        met = set(achievements)
        return cls(
            tuple("1" if k in met else "0" for k in CRITERIA_KEYS), "1" if non_admin else "0"
        )

    def __getitem__(self, key: str) -> str:
        return self.values[CRITERIA_KEYS.index(key)]

    def as_dict(self) -> dict[str, str]:
        return dict(zip(CRITERIA_KEYS, self.values, strict=True))

    def achievements(self) -> list[str]:
        """The criteria marked 1, in worksheet order (a guideline's ``achievements``)."""
        return [k for k, v in zip(CRITERIA_KEYS, self.values, strict=True) if v == "1"]

    def to_dict(self) -> dict[str, Any]:
        return {"criteria": self.as_dict(), "non_admin": self.non_admin}


@dataclass(frozen=True, slots=True)
class Score:
    """A computed total. ``total`` is negative when ``incomplete``, 0 when ``vetoed``."""

    total: int
    star: bool
    vetoed: bool = False
    incomplete: bool = False
    #: criterion -> points it contributed (weighted marks that are 0/1 only)
    points: Mapping[str, int] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "total": self.total,
            "star": self.star,
            "vetoed": self.vetoed,
            "incomplete": self.incomplete,
            "points": dict(self.points),
        }


@dataclass(frozen=True, slots=True)
class Scoring:
    """Criteria (key -> :class:`Criterion`) and the cut-off of one program."""

    criteria: Mapping[str, Criterion]
    cutoff: int | None = None

    # -- construction ---------------------------------------------------------------
    @classmethod
    def from_guideline(cls, guideline: Guideline) -> Scoring:
        if not guideline.criteria:
            raise ScoringError(f"guideline {guideline.id} has no scoring criteria")
        cls._check_keys(guideline.criteria, guideline.id)
        return cls(dict(guideline.criteria), guideline.cutoff_score)

    @classmethod
    def from_block(cls, block: Mapping[str, Any], cutoff: object = None) -> Scoring:
        """From a 2.0 ``metadata.scoring`` block (``{cutoff_score, criteria}``) or
        a 1.x / legacy ``criteria`` block (``{key: {name, Description, weight}}``)."""
        if not isinstance(block, Mapping):
            raise ScoringError("a scoring block must be an object")
        if "criteria" in block and isinstance(block["criteria"], Mapping):
            cutoff = block.get("cutoff_score", cutoff)
            block = block["criteria"]
        criteria = {}
        for key, c in block.items():
            if not isinstance(c, Mapping) or "weight" not in c:
                raise ScoringError(f"criterion {key!r} has no weight")
            weight = c["weight"]
            if isinstance(weight, bool) or not isinstance(weight, int | float):
                raise ScoringError(f"criterion {key!r}: weight {weight!r} is not a number")
            criteria[key] = Criterion(
                key=key,
                name=str(c.get("name", CRITERIA_NAMES.get(key, key))),
                weight=int(weight),
                description=c.get("description", c.get("Description")),
            )
        cls._check_keys(criteria, "scoring block")
        return cls(criteria, _cutoff(cutoff))

    @classmethod
    def explicit(
        cls,
        weights: Mapping[str, int],
        cutoff: int | None = None,
        names: Mapping[str, str] | None = None,
    ) -> Scoring:
        """Weights given by hand; criteria left out are not considered."""
        names = names or {}
        criteria = {
            k: Criterion(k, names.get(k, CRITERIA_NAMES.get(k, k)), int(w))
            for k, w in weights.items()
        }
        cls._check_keys(criteria, "weights")
        return cls(criteria, _cutoff(cutoff))

    @staticmethod
    def _check_keys(criteria: Mapping[str, Criterion], where: str) -> None:
        unknown = sorted(set(criteria) - set(CRITERIA_KEYS))
        if unknown:
            raise ScoringError(
                f"{where}: unknown criteria {', '.join(unknown)} "
                f"(expected some of {', '.join(CRITERIA_KEYS)})"
            )

    # -- queries --------------------------------------------------------------------
    def weight(self, key: str) -> int:
        c = self.criteria.get(key)
        return c.weight if c else 0

    @property
    def total_weight(self) -> int:
        return sum(c.weight for c in self.criteria.values())

    def considered(self, key: str) -> bool:
        return key in self.criteria

    def score(self, marks: Marks) -> Score:
        """The total, star, veto and completeness of one capability's marks."""
        if marks.non_admin != "1":
            return Score(0, self._star(0), vetoed=True)
        total = 0
        complete = True
        points: dict[str, int] = {}
        for key, mark in zip(CRITERIA_KEYS, marks.values, strict=True):
            if key not in self.criteria:
                continue
            if mark.isdigit():
                points[key] = int(mark) * self.criteria[key].weight
                total += points[key]
            else:
                complete = False
        if not complete:
            total = -total
        return Score(total, self._star(total), incomplete=not complete, points=points)

    def _star(self, total: int) -> bool:
        return self.cutoff is not None and total >= self.cutoff

    def to_dict(self) -> dict[str, Any]:
        return {
            "cutoff_score": self.cutoff,
            "criteria": {
                k: {"name": c.name, "weight": c.weight, "description": c.description}
                for k, c in self.criteria.items()
            },
        }


def reaching_cutoff(scoring: Scoring, marks: Mapping[str, Marks]) -> list[str]:
    """The capabilities whose total reaches the cut-off, in the order given."""
    return [name for name, m in marks.items() if scoring.score(m).star]


def _cutoff(value: object) -> int | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise ScoringError(f"cutoff_score {value!r} is not a number")
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value)
    raise ScoringError(f"cutoff_score {value!r} is not a number")


def check_marks(values: Sequence[str]) -> None:
    """Reject marks that are not one of :data:`MARKS` (worksheets use only these)."""
    bad = [v for v in values if v not in MARKS]
    if bad:
        raise ScoringError(f"unknown marks {', '.join(map(repr, bad))} (use 0, 1, ? or *)")
