"""Registered clouds (continuous compliance): a vendor's admins register a cloud of one of
their product versions, with its clouds.yaml entry (encrypted at rest by
:mod:`refcore.services.vault`, shown back masked), the guideline/targets to test and a
schedule; they list, edit, disable and delete it. Nobody else learns that it exists: any
other caller gets 404, the Foundation included (the credentials are the vendor's).

Every change lands in the audit log (object type ``cloud``) without the credentials.
"""

from __future__ import annotations

import json
import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from refcore.core import clouds as core
from refcore.core.guidelines import GuidelineSet
from refcore.errors import Conflict, InvalidInput, NotFound
from refcore.services import audit
from refcore.services.accounts import Actor
from refcore.services.vault import Vault
from refcore.storage.models import (
    CloudJob,
    Organization,
    Product,
    ProductVersion,
    RegisteredCloud,
    Run,
    utcnow,
)

__all__ = [
    "delete_cloud",
    "get_cloud",
    "job_entry",
    "list_clouds",
    "list_jobs",
    "register",
    "registrable_versions",
    "update_cloud",
]

_FIELDS = ("name", "credentials", "tests", "schedule", "options", "enabled")
_MAX_NAME = 80


def _iso(value: datetime | None) -> str | None:
    return value.strftime("%Y-%m-%dT%H:%M:%SZ") if value else None


def _rows(session: Session) -> Any:
    return (
        select(RegisteredCloud, ProductVersion, Product, Organization)
        .join(ProductVersion, ProductVersion.id == RegisteredCloud.product_version_id)
        .join(Product, Product.id == ProductVersion.product_id)
        .join(Organization, Organization.id == Product.organization_id)
    )


def _public(
    cloud: RegisteredCloud,
    version: ProductVersion,
    product: Product,
    org: Organization,
    last_job: CloudJob | None = None,
) -> dict[str, Any]:
    schedule = core.parse_schedule(cloud.schedule)
    return {
        "id": cloud.id,
        "name": cloud.name,
        "vendor": {"id": org.id, "name": org.name},
        "product": {"id": product.id, "name": product.name},
        "version": {"id": version.id, "version": version.version},
        "auth_url": cloud.auth_url,
        "credentials": json.loads(cloud.credentials_mask),
        "tests": json.loads(cloud.tests),
        "schedule": str(schedule),
        "schedule_text": schedule.describe(),
        "options": json.loads(cloud.options) if cloud.options else {},
        "enabled": cloud.enabled,
        "next_run_at": _iso(cloud.next_run_at),
        "created_at": _iso(cloud.created_at),
        "updated_at": _iso(cloud.updated_at),
        "last_job": _job(last_job) if last_job is not None else None,
    }


def _job(job: CloudJob) -> dict[str, Any]:
    return {
        "id": job.id,
        "cloud_id": job.registered_cloud_id,
        "guideline": job.guideline,
        "target": job.target,
        "trigger": job.trigger,
        "state": job.state,
        "attempt": job.attempt,
        "max_attempts": job.max_attempts,
        "scheduled_for": _iso(job.scheduled_for),
        "created_at": _iso(job.created_at),
        "started_at": _iso(job.started_at),
        "finished_at": _iso(job.finished_at),
        "duration_seconds": job.duration_seconds,
        "worker": job.worker,
        "reason": job.reason,
        "meets": job.meets,
        "run_id": job.run_id,
    }


def _owned(
    session: Session, actor: Actor, cloud_id: str, *, lock: bool = False
) -> tuple[RegisteredCloud, ProductVersion, Product, Organization]:
    """The cloud, if the actor administers its vendor; 404 otherwise (its existence is the
    vendor's business)."""
    actor.require_login()
    query = _rows(session).where(RegisteredCloud.id == str(cloud_id))
    if lock:
        query = query.with_for_update(of=RegisteredCloud)
    row = session.execute(query).one_or_none()
    if row is None or row[3].id not in actor.org_ids:
        raise NotFound(f"Cloud {cloud_id} not found")
    return row[0], row[1], row[2], row[3]


def _last_jobs(session: Session, ids: list[str]) -> dict[str, CloudJob]:
    out: dict[str, CloudJob] = {}
    if not ids:
        return out
    for job in session.scalars(
        select(CloudJob)
        .where(CloudJob.registered_cloud_id.in_(ids))
        .order_by(CloudJob.created_at.desc(), CloudJob.id)
    ):
        out.setdefault(job.registered_cloud_id, job)
    return out


def list_clouds(session: Session, actor: Actor) -> list[dict[str, Any]]:
    """The clouds of the vendors the actor administers, by vendor, product, name."""
    actor.require_login()
    if not actor.org_ids:
        return []
    rows = session.execute(
        _rows(session)
        .where(Organization.id.in_(sorted(actor.org_ids)))
        .order_by(Organization.name, Product.name, ProductVersion.version, RegisteredCloud.name)
    ).all()
    last = _last_jobs(session, [r[0].id for r in rows])
    return [_public(c, v, p, o, last.get(c.id)) for c, v, p, o in rows]


def get_cloud(session: Session, actor: Actor, cloud_id: str) -> dict[str, Any]:
    cloud, version, product, org = _owned(session, actor, cloud_id)
    return _public(cloud, version, product, org, _last_jobs(session, [cloud.id]).get(cloud.id))


def _name(value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise InvalidInput("name: required (a name for the cloud, e.g. 'production')")
    if len(value.strip()) > _MAX_NAME:
        raise InvalidInput(f"name: at most {_MAX_NAME} characters")
    return value.strip()


def _enabled(value: Any) -> bool:
    if not isinstance(value, bool):
        raise InvalidInput("enabled: true or false")
    return value


def _next_run(schedule: str, enabled: bool, now: datetime) -> datetime | None:
    return core.parse_schedule(schedule).next_after(now) if enabled else None


def _audit_view(cloud: RegisteredCloud) -> dict[str, Any]:
    return {
        "name": cloud.name,
        "product_version_id": cloud.product_version_id,
        "auth_url": cloud.auth_url,
        "tests": json.loads(cloud.tests),
        "schedule": cloud.schedule,
        "enabled": cloud.enabled,
    }


def register(
    session: Session,
    actor: Actor,
    vault: Vault,
    gs: GuidelineSet,
    body: Any,
    *,
    now: datetime | None = None,
) -> dict[str, Any]:
    """Register a cloud: ``product_version_id``, ``name``, ``credentials`` (a clouds.yaml
    entry, mapping or text), ``tests``, ``schedule``, optional ``options`` and ``enabled``."""
    actor.require_login()
    if not isinstance(body, dict):
        raise InvalidInput("A JSON object is required")
    unknown = sorted(set(body) - {*_FIELDS, "product_version_id"})
    if unknown:
        raise InvalidInput(f"Unknown fields: {', '.join(unknown)}")
    version_id = body.get("product_version_id")
    if not isinstance(version_id, str) or not version_id:
        raise InvalidInput("product_version_id: required (one of your product versions' id)")
    row = session.execute(
        select(ProductVersion, Product, Organization)
        .join(Product, Product.id == ProductVersion.product_id)
        .join(Organization, Organization.id == Product.organization_id)
        .where(ProductVersion.id == version_id)
    ).one_or_none()
    if row is None or row[2].id not in actor.org_ids:
        raise NotFound(f"Product version {version_id} not found among your vendors' products")
    version, product, org = row[0], row[1], row[2]
    name = _name(body.get("name"))
    entry = core.parse_entry(body.get("credentials"))
    tests = core.parse_tests(gs, body.get("tests"))
    schedule = str(core.parse_schedule(body.get("schedule")))
    options = core.parse_options(body.get("options"))
    enabled = _enabled(body.get("enabled", True))
    cloud = RegisteredCloud(
        id=str(uuid.uuid4()),
        product_version_id=version.id,
        name=name,
        auth_url=entry["auth"]["auth_url"],
        credentials=vault.encrypt(entry),
        credentials_mask=json.dumps(core.mask_entry(entry), sort_keys=True),
        tests=json.dumps(tests),
        schedule=schedule,
        options=json.dumps(options, sort_keys=True) if options else None,
        enabled=enabled,
        next_run_at=_next_run(schedule, enabled, now or utcnow()),
        created_by=actor.user_id,
    )
    session.add(cloud)
    try:
        session.flush()
    except IntegrityError:
        session.rollback()
        raise Conflict(
            f"{product.name} {version.version or ''} already has a cloud named {name!r}".replace(
                "  ", " "
            )
        ) from None
    audit.record(
        session, actor, "register", "cloud", cloud.id, org_id=org.id, after=_audit_view(cloud)
    )
    session.commit()
    return _public(cloud, version, product, org)


def update_cloud(
    session: Session,
    actor: Actor,
    vault: Vault,
    gs: GuidelineSet,
    cloud_id: str,
    body: Any,
    *,
    now: datetime | None = None,
) -> dict[str, Any]:
    """Change some of ``name``, ``credentials`` (replaced whole; omit or null to keep them),
    ``tests``, ``schedule``, ``options``, ``enabled`` (false: no more scheduled runs)."""
    cloud, version, product, org = _owned(session, actor, cloud_id, lock=True)
    if not isinstance(body, dict) or not body:
        raise InvalidInput(f"A JSON object with some of: {', '.join(_FIELDS)}")
    unknown = sorted(set(body) - set(_FIELDS))
    if unknown:
        raise InvalidInput(f"Unknown fields: {', '.join(unknown)} (allowed: {', '.join(_FIELDS)})")
    before = _audit_view(cloud)
    after_extra: dict[str, Any] = {}
    if "name" in body:
        cloud.name = _name(body["name"])
    if body.get("credentials") not in (None, ""):
        entry = core.parse_entry(body["credentials"])
        cloud.credentials = vault.encrypt(entry)
        cloud.credentials_mask = json.dumps(core.mask_entry(entry), sort_keys=True)
        cloud.auth_url = entry["auth"]["auth_url"]
        after_extra["credentials"] = "replaced"
    if "tests" in body:
        cloud.tests = json.dumps(core.parse_tests(gs, body["tests"]))
    if "schedule" in body:
        cloud.schedule = str(core.parse_schedule(body["schedule"]))
    if "options" in body:
        options = core.parse_options(body["options"])
        cloud.options = json.dumps(options, sort_keys=True) if options else None
    if "enabled" in body:
        cloud.enabled = _enabled(body["enabled"])
    if "schedule" in body or "enabled" in body:
        cloud.next_run_at = _next_run(cloud.schedule, cloud.enabled, now or utcnow())
    cloud.updated_at = utcnow()
    try:
        session.flush()
    except IntegrityError:
        session.rollback()
        raise Conflict(f"This product version already has a cloud named {body['name']!r}") from None
    audit.record(
        session,
        actor,
        "update",
        "cloud",
        cloud.id,
        org_id=org.id,
        before=before,
        after={**_audit_view(cloud), **after_extra},
    )
    session.commit()
    return _public(cloud, version, product, org, _last_jobs(session, [cloud.id]).get(cloud.id))


def delete_cloud(session: Session, actor: Actor, cloud_id: str) -> None:
    """Delete the cloud and its jobs; its runs stay (the vendor's results), unlinked."""
    cloud, _version, _product, org = _owned(session, actor, cloud_id, lock=True)
    session.execute(
        update(Run).where(Run.registered_cloud_id == cloud.id).values(registered_cloud_id=None)
    )
    audit.record(
        session, actor, "delete", "cloud", cloud.id, org_id=org.id, before=_audit_view(cloud)
    )
    session.delete(cloud)
    session.commit()


def list_jobs(
    session: Session, actor: Actor, cloud_id: str, *, limit: int = 50
) -> list[dict[str, Any]]:
    """The cloud's jobs, newest first."""
    cloud, *_ = _owned(session, actor, cloud_id)
    if not 1 <= limit <= 1000:
        raise InvalidInput("limit must be between 1 and 1000")
    jobs = session.scalars(
        select(CloudJob)
        .where(CloudJob.registered_cloud_id == cloud.id)
        .order_by(CloudJob.created_at.desc(), CloudJob.id)
        .limit(limit)
    )
    return [_job(j) for j in jobs]


def job_entry(session: Session, vault: Vault, cloud_id: str) -> dict[str, Any]:
    """The decrypted clouds.yaml entry, for the job that tests the cloud (never for a
    request: no actor can reach it)."""
    cloud = session.get(RegisteredCloud, cloud_id)
    if cloud is None:
        raise NotFound(f"Cloud {cloud_id} not found")
    return vault.decrypt(cloud.credentials)


def registrable_versions(session: Session, actor: Actor) -> list[dict[str, str]]:
    """The product versions the actor may register a cloud for (its vendors'), labelled."""
    actor.require_login()
    if not actor.org_ids:
        return []
    rows = session.execute(
        select(ProductVersion, Product, Organization)
        .join(Product, Product.id == ProductVersion.product_id)
        .join(Organization, Organization.id == Product.organization_id)
        .where(Organization.id.in_(sorted(actor.org_ids)))
        .order_by(Organization.name, Product.name, ProductVersion.version)
    ).all()
    return [
        {
            "id": v.id,
            "label": f"{o.name}: {p.name} {v.version}" if v.version else f"{o.name}: {p.name}",
        }
        for v, p, o in rows
    ]
