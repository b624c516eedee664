"""The scorecard: a guideline's capabilities scored with its criteria weights and
cut-off, and what-if weights and cut-off from the form (a GET, so a what-if is a
link to share). Scores are :mod:`refcore.core.scoring`'s."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from refcore.core.scoring import CRITERIA_KEYS, CRITERIA_NAMES
from refcore.errors import InvalidInput, ScoringError
from refcore.server import downloads
from refcore.server.deps import GuidelinesDep
from refcore.server.rendering import render
from refcore.server.routing import Route
from refcore.services import scoring

router = APIRouter(route_class=Route)
MAX_WEIGHT = 1000


@router.get("/scoring", response_class=HTMLResponse, name="web.scoring")
def scoring_index(request: Request, gs: GuidelinesDep) -> HTMLResponse:
    scored = [g for g in gs.values() if g.criteria]
    return render(request, "scoring/index.html", {"title": "Scoring", "guidelines": scored})


def _int(request: Request, name: str) -> int | None:
    raw = request.query_params.get(name)
    if raw is None or raw.strip() == "":
        return None
    try:
        value = int(raw)
    except ValueError:
        raise InvalidInput(f"{name}: {raw!r} is not a whole number") from None
    if not 0 <= value <= MAX_WEIGHT:
        raise InvalidInput(f"{name}: {value} is outside 0..{MAX_WEIGHT}")
    return value


@router.get("/scoring/{gid}", response_class=HTMLResponse, name="web.scorecard")
def scorecard(
    request: Request,
    gid: str,
    gs: GuidelinesDep,
    target: str | None = None,
    format: str | None = None,
) -> Response:
    """``?format=json|csv``: each capability's score before and after the what-if."""
    fmt = downloads.wanted(format)
    g = gs[gid]
    weights = {k: _int(request, f"w_{k}") for k in CRITERIA_KEYS}
    try:
        card = scoring.scorecard(g, target, weights, _int(request, "cutoff"))
    except ScoringError as exc:
        raise InvalidInput(str(exc)) from None
    data = {
        "guideline": g.id,
        "target": card.target,
        "weights": card.weights,
        "cutoff": card.cutoff,
        "capabilities": [
            {
                "capability": r.capability.name,
                "status": r.status,
                "score": r.before.to_dict(),
                "what_if": r.after.to_dict(),
                "change": r.change,
            }
            for r in card.rows
        ],
    }
    rows: list[list[Any]] = [
        ["capability", "status", "score", "reaches_cutoff", "what_if_score", "what_if_reaches"]
    ]
    rows += [
        [r.capability.name, r.status, r.before.total, r.before.star, r.after.total, r.after.star]
        for r in card.rows
    ]
    download = downloads.answer(fmt, f"scorecard-{g.id}-{card.target}", data, rows)
    if download is not None:
        return download
    return render(
        request,
        "scoring/scorecard.html",
        {
            "title": f"Scorecard {g.id}",
            "g": g,
            "card": card,
            "target": card.target,
            "keys": card.keys,
            "names": CRITERIA_NAMES,
            "base": card.base,
            "weights": card.weights,
            "cutoff": card.cutoff,
            "rows": card.rows,
            "changed": card.changed,
            "total_weight": card.total_weight,
            "reach_before": card.reach_before,
            "reach_after": card.reach_after,
            "moves": card.moves,
            "dist": distribution(card),
        },
    )


def distribution(card: scoring.Scorecard) -> dict[str, Any]:
    """The what-if scores binned for the histogram (formatting only): bands of 10 points
    (5 under a total weight of 50) from 0 to the total weight, one band starting at the
    cut-off so no band straddles it; how many capabilities have no score."""
    top = max(card.total_weight, 1)
    size = 10 if top >= 50 else 5
    offset = card.cutoff % size if card.cutoff is not None else 0
    lows = ([0] if offset else []) + list(range(offset, top + 1, size))
    bins = [
        {"low": low, "high": (lows[i + 1] - 1) if i + 1 < len(lows) else top, "count": 0}
        for i, low in enumerate(lows)
    ]
    unscored = 0
    for r in card.rows:
        if r.after.incomplete:
            unscored += 1
            continue
        score = min(max(r.after.total, 0), top)
        next(b for b in reversed(bins) if b["low"] <= score)["count"] += 1
    for b in bins:
        b["reaches"] = card.cutoff is not None and b["low"] >= card.cutoff
    cut_index = next((i for i, b in enumerate(bins) if b["reaches"]), len(bins))
    return {
        "bins": bins,
        "top": max((b["count"] for b in bins), default=0),
        "size": size,
        "unscored": unscored,
        "cut_fraction": cut_index / len(bins) if card.cutoff is not None else None,
    }
