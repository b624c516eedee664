"""Scoring use cases for the v2 API: a guideline's criteria and totals, checking a
worksheet, what-if weights, and criteria suggested from the server's evidence.

The arithmetic is :mod:`refcore.core.scoring` and :mod:`refcore.core.worksheets`;
the evidence is the stored runs (:mod:`refcore.services.deployment`) and the stored
usage declarations (:mod:`refcore.services.usage`), fed to
:func:`refcore.core.evidence.suggest_marks`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from refcore.core.evidence import (
    DEFAULT_K,
    DEFAULT_SHARE,
    guideline_statuses,
    suggest_marks,
)
from refcore.core.guidelines import Capability, Guideline, GuidelineSet
from refcore.core.scoring import CRITERIA_KEYS, Marks, Score, Scoring
from refcore.core.worksheets import check_worksheet, parse_worksheet, summarize
from refcore.errors import ScoringError
from refcore.services import community, deployment, usage
from refcore.storage.models import utcnow

__all__ = [
    "Scorecard",
    "capability_scores",
    "check",
    "overview",
    "scorecard",
    "scoring_for",
    "suggest",
    "what_if_weights",
]


def _scoring(g: Guideline) -> Scoring:
    return Scoring.from_guideline(g)  # ScoringError (422) when it has no criteria


def recorded_marks(g: Guideline) -> dict[str, Marks]:
    """Each capability's achievements read as marks (achieved 1, else 0).

    The one admin rule: a capability's ``admin: true`` in the guideline file is NOT
    the worksheet's Non-Admin veto, so no veto is applied to recorded achievements.
    The interop data decides it: ``networks-l3-CRUD`` and ``networks-l3-router`` are
    ``admin: true`` in 2016.08 to 2020.06 and next, yet required in
    ``os_powered_compute``, and the working group's own worksheet
    (``working_materials/scoring.txt``) scores their rows ``[1] [91]*`` (Non-Admin 1,
    total 91, reaching the cut-off). A veto applies only where marks carry a
    Non-Admin column (worksheets, what-if marks given as ``non_admin``)."""
    return {name: Marks.from_achievements(cap.achievements) for name, cap in g.capabilities.items()}


def scoring_for(g: Guideline) -> Scoring | None:
    """The guideline's criteria and cut-off, or None when it defines none usable."""
    try:
        return Scoring.from_guideline(g)
    except ScoringError:
        return None


def capability_scores(g: Guideline, scoring: Scoring | None = None) -> dict[str, Score]:
    """Every capability's score from its recorded achievements, with the guideline's
    scoring (or ``scoring``): the one score shown by every page and endpoint. Empty
    when the guideline has no usable criteria."""
    scoring = scoring or scoring_for(g)
    if scoring is None:
        return {}
    return {name: scoring.score(marks) for name, marks in recorded_marks(g).items()}


@dataclass(frozen=True)
class ScoredCapability:
    """One row of a scorecard: the guideline's score and the what-if score."""

    capability: Capability
    status: str | None
    before: Score
    after: Score

    @property
    def change(self) -> str | None:
        if self.before.star == self.after.star:
            return None
        return "now reaches the cut-off" if self.after.star else "no longer reaches the cut-off"


@dataclass(frozen=True)
class Scorecard:
    guideline: Guideline
    target: str
    base: Scoring
    weights: dict[str, int]
    cutoff: int | None
    rows: list[ScoredCapability]

    @property
    def keys(self) -> list[str]:
        return [k for k in CRITERIA_KEYS if k in self.base.criteria]

    @property
    def changed(self) -> bool:
        base = {k: self.base.weight(k) for k in self.keys}
        return self.weights != base or self.cutoff != self.base.cutoff

    @property
    def total_weight(self) -> int:
        return sum(self.weights.values())

    @property
    def reach_before(self) -> int:
        return sum(r.before.star for r in self.rows)

    @property
    def reach_after(self) -> int:
        return sum(r.after.star for r in self.rows)

    @property
    def moves(self) -> list[ScoredCapability]:
        return [r for r in self.rows if r.change]


def scorecard(
    g: Guideline,
    target: str | None = None,
    weights: Mapping[str, int | None] | None = None,
    cutoff: int | None = None,
) -> Scorecard:
    """A target's capabilities scored with the guideline's weights (``before``) and
    with ``weights`` / ``cutoff`` where given (``after``), best first. A weight or
    cut-off left None keeps the guideline's. The target defaults to platform."""
    base = _scoring(g)
    keys = [k for k in CRITERIA_KEYS if k in base.criteria]
    chosen = {k: (weights or {}).get(k) for k in keys}
    merged = {k: base.weight(k) if w is None else w for k, w in chosen.items()}
    cut = base.cutoff if cutoff is None else cutoff
    whatif = Scoring.explicit(merged, cut)
    name = (
        target
        if target in g.targets
        else ("platform" if "platform" in g.targets else next(iter(g.targets)))
    )
    statuses = g.capability_statuses(name)
    before = capability_scores(g, base)
    marks = recorded_marks(g)
    rows = [
        ScoredCapability(cap, statuses.get(n), before[n], whatif.score(marks[n]))
        for n, cap in g.capabilities.items()
        if n in statuses
    ]
    rows.sort(key=lambda r: (-r.after.total, r.capability.name))
    return Scorecard(g, name, base, merged, cut, rows)


def overview(g: Guideline) -> dict[str, Any]:
    """Criteria, weights, cut-off, and every capability's total from its achievements."""
    scoring = _scoring(g)
    statuses = guideline_statuses(g)
    rows = []
    for name, score in capability_scores(g, scoring).items():
        rows.append(
            {
                "capability": name,
                "status": statuses.get(name),
                "achievements": list(g.capabilities[name].achievements),
                "total": score.total,
                "star": score.star,
                "points": dict(score.points),
            }
        )
    return {
        "guideline": g.id,
        **scoring.to_dict(),
        "total_weight": scoring.total_weight,
        "capabilities": rows,
        "reaching_cutoff": [r["capability"] for r in rows if r["star"]],
    }


def check(g: Guideline, text: str) -> dict[str, Any]:
    """Recompute every row of a worksheet with the guideline's weights; the rows
    are those of ``refcore scoring check --json``."""
    scoring = _scoring(g)
    if scoring.cutoff is None:
        raise ScoringError(
            f"guideline {g.id} has no cutoff_score (none before 2016.01): stars cannot be checked"
        )
    sheet = parse_worksheet(text, source="worksheet")
    if not sheet.rows:
        raise ScoringError("worksheet: no scored rows found (not a scoring worksheet?)")
    checks = check_worksheet(sheet, scoring)
    return {
        "guideline": g.id,
        "cutoff_score": scoring.cutoff,
        "total_weight": scoring.total_weight,
        **summarize(checks),
        "rows": [c.to_dict() for c in checks],
    }


def what_if_weights(
    g: Guideline,
    *,
    weights: Mapping[str, int] | None = None,
    cutoff: int | None = None,
    marks: Mapping[str, Mapping[str, int | str]] | None = None,
) -> dict[str, Any]:
    """Which capabilities reach the cut-off when weights, the cut-off or some marks
    change. ``weights`` override the guideline's per criterion (0 drops one);
    ``marks`` override a capability's recorded marks (``{"deployed": 1}``)."""
    base = _scoring(g)
    merged = {k: base.weight(k) for k in CRITERIA_KEYS if base.considered(k)}
    merged.update(weights or {})
    changed = Scoring.explicit(merged, cutoff if cutoff is not None else base.cutoff)
    recorded = recorded_marks(g)
    proposed = dict(recorded)
    for name, override in (marks or {}).items():
        if name not in recorded:
            raise ScoringError(f"marks: guideline {g.id} has no capability {name!r}")
        values = recorded[name].as_dict() | {k: str(v) for k, v in override.items()}
        proposed[name] = Marks.from_mapping(values)
    rows = []
    for name in recorded:
        before, after = base.score(recorded[name]), changed.score(proposed[name])
        change = "same"
        if before.star != after.star:
            change = "gained" if after.star else "lost"
        rows.append(
            {
                "capability": name,
                "total": before.total,
                "star": before.star,
                "what_if_total": after.total,
                "what_if_star": after.star,
                "change": change,
            }
        )
    return {
        "guideline": g.id,
        "scoring": base.to_dict(),
        "what_if_scoring": changed.to_dict(),
        "capabilities": rows,
        "reaching_cutoff": [r["capability"] for r in rows if r["what_if_star"]],
        "gained": [r["capability"] for r in rows if r["change"] == "gained"],
        "lost": [r["capability"] for r in rows if r["change"] == "lost"],
    }


def suggest(
    session: Session,
    g: Guideline,
    guidelines: GuidelineSet,
    *,
    k: int = DEFAULT_K,
    share: float = DEFAULT_SHARE,
) -> dict[str, Any]:
    """Computed marks next to the recorded achievements, differences flagged:
    sticky and stable from the guideline history, deployed from the verified products'
    stored runs (unverified ones counted apart), clients and tools from the stored usage
    declarations."""
    if k < DEFAULT_K:
        raise ScoringError(
            f"k {k} is below {DEFAULT_K}: fewer vendors could identify a single vendor"
        )
    records = deployment.run_records(session, g.capabilities)
    decls = usage.declarations(session)
    result = suggest_marks(g, guidelines, runs=records, usage=decls, k=k, share=share)
    body = result.to_dict()
    products = {r.product for r in records if r.verified}
    vendors = {r.vendor for r in records if r.verified}
    body["evidence"] = {
        # k-anonymity: how many products stand behind the marks only once k vendors do
        "products": len(products) if len(vendors) >= k else None,
        "vendors": len(vendors) if len(vendors) >= k else f"fewer than {k}",
        # shown apart, never counted: anyone can invent cpids
        "unverified_clouds": deployment.unverified_clouds(session, utcnow() - deployment.WINDOW),
        "window_days": deployment.WINDOW.days,
        "k": k,
        "share": share,
        "declarations": {
            kind: sum(1 for d in decls if d.kind == kind) for kind in ("client", "tool")
        },
    }
    body["differing"] = sum(1 for c in result.capabilities if c.differences)
    # community votes beside the computed marks: shown, never folded into a mark
    votes = community.results(session, g)
    for cap in body["capabilities"]:
        cap["votes"] = votes.get(cap["capability"], {})
    body["vote_weights"] = community.weights(session)
    return body
