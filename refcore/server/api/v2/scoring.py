"""refcore v2 ``/v2/scoring``: a guideline's criteria and totals, worksheet checks,
what-if weights, and criteria computed from the server's evidence."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from refcore.core.evidence import DEFAULT_K, DEFAULT_SHARE
from refcore.server.api.schemas import ErrorBody
from refcore.server.deps import GuidelinesDep, SessionDep
from refcore.server.routing import Route
from refcore.services import candidates as candidates_service
from refcore.services import scoring

router = APIRouter(
    prefix="/v2/scoring",
    tags=["v2 scoring"],
    responses={
        400: {"model": ErrorBody},
        404: {"model": ErrorBody},
        422: {"model": ErrorBody},
    },
    route_class=Route,
)


class WorksheetCheck(BaseModel):
    guideline: str = Field(description="Guideline whose weights and cut-off score the sheet.")
    worksheet: str = Field(description="The worksheet text (working_materials/scoring*.txt).")


class WeightsWhatIf(BaseModel):
    guideline: str
    weights: dict[str, int] | None = Field(
        None, description="criterion -> weight, replacing the guideline's (0 drops one)"
    )
    cutoff: int | None = Field(None, description="cut-off score replacing the guideline's")
    marks: dict[str, dict[str, int | str]] | None = Field(
        None,
        description="capability -> {criterion: 0|1|?}, replacing its recorded achievements",
    )


@router.post("/check")
def check(body: WorksheetCheck, gs: GuidelinesDep) -> dict[str, Any]:
    """Recompute every row's total and star; ``rows`` are those of
    ``refcore scoring check --json`` (capability, line, computed/sheet total and star,
    matches)."""
    return scoring.check(gs[body.guideline], body.worksheet)


@router.post("/whatif")
def what_if(body: WeightsWhatIf, gs: GuidelinesDep) -> dict[str, Any]:
    """Which capabilities reach the cut-off with other weights, cut-off or marks,
    and which gain or lose their star."""
    return scoring.what_if_weights(
        gs[body.guideline], weights=body.weights, cutoff=body.cutoff, marks=body.marks
    )


@router.get("/{guideline}")
def overview(guideline: str, gs: GuidelinesDep) -> dict[str, Any]:
    """Criteria, weights, cut-off, and each capability's total from its achievements."""
    return scoring.overview(gs[guideline])


@router.get("/{guideline}/suggest")
def suggest(
    guideline: str,
    gs: GuidelinesDep,
    session: SessionDep,
    k: Annotated[
        int,
        Query(
            le=1000,
            description=f"k-anonymity: distinct vendors needed behind an aggregate "
            f"(at least {DEFAULT_K})",
        ),
    ] = DEFAULT_K,
    share: Annotated[
        float, Query(gt=0, le=1, description="share of clouds that must pass")
    ] = DEFAULT_SHARE,
) -> dict[str, Any]:
    """Per capability, the marks computed from evidence (sticky and stable from the
    history, deployed from the verified products' runs (unverified runs counted apart,
    never moving a mark), clients and tools from the stored usage declarations) next to the
    recorded achievements, with the differences and the evidence of each mark. No cpid and
    no vendor is ever shown; counts only when k vendors stand behind them."""
    return scoring.suggest(session, gs[guideline], gs, k=k, share=share)


@router.get("/{guideline}/candidates")
def candidates(
    guideline: str,
    gs: GuidelinesDep,
    session: SessionDep,
    k: Annotated[int, Query(le=1000, description="distinct vendors a test needs")] = DEFAULT_K,
    margin: Annotated[
        int, Query(ge=0, le=100, description="points below the cut-off still shown")
    ] = 10,
) -> dict[str, Any]:
    """Must-pass candidates for the guideline after this one: tests outside every guideline
    passing in the latest verified run of products of at least k vendors, placed in the
    capability they would join (or a new one named from their module), and advisory
    capabilities within ``margin`` of the cut-off. Counts only; no product or vendor named."""
    return candidates_service.candidates(session, gs[guideline], gs, k=k, margin=margin)
