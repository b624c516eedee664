"""refcore v2 ``/v2/guidelines`` and ``/v2/product-versions``: what runs are judged
against, and the runs of a product version."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from refcore.server.api.schemas import ErrorBody
from refcore.server.deps import GuidelinesDep
from refcore.server.routing import Route

router = APIRouter(
    prefix="/v2", tags=["v2 guidelines"], responses={404: {"model": ErrorBody}}, route_class=Route
)


@router.get("/guidelines")
def guidelines(gs: GuidelinesDep) -> list[dict[str, Any]]:
    """Every guideline with its kind, status and targets (ids for ``/v2/runs/<id>/report``)."""
    return [
        {
            "id": g.id,
            "kind": g.kind,
            "status": g.status,
            "schema": g.schema,
            "targets": list(g.targets),
        }
        for g in gs.values()
    ]


@router.get("/guidelines/{guideline_id}/tests")
def guideline_tests(
    guideline_id: str, gs: GuidelinesDep, target: str = "platform", flagged: bool = True
) -> list[str]:
    """The target's test list as JSON (v1 gives the same lines as text)."""
    return gs[guideline_id].test_list(target, flag=flagged)
