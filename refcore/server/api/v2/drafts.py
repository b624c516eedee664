"""refcore v2 ``/v2/drafts``: draft guidelines. Anyone may send a draft to see its diff and
readiness; the Foundation publishes drafts so the community and vendors can see them.
Published drafts are accepted wherever a guideline id is (``/v2/whatif``, the diff)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Query, Response

from refcore.server.api.schemas import ErrorBody
from refcore.server.deps import ActorDep, GuidelinesDep, SessionDep, SettingsDep, SourceDep
from refcore.server.notices import notify_published
from refcore.server.routing import Route
from refcore.services import drafts

router = APIRouter(
    prefix="/v2/drafts",
    tags=["v2 guidelines"],
    responses={400: {"model": ErrorBody}, 403: {"model": ErrorBody}, 404: {"model": ErrorBody}},
    route_class=Route,
)

DraftBody = Annotated[
    dict[str, Any], Body(description="A guideline document (schema 2.0), e.g. a draft file")
]


@router.get("")
def list_drafts(session: SessionDep) -> list[dict[str, Any]]:
    """The published drafts, newest id first."""
    return drafts.list_drafts(session)


@router.post("", status_code=201)
def publish(
    draft: DraftBody,
    session: SessionDep,
    actor: ActorDep,
    gs: GuidelinesDep,
    source: SourceDep,
    settings: SettingsDep,
) -> dict[str, Any]:
    """Publish (or replace) a draft guideline. Foundation only. The managers of the teams
    it concerns are e-mailed (``notified``: sent / failed / without an address)."""
    result = drafts.publish(session, actor, gs, drafts.parse_upload(draft, source))
    result["notified"] = notify_published(session, settings, gs, result["id"])
    return result


@router.post("/check")
def check(
    draft: Annotated[dict[str, Any], Body(embed=True)],
    gs: GuidelinesDep,
    source: SourceDep,
    tempest_list: Annotated[
        str | None, Body(embed=True, description="`tempest run --list-tests` output")
    ] = None,
    against: Annotated[str | None, Query(description="default: the guideline it replaces")] = None,
) -> dict[str, Any]:
    """A draft's diff against the guideline it replaces and its readiness (tests in the given
    Tempest listing; required capabilities reaching the cut-off). Nothing is stored."""
    guideline = drafts.parse_upload(draft, source)
    return {
        "id": guideline.id,
        "diff": drafts.diff_against(gs.including(guideline), against, guideline),
        "readiness": drafts.readiness(guideline, tempest_list),
    }


@router.get("/{draft_id}")
def get_draft(draft_id: str, session: SessionDep) -> dict[str, Any]:
    """The published draft's guideline document."""
    return drafts.get(session, draft_id)


@router.delete("/{draft_id}", status_code=204)
def withdraw(draft_id: str, session: SessionDep, actor: ActorDep) -> Response:
    drafts.delete(session, actor, draft_id)
    return Response(status_code=204)
