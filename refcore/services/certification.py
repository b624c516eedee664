"""Certification requests: a vendor's sections declaration and request, the pre-checks the
server computes at once (:func:`refcore.core.certification.pre_checks`), the Foundation's
decision, certificates issued and revoked. Every change lands in the audit log in the
same transaction (:mod:`refcore.services.audit`).

States of a request: ``pending`` (every pre-check passed; waiting for the Foundation),
``blocked`` (a pre-check failed; the vendor fixes it and asks again, or the Foundation
approves with a recorded override), ``approved`` (a certificate was issued), ``denied``.
"""

from __future__ import annotations

import json
import uuid
from datetime import datetime
from typing import Any

import yaml
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from refcore.core import certification as cert
from refcore.core import yamltext
from refcore.core.guidelines import GuidelineSet
from refcore.core.profiles import PROGRAMS, Profile
from refcore.errors import Conflict, Forbidden, InvalidInput, NotFound, ProfileError
from refcore.services import audit
from refcore.services.accounts import Actor
from refcore.services.certificates import Terms, certified_targets
from refcore.services.runs_read import OWNER, get_run
from refcore.services.testruns import load_testrun
from refcore.storage.models import (
    Certificate,
    CertificationRequest,
    Organization,
    Product,
    ProductVersion,
    SectionDeclaration,
    User,
)

__all__ = [
    "KIND_OF_PRODUCT",
    "approve",
    "declaration_template",
    "declare",
    "deny",
    "get_request",
    "list_requests",
    "programs",
    "request",
    "revoke",
]

#: RefStack's product_type -> the profile's kind
KIND_OF_PRODUCT = {0: "distribution", 1: "public-cloud", 2: "hosted-private-cloud"}
#: what a declaration may say (the rest of a product profile comes from the request)
_DECLARED = ("kind", "release", "projects", "obligations", "description")
_MAX_RUNS = 5
_MAX_TEXT = 2000


def programs(gs: GuidelineSet) -> list[dict[str, Any]]:
    """The programs one may apply for, from the guideline data."""
    return [p.to_dict() for p in cert.programs(gs)]


def _target(gs: GuidelineSet, guideline: str, program: str) -> tuple[Any, str]:
    g = gs[guideline]  # GuidelineNotFound: 404
    try:
        return g, cert.resolve_program(g, program)
    except KeyError:
        known = ", ".join(
            f"{k} ({t.title})" if t.title and t.title != k else k for k, t in g.targets.items()
        )
        raise InvalidInput(
            f"Guideline {g.id} has no program {program!r}", errors=[f"programs: {known}"]
        ) from None


def declaration_template(gs: GuidelineSet, guideline: str, program: str) -> dict[str, Any]:
    """A complete declaration to edit: every designated section of the projects the program
    requires, as ``included`` (upstream)."""
    g, target = _target(gs, guideline, program)
    from refcore.core.sections import program_projects

    projects: dict[str, Any] = {}
    for project, req in sorted(program_projects(g, target).items()):
        if not req.binding:
            continue
        sections = {s.name: "included" for grp in g.sections_for(project) for s in grp.sections}
        projects[project] = {"deployed": True, **({"sections": sections} if sections else {})}
    return {
        "guideline": g.id,
        "program": target,
        "release": g.releases[-1] if g.releases else None,
        "projects": projects,
        "obligations": {"foundation_member": True, "trademark_agreement": True},
    }


# -- declarations -----------------------------------------------------------------------------
def _version(session: Session, version_id: str) -> tuple[ProductVersion, Product, Organization]:
    row = session.execute(
        select(ProductVersion, Product, Organization)
        .join(Product, Product.id == ProductVersion.product_id)
        .join(Organization, Organization.id == Product.organization_id)
        .where(ProductVersion.id == str(version_id))
    ).one_or_none()
    if row is None:
        raise NotFound(f"Product version {version_id} not found")
    return row[0], row[1], row[2]


def _managed_version(
    session: Session, actor: Actor, version_id: Any
) -> tuple[ProductVersion, Product, Organization]:
    actor.require_login()
    if not isinstance(version_id, str) or not version_id:
        raise InvalidInput("product_version_id is required (a product version's id)")
    version, product, org = _version(session, version_id)
    if not actor.admin_of(org.id):
        raise Forbidden("Only the vendor's admins may declare or request for its products.")
    return version, product, org


def _document(data: Any) -> dict[str, Any]:
    if isinstance(data, str):
        try:
            data = yamltext.safe_load(data)
        except yaml.YAMLError:
            raise ProfileError("declaration: not YAML or JSON") from None
    if not isinstance(data, dict) or not data:
        raise ProfileError(
            "declaration: the declaration is empty; it needs release, projects (each with "
            "deployed and its sections) and obligations",
            errors=["/: an object with release, projects and obligations"],
        )
    return {k: data[k] for k in _DECLARED if k in data}


def _profile(doc: dict[str, Any], product: Product, org: Organization, target: str) -> Profile:
    program = target if target in PROGRAMS else None
    if program is None:
        raise InvalidInput(f"The verdict engine does not know the program {target!r}")
    data = {
        "profile_version": 1,
        "vendor": org.name,
        "product": product.name,
        "kind": KIND_OF_PRODUCT.get(product.product_type, "distribution"),
        "programs": [program],
        **doc,
    }
    if data.get("kind") == "client-library":
        data.pop("release", None)
        data.pop("projects", None)
    return Profile.from_dict(data, source="declaration")


def declare(
    session: Session, actor: Actor, version_id: Any, data: Any, *, commit: bool = True
) -> dict[str, Any]:
    """Store a new numbered declaration for a product version; the older ones stay."""
    version, product, org = _managed_version(session, actor, version_id)
    doc = _document(data)
    Profile.from_dict(
        {
            "profile_version": 1,
            "vendor": org.name,
            "product": product.name,
            "kind": KIND_OF_PRODUCT.get(product.product_type, "distribution"),
            "programs": ["platform"],
            **doc,
        },
        source="declaration",
    )  # every problem at once, with its JSON pointer (422)
    number = (
        session.scalar(
            select(func.max(SectionDeclaration.number)).where(
                SectionDeclaration.product_version_id == version.id
            )
        )
        or 0
    ) + 1
    row = SectionDeclaration(
        product_version_id=version.id,
        number=number,
        document=json.dumps(doc, sort_keys=True),
        declared_by=actor.user_id,
    )
    session.add(row)
    session.flush()
    audit.record(
        session,
        actor,
        "declare",
        "declaration",
        str(row.id),
        org_id=org.id,
        after={"product_version_id": version.id, "number": number, **doc},
    )
    if commit:
        session.commit()
    return {"id": row.id, "product_version_id": version.id, "number": number, "document": doc}


def _latest_declaration(session: Session, version_id: str) -> SectionDeclaration | None:
    return session.scalar(
        select(SectionDeclaration)
        .where(SectionDeclaration.product_version_id == version_id)
        .order_by(SectionDeclaration.number.desc())
        .limit(1)
    )


# -- requests ---------------------------------------------------------------------------------
def _run_ids(value: Any) -> list[str]:
    if value is None:
        value = []
    if isinstance(value, str):
        value = [value]
    if (
        not isinstance(value, list)
        or len(value) > _MAX_RUNS
        or not all(isinstance(v, str) and v for v in value)
    ):
        raise InvalidInput(
            "run_ids: up to 5 run ids; the first proves the program, the others may prove "
            "an add-on's platform component"
        )
    return list(dict.fromkeys(value))


def request(
    session: Session,
    actor: Actor,
    gs: GuidelineSet,
    terms: Terms,
    body: dict[str, Any],
) -> dict[str, Any]:
    """Submit a request; the pre-checks and the verdict are computed and kept with it."""
    version, product, org = _managed_version(session, actor, body.get("product_version_id"))
    program, guideline = body.get("program"), body.get("guideline")
    if not isinstance(program, str) or not isinstance(guideline, str):
        raise InvalidInput("program and guideline are required (strings)")
    g, target = _target(gs, guideline, program)
    run_ids = _run_ids(body.get("run_ids"))
    runs = [get_run(session, actor, rid, level=OWNER)[0] for rid in run_ids]
    if body.get("declaration") is not None:
        declared = declare(session, actor, version.id, body["declaration"], commit=False)
        declaration = session.get(SectionDeclaration, declared["id"])
    else:
        declaration = _latest_declaration(session, version.id)
    if declaration is None:
        raise InvalidInput(
            "No sections declaration for this product version: give one as declaration "
            "(GET /v2/certifications/template shows a complete one to edit)"
        )
    doc = json.loads(declaration.document)
    profile = _profile(doc, product, org, target)
    evidence = [
        cert.Evidence(r.id, load_testrun(session, r), r.created_at, bool(r.signed)) for r in runs
    ]
    checks, verdict = cert.pre_checks(
        gs,
        g,
        target,
        profile,
        evidence,
        certified_targets=certified_targets(session, gs, terms, product.id),
        now=terms.now,
        rules=cert.Rules(terms.max_run_age_days, terms.require_signed),
    )
    passed = all(c.passed for c in checks)
    row = CertificationRequest(
        id=str(uuid.uuid4()),
        product_version_id=version.id,
        program=target,
        guideline=g.id,
        run_ids=json.dumps(run_ids),
        declaration_id=declaration.id,
        state="pending" if passed else "blocked",
        checks=json.dumps([c.to_dict() for c in checks]),
        verdict=json.dumps(verdict.to_dict()),
        requested_by=actor.user_id,
        requested_at=terms.now,
    )
    session.add(row)
    session.flush()
    audit.record(
        session,
        actor,
        "request",
        "request",
        row.id,
        org_id=org.id,
        after={
            "state": row.state,
            "program": target,
            "guideline": g.id,
            "product_version_id": version.id,
            "run_ids": run_ids,
            "declaration": declaration.number,
            "failed_checks": [c.name for c in checks if not c.passed],
        },
    )
    session.commit()
    return get_request(session, actor, row.id)


def _load(session: Session, request_id: str) -> tuple[CertificationRequest, str]:
    row = session.get(CertificationRequest, request_id)
    if row is None:
        raise NotFound(f"Certification request {request_id} not found")
    _, _, org = _version(session, row.product_version_id)
    return row, org.id


def _openid(session: Session, user_id: int | None) -> str | None:
    if user_id is None:
        return None
    return session.scalar(select(User.openid).where(User.id == user_id))


def _request_dict(session: Session, row: CertificationRequest) -> dict[str, Any]:
    version, product, org = _version(session, row.product_version_id)
    declaration = session.get(SectionDeclaration, row.declaration_id)
    certificate = session.scalar(select(Certificate.id).where(Certificate.request_id == row.id))
    checks = json.loads(row.checks)
    return {
        "id": row.id,
        "state": row.state,
        "program": row.program,
        "guideline": row.guideline,
        "product": {"id": product.id, "name": product.name, "product_type": product.product_type},
        "vendor": {"id": org.id, "name": org.name, "type": org.type},
        "product_version": {"id": version.id, "version": version.version},
        "run_ids": json.loads(row.run_ids),
        "declaration": {
            "id": row.declaration_id,
            "number": declaration.number if declaration else None,
            "document": json.loads(declaration.document) if declaration else None,
        },
        "checks": checks,
        "checks_passed": all(c["passed"] for c in checks),
        "failed_checks": [c["name"] for c in checks if not c["passed"]],
        "verdict": json.loads(row.verdict),
        "requested_by": _openid(session, row.requested_by),
        "requested_at": _stamp(row.requested_at),
        "decided_by": _openid(session, row.decided_by),
        "decided_at": _stamp(row.decided_at),
        "reason": row.reason,
        "override": row.override,
        "certificate_id": certificate,
    }


def _stamp(value: datetime | None) -> str | None:
    return value.strftime("%Y-%m-%dT%H:%M:%SZ") if value else None


def get_request(session: Session, actor: Actor, request_id: str) -> dict[str, Any]:
    """One request: the Foundation and the vendor's admins."""
    actor.require_login()
    row, org_id = _load(session, request_id)
    if not actor.admin_of(org_id):
        raise Forbidden("Only the vendor's admins and the Foundation see a request.")
    return _request_dict(session, row)


def list_requests(session: Session, actor: Actor, state: str | None = None) -> list[dict[str, Any]]:
    """Newest first: all for the Foundation, the caller's vendors' for anyone else."""
    actor.require_login()
    if state is not None and state not in ("pending", "blocked", "approved", "denied"):
        raise InvalidInput(
            f"Unknown state {state!r}", errors=["one of: pending, blocked, approved, denied"]
        )
    query = (
        select(CertificationRequest)
        .join(ProductVersion, ProductVersion.id == CertificationRequest.product_version_id)
        .join(Product, Product.id == ProductVersion.product_id)
        .order_by(CertificationRequest.requested_at.desc(), CertificationRequest.id)
    )
    if not actor.is_foundation:
        query = query.where(Product.organization_id.in_(sorted(actor.org_ids)))
    if state is not None:
        query = query.where(CertificationRequest.state == state)
    return [_request_dict(session, r) for r in session.scalars(query)]


def _text(value: Any, name: str, *, required: bool) -> str | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise InvalidInput(f"A {name} is required")
        return None
    if not isinstance(value, str) or len(value) > _MAX_TEXT:
        raise InvalidInput(f"{name} must be text of at most {_MAX_TEXT} characters")
    return value.strip()


def _decidable(session: Session, actor: Actor, request_id: str) -> tuple[CertificationRequest, str]:
    actor.require_login()
    if not actor.is_foundation:
        raise Forbidden("Only the Foundation decides certification requests.")
    row, org_id = _load(session, request_id)
    if row.state not in ("pending", "blocked"):
        raise Conflict(f"Request {row.id} is already {row.state}")
    return row, org_id


def approve(
    session: Session,
    actor: Actor,
    terms: Terms,
    request_id: str,
    *,
    reason: Any = None,
    override: Any = None,
    valid_until: Any = None,
) -> dict[str, Any]:
    """Issue the certificate. A request whose pre-checks failed needs ``override``: the
    Foundation's reason, kept with the request and in the audit log."""
    row, org_id = _decidable(session, actor, request_id)
    reason_text = _text(reason, "reason", required=False)
    override_text = _text(override, "override", required=False)
    failed = [c["name"] for c in json.loads(row.checks) if not c["passed"]]
    if failed and override_text is None:
        raise Conflict(
            f"Pre-checks failed ({', '.join(failed)}): approve only with an explicit override "
            "reason"
        )
    until = _until(valid_until, terms.now)
    before = {"state": row.state}
    row.state, row.decided_by, row.decided_at = "approved", actor.user_id, terms.now
    row.reason, row.override = reason_text, override_text if failed else None
    certificate = Certificate(
        id=str(uuid.uuid4()),
        request_id=row.id,
        product_version_id=row.product_version_id,
        program=row.program,
        guideline=row.guideline,
        issued_at=terms.now,
        issued_by=actor.user_id,
        valid_until=until,
    )
    session.add(certificate)
    audit.record(
        session,
        actor,
        "approve",
        "request",
        row.id,
        org_id=org_id,
        before=before,
        after={"state": "approved", "reason": reason_text, "override": row.override},
        at=terms.now,
    )
    audit.record(
        session,
        actor,
        "issue",
        "certificate",
        certificate.id,
        org_id=org_id,
        after={
            "request_id": row.id,
            "program": row.program,
            "guideline": row.guideline,
            "valid_until": _stamp(until),
        },
        at=terms.now,
    )
    session.commit()
    return _request_dict(session, row)


def _until(value: Any, now: datetime) -> datetime | None:
    if value is None or value == "":
        return None
    try:
        until = datetime.fromisoformat(str(value)).replace(tzinfo=None)
    except ValueError:
        raise InvalidInput(f"valid_until {value!r} is not a date (YYYY-MM-DD)") from None
    if until <= now:
        raise InvalidInput(f"valid_until {value} is not in the future")
    return until


def deny(
    session: Session, actor: Actor, terms: Terms, request_id: str, *, reason: Any
) -> dict[str, Any]:
    """Deny with a reason the vendor sees."""
    row, org_id = _decidable(session, actor, request_id)
    text = _text(reason, "reason", required=True)
    before = {"state": row.state}
    row.state, row.decided_by, row.decided_at, row.reason = "denied", actor.user_id, terms.now, text
    audit.record(
        session,
        actor,
        "deny",
        "request",
        row.id,
        org_id=org_id,
        before=before,
        after={"state": "denied", "reason": text},
        at=terms.now,
    )
    session.commit()
    return _request_dict(session, row)


def revoke(
    session: Session, actor: Actor, terms: Terms, certificate_id: str, *, reason: Any
) -> dict[str, Any]:
    """Revoke a certificate with a reason (Foundation only); shown wherever it is."""
    actor.require_login()
    if not actor.is_foundation:
        raise Forbidden("Only the Foundation revokes certificates.")
    row = session.get(Certificate, certificate_id)
    if row is None:
        raise NotFound(f"Certificate {certificate_id} not found")
    if row.revoked_at is not None:
        raise Conflict(f"Certificate {row.id} is already revoked")
    text = _text(reason, "reason", required=True)
    _, _, org = _version(session, row.product_version_id)
    row.revoked_at, row.revoked_by, row.revoke_reason = terms.now, actor.user_id, text
    audit.record(
        session,
        actor,
        "revoke",
        "certificate",
        row.id,
        org_id=org.id,
        before={"revoked": False},
        after={"revoked": True, "reason": text},
        at=terms.now,
    )
    session.commit()
    return {"id": row.id, "revoked_at": _stamp(row.revoked_at), "reason": text}
