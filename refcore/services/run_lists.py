"""Run lists as people read them (community, mine, a product's): each run with its
pass percentage and whether it meets the guideline and target it claims, or the
one the reader chose; filters for guideline, target, product, vendor, verification
and dates. The web pages and their JSON/CSV downloads format what :func:`browse`
returns, nothing else.

Each run's figures are its stored report (:func:`refcore.services.reports.report_data`,
the body of ``GET /v2/runs/{id}/report``), so a row, the report page and the API give
the same percentage. The guideline a row is evaluated against is
:func:`refcore.services.reports.choose`'s: the reader's choice, else the run's claim,
else the latest approved guideline (the report page opens on the same one).

A page number past the end shows the last page (with a note); page numbers are
whole numbers, anything else is refused.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from refcore.errors import Forbidden, InvalidInput, NotFound
from refcore.services import fields, reports, runs_read
from refcore.services.accounts import Actor
from refcore.services.guidelines import GuidelineSource
from refcore.storage import repositories as repo
from refcore.storage.models import Organization, Product, ProductVersion, Run

__all__ = ["SCOPES", "RunList", "RunListQuery", "browse", "csv_rows", "version_trend"]

#: community: shared and anonymous runs; mine: the actor's own; product: one product's
SCOPES = ("community", "mine", "product")
VERIFIED = {"": None, "yes": 1, "no": 0}
#: how a typed page number may look at most (no 4,300-digit integers)
_PAGE_DIGITS = 12


@dataclass
class RunListQuery:
    """What the reader asked for; every value as typed (strings), checked by :func:`browse`."""

    scope: str = "community"
    guideline: str = ""
    target: str = ""
    #: "1": only runs that claim the guideline (and the target, when given)
    claims: str = ""
    product: str = ""
    vendor: str = ""
    verified: str = ""
    start: str = ""
    end: str = ""
    page: str = ""


@dataclass
class RunList:
    items: list[dict[str, Any]]
    current_page: int
    total_pages: int
    total: int
    per_page: int
    #: the guideline and target every row is evaluated against, when the reader chose one
    guideline: str | None = None
    target: str | None = None
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "total": self.total,
            "page": self.current_page,
            "total_pages": self.total_pages,
            "per_page": self.per_page,
            "guideline": self.guideline,
            "target": self.target,
            "notes": self.notes,
            "items": self.items,
        }


def _day(value: str, end: bool, label: str) -> datetime | None:
    value = value.strip()
    if not value:
        return None
    try:
        if len(value) != len("YYYY-MM-DD"):
            raise ValueError(value)
        day = datetime.strptime(value, "%Y-%m-%d")
    except ValueError:
        raise InvalidInput(f"{label} date {value[:40]!r} is not a date: use YYYY-MM-DD") from None
    return day.replace(hour=23, minute=59, second=59) if end else day


def _page(value: str) -> int:
    value = value.strip()
    if not value:
        return 1
    if not value.isdigit() or len(value) > _PAGE_DIGITS:
        raise InvalidInput(f"Page {value[:40]!r} is not a page number: use 1, 2, 3...")
    return max(int(value), 1)


def _versions_of(session: Session, product_ids: list[str]) -> list[str]:
    if not product_ids:
        return []
    return list(
        session.scalars(select(ProductVersion.id).where(ProductVersion.product_id.in_(product_ids)))
    )


def _product(session: Session, actor: Actor, product_id: str) -> Product:
    product = session.get(Product, product_id.strip())
    if product is None:
        raise NotFound(f"Product {product_id[:64]!r} not found")
    if not (product.public or actor.admin_of(product.organization_id)):
        raise Forbidden("This product is private: only its vendor's admins see its runs")
    return product


def _filter(session: Session, actor: Actor, q: RunListQuery) -> repo.RunFilter:
    if q.scope not in SCOPES:
        raise InvalidInput(f"Unknown list {q.scope!r}")
    flt = repo.RunFilter(start=_day(q.start, False, "From"), end=_day(q.end, True, "To"))
    if flt.start and flt.end and flt.start > flt.end:
        raise InvalidInput("The From date is after the To date")
    if q.verified.strip() not in VERIFIED:
        raise InvalidInput(f"Verified must be yes, no or empty, not {q.verified[:40]!r}")
    flt.verification_status = VERIFIED[q.verified.strip()]
    if q.scope == "mine":
        actor.require_login()
        flt.visible = Run.owner_id == actor.user_id
    elif q.scope == "product":
        product = _product(session, actor, q.product)
        flt.version_ids = _versions_of(session, [product.id])
        # a vendor's admins see every run of their product; others the listed ones
        flt.listed = not actor.admin_of(product.organization_id)
    else:
        flt.listed = True
    if q.product.strip() and q.scope != "product":
        flt.version_ids = _versions_of(session, [_product(session, actor, q.product).id])
    if q.vendor.strip():
        org = session.get(Organization, q.vendor.strip())
        if org is None:
            raise NotFound(f"Vendor {q.vendor[:64]!r} not found")
        readable = [
            p.id
            for p in session.scalars(select(Product).where(Product.organization_id == org.id))
            if p.public or actor.admin_of(org.id)
        ]
        versions = _versions_of(session, readable)
        if flt.version_ids is not None:
            versions = [v for v in versions if v in set(flt.version_ids)]
        flt.version_ids = versions
    return flt


def _evaluated(
    session: Session,
    actor: Actor,
    source: GuidelineSource,
    items: list[dict[str, Any]],
    guideline: str | None,
    target: str | None,
) -> list[dict[str, Any]]:
    """The items with their evaluation: each run's report for the guideline and target
    :func:`reports.choose` gives it. The page's stored reports are read in one query,
    their ``meets`` and ``summary`` only (those computed under :func:`reports.cache_key`,
    as the report's own read takes them); a report not stored yet, or stored without
    its summary, comes from :func:`reports.report_data`, the report page's own function."""
    gs = source.get()
    picks = [reports.choose(gs, item["meta"], guideline, target) for item in items]
    stored = reports.stored_outlines(
        session,
        [(item["id"], g.id, t) for item, (g, t, _) in zip(items, picks, strict=True)],
        source,
    )
    out = []
    for item, (g, t, note) in zip(items, picks, strict=True):
        outline = stored.get((item["id"], g.id, t))
        if outline is not None:
            meets, summary = outline[0], json.loads(outline[1])
        else:
            report = reports.report_data(session, actor, item["id"], source, g.id, t)
            meets, summary = bool(report.get("meets")), report.get("summary", {})
        claim_g = (item["meta"].get("guideline") or "").removesuffix(".json") or None
        item["claims"] = {"guideline": claim_g, "target": item["meta"].get("target")}
        item["evaluation"] = {
            "guideline": g.id,
            "target": t,
            "chosen": guideline is not None,
            "meets": meets,
            "pass_percent": summary.get("nonFlagRequiredPassPercent"),
            "required_passed": summary.get("nonFlagPassCount"),
            "required_total": summary.get("totalNonFlagCount"),
            "note": note,
        }
        item["verified"] = item["verification_status"] == 1
        out.append(item)
    return out


def browse(
    session: Session,
    actor: Actor,
    source: GuidelineSource,
    q: RunListQuery,
    *,
    per_page: int = 20,
) -> RunList:
    """One page of a run list with each run's evaluation; raises InvalidInput (bad
    filter), NotFound (unknown product, vendor or guideline), UnknownTarget,
    Unauthorized/Forbidden (my runs without a login, a private product)."""
    gs = source.get()
    guideline = q.guideline.strip() or None
    target = q.target.strip() or None
    if guideline is not None:
        chosen = gs[guideline]  # GuidelineNotFound, with the known ones
        if target is not None:
            chosen.target(target)  # UnknownTarget, with the guideline's targets
    notes: list[str] = []
    number = _page(q.page)
    flt = _filter(session, actor, q)
    if q.claims.strip():
        if guideline is None:
            raise InvalidInput("Choose the guideline the runs should claim")
        flt.claims_guideline = gs[guideline].id
        flt.claims_target = target
    total = repo.runs_count(session, flt)
    pages = math.ceil(total / per_page)
    last = max(min(pages, fields.MAX_PAGE), 1)
    if number > last:
        if total:
            notes.append(f"Page {number} is past the end; this is the last page, {last}.")
        number = last
    runs = repo.runs_page(session, flt, (number - 1) * per_page, per_page, total)
    items = runs_read.list_items(session, actor, runs)
    for run, item in zip(runs, items, strict=True):
        item.update(runs_read.run_counts(run))
    rows = _evaluated(session, actor, source, items, guideline, target)
    return RunList(rows, number, pages, total, per_page, guideline, target, notes)


#: the CSV columns of a run list, in order
CSV_COLUMNS = (
    "id",
    "uploaded_utc",
    "product",
    "version",
    "cpid",
    "claims_guideline",
    "claims_target",
    "guideline",
    "target",
    "meets",
    "required_pass_percent",
    "required_passed",
    "required_total",
    "tests",
    "passed",
    "failed",
    "skipped",
    "verified",
)


def csv_rows(listing: RunList) -> list[list[Any]]:
    """The list as CSV rows (header first): one row per run, the same figures."""
    out: list[list[Any]] = [list(CSV_COLUMNS)]
    for item in listing.items:
        pv = item["product_version"]
        ev, counts = item["evaluation"], item["counts"]
        out.append(
            [
                item["id"],
                item["created_at"],
                pv["product_info"]["name"] if pv else "",
                (pv["version"] or "") if pv else "",
                item.get("cpid") or "",
                item["claims"]["guideline"] or "",
                item["claims"]["target"] or "",
                ev["guideline"],
                ev["target"],
                "yes" if ev["meets"] else "no",
                "" if ev["pass_percent"] is None else round(ev["pass_percent"], 1),
                ev["required_passed"],
                ev["required_total"],
                counts["total"],
                counts["pass"],
                counts["fail"],
                counts["skip"],
                "yes" if item["verified"] else "no",
            ]
        )
    return out


def version_trend(
    session: Session,
    actor: Actor,
    source: GuidelineSource,
    product_id: str,
    guideline: str | None = None,
    target: str | None = None,
) -> list[dict[str, Any]]:
    """A product's pass % across its versions (oldest version first): per version its
    newest run the actor may see, evaluated as the run lists evaluate it (the chosen
    guideline and target, else the run's claim). ``run`` is None for a version
    without a visible run."""
    product = _product(session, actor, product_id)
    listed = not actor.admin_of(product.organization_id)
    out: list[dict[str, Any]] = []
    versions = session.scalars(
        select(ProductVersion)
        .where(ProductVersion.product_id == product.id)
        .order_by(ProductVersion.created_at, ProductVersion.id)
    )
    for version in versions:
        flt = repo.RunFilter(listed=listed, version_ids=[version.id])
        newest = repo.runs_page(session, flt, 0, 1)
        row: dict[str, Any] = {"version_id": version.id, "version": version.version, "run": None}
        if newest:
            item = runs_read.list_items(session, actor, newest)[0]
            item.update(runs_read.run_counts(newest[0]))
            row["run"] = _evaluated(session, actor, source, [item], guideline, target)[0]
        out.append(row)
    return out
