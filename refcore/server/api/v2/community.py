"""refcore v2 community feedback: votes on a capability x criterion of a guideline being
drafted (``/v2/votes``), the roles the Foundation gives and the weights the working group
sets (``/v2/community``). See :mod:`refcore.services.community`."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Response

from refcore.server.api.schemas import ErrorBody
from refcore.server.deps import ActorDep, GuidelinesDep, SessionDep
from refcore.server.routing import Route
from refcore.services import community, drafts

router = APIRouter(
    tags=["v2 community"],
    responses={
        400: {"model": ErrorBody},
        401: {"model": ErrorBody},
        403: {"model": ErrorBody},
        404: {"model": ErrorBody},
        409: {"model": ErrorBody},
    },
    route_class=Route,
)


@router.get("/v2/votes/{guideline}")
def results(
    guideline: str, gs: GuidelinesDep, session: SessionDep, actor: ActorDep
) -> dict[str, Any]:
    """Per capability and criterion: votes per role, the weighted share saying "meets",
    comments (with the voter's role, never their name) and the caller's own vote."""
    g, _ = drafts.resolve(session, gs, guideline)
    return {
        "guideline": g.id,
        "open": g.status != "approved",
        "weights": community.weights(session),
        "capabilities": community.results(session, g, actor),
    }


@router.put("/v2/votes/{guideline}/{capability}/{criterion}")
def vote(
    guideline: str,
    capability: str,
    criterion: str,
    gs: GuidelinesDep,
    session: SessionDep,
    actor: ActorDep,
    value: Annotated[int, Body(embed=True, description="1: meets the criterion, 0: does not")],
    comment: Annotated[str | None, Body(embed=True, max_length=2000)] = None,
) -> dict[str, Any]:
    """Cast or change your vote (an account with a community role; open guidelines only)."""
    g, _ = drafts.resolve(session, gs, guideline)
    return community.vote(session, actor, g, capability, criterion, value, comment)


@router.delete("/v2/votes/{guideline}/{capability}/{criterion}", status_code=204)
def withdraw(
    guideline: str,
    capability: str,
    criterion: str,
    gs: GuidelinesDep,
    session: SessionDep,
    actor: ActorDep,
) -> Response:
    g, _ = drafts.resolve(session, gs, guideline)
    community.withdraw(session, actor, g, capability, criterion)
    return Response(status_code=204)


@router.put("/v2/community/roles/{openid}")
def set_role(
    openid: str,
    session: SessionDep,
    actor: ActorDep,
    role: Annotated[
        str | None, Body(embed=True, description="vendor, operator, ptl-tc, interop-wg or null")
    ],
) -> dict[str, Any]:
    """Give a member a role (or take it away with null). Foundation only."""
    return community.set_role(session, actor, openid, role)


@router.get("/v2/community/weights")
def get_weights(session: SessionDep) -> dict[str, int]:
    return community.weights(session)


@router.put("/v2/community/weights")
def set_weights(
    session: SessionDep, actor: ActorDep, new: Annotated[dict[str, int], Body()]
) -> dict[str, int]:
    """Set the weight of each role's votes (the interop working group or the Foundation)."""
    return community.set_weights(session, actor, new)


@router.get("/v2/community/events")
def events(session: SessionDep, actor: ActorDep) -> list[dict[str, Any]]:
    """The trail of votes, changes, withdrawals, roles and weights: all of it for the
    Foundation, your own for anyone else."""
    return community.events(session, actor)
