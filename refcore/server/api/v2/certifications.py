"""refcore v2 certification: programs, declarations, requests and their pre-checks, the
Foundation's review (approve, deny, revoke), the public list of certificates (JSON and
CSV) and the audit log. See :mod:`refcore.services.certification` and docs/certification.md."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Query, Response

from refcore.server.api.schemas import ErrorBody
from refcore.server.deps import ActorDep, GuidelinesDep, SessionDep, TermsDep
from refcore.server.routing import Route
from refcore.services import audit, certificates, certification, review

router = APIRouter(
    tags=["v2 certification"],
    responses={
        400: {"model": ErrorBody},
        401: {"model": ErrorBody},
        403: {"model": ErrorBody},
        404: {"model": ErrorBody},
        409: {"model": ErrorBody},
        422: {"model": ErrorBody},
    },
    route_class=Route,
)

Status = Literal["valid", "expiring", "at-risk", "lapsed", "expired", "revoked"]


@router.get("/v2/certifications")
def listing(
    session: SessionDep,
    gs: GuidelinesDep,
    terms: TermsDep,
    status: Annotated[Status | None, Query()] = None,
    program: str | None = None,
    guideline: str | None = None,
    vendor: Annotated[str | None, Query(description="vendor id or name")] = None,
    product_type: Annotated[int | None, Query(ge=0, le=2)] = None,
    release: str | None = None,
) -> dict[str, Any]:
    """Every certificate (the public record), its status computed now."""
    filters = {
        "status": status,
        "program": program,
        "guideline": guideline,
        "vendor": vendor,
        "product_type": product_type,
        "release": release,
    }
    items = certificates.list_certificates(session, gs, terms, filters)
    return {
        "certificates": items,
        "count": len(items),
        "at": terms.now.strftime("%Y-%m-%dT%H:%M:%SZ"),
    }


@router.get("/v2/certifications.csv", response_class=Response)
def listing_csv(
    session: SessionDep,
    gs: GuidelinesDep,
    terms: TermsDep,
    status: Annotated[Status | None, Query()] = None,
    program: str | None = None,
    guideline: str | None = None,
    vendor: str | None = None,
    product_type: Annotated[int | None, Query(ge=0, le=2)] = None,
    release: str | None = None,
) -> Response:
    """The listing as CSV (same filters)."""
    filters = {
        "status": status,
        "program": program,
        "guideline": guideline,
        "vendor": vendor,
        "product_type": product_type,
        "release": release,
    }
    items = certificates.list_certificates(session, gs, terms, filters)
    return Response(
        certificates.certificates_csv(items),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="certifications.csv"'},
    )


@router.get("/v2/certifications/programs")
def programs(gs: GuidelinesDep) -> list[dict[str, Any]]:
    """The programs one may apply for, read from the guideline data."""
    return certification.programs(gs)


@router.get("/v2/certifications/template")
def template(gs: GuidelinesDep, guideline: str, program: str) -> dict[str, Any]:
    """A complete sections declaration to edit for a program of a guideline."""
    return certification.declaration_template(gs, guideline, program)


@router.get("/v2/certifications/requests")
def requests(
    session: SessionDep,
    actor: ActorDep,
    state: Annotated[Literal["pending", "blocked", "approved", "denied"] | None, Query()] = None,
) -> list[dict[str, Any]]:
    """Requests: all for the Foundation, your vendors' for anyone else."""
    return certification.list_requests(session, actor, state)


@router.post("/v2/certifications/requests", status_code=201)
def create_request(
    session: SessionDep,
    actor: ActorDep,
    gs: GuidelinesDep,
    terms: TermsDep,
    body: Annotated[dict[str, Any], Body()],
) -> dict[str, Any]:
    """Request a program: ``product_version_id``, ``program`` (e.g. storage), ``guideline``,
    ``run_ids`` (the first proves the program) and ``declaration`` (kind, release, projects,
    obligations; else the version's latest). The pre-checks come back at once."""
    return certification.request(session, actor, gs, terms, body)


@router.get("/v2/certifications/requests/{request_id}")
def show_request(request_id: str, session: SessionDep, actor: ActorDep) -> dict[str, Any]:
    return certification.get_request(session, actor, request_id)


@router.post("/v2/certifications/requests/{request_id}/approve")
def approve(
    request_id: str,
    session: SessionDep,
    actor: ActorDep,
    terms: TermsDep,
    reason: Annotated[str | None, Body(embed=True, max_length=2000)] = None,
    override: Annotated[
        str | None,
        Body(embed=True, max_length=2000, description="required when a pre-check failed"),
    ] = None,
    valid_until: Annotated[str | None, Body(embed=True, description="YYYY-MM-DD")] = None,
) -> dict[str, Any]:
    """Issue the certificate (Foundation)."""
    return certification.approve(
        session, actor, terms, request_id, reason=reason, override=override, valid_until=valid_until
    )


@router.post("/v2/certifications/requests/{request_id}/deny")
def deny(
    request_id: str,
    session: SessionDep,
    actor: ActorDep,
    terms: TermsDep,
    reason: Annotated[str, Body(embed=True, max_length=2000)],
) -> dict[str, Any]:
    """Deny with a reason the vendor sees (Foundation)."""
    return certification.deny(session, actor, terms, request_id, reason=reason)


@router.post("/v2/certifications/declarations", status_code=201)
def declare(
    session: SessionDep,
    actor: ActorDep,
    product_version_id: Annotated[str, Body(embed=True)],
    declaration: Annotated[Any, Body(embed=True)],
) -> dict[str, Any]:
    """A new numbered sections declaration for a product version (older ones stay)."""
    return certification.declare(session, actor, product_version_id, declaration)


@router.get("/v2/certifications/review")
def review_queue(session: SessionDep, actor: ActorDep) -> dict[str, Any]:
    """The Foundation's queue: pending vendors, requests, claimed runs not yet verified."""
    return review.queue(session, actor)


@router.get("/v2/certifications/{certificate_id}")
def show(
    certificate_id: str, session: SessionDep, gs: GuidelinesDep, terms: TermsDep
) -> dict[str, Any]:
    return certificates.certificate(session, gs, terms, certificate_id)


@router.post("/v2/certifications/{certificate_id}/revoke")
def revoke(
    certificate_id: str,
    session: SessionDep,
    actor: ActorDep,
    terms: TermsDep,
    reason: Annotated[str, Body(embed=True, max_length=2000)],
) -> dict[str, Any]:
    """Revoke with a reason (Foundation); the badge and the listing change at once."""
    return certification.revoke(session, actor, terms, certificate_id, reason=reason)


@router.get("/v2/audit")
def audit_log(
    session: SessionDep,
    actor: ActorDep,
    object_type: str | None = None,
    object_id: str | None = None,
    limit: Annotated[int, Query(ge=1, le=10000)] = 500,
) -> list[dict[str, Any]]:
    """The audit log, newest first: all of it for the Foundation, your vendors' objects'
    for anyone else."""
    return audit.events(session, actor, object_type=object_type, object_id=object_id, limit=limit)


@router.get("/v2/audit.csv", response_class=Response)
def audit_csv(
    session: SessionDep,
    actor: ActorDep,
    object_type: str | None = None,
    limit: Annotated[int, Query(ge=1, le=10000)] = 10000,
) -> Response:
    rows = audit.events(session, actor, object_type=object_type, limit=limit)
    return Response(
        audit.events_csv(rows),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="audit.csv"'},
    )
