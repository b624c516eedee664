"""Criteria computed from evidence instead of opinion, each mark with its evidence.

* ``sticky`` (Core/Required in Last Release): required in the previous guideline.
* ``stable``: present with the same status and the same tests (by idempotent
  id, else name) in at least the last two guidelines before the one scored.
* ``deployed`` (Widely Deployed): the share of distinct **verified products** whose
  latest verified run passes the capability. Only who stands behind a result counts: a
  product of a vendor, verified by the Foundation. Runs of no product (anonymous or
  unverified uploads, whose cpids anyone can invent) are counted apart and never move the
  mark. k-anonymity: the aggregate is shown only when at least ``k`` distinct vendors
  stand behind it (otherwise "?" and no counts); it never names a vendor or a cpid.
* ``clients`` / ``tools``: client and tool usage declarations
  (:mod:`refcore.core.usage`) that name the capability. Unknown stays unknown: a
  capability no declaration names is "0" only once ``k`` declarations of that kind exist;
  with fewer it is "?" (one client's declaration says nothing of what it does not use).

Everything here is a pure function over plain inputs (guidelines, run
records, declarations), so the CLI and the server feed it the same way.
A mark is ``"1"``, ``"0"`` or ``"?"`` (not enough evidence to say).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from .guidelines import STATUSES, Capability, Guideline, GuidelineSet
from .scoring import CRITERIA_KEYS
from .usage import UsageDeclaration

__all__ = [
    "DEFAULT_K",
    "DEFAULT_MIN_CLOUDS",
    "DEFAULT_SHARE",
    "CapabilitySuggestion",
    "ComputedMark",
    "RunRecord",
    "Suggestion",
    "deployed_marks",
    "guideline_statuses",
    "history_before",
    "stable_mark",
    "sticky_mark",
    "suggest_marks",
    "usage_marks",
]

#: k-anonymity: an aggregate needs at least this many distinct vendors behind it
DEFAULT_K = 3
#: the former name of :data:`DEFAULT_K`
DEFAULT_MIN_CLOUDS = DEFAULT_K
#: share of clouds that must pass a capability for it to be widely deployed
DEFAULT_SHARE = 0.5


@dataclass(frozen=True, slots=True)
class ComputedMark:
    criterion: str
    value: str  # "0" | "1" | "?"
    evidence: Mapping[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {"criterion": self.criterion, "value": self.value, "evidence": dict(self.evidence)}


@dataclass(frozen=True, slots=True)
class RunRecord:
    """One run: the cloud, when, the tests (names and/or uuids) that passed, and who stands
    behind it: the product and its vendor when the run is verified (None: it counts apart)."""

    cpid: str
    timestamp: Any  # anything ordered: datetime, epoch seconds, ISO string
    passed: frozenset[str]
    product: str | None = None
    vendor: str | None = None

    @property
    def verified(self) -> bool:
        return self.product is not None


def guideline_statuses(guideline: Guideline) -> dict[str, str]:
    """Capability -> its strongest status in any component of the guideline."""
    rank = {s: i for i, s in enumerate(STATUSES)}
    found: dict[str, str] = {}
    for comp in guideline.components.values():
        for status in STATUSES:
            for cap in comp.capabilities.get(status, ()):
                if cap not in found or rank[status] < rank[found[cap]]:
                    found[cap] = status
    return found


# -- sticky and stable ----------------------------------------------------------------------
def sticky_mark(capability: str, previous: Guideline | None) -> ComputedMark:
    if previous is None:
        return ComputedMark("sticky", "0", {"previous": None, "status": None})
    status = guideline_statuses(previous).get(capability)
    return ComputedMark(
        "sticky",
        "1" if status == "required" else "0",
        {"previous": previous.id, "status": status},
    )


def _snapshot(g: Guideline, capability: str) -> tuple[str | None, frozenset[str]] | None:
    cap = g.capabilities.get(capability)
    status = guideline_statuses(g).get(capability)
    if cap is None or status is None:
        return None
    return status, frozenset(t.uuid or t.name for t in cap.tests)


def stable_mark(capability: str, history: Sequence[Guideline], minimum: int = 2) -> ComputedMark:
    """``history``: the guidelines before the one scored, oldest first."""
    unchanged: list[str] = []
    reason = None
    latest = None
    for g in reversed(history):
        snap = _snapshot(g, capability)
        if snap is None:
            reason = f"absent from {g.id}"
            break
        if latest is None:
            latest = snap
        elif snap != latest:
            if snap[0] != latest[0]:
                reason = f"{snap[0]} in {g.id}, {latest[0]} in {unchanged[-1]}"
            else:
                added, removed = len(latest[1] - snap[1]), len(snap[1] - latest[1])
                reason = f"tests changed after {g.id} (+{added} -{removed})"
            break
        unchanged.append(g.id)
    evidence: dict[str, Any] = {
        "unchanged_in": unchanged[::-1],
        "minimum": minimum,
        "status": latest[0] if latest else None,
    }
    if reason:
        evidence["changed"] = reason
    return ComputedMark("stable", "1" if len(unchanged) >= minimum else "0", evidence)


# -- widely deployed ------------------------------------------------------------------------
def _judged_tests(cap: Capability) -> list[tuple[str, ...]]:
    """For each must-pass test, every string a run may report it by."""
    tests = [t for t in cap.tests if not t.flagged] or list(cap.tests)
    keys = []
    for t in tests:
        uuid = t.uuid
        keys.append((*t.names, *((uuid, f"id-{uuid}") if uuid else ())))
    return keys


def _latest(runs: Iterable[RunRecord], key: str) -> dict[str, RunRecord]:
    latest: dict[str, RunRecord] = {}
    for run in runs:
        k = run.product if key == "product" else run.cpid
        assert k is not None
        if k not in latest or run.timestamp > latest[k].timestamp:
            latest[k] = run
    return latest


def _passes(run: RunRecord, tests: list[frozenset[str]]) -> bool:
    """Every judged test passed under one of its keys (name, alias, idempotent id)."""
    passed = run.passed
    return all(not passed.isdisjoint(keys) for keys in tests)


def deployed_marks(
    capabilities: Mapping[str, Capability],
    runs: Iterable[RunRecord],
    *,
    k: int = DEFAULT_K,
    share: float = DEFAULT_SHARE,
) -> dict[str, ComputedMark]:
    """ "Widely Deployed" for each capability from the latest verified run of each product;
    unverified runs (the latest of each cloud) are counted apart (see the module docstring)."""
    runs = list(runs)
    products = _latest((r for r in runs if r.verified), "product")
    clouds = _latest((r for r in runs if not r.verified), "cpid")
    vendors = {r.vendor or r.product for r in products.values()}
    enough = len(vendors) >= k
    marks = {}
    for name, cap in capabilities.items():
        tests = [frozenset(keys) for keys in _judged_tests(cap)]
        evidence: dict[str, Any] = {"k": k, "share": share}
        if tests and clouds:
            evidence["unverified"] = {
                "clouds": len(clouds),
                "passing": sum(1 for r in clouds.values() if _passes(r, tests)),
                "counted": False,
            }
        if not tests:
            marks[name] = ComputedMark("deployed", "?", evidence | {"reason": "no tests"})
            continue
        if not enough:
            reason = f"fewer than {k} vendors stand behind verified results"
            marks[name] = ComputedMark("deployed", "?", evidence | {"reason": reason})
            continue
        passing = [r for r in products.values() if _passes(r, tests)]
        passing_vendors = {r.vendor or r.product for r in passing}
        evidence |= {
            "products": len(products),
            "vendors": len(vendors),
            "passing": len(passing),
            "passing_vendors": len(passing_vendors),
            "passing_share": round(len(passing) / len(products), 4),
        }
        value = "1" if len(passing) / len(products) >= share else "0"
        marks[name] = ComputedMark("deployed", value, evidence)
    return marks


# -- clients and tools ----------------------------------------------------------------------
def usage_marks(
    capabilities: Iterable[str],
    declarations: Iterable[UsageDeclaration],
    *,
    minimum: int = 1,
    k: int = DEFAULT_K,
) -> dict[str, dict[str, ComputedMark]]:
    """capability -> {"clients": mark, "tools": mark}: "1" when ``minimum`` declarations of
    that kind use it; "0" when none does and at least ``k`` of that kind exist; else "?"."""
    decls = list(declarations)
    out: dict[str, dict[str, ComputedMark]] = {}
    for name in capabilities:
        out[name] = {}
        for kind, key in (("client", "clients"), ("tool", "tools")):
            of_kind = [d for d in decls if d.kind == kind]
            users = sorted(d.name for d in of_kind if name in d.uses())
            evidence = {"declarations": len(of_kind), "used_by": users, "minimum": minimum, "k": k}
            if len(users) >= minimum:
                value = "1"
            else:
                value = "0" if len(of_kind) >= k else "?"
            out[name][key] = ComputedMark(key, value, evidence)
    return out


# -- all together ---------------------------------------------------------------------------
@dataclass(slots=True)
class CapabilitySuggestion:
    name: str
    marks: dict[str, ComputedMark]
    #: the guideline's recorded achievements
    recorded: tuple[str, ...]

    @property
    def differences(self) -> list[str]:
        """Criteria whose computed mark (0/1) disagrees with the recorded achievements."""
        return [
            k
            for k in CRITERIA_KEYS
            if k in self.marks
            and self.marks[k].value in "01"
            and (self.marks[k].value == "1") != (k in self.recorded)
        ]

    def to_dict(self) -> dict[str, Any]:
        return {
            "capability": self.name,
            "computed": {k: m.to_dict() for k, m in self.marks.items()},
            "recorded": list(self.recorded),
            "differences": self.differences,
        }


@dataclass(slots=True)
class Suggestion:
    guideline: str
    criteria: list[str]
    capabilities: list[CapabilitySuggestion]
    notes: list[str] = field(default_factory=list)

    def capability(self, name: str) -> CapabilitySuggestion:
        for c in self.capabilities:
            if c.name == name:
                return c
        raise KeyError(name)

    def to_dict(self) -> dict[str, Any]:
        return {
            "guideline": self.guideline,
            "criteria": self.criteria,
            "capabilities": [c.to_dict() for c in self.capabilities],
            "notes": self.notes,
        }


def history_before(guideline: Guideline, guidelines: GuidelineSet) -> list[Guideline]:
    """The guidelines of the same line before ``guideline``, oldest first."""
    previous = guidelines.previous(guideline)
    if previous is None:
        return []
    line = guidelines.series(previous.add_on if previous.kind == "add-on" else None)
    ids = [g.id for g in line]
    return line[: ids.index(previous.id) + 1]


def suggest_marks(
    guideline: Guideline,
    guidelines: GuidelineSet,
    *,
    runs: Iterable[RunRecord] | None = None,
    usage: Iterable[UsageDeclaration] | None = None,
    k: int = DEFAULT_K,
    share: float = DEFAULT_SHARE,
) -> Suggestion:
    """Computed marks for every capability of ``guideline`` next to its achievements."""
    history = history_before(guideline, guidelines)
    previous = history[-1] if history else None
    caps = guideline.capabilities
    criteria = ["sticky", "stable"]
    notes = [
        f"sticky from {previous.id if previous else 'no previous guideline'}; "
        f"stable from {', '.join(g.id for g in history[-3:]) or 'no history'}"
    ]
    deployed = None
    if runs is not None:
        deployed = deployed_marks(caps, runs, k=k, share=share)
        criteria.insert(0, "deployed")
    used = None
    if usage is not None:
        usage = list(usage)
        used = usage_marks(caps, usage, k=k)
        criteria[1:1] = ["tools", "clients"]
        for d in usage:
            unknown = d.unknown(caps)
            if unknown:
                notes.append(f"{d.name}: capabilities not in {guideline.id}: {', '.join(unknown)}")
            if d.unmapped_calls:
                notes.append(
                    f"{d.name}: {len(d.unmapped_calls)} API calls name no capability (not counted)"
                )
    out = []
    for name, cap in caps.items():
        marks = {"sticky": sticky_mark(name, previous), "stable": stable_mark(name, history)}
        if deployed is not None:
            marks["deployed"] = deployed[name]
        if used is not None:
            marks.update(used[name])
        ordered = {k: marks[k] for k in CRITERIA_KEYS if k in marks}
        out.append(CapabilitySuggestion(name, ordered, cap.achievements))
    return Suggestion(guideline.id, [k for k in CRITERIA_KEYS if k in criteria], out, notes)
