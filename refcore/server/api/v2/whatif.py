"""refcore v2 ``/v2/whatif``: which stored products or clouds meet guideline A and
would meet B (only the runs the caller may see)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Query

from refcore.server.api.schemas import ErrorBody
from refcore.server.deps import ActorDep, GuidelinesDep, SessionDep, SettingsDep, SourceDep
from refcore.server.routing import Route
from refcore.services import drafts
from refcore.services.certificates import Terms
from refcore.services.whatif import MAX_GROUPS, stored_what_if

router = APIRouter(
    prefix="/v2/whatif",
    tags=["v2 scoring"],
    responses={400: {"model": ErrorBody}, 404: {"model": ErrorBody}},
    route_class=Route,
)


@router.get("")
def what_if(
    gs: GuidelinesDep,
    session: SessionDep,
    actor: ActorDep,
    settings: SettingsDep,
    a: Annotated[str, Query(alias="from", description="the guideline met today")],
    b: Annotated[str, Query(alias="to", description="the guideline that would replace it")],
    target: str = "platform",
    by: Annotated[
        Literal["product", "cloud"],
        Query(description="product: the latest run of each product version; cloud: of each cpid"),
    ] = "product",
    limit: Annotated[int, Query(ge=1, le=MAX_GROUPS)] = 50,
) -> dict[str, Any]:
    """For each product version (or cloud) the caller may see, its latest run: meets
    A, would meet B (``kept``/``lost``/``gained``/``never``), and the required,
    non-flagged tests of each it misses. Clouds are named by their run, not by cpid.
    ``to`` may name a published draft. By product, each carries its standing certificates
    for the target, and ``certified`` counts those that would stop meeting B."""
    _, merged = drafts.resolve(session, gs, b)
    terms = Terms.from_settings(settings)
    return stored_what_if(
        session, actor, merged, a, b, target=target, by=by, limit=limit, terms=terms
    )


@router.post("")
def what_if_draft(
    draft: Annotated[dict[str, Any], Body(description="the draft guideline document")],
    gs: GuidelinesDep,
    source: SourceDep,
    session: SessionDep,
    actor: ActorDep,
    settings: SettingsDep,
    a: Annotated[str, Query(alias="from", description="the guideline met today")],
    target: str = "platform",
    by: Annotated[Literal["product", "cloud"], Query()] = "product",
    limit: Annotated[int, Query(ge=1, le=MAX_GROUPS)] = 50,
) -> dict[str, Any]:
    """The same for a draft sent in the body (nothing is stored): who would stop meeting it."""
    guideline = drafts.parse_upload(draft, source)
    merged = gs.including(guideline)
    terms = Terms.from_settings(settings)
    return stored_what_if(
        session, actor, merged, a, guideline.id, target=target, by=by, limit=limit, terms=terms
    )
