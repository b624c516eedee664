"""refcore v2 ``/v2/verdicts``: may a product use the OpenStack marks it claims under
a guideline? A product profile (JSON) x a guideline, with a stored run as evidence."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter
from pydantic import BaseModel, Field

from refcore.core.tc_rules import Policy
from refcore.server.api.schemas import ErrorBody
from refcore.server.deps import ActorDep, DatabaseDep, GuidelinesDep
from refcore.server.routing import Route
from refcore.services import verdicts

router = APIRouter(
    prefix="/v2/verdicts",
    tags=["v2 verdicts"],
    responses={
        400: {"model": ErrorBody},
        401: {"model": ErrorBody},
        404: {"model": ErrorBody},
        422: {"model": ErrorBody},
    },
    route_class=Route,
)


class VerdictRequest(BaseModel):
    profile: Any = Field(
        description="The product profile (refcore/core/schemas/product-profile.schema.json) "
        "as an object, or its YAML/JSON text. Evidence: evidence.run_id (a stored run); "
        "a usage declaration must be inline."
    )
    guideline: str = Field(description="Guideline id, e.g. 2020.06 or havana.")
    run_id: str | None = Field(None, description="A stored run; overrides evidence.run_id.")
    policy: Policy = Field(
        Policy.APPROVED_TEXT,
        description="What the TC's rule 8 decides for code no rule covers.",
    )
    enforce_advisory: bool = Field(
        False, description="Judge a non-binding (advisory, draft) guideline as if binding."
    )
    historical: bool = Field(
        False,
        description="Judge under a superseded (or no longer current) guideline as of its "
        "time; without it such a guideline refuses (a new validation cannot use it).",
    )
    assume: dict[str, Literal["none", "all", "published"]] = Field(
        default_factory=dict, description="What-if designation per project."
    )


@router.post("")
def decide(
    body: VerdictRequest, db: DatabaseDep, actor: ActorDep, gs: GuidelinesDep
) -> dict[str, Any]:
    """Per claimed program: allowed, refused or not_applicable, with machine-readable
    reasons (docs/verdicts.md). An invalid profile is a 422 listing every problem."""
    guideline = gs[body.guideline]
    with db.read() as session:  # only reads: no write lock for a verdict
        return verdicts.verdict(
            session,
            actor,
            guideline,
            body.profile,
            run_id=body.run_id,
            policy=body.policy,
            enforce_advisory=body.enforce_advisory,
            assume=body.assume,
            current=gs.validation_guidelines(guideline),
            historical=body.historical,
        )
