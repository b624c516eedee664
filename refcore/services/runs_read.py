"""Reading runs: RefStack's roles, the paginated list, one run's detail.

Privacy (RefStack's rules): anonymous uploads are readable by anyone; a signed
(owned) run is visible to its owner, the admins of the vendor of its product,
and the foundation, until it is shared. Someone who is neither owner nor
foundation sees ``meta`` cut down to shared/guideline/target, no ``cpid``, and no
product version of a private product.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from refcore.core.runs import Outcome
from refcore.errors import Forbidden, InvalidInput, NotFound, Unauthorized
from refcore.services import fields
from refcore.services.accounts import Actor
from refcore.storage import repositories as repo
from refcore.storage.models import Product, ProductVersion, Run

__all__ = [
    "PUBLIC_META",
    "RunPage",
    "get_run",
    "list_items",
    "list_runs",
    "load_run",
    "run_counts",
    "run_detail",
    "run_role",
    "run_tests",
]

PUBLIC_META = ("shared", "guideline", "target")
DATE_FORMAT = "%Y-%m-%d %H:%M:%S"
FOUNDATION, OWNER, USER = "foundation", "owner", "user"


def load_run(session: Session, run_id: str) -> Run:
    run = session.get(Run, run_id)
    if run is None:
        raise NotFound(f"Test result {run_id} not found")
    return run


def version_org(session: Session, run: Run) -> str | None:
    if run.product_version_id is None:
        return None
    return session.scalar(
        select(Product.organization_id)
        .join(ProductVersion, ProductVersion.product_id == Product.id)
        .where(ProductVersion.id == run.product_version_id)
    )


def run_role(run: Run, actor: Actor, org_id: str | None) -> str | None:
    """RefStack's ``get_user_role`` for one run."""
    if actor.is_foundation:
        return FOUNDATION
    if actor.authenticated:
        if run.product_version_id is not None:
            if org_id is not None and org_id in actor.org_ids:
                return OWNER
        elif run.owner_id == actor.user_id:
            return OWNER
    if run.owner_id is None or run.shared or run.owner_id == actor.user_id:
        return USER
    return None


def require_role(session: Session, run: Run, actor: Actor, level: str) -> str:
    """``level`` "user": 401 without a role; "owner": 403 unless owner/foundation."""
    role = run_role(run, actor, version_org(session, run))
    if level == USER and role is None:
        raise Unauthorized("")
    if level == OWNER and role not in (OWNER, FOUNDATION):
        raise Forbidden("Forbidden")
    assert role is not None
    return role


def get_run(session: Session, actor: Actor, run_id: str, level: str = USER) -> tuple[Run, str]:
    run = load_run(session, run_id)
    return run, require_role(session, run, actor, level)


def _item(
    run: Run,
    actor: Actor,
    meta: dict[str, str],
    owner_openid: str | None,
    version: tuple[ProductVersion, Product] | None,
) -> dict[str, Any]:
    privileged = actor.is_foundation or (actor.authenticated and run.owner_id == actor.user_id)
    full = dict(meta)
    if owner_openid is not None:
        full["user"] = owner_openid
    shown_meta = full if privileged else {k: v for k, v in full.items() if k in PUBLIC_META}
    product_version = None
    if version is not None:
        pv, product = version
        if privileged or product.public or actor.admin_of(product.organization_id):
            product_version = {
                "id": pv.id,
                "version": pv.version,
                "cpid": pv.cpid,
                "product_info": {
                    "id": product.id,
                    "name": product.name,
                    "organization_id": product.organization_id,
                    "public": product.public,
                },
            }
    item: dict[str, Any] = {
        "id": run.id,
        "created_at": run.created_at.strftime(DATE_FORMAT),
        "duration_seconds": run.duration_seconds,
        "verification_status": run.verification_status,
        "meta": shown_meta,
        "product_version": product_version,
    }
    if privileged:
        item["cpid"] = run.cpid
    return item


def list_items(session: Session, actor: Actor, runs: list[Run]) -> list[dict[str, Any]]:
    """The list items of some runs, as the actor may see them (one query per table)."""
    return _items(session, actor, runs)


def _items(session: Session, actor: Actor, runs: list[Run]) -> list[dict[str, Any]]:
    metas = repo.meta_for(session, (r.id for r in runs))
    owners = repo.owners_openid(session, (r.owner_id for r in runs))
    versions = repo.versions_with_products(session, (r.product_version_id for r in runs))
    return [
        _item(
            r,
            actor,
            metas.get(r.id, {}),
            owners.get(r.owner_id) if r.owner_id is not None else None,
            versions.get(r.product_version_id) if r.product_version_id else None,
        )
        for r in runs
    ]


@dataclass
class RunPage:
    items: list[dict[str, Any]]
    current_page: int
    total_pages: int
    total: int


def _parse_date(value: str | None) -> datetime | None:
    if value is None or value == "":
        return None
    try:
        return datetime.strptime(value, DATE_FORMAT)
    except ValueError as exc:
        raise InvalidInput(f"Invalid date format: {exc}") from None


def list_runs(
    session: Session,
    actor: Actor,
    *,
    page: str | None = None,
    start_date: str | None = None,
    end_date: str | None = None,
    cpid: str | None = None,
    signed: bool = False,
    verification_status: str | None = None,
    product_id: str | None = None,
    per_page: int = 20,
) -> RunPage:
    """RefStack's ``GET /v1/results``: newest first, ``per_page`` a page; list items
    never load test data."""
    start, end = _parse_date(start_date), _parse_date(end_date)
    if start and end and start > end:
        raise InvalidInput("Invalid dates: start_date more than end_date")
    flt = repo.RunFilter(cpid=cpid, start=start, end=end)
    if verification_status not in (None, ""):
        try:
            flt.verification_status = fields.integer(
                verification_status, "verification_status", Run.verification_status, low=0
            )
        except InvalidInput:
            raise InvalidInput(
                f"Invalid verification_status value: {verification_status[:40]}"
            ) from None
    if signed:
        if not actor.authenticated:
            raise InvalidInput("To see signed test results you need to authenticate")
        flt.visible = Run.owner_id == actor.user_id
    elif product_id:
        product = session.get(Product, product_id)
        if product is None:
            raise NotFound(f"Product {product_id} not found")
        flt.version_ids = list(
            session.scalars(
                select(ProductVersion.id).where(ProductVersion.product_id == product.id)
            )
        )
        if not actor.admin_of(product.organization_id):
            if not product.public:
                raise Forbidden("Forbidden.")
            flt.listed = True
    else:
        flt.listed = True
    try:
        number = int(page) if page not in (None, "") else 1
    except ValueError:
        raise InvalidInput(
            "Invalid page number: The page number can not be converted to an integer"
        ) from None
    if number <= 0:
        raise InvalidInput("Invalid page number: The page number less or equal zero.")
    total = repo.runs_count(session, flt)
    pages = math.ceil(total / per_page)
    if number > 1 and number > min(pages, fields.MAX_PAGE):
        raise InvalidInput(
            "Invalid page number: The page number is greater than the total number of pages."
        )
    runs = repo.runs_page(session, flt, (number - 1) * per_page, per_page, total)
    return RunPage(_items(session, actor, runs), number, pages, total)


def run_detail(session: Session, actor: Actor, run_id: str) -> dict[str, Any]:
    """RefStack's ``GET /v1/results/<id>``: the list item plus the passed test names
    and the caller's role."""
    run, role = get_run(session, actor, run_id)
    item = _items(session, actor, [run])[0]
    if role == OWNER:
        item["cpid"] = run.cpid
    if role not in (OWNER, FOUNDATION):
        item.pop("cpid", None)
    tests, _ = repo.run_tests(session, run.id)
    item["results"] = [name for name, _, outcome in tests if outcome is Outcome.PASS]
    item["user_role"] = role
    return item


def run_tests(session: Session, actor: Actor, run_id: str) -> list[dict[str, Any]]:
    """Every test of a run with its outcome (v2), for anyone who may read the run."""
    run, _ = get_run(session, actor, run_id)
    tests, reasons_json = repo.run_tests(session, run.id)
    reasons = json.loads(reasons_json) if reasons_json else {}
    return [
        {"name": n, "uuid": u or None, "outcome": o.value, "reason": reasons.get(n)}
        for n, u, o in tests
    ]


def visible_filter(actor: Actor, **filters: Any) -> repo.RunFilter:
    """Runs this actor may see in a plain (v2) list: listed ones plus their own (all
    of them for the foundation). As a filter, so the list's count of every listed run
    is the tally (``repositories.runs_count``), not a count of a million rows."""
    if actor.is_foundation:
        return repo.RunFilter(**filters)
    return repo.RunFilter(listed=True, also_owner=actor.user_id, **filters)


def visible_clause(actor: Actor) -> Any:
    """:func:`visible_filter` as a clause (None: every run)."""
    return visible_filter(actor).visibility()


def list_runs_v2(
    session: Session,
    actor: Actor,
    *,
    page: int = 1,
    per_page: int = 20,
    cpid: str | None = None,
    product_version_id: str | None = None,
    mine: bool = False,
) -> RunPage:
    """v2's list: runs the actor may see (listed ones plus their own; all for the
    foundation), newest first. ``product_version_id`` applies the product's privacy."""
    if not 1 <= page <= fields.MAX_PAGE:
        raise InvalidInput(f"Invalid page number: {page}; pages are 1 to {fields.MAX_PAGE}")
    flt = visible_filter(actor, cpid=cpid)
    if mine:
        actor.require_login()
        flt.listed, flt.also_owner = False, None
        flt.visible = Run.owner_id == actor.user_id
    if product_version_id is not None:
        found = repo.versions_with_products(session, [product_version_id]).get(product_version_id)
        if found is None:
            raise NotFound(f"Product version {product_version_id} not found")
        _, product = found
        if actor.admin_of(product.organization_id):
            flt.visible, flt.listed, flt.also_owner = None, False, None
        elif not product.public:
            raise Forbidden("Forbidden.")
        flt.version_ids = [product_version_id]
    total = repo.runs_count(session, flt)
    runs = repo.runs_page(session, flt, (page - 1) * per_page, per_page, total)
    items = _items(session, actor, runs)
    for run, item in zip(runs, items, strict=True):
        item.update(run_counts(run))
    return RunPage(items, page, math.ceil(total / per_page), total)


def run_counts(run: Run) -> dict[str, Any]:
    """How a run was sent and its outcome counts (v2's run summary)."""
    return {
        "api": run.api,
        "format": run.format,
        "counts": {
            "total": run.test_count,
            "pass": run.passed_count,
            "fail": run.failed_count,
            "skip": run.skipped_count,
        },
    }


def run_summary(session: Session, actor: Actor, run_id: str) -> dict[str, Any]:
    """v2's run: the v1 item plus counts and format, no test list."""
    run, role = get_run(session, actor, run_id)
    item = _items(session, actor, [run])[0]
    if role not in (OWNER, FOUNDATION):
        item.pop("cpid", None)
    else:
        item["cpid"] = run.cpid
    item.update(run_counts(run), user_role=role)
    return item
