"""The public record of certificates: the listing (JSON, CSV, page), one certificate (its
badge), a product's certificates per version, and the Atom feed's entries. Statuses are
computed when read (:func:`refcore.core.certification.certificate_status`) from the
guideline data, the dates and the revocation, at :attr:`Terms.now`."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from refcore.core import certification as cert
from refcore.core.guidelines import GuidelineSet
from refcore.core.history import Freshness, FreshnessState
from refcore.errors import InvalidInput, NotFound
from refcore.services.audit import csv_text
from refcore.services.cloud_history import Policy, freshness_by_version, settings_now
from refcore.storage.models import (
    Certificate,
    CertificationRequest,
    Organization,
    Product,
    ProductVersion,
    SectionDeclaration,
)

__all__ = [
    "CSV_FIELDS",
    "FILTERS",
    "Terms",
    "certificate",
    "certificates_csv",
    "certified_targets",
    "feed_entries",
    "list_certificates",
    "product_certificates",
]

FILTERS = ("program", "guideline", "vendor", "product_type", "release", "status")
CSV_FIELDS = (
    "id",
    "vendor",
    "product",
    "product_type",
    "version",
    "program",
    "program_title",
    "guideline",
    "release",
    "status",
    "issued_at",
    "expires_at",
    "revoked_at",
    "revoke_reason",
    "freshness",
)
PRODUCT_TYPES = {0: "distribution", 1: "public cloud", 2: "hosted private cloud"}


@dataclass(frozen=True)
class Terms:
    """The clock and the Foundation's settings every certification answer uses."""

    now: datetime
    grace_days: int = 180
    expiring_days: int = 60
    max_run_age_days: int = 365
    require_signed: bool = False
    #: continuous compliance: days without a passing run before a certificate lapses
    lapse_days: int = 30

    @classmethod
    def from_settings(cls, settings: Any) -> Terms:
        return cls(
            settings_now(settings),
            settings.certification_grace_days,
            settings.certification_expiring_days,
            settings.certification_run_max_age_days,
            settings.certification_require_signed,
            settings.continuous_lapse_days,
        )


def _stamp(value: datetime | None) -> str | None:
    return value.strftime("%Y-%m-%dT%H:%M:%SZ") if value else None


def _rows(session: Session, *where: Any) -> list[Any]:
    query = (
        select(Certificate, ProductVersion, Product, Organization, SectionDeclaration.document)
        .join(ProductVersion, ProductVersion.id == Certificate.product_version_id)
        .join(Product, Product.id == ProductVersion.product_id)
        .join(Organization, Organization.id == Product.organization_id)
        .join(CertificationRequest, CertificationRequest.id == Certificate.request_id)
        .join(SectionDeclaration, SectionDeclaration.id == CertificationRequest.declaration_id)
        .where(*where)
        .order_by(Certificate.issued_at.desc(), Certificate.id)
    )
    return list(session.execute(query))


def _titles(gs: GuidelineSet) -> dict[tuple[str, str], str]:
    return {
        (g.id, key): t.title or key
        for g in gs.values()
        if g.kind in ("powered", "add-on", "legacy")
        for key, t in g.targets.items()
    }


def _items(session: Session, gs: GuidelineSet, terms: Terms, rows: list[Any]) -> list[dict[str, Any]]:  # fmt: skip
    """The rows as certificates, each with the freshness its product version's registered
    clouds give (one query for all)."""
    titles = _titles(gs)
    fresh = freshness_by_version(
        session,
        Policy(terms.now, lapse_days=terms.lapse_days),
        {(r[0].product_version_id, r[0].guideline, r[0].program) for r in rows},
    )
    return [
        _item(
            gs, terms, titles, r, fresh.get((r[0].product_version_id, r[0].guideline, r[0].program))
        )  # fmt: skip
        for r in rows
    ]


def _item(
    gs: GuidelineSet,
    terms: Terms,
    titles: dict[tuple[str, str], str],
    row: Any,
    fresh: FreshnessState | None,
) -> dict[str, Any]:
    c, version, product, org, document = row
    out_date = cert.guideline_out_date(gs, gs[c.guideline]) if c.guideline in gs else None
    status, expires = cert.certificate_status(
        now=terms.now,
        valid_until=c.valid_until,
        guideline_out=out_date,
        grace_days=terms.grace_days,
        expiring_days=terms.expiring_days,
        revoked_at=c.revoked_at,
        freshness=fresh.status if fresh is not None else Freshness.UNTRACKED,
    )
    return {
        "id": c.id,
        "status": status.value,
        "program": c.program,
        "program_title": titles.get((c.guideline, c.program), c.program),
        "guideline": c.guideline,
        "release": json.loads(document).get("release"),
        "vendor": {"id": org.id, "name": org.name},
        "product": {
            "id": product.id,
            "name": product.name,
            "product_type": product.product_type,
            "type_name": PRODUCT_TYPES.get(product.product_type, str(product.product_type)),
        },
        "version": {"id": version.id, "version": version.version},
        "issued_at": _stamp(c.issued_at),
        "expires_at": _stamp(expires),
        "revoked_at": _stamp(c.revoked_at),
        "revoke_reason": c.revoke_reason,
        "badge": f"/badges/{c.id}.svg",
        # continuous testing of the product version (None: no registered cloud ran it)
        "freshness": _public_freshness(fresh),
    }


def _public_freshness(fresh: FreshnessState | None) -> dict[str, Any] | None:
    """What the public record says of continuous testing: the status, the last run and
    the last passing run's dates, the reason; never a run id (runs may be private)."""
    if fresh is None:
        return None
    d = fresh.to_dict()
    keys = ("status", "last_run_at", "last_pass_at", "days_since_pass", "at_risk_since", "lapses_at", "reason")  # fmt: skip
    return {k: d[k] for k in keys}


def list_certificates(
    session: Session, gs: GuidelineSet, terms: Terms, filters: dict[str, Any] | None = None
) -> list[dict[str, Any]]:
    """Every certificate (public record), newest first, filtered by program, guideline,
    vendor (id or name), product_type, release and status."""
    f = {k: v for k, v in (filters or {}).items() if v not in (None, "")}
    unknown = sorted(set(f) - set(FILTERS))
    if unknown:
        raise InvalidInput(
            f"Unknown filter {', '.join(unknown)}", errors=[f"filters: {', '.join(FILTERS)}"]
        )
    if "status" in f and f["status"] not in {s.value for s in cert.Status}:
        raise InvalidInput(
            f"Unknown status {f['status']!r}",
            errors=[f"status: one of {', '.join(s.value for s in cert.Status)}"],
        )
    where: list[Any] = []
    if "guideline" in f:
        where.append(Certificate.guideline == str(f["guideline"]))
    if "product_type" in f:
        try:
            where.append(Product.product_type == int(f["product_type"]))
        except ValueError:
            raise InvalidInput("product_type is 0, 1 or 2") from None
    if "vendor" in f:
        v = str(f["vendor"])
        where.append((Organization.id == v) | (Organization.name == v))
    items = _items(session, gs, terms, _rows(session, *where))
    if "program" in f:
        p = str(f["program"]).lower()
        items = [
            i
            for i in items
            if p
            in (i["program"], i["program_title"].lower(), i["program_title"].split()[-1].lower())
        ]
    if "release" in f:
        items = [i for i in items if i["release"] == f["release"]]
    if "status" in f:
        items = [i for i in items if i["status"] == f["status"]]
    return items


def certificate(
    session: Session, gs: GuidelineSet, terms: Terms, certificate_id: str
) -> dict[str, Any]:
    rows = _rows(session, Certificate.id == certificate_id)
    if not rows:
        raise NotFound(f"Certificate {certificate_id} not found")
    return _items(session, gs, terms, rows[:1])[0]


def product_certificates(
    session: Session, gs: GuidelineSet, terms: Terms, product_id: str
) -> dict[str | None, list[dict[str, Any]]]:
    """A product's certificates grouped by version (newest first within each)."""
    out: dict[str | None, list[dict[str, Any]]] = {}
    for item in _items(session, gs, terms, _rows(session, Product.id == product_id)):
        out.setdefault(item["version"]["version"], []).append(item)
    return out


def certified_targets(
    session: Session, gs: GuidelineSet, terms: Terms, product_id: str
) -> set[str]:
    """Programs the product holds a certificate for that is valid now (or expiring)."""
    return {
        i["program"]
        for items in product_certificates(session, gs, terms, product_id).values()
        for i in items
        if i["status"] in cert.STANDING
    }


def standing_by_version(
    session: Session, gs: GuidelineSet, terms: Terms, version_ids: list[str], program: str
) -> dict[str, list[dict[str, Any]]]:
    """product version id -> its certificates for ``program`` that stand now (valid or
    expiring): what a change of guideline would put at stake."""
    if not version_ids:
        return {}
    out: dict[str, list[dict[str, Any]]] = {}
    rows = _rows(
        session,
        Certificate.product_version_id.in_(sorted(set(version_ids))),
        Certificate.program == program,
    )
    for item in _items(session, gs, terms, rows):
        if item["status"] in cert.STANDING:
            out.setdefault(item["version"]["id"], []).append(item)
    return out


def certificates_csv(items: list[dict[str, Any]]) -> str:
    return csv_text(
        CSV_FIELDS,
        [
            [
                i["id"],
                i["vendor"]["name"],
                i["product"]["name"],
                i["product"]["type_name"],
                i["version"]["version"],
                i["program"],
                i["program_title"],
                i["guideline"],
                i["release"],
                i["status"],
                i["issued_at"],
                i["expires_at"],
                i["revoked_at"],
                i["revoke_reason"],
                (i["freshness"] or {}).get("status", "untracked"),
            ]
            for i in items
        ],
    )


def feed_entries(items: list[dict[str, Any]], terms: Terms) -> list[dict[str, Any]]:
    """What happened to certificates, newest first: issued, expiring (from the day the
    expiring window opens), expired, revoked, at risk and lapsed (continuous testing: the
    certificate's current episode) — only what has happened by ``terms.now``."""
    entries: list[dict[str, Any]] = []
    now = _stamp(terms.now) or ""
    for i in items:
        entries.append({"event": "issued", "at": i["issued_at"], "certificate": i})
        if i["expires_at"]:
            ends = datetime.strptime(i["expires_at"], "%Y-%m-%dT%H:%M:%SZ")
            warn = _stamp(ends - timedelta(days=terms.expiring_days)) or ""
            if warn <= now and not (i["revoked_at"] and i["revoked_at"] <= warn):
                entries.append({"event": "expiring", "at": warn, "certificate": i})
            if i["expires_at"] <= now and not (
                i["revoked_at"] and i["revoked_at"] <= i["expires_at"]
            ):
                entries.append({"event": "expired", "at": i["expires_at"], "certificate": i})
        if i["revoked_at"]:
            entries.append({"event": "revoked", "at": i["revoked_at"], "certificate": i})
        # continuous testing: the episode the certificate is in now
        fresh = i["freshness"] or {}
        if i["status"] == cert.Status.AT_RISK and fresh.get("at_risk_since"):
            entries.append({"event": "at-risk", "at": fresh["at_risk_since"], "certificate": i})
        if i["status"] == cert.Status.LAPSED and fresh.get("lapses_at"):
            entries.append({"event": "lapsed", "at": fresh["lapses_at"], "certificate": i})
    return sorted(entries, key=lambda e: e["at"], reverse=True)
