"""refcore v2 ``/v2/guidelines/{a}/diff/{b}``: what changed between two guidelines
(:func:`refcore.core.diff.diff_guidelines`, the JSON of ``refcore guidelines diff --json``)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from refcore.core.diff import diff_guidelines
from refcore.server.api.schemas import ErrorBody
from refcore.server.deps import GuidelinesDep

router = APIRouter(
    prefix="/v2/guidelines", tags=["v2 guidelines"], responses={404: {"model": ErrorBody}}
)


@router.get("/{a}/diff/{b}")
def diff(a: str, b: str, gs: GuidelinesDep) -> dict[str, Any]:
    """Capabilities added/removed, status changes per target, tests added/removed/
    renamed/moved (by idempotent id), flags, designated sections, weights, cut-off."""
    return diff_guidelines(gs[a], gs[b]).to_dict()
