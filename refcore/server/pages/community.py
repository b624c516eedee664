"""Community feedback pages: vote on a guideline being drafted (capability x criterion, by
role), and the must-pass candidates mined from verified results. The same service calls as
``/v2/votes`` and ``/v2/scoring/{id}/candidates``."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from refcore.core.scoring import CRITERIA_KEYS, CRITERIA_NAMES
from refcore.server.deps import ActorDep, CsrfDep, GuidelinesDep, SessionDep, UserDep
from refcore.server.rendering import flash, render
from refcore.server.routing import Route
from refcore.services import candidates, community, drafts

router = APIRouter(route_class=Route)


@router.get("/scoring/{gid}/votes", response_class=HTMLResponse, name="web.votes")
def votes_page(
    request: Request, gid: str, gs: GuidelinesDep, session: SessionDep, actor: ActorDep
) -> HTMLResponse:
    g, _ = drafts.resolve(session, gs, gid)
    return render(
        request,
        "community/votes.html",
        {
            "title": f"Votes on {g.id}",
            "g": g,
            "open": g.status != "approved",
            "role": community.role_of(session, actor),
            "weights": community.weights(session),
            "results": community.results(session, g, actor),
            "criteria": [(k, CRITERIA_NAMES.get(k, k)) for k in CRITERIA_KEYS],
        },
    )


@router.post("/scoring/{gid}/votes", dependencies=[CsrfDep])
def cast(
    request: Request,
    gid: str,
    gs: GuidelinesDep,
    session: SessionDep,
    actor: UserDep,
    capability: Annotated[str, Form()],
    criterion: Annotated[str, Form()],
    value: Annotated[int, Form()],
    comment: Annotated[str, Form(max_length=2000)] = "",
) -> RedirectResponse:
    g, _ = drafts.resolve(session, gs, gid)
    community.vote(session, actor, g, capability, criterion, value, comment.strip() or None)
    flash(request, f"Your vote on {capability} / {criterion} is recorded.", "success")
    return RedirectResponse(f"/scoring/{g.id}/votes#cap-{capability}", status_code=303)


@router.get("/scoring/{gid}/candidates", response_class=HTMLResponse, name="web.candidates")
def candidates_page(
    request: Request, gid: str, gs: GuidelinesDep, session: SessionDep
) -> HTMLResponse:
    g, merged = drafts.resolve(session, gs, gid)
    report = candidates.candidates(session, g, merged)
    return render(
        request,
        "community/candidates.html",
        {"title": f"Must-pass candidates after {g.id}", "g": g, "report": report},
    )
