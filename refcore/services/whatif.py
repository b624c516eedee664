"""What if guideline B replaced A, over the stored runs the caller may see.

Runs are grouped by product version (``by="product"``: the latest run associated
with each version) or by cloud (``by="cloud"``: the latest run of each cpid), then
judged by :func:`refcore.core.whatif.what_if`. Privacy is that of
:mod:`refcore.services.runs_read`: a run counts only when the caller may list it
(listed runs, their own, everything for the foundation), and a product version only
when its product is public or the caller administers its vendor. A cloud is named by
its latest run's id, never by its cpid.

By product, each product version also carries the certificates for the target that stand
now (``certificates``: valid or expiring, a public record), and ``certified`` counts the
certified products judged and those that would stop meeting B: what the Foundation weighs
before a guideline replaces another.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from refcore.core.guidelines import GuidelineSet
from refcore.core.whatif import what_if
from refcore.errors import InvalidInput
from refcore.services.accounts import Actor
from refcore.services.certificates import Terms, standing_by_version
from refcore.services.runs_read import DATE_FORMAT, visible_clause
from refcore.services.testruns import load_testrun
from refcore.storage.models import Product, ProductVersion, Run, utcnow

__all__ = ["BY", "MAX_GROUPS", "stored_what_if"]

BY = ("product", "cloud")
#: at most this many products or clouds are judged per request (newest first)
MAX_GROUPS = 200


def _product_visibility(actor: Actor) -> Any:
    """Runs of product versions the actor may see: all of their vendors' products,
    and the listed (or own) runs of public products."""
    if actor.is_foundation:
        return None
    public = Product.public.is_(True)
    runs = visible_clause(actor)
    shown = and_(public, runs) if runs is not None else public
    if actor.org_ids:
        return or_(Product.organization_id.in_(sorted(actor.org_ids)), shown)
    return shown


def _latest(session: Session, actor: Actor, by: str, limit: int) -> tuple[list[Any], int]:
    """The latest visible run of each group (newest first, at most ``limit``) and
    how many groups there are."""
    if by == "product":
        group = Run.product_version_id
        query = (
            select(Run.id, Run.created_at, group.label("grp"))
            .join(ProductVersion, ProductVersion.id == Run.product_version_id)
            .join(Product, Product.id == ProductVersion.product_id)
        )
        clause = _product_visibility(actor)
    else:
        group = Run.cpid
        query = select(Run.id, Run.created_at, group.label("grp")).where(
            Run.cpid.is_not(None), Run.cpid != ""
        )
        clause = visible_clause(actor)
    if clause is not None:
        query = query.where(clause)
    rank = func.row_number().over(
        partition_by=group, order_by=(Run.created_at.desc(), Run.id.desc())
    )
    ranked = query.add_columns(rank.label("rank")).subquery()
    latest = select(ranked.c.id, ranked.c.grp).where(ranked.c.rank == 1)
    total = int(session.scalar(select(func.count()).select_from(latest.subquery())) or 0)
    rows = session.execute(latest.order_by(ranked.c.created_at.desc()).limit(limit)).all()
    return list(rows), total


def _describe(
    session: Session, by: str, runs: list[Run], groups: dict[str, str]
) -> dict[str, dict[str, Any]]:
    info: dict[str, dict[str, Any]] = {
        r.id: {"run_id": r.id, "created_at": r.created_at.strftime(DATE_FORMAT)} for r in runs
    }
    if by == "product":
        rows = session.execute(
            select(ProductVersion.id, ProductVersion.version, Product.id, Product.name)
            .join(Product, Product.id == ProductVersion.product_id)
            .where(ProductVersion.id.in_(sorted(set(groups.values()))))
        )
        versions = {pv: (version, pid, name) for pv, version, pid, name in rows}
        for run_id, pv in groups.items():
            version, pid, name = versions[pv]
            info[run_id]["product"] = {
                "id": pid,
                "name": name,
                "product_version_id": pv,
                "version": version,
            }
    return info


def stored_what_if(
    session: Session,
    actor: Actor,
    guidelines: GuidelineSet,
    a: str,
    b: str,
    *,
    target: str = "platform",
    by: str = "product",
    limit: int = 50,
    terms: Terms | None = None,
) -> dict[str, Any]:
    """Which products (or clouds) meet A and would meet B, and what each would miss;
    ``terms``: the certification clock and settings (default: now, the defaults)."""
    if by not in BY:
        raise InvalidInput(f"Invalid by: {by!r}; use product or cloud")
    if not 1 <= limit <= MAX_GROUPS:
        raise InvalidInput(f"Invalid limit: {limit}; between 1 and {MAX_GROUPS}")
    ga, gb = guidelines[a], guidelines[b]
    ga.target(target)  # UnknownTarget (400) before any work
    gb.target(target)
    latest, total = _latest(session, actor, by, limit)
    groups = {row.id: row.grp for row in latest}
    runs = [session.get(Run, row.id) for row in latest]
    loaded = [r for r in runs if r is not None]
    result = what_if({r.id: load_testrun(session, r) for r in loaded}, ga, gb, target)
    info = _describe(session, by, loaded, groups)
    body = result.to_dict()
    for row in body["runs"]:
        row.update(info[row.pop("run")])
    body.update(by=by, groups=total, shown=len(body["runs"]), truncated=total > len(loaded))
    if by == "product":
        standing = standing_by_version(
            session,
            guidelines,
            terms or Terms(now=utcnow()),
            [row["product"]["product_version_id"] for row in body["runs"]],
            target,
        )
        certified = 0
        stop = 0
        for row in body["runs"]:
            held = standing.get(row["product"]["product_version_id"], [])
            row["certificates"] = [
                {"id": c["id"], "guideline": c["guideline"], "status": c["status"]} for c in held
            ]
            if held:
                certified += 1
                stop += not row["meets_b"]
        body["certified"] = {"products": certified, "would_stop_meeting": stop}
    return body
