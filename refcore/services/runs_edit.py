"""Changing runs: meta (share, guideline, target), verification, product version, delete.

A verified run (``verification_status`` 1) is frozen: no delete, no meta change,
no product re-association (RefStack's rules and messages).
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from refcore.core.compliance import evaluate
from refcore.core.guidelines import GuidelineSet
from refcore.errors import (
    Conflict,
    Forbidden,
    GuidelineNotFound,
    InvalidInput,
    NotFound,
    UnknownTarget,
)
from refcore.services import audit, drafts, fields
from refcore.services.accounts import Actor
from refcore.services.runs_read import (
    FOUNDATION,
    OWNER,
    PUBLIC_META,
    USER,
    get_run,
    load_run,
    run_detail,
    run_role,
    version_org,
)
from refcore.services.testruns import load_testrun
from refcore.storage import repositories as repo
from refcore.storage.models import Product, ProductVersion, Run, RunMeta, User

__all__ = ["delete_meta", "delete_run", "get_meta", "meta_value", "set_meta", "update_run"]

EDITABLE_META = PUBLIC_META


def _all_meta(session: Session, run: Run) -> dict[str, str]:
    meta = repo.meta_for(session, [run.id]).get(run.id, {})
    if run.owner_id is not None:
        openid = session.scalar(select(User.openid).where(User.id == run.owner_id))
        if openid is not None:
            meta["user"] = openid
    return meta


def get_meta(session: Session, actor: Actor, run_id: str, key: str | None = None) -> Any:
    """All meta (owner/foundation) or the public keys (user); a single key's value or None."""
    run = load_run(session, run_id)
    role = run_role(run, actor, version_org(session, run))
    if role is None:
        raise Forbidden("Forbidden")
    meta = _all_meta(session, run)
    if role == USER:
        meta = {k: v for k, v in meta.items() if k in PUBLIC_META}
    if key is None:
        return meta
    return meta.get(key)


def _editable(session: Session, actor: Actor, run_id: str, key: str, verb: str) -> Run:
    if key not in EDITABLE_META:
        raise Forbidden("")
    run, _ = get_run(session, actor, run_id, level=OWNER)
    if run.verification_status == 1:
        raise Forbidden(f"Can not {verb} for a verified test run.")
    return run


#: what ``shared`` may say (any of these shares; deleting the key unshares)
SHARED_VALUES = ("", "true", "1", "yes", "on")


def meta_value(session: Session, run: Run, key: str, value: str, guidelines: GuidelineSet) -> str:
    """The value to keep for meta ``key``, or InvalidInput: ``shared`` is a flag (kept as
    "true"); ``guideline`` names a guideline of the source or a published draft;
    ``target`` a target (program) of the run's guideline, or of any guideline before
    one is chosen. Each is plain text of at most 255 characters (``run_meta.value``)."""
    value = fields.text(value, f"meta {key}", RunMeta.value).strip()
    if key == "shared":
        if value.lower() not in SHARED_VALUES:
            raise InvalidInput(
                "Invalid value for meta key shared: send 'true' to share the run, "
                "delete the key to make it private"
            )
        return "true"
    if key == "guideline":
        try:
            drafts.resolve(session, guidelines, value)
        except GuidelineNotFound:
            raise InvalidInput(
                f"Invalid value for meta key guideline: {value!r} is not a known guideline"
            ) from None
        return value
    chosen = repo.meta_for(session, [run.id]).get(run.id, {}).get("guideline")
    try:
        known = list(drafts.resolve(session, guidelines, chosen)[0].targets) if chosen else []
    except GuidelineNotFound:  # a guideline since withdrawn: any known target
        known = []
    if not known:
        known = sorted({t for g in guidelines.values() for t in g.targets})
    if value not in known:
        raise InvalidInput(
            f"Invalid value for meta key target: {value!r} is not one of {', '.join(known)}"
        )
    return value


def set_meta(
    session: Session,
    actor: Actor,
    run_id: str,
    key: str,
    value: str,
    *,
    guidelines: GuidelineSet,
) -> None:
    """Add or change ``shared``/``guideline``/``target`` (the value is the raw body),
    checked by :func:`meta_value`. Two requests adding the same key at once: the second
    one's insert loses the race (PostgreSQL; SQLite's write lock serialises them) and is
    done again as a change."""
    raw = value
    for attempt in (1, 2):
        run = _editable(session, actor, run_id, key, "add/alter a new metadata key")
        value = meta_value(session, run, key, raw, guidelines)
        row = session.get(RunMeta, (run.id, key))
        before = row.value if row is not None else None
        if row is None:
            session.add(RunMeta(run_id=run.id, key=key, value=value))
        else:
            row.value = value
        if before != value:
            audit.record(
                session,
                actor,
                "set_meta",
                "run",
                run.id,
                org_id=version_org(session, run),
                before={key: before},
                after={key: value},
            )
        if key == "shared":
            run.shared, run.listed = True, True
        try:
            session.commit()
            return
        except IntegrityError:
            session.rollback()
            if attempt == 2:
                raise


def delete_meta(session: Session, actor: Actor, run_id: str, key: str) -> None:
    run = _editable(session, actor, run_id, key, "delete a metadata key")
    row = session.get(RunMeta, (run.id, key))
    before = row.value if row is not None else None
    done = session.execute(delete(RunMeta).where(RunMeta.run_id == run.id, RunMeta.key == key))
    if not done.rowcount:  # type: ignore[attr-defined]
        raise NotFound(f"Metadata key {key} not found for test run {run.id}")
    audit.record(
        session,
        actor,
        "delete_meta",
        "run",
        run.id,
        org_id=version_org(session, run),
        before={key: before},
        after=None,
    )
    if key == "shared":
        run.shared, run.listed = False, run.owner_id is None
    session.commit()


def _claim(
    session: Session, run: Run, gs: GuidelineSet, guideline: str, target: str
) -> dict[str, Any]:
    """Whether the run meets the guideline and target it claims, computed here."""
    try:
        g = gs[guideline]
        g.target(target)
    except (GuidelineNotFound, UnknownTarget) as exc:
        raise InvalidInput(f"The run claims {guideline} {target}: {exc}") from None
    report = evaluate(load_testrun(session, run), g, target)
    f = report.figures
    figures = f"{f['nonFlagPassCount']} of {f['totalNonFlagCount']} must-pass tests passed"
    return {"guideline": g.id, "target": target, "meets": report.meets, "figures": figures}


def update_run(
    session: Session,
    actor: Actor,
    run_id: str,
    changes: dict[str, Any],
    gs: GuidelineSet | None = None,
) -> dict[str, Any]:
    """RefStack's PUT /v1/results/<id>: ``product_version_id`` and ``verification_status``.
    With the guidelines, "verified" needs the run to meet its claimed guideline and target,
    or an explicit ``verification_override`` reason; either way the change is audited."""
    run, role = get_run(session, actor, run_id, level=OWNER)
    if "product_version_id" in changes:
        if run.verification_status == 1:
            raise Forbidden("Can not update product_version_id for a verified test run.")
        version_id = changes["product_version_id"]
        if version_id is not None:
            org = session.scalar(
                select(Product.organization_id)
                .join(ProductVersion, ProductVersion.product_id == Product.id)
                .where(ProductVersion.id == str(version_id))
            )
            if org is None:
                raise NotFound(f"Version {version_id} not found")
            if not actor.admin_of(org):
                raise Forbidden("Forbidden.")
            version_id = str(version_id)
        if version_id != run.product_version_id:
            audit.record(
                session,
                actor,
                "associate",
                "run",
                run.id,
                org_id=version_org(session, run) if version_id is None else org,
                before={"product_version_id": run.product_version_id},
                after={"product_version_id": version_id},
            )
        run.product_version_id = version_id
    if "verification_status" in changes:
        if role != FOUNDATION:
            raise Forbidden("You do not have permission to change a verification status.")
        value = changes["verification_status"]
        try:
            status = fields.integer(value, "verification_status", Run.verification_status)
        except InvalidInput:
            raise InvalidInput(f"Invalid verification_status value: {str(value)[:40]}") from None
        if status not in (0, 1):
            raise InvalidInput(f"Invalid verification_status value: {status}")
        meta = repo.meta_for(session, [run.id]).get(run.id, {})
        override = changes.get("verification_override")
        if override is not None and (not isinstance(override, str) or len(override) > 2000):
            raise InvalidInput("verification_override: a reason of at most 2000 characters")
        override = override.strip() if isinstance(override, str) and override.strip() else None
        claim: dict[str, Any] = {}
        if status == 1:
            if not all(k in meta for k in ("target", "guideline", "shared")):
                raise Forbidden(
                    "In order to mark a test verified, the test must be shared and have been "
                    "associated to a guideline and target program."
                )
            if gs is not None:
                claim = _claim(session, run, gs, meta["guideline"], meta["target"])
                if not claim["meets"] and override is None:
                    raise Conflict(
                        f"Run {run.id} does not meet its claim, {claim['target']} of "
                        f"{claim['guideline']} ({claim['figures']}): mark it verified only with "
                        "an explicit override reason (verification_override), which is recorded"
                    )
        if status != run.verification_status:
            audit.record(
                session,
                actor,
                "verify" if status == 1 else "unverify",
                "run",
                run.id,
                org_id=version_org(session, run),
                before={"verification_status": run.verification_status},
                after={
                    "verification_status": status,
                    "claim": f"{meta.get('guideline', '')} {meta.get('target', '')}".strip(),
                    **({"meets": claim["meets"]} if claim else {}),
                    **({"override": override} if status == 1 and override else {}),
                },
            )
        run.verification_status = status
    session.commit()
    detail = run_detail(session, actor, run.id)
    detail.pop("results", None)
    return detail


def delete_run(session: Session, actor: Actor, run_id: str) -> None:
    run, _ = get_run(session, actor, run_id, level=OWNER)
    if run.verification_status == 1:
        raise Forbidden("Can not delete a verified test run.")
    repo.delete_run_rows(session, run.id)
    session.commit()


def dumps_meta_value(value: Any) -> str:
    """How a JSON value is kept as meta text (strings as they are)."""
    return value if isinstance(value, str) else json.dumps(value)
