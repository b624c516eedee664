"""The scorecard: a guideline's capabilities scored with its criteria weights and
cut-off, and what-if weights and cut-off from the form (a GET, so a what-if is a
link to share). Scores are :mod:`refcore.core.scoring`'s."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from refcore.core.guidelines import Capability
from refcore.core.scoring import CRITERIA_KEYS, CRITERIA_NAMES, Marks, Score, Scoring
from refcore.errors import InvalidInput, ScoringError
from refcore.server.deps import GuidelinesDep
from refcore.server.rendering import render

router = APIRouter()
MAX_WEIGHT = 1000


@dataclass
class ScoredRow:
    capability: Capability
    status: str | None
    before: Score
    after: Score

    @property
    def change(self) -> str | None:
        if self.before.star == self.after.star:
            return None
        return "now reaches the cut-off" if self.after.star else "no longer reaches the cut-off"


@router.get("/scoring", response_class=HTMLResponse, name="web.scoring")
def scoring_index(request: Request, gs: GuidelinesDep) -> HTMLResponse:
    scored = [g for g in gs.values() if g.criteria]
    return render(request, "scoring/index.html", {"title": "Scoring", "guidelines": scored})


def _int(request: Request, name: str, default: int | None) -> int | None:
    raw = request.query_params.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise InvalidInput(f"{name}: {raw!r} is not a whole number") from None
    if not 0 <= value <= MAX_WEIGHT:
        raise InvalidInput(f"{name}: {value} is outside 0..{MAX_WEIGHT}")
    return value


@router.get("/scoring/{gid}", response_class=HTMLResponse, name="web.scorecard")
def scorecard(
    request: Request, gid: str, gs: GuidelinesDep, target: str | None = None
) -> HTMLResponse:
    g = gs[gid]
    try:
        base = Scoring.from_guideline(g)
    except ScoringError as exc:
        raise InvalidInput(str(exc)) from None
    keys = [k for k in CRITERIA_KEYS if k in base.criteria]
    weights = {k: _int(request, f"w_{k}", base.weight(k)) or 0 for k in keys}
    cutoff = _int(request, "cutoff", base.cutoff)
    whatif = Scoring.explicit(weights, cutoff)
    chosen = (
        target
        if target in g.targets
        else ("platform" if "platform" in g.targets else next(iter(g.targets)))
    )
    statuses = g.capability_statuses(chosen)
    rows = []
    for name, cap in g.capabilities.items():
        if name not in statuses:
            continue
        marks = Marks.from_achievements(cap.achievements, non_admin=not cap.admin)
        rows.append(ScoredRow(cap, statuses.get(name), base.score(marks), whatif.score(marks)))
    rows.sort(key=lambda r: (-r.after.total, r.capability.name))
    changed = weights != {k: base.weight(k) for k in keys} or cutoff != base.cutoff
    return render(
        request,
        "scoring/scorecard.html",
        {
            "title": f"Scorecard {g.id}",
            "g": g,
            "target": chosen,
            "keys": keys,
            "names": CRITERIA_NAMES,
            "base": base,
            "weights": weights,
            "cutoff": cutoff,
            "rows": rows,
            "changed": changed,
            "total_weight": sum(weights.values()),
            "reach_before": sum(r.before.star for r in rows),
            "reach_after": sum(r.after.star for r in rows),
            "moves": [r for r in rows if r.change],
        },
    )
