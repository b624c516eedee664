"""Scoring use cases for the v2 API: a guideline's criteria and totals, checking a
worksheet, what-if weights, and criteria suggested from the server's evidence.

The arithmetic is :mod:`refcore.core.scoring` and :mod:`refcore.core.worksheets`;
the evidence is the stored runs (:mod:`refcore.services.deployment`) and the stored
usage declarations (:mod:`refcore.services.usage`), fed to
:func:`refcore.core.evidence.suggest_marks`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy.orm import Session

from refcore.core.evidence import (
    DEFAULT_K,
    DEFAULT_SHARE,
    guideline_statuses,
    suggest_marks,
)
from refcore.core.guidelines import Guideline, GuidelineSet
from refcore.core.scoring import CRITERIA_KEYS, Marks, Scoring
from refcore.core.worksheets import check_worksheet, parse_worksheet, summarize
from refcore.errors import ScoringError
from refcore.services import community, deployment, usage
from refcore.storage.models import utcnow

__all__ = ["check", "overview", "suggest", "what_if_weights"]


def _scoring(g: Guideline) -> Scoring:
    return Scoring.from_guideline(g)  # ScoringError (422) when it has no criteria


def recorded_marks(g: Guideline) -> dict[str, Marks]:
    """Each capability's achievements read as marks (achieved 1, else 0). The
    guidelines record no Non-Admin veto, so none is applied."""
    return {name: Marks.from_achievements(cap.achievements) for name, cap in g.capabilities.items()}


def overview(g: Guideline) -> dict[str, Any]:
    """Criteria, weights, cut-off, and every capability's total from its achievements."""
    scoring = _scoring(g)
    statuses = guideline_statuses(g)
    rows = []
    for name, marks in recorded_marks(g).items():
        score = scoring.score(marks)
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
