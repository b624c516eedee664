"""refcore v2 ``/v2/guidelines/{a}/diff/{b}``: what changed between two guidelines
(:func:`refcore.core.diff.diff_guidelines`, the JSON of ``refcore guidelines diff --json``)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body

from refcore.core.diff import diff_guidelines
from refcore.server.api.schemas import ErrorBody
from refcore.server.deps import GuidelinesDep, SessionDep, SourceDep
from refcore.server.routing import Route
from refcore.services import drafts

router = APIRouter(
    prefix="/v2/guidelines",
    tags=["v2 guidelines"],
    responses={404: {"model": ErrorBody}},
    route_class=Route,
)


@router.get("/{a}/diff/{b}")
def diff(a: str, b: str, gs: GuidelinesDep, session: SessionDep) -> dict[str, Any]:
    """Capabilities added/removed, status changes per target, tests added/removed/
    renamed/moved (by idempotent id), flags, designated sections, weights, cut-off.
    Either may be a published draft."""
    ga, _ = drafts.resolve(session, gs, a)
    gb, _ = drafts.resolve(session, gs, b)
    return diff_guidelines(ga, gb).to_dict()


@router.post("/{a}/diff")
def diff_draft(
    a: str,
    draft: Annotated[dict[str, Any], Body(description="the draft guideline document")],
    gs: GuidelinesDep,
    source: SourceDep,
) -> dict[str, Any]:
    """What changed from guideline ``a`` to the draft sent in the body (nothing is stored)."""
    return drafts.diff_against(gs, a, drafts.parse_upload(draft, source))
