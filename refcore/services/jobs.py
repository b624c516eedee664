"""Jobs of registered clouds: the database half of the task engine (docs/continuous.md).

The ``cloud_jobs`` table is the source of truth and the outbox; the task engine
(:mod:`refcore.tasks`, Celery) only carries "run job X" messages. So a message the broker
loses, or delivers twice, costs nothing:

* :func:`enqueue_due` turns clouds whose ``next_run_at`` has come into ``queued`` jobs (one
  per guideline/target) and moves ``next_run_at`` on; :func:`request_runs` does the same on
  demand.
* :func:`to_dispatch` lists queued jobs not yet handed to the engine, of clouds that nothing
  runs now; :func:`dispatched` records the engine's task id.
* :func:`claim` starts a job under the cloud's **lease** (``registered_clouds.lease_job_id``
  until ``lease_expires_at``): one job per cloud at a time, whatever the number of workers
  and deliveries. A job already finished, or running with a live heartbeat, is not run again.
* :func:`heartbeat` keeps the lease while the job runs; :func:`finish` records the outcome.
* :func:`reap` finds running jobs whose worker stopped beating (killed, machine gone): each
  goes back to ``queued`` for another attempt (``retrying`` reason kept) or, after
  ``max_attempts``, ``failed`` with the reason. None is left running forever.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, or_, select, update
from sqlalchemy.orm import Session

from refcore.core import clouds as core
from refcore.errors import Conflict, InvalidInput, NotFound
from refcore.services.accounts import Actor
from refcore.services.clouds import _job, _owned
from refcore.services.vault import Vault
from refcore.storage.models import (
    CloudJob,
    OrgMember,
    Product,
    ProductVersion,
    RegisteredCloud,
    utcnow,
)

__all__ = [
    "ACTIVE",
    "FINAL",
    "Claim",
    "claim",
    "dispatched",
    "enqueue_due",
    "finish",
    "get_job",
    "heartbeat",
    "reap",
    "release_stale_leases",
    "request_runs",
    "to_dispatch",
]

#: a job still to run or running
ACTIVE = ("queued", "retrying", "running")
#: a job that ended
FINAL = ("passed", "failed", "cancelled")
_MAX_LOG = 64 * 1024


@dataclass(frozen=True)
class Claim:
    """What a worker needs to run one job (the entry decrypted: never log it)."""

    job_id: str
    cloud_id: str
    cloud_name: str
    guideline: str
    target: str
    attempt: int
    max_attempts: int
    entry: dict[str, Any]
    options: dict[str, Any]
    owner_id: int | None
    product_version_id: str

    @property
    def secrets(self) -> list[str]:
        return core.secrets_of(self.entry)


def _lock(query: Any, session: Session) -> Any:
    # PostgreSQL: rows locked by another scheduler or worker are skipped, not waited for;
    # SQLite's write transaction already holds the whole database
    if session.get_bind().dialect.name == "postgresql":
        return query.with_for_update(skip_locked=True)
    return query


def _new_job(
    cloud: RegisteredCloud,
    test: dict[str, str],
    trigger: str,
    scheduled_for: datetime,
    max_attempts: int,
    requested_by: int | None = None,
) -> CloudJob:
    return CloudJob(
        id=str(uuid.uuid4()),
        registered_cloud_id=cloud.id,
        guideline=test["guideline"],
        target=test["target"],
        trigger=trigger,
        state="queued",
        attempt=0,
        max_attempts=max_attempts,
        scheduled_for=scheduled_for,
        requested_by=requested_by,
    )


def enqueue_due(session: Session, now: datetime, *, max_attempts: int = 3) -> list[str]:
    """Queue one job per guideline/target of every enabled cloud whose time has come, and
    move its ``next_run_at`` to the next due time after ``now`` (a scheduler that was down
    for days queues one round, not one per missed day). Commits; the new jobs' ids."""
    clouds = session.scalars(
        _lock(
            select(RegisteredCloud)
            .where(RegisteredCloud.enabled.is_(True), RegisteredCloud.next_run_at <= now)
            .order_by(RegisteredCloud.next_run_at),
            session,
        )
    ).all()
    made: list[str] = []
    for cloud in clouds:
        due = cloud.next_run_at or now
        for test in json.loads(cloud.tests):
            job = _new_job(cloud, test, "schedule", due, max_attempts)
            session.add(job)
            made.append(job.id)
        cloud.next_run_at = core.parse_schedule(cloud.schedule).next_after(now)
    session.commit()
    return made


def request_runs(
    session: Session,
    actor: Actor,
    cloud_id: str,
    body: Any,
    *,
    now: datetime | None = None,
    max_attempts: int = 3,
) -> list[dict[str, Any]]:
    """On-demand jobs for the cloud's guideline/targets (all, or the ``guideline`` and
    ``target`` given); a 409 when the same test of the cloud is already queued or running."""
    cloud, *_ = _owned(session, actor, cloud_id, lock=True)
    tests = json.loads(cloud.tests)
    if body not in (None, {}):
        if not isinstance(body, dict) or set(body) - {"guideline", "target"}:
            raise InvalidInput('A JSON object with "guideline" and "target", or nothing')
        tests = [
            t
            for t in tests
            if t["guideline"] == body.get("guideline", t["guideline"])
            and t["target"] == body.get("target", t["target"])
        ]
        if not tests:
            listed = ", ".join(f"{t['guideline']} {t['target']}" for t in json.loads(cloud.tests))
            raise InvalidInput(f"The cloud does not test that; it tests: {listed}")
    pending = {
        (j.guideline, j.target)
        for j in session.scalars(
            select(CloudJob).where(
                CloudJob.registered_cloud_id == cloud.id, CloudJob.state.in_(ACTIVE)
            )
        )
    }
    busy = [
        f"{t['guideline']} {t['target']}" for t in tests if (t["guideline"], t["target"]) in pending
    ]
    if busy:
        raise Conflict(f"Already queued or running for this cloud: {', '.join(busy)}")
    at = now or utcnow()
    jobs = [_new_job(cloud, t, "manual", at, max_attempts, actor.user_id) for t in tests]
    session.add_all(jobs)
    session.commit()
    return [_job(j) for j in jobs]


def get_job(session: Session, actor: Actor, cloud_id: str, job_id: str) -> dict[str, Any]:
    """One job of the cloud, with its log (credentials redacted when it was written)."""
    cloud, *_ = _owned(session, actor, cloud_id)
    job = session.get(CloudJob, job_id)
    if job is None or job.registered_cloud_id != cloud.id:
        raise NotFound(f"Job {job_id} not found")
    return {**_job(job), "log": job.log or ""}


def to_dispatch(session: Session, now: datetime, *, limit: int = 100) -> list[str]:
    """Queued jobs not handed to the task engine yet, oldest first, at most one per cloud and
    none of a cloud whose lease is held (its job runs; the next goes when it ends)."""
    rows = session.execute(
        select(CloudJob.id, CloudJob.registered_cloud_id)
        .join(RegisteredCloud, RegisteredCloud.id == CloudJob.registered_cloud_id)
        .where(
            CloudJob.state.in_(("queued", "retrying")),
            CloudJob.task_id.is_(None),
            or_(
                RegisteredCloud.lease_job_id.is_(None),
                RegisteredCloud.lease_expires_at < now,
            ),
        )
        .order_by(CloudJob.scheduled_for, CloudJob.created_at)
    ).all()
    seen: set[str] = set()
    out: list[str] = []
    for job_id, cloud_id in rows:
        if cloud_id in seen:
            continue
        seen.add(cloud_id)
        out.append(job_id)
        if len(out) >= limit:
            break
    return out


def dispatched(session: Session, job_id: str, task_id: str) -> None:
    """Record that the engine carries the job (so the next tick does not send it again)."""
    session.execute(
        update(CloudJob)
        .where(CloudJob.id == job_id, CloudJob.task_id.is_(None))
        .values(task_id=task_id[:64])
    )
    session.commit()


def claim(
    session: Session,
    vault: Vault,
    job_id: str,
    *,
    worker: str,
    now: datetime,
    lease_seconds: float,
) -> Claim | str:
    """Start the job under its cloud's lease, or say why not (a sentence): finished already,
    running elsewhere with a live heartbeat, its cloud busy with another job, out of
    attempts. Commits either way."""
    job = session.get(CloudJob, job_id)
    if job is None:
        return f"job {job_id} does not exist (its cloud was deleted)"
    cloud = session.scalars(
        select(RegisteredCloud)
        .where(RegisteredCloud.id == job.registered_cloud_id)
        .with_for_update()
    ).one()
    session.refresh(job)
    if job.state in FINAL:
        return f"job {job.id} ended already ({job.state})"
    lease_live = cloud.lease_expires_at is not None and cloud.lease_expires_at >= now
    if cloud.lease_job_id not in (None, job.id) and lease_live:
        job.task_id = None  # the next tick sends it again once the cloud is free
        session.commit()
        return f"cloud {cloud.name} is running job {cloud.lease_job_id}"
    if job.state == "running" and lease_live and cloud.lease_job_id == job.id:
        return f"job {job.id} is running on {job.worker} (heartbeat {job.heartbeat_at})"
    if job.attempt >= job.max_attempts:
        _close(session, cloud, job, now, "failed", f"gave up after {job.attempt} attempts")
        session.commit()
        return f"job {job.id} is out of attempts"
    job.state = "running"
    job.attempt += 1
    job.worker = worker[:255]
    job.started_at = now
    job.heartbeat_at = now
    job.finished_at = None
    cloud.lease_job_id = job.id
    cloud.lease_expires_at = now + timedelta(seconds=lease_seconds)
    entry = vault.decrypt(cloud.credentials)
    owner = cloud.created_by or _an_admin(session, cloud)
    result = Claim(
        job_id=job.id,
        cloud_id=cloud.id,
        cloud_name=cloud.name,
        guideline=job.guideline,
        target=job.target,
        attempt=job.attempt,
        max_attempts=job.max_attempts,
        entry=entry,
        options=json.loads(cloud.options) if cloud.options else {},
        owner_id=owner,
        product_version_id=cloud.product_version_id,
    )
    session.commit()
    return result


def _an_admin(session: Session, cloud: RegisteredCloud) -> int | None:
    """Whose the runs are when the cloud's creator is gone: an admin of its vendor."""
    return session.scalar(
        select(OrgMember.user_id)
        .join(Product, Product.organization_id == OrgMember.org_id)
        .join(ProductVersion, ProductVersion.product_id == Product.id)
        .where(ProductVersion.id == cloud.product_version_id)
        .order_by(OrgMember.created_at)
        .limit(1)
    )


def heartbeat(
    session: Session, job_id: str, *, worker: str, now: datetime, lease_seconds: float
) -> bool:
    """Extend the job's lease; False when the job is no longer this worker's (reaped, its
    cloud deleted): the worker stops it."""
    done = session.execute(
        update(CloudJob)
        .where(CloudJob.id == job_id, CloudJob.state == "running", CloudJob.worker == worker[:255])
        .values(heartbeat_at=now)
    )
    session.execute(
        update(RegisteredCloud)
        .where(RegisteredCloud.lease_job_id == job_id)
        .values(lease_expires_at=now + timedelta(seconds=lease_seconds))
    )
    session.commit()
    return bool(getattr(done, "rowcount", 0))


def _close(
    session: Session,
    cloud: RegisteredCloud | None,
    job: CloudJob,
    now: datetime,
    state: str,
    reason: str | None,
) -> None:
    job.state = state
    job.reason = reason
    job.finished_at = now
    if job.started_at is not None:
        job.duration_seconds = round((now - job.started_at).total_seconds(), 1)
    if cloud is not None and cloud.lease_job_id == job.id:
        cloud.lease_job_id = None
        cloud.lease_expires_at = None


def finish(
    session: Session,
    job_id: str,
    *,
    worker: str,
    now: datetime,
    state: str,
    reason: str | None,
    log: str,
    meets: bool | None = None,
    run_id: str | None = None,
) -> bool:
    """Record the outcome (``passed`` or ``failed``) and release the cloud's lease. False
    when the job was not this worker's any more (reaped meanwhile): nothing is changed."""
    job = session.get(CloudJob, job_id, with_for_update=True)
    if job is None or job.state != "running" or job.worker != worker[:255]:
        session.rollback()
        return False
    cloud = session.get(RegisteredCloud, job.registered_cloud_id, with_for_update=True)
    _close(session, cloud, job, now, state, reason)
    job.meets = meets
    job.run_id = run_id
    job.log = _append_log(job.log, log)
    session.commit()
    return True


def _append_log(before: str | None, text: str) -> str:
    joined = f"{before}\n{text}" if before else text
    return joined[-_MAX_LOG:]


def reap(session: Session, now: datetime, *, lease_seconds: float) -> list[str]:
    """Running jobs whose worker stopped beating for ``lease_seconds``: queued again for
    another attempt, or failed when they have none left; their clouds' leases released.
    Commits; the reaped jobs' ids."""
    stale = now - timedelta(seconds=lease_seconds)
    jobs = session.scalars(
        _lock(
            select(CloudJob).where(
                CloudJob.state == "running",
                or_(CloudJob.heartbeat_at.is_(None), CloudJob.heartbeat_at < stale),
            ),
            session,
        )
    ).all()
    for job in jobs:
        cloud = session.get(RegisteredCloud, job.registered_cloud_id)
        lost = (
            f"attempt {job.attempt} of {job.max_attempts}: worker {job.worker} stopped answering "
            f"(last heartbeat {job.heartbeat_at:%Y-%m-%d %H:%M:%S} UTC)"
            if job.heartbeat_at
            else f"attempt {job.attempt}: worker {job.worker} never answered"
        )
        job.log = _append_log(job.log, f"[refcore] {lost}")
        if job.attempt >= job.max_attempts:
            _close(session, cloud, job, now, "failed", f"lost: {lost}; no attempt left")
        else:
            job.state = "retrying"
            job.reason = f"retrying: {lost}"
            job.task_id = None
            if cloud is not None and cloud.lease_job_id == job.id:
                cloud.lease_job_id = None
                cloud.lease_expires_at = None
    session.commit()
    return [j.id for j in jobs]


def release_stale_leases(session: Session, now: datetime) -> int:
    """Leases past their time whose job is not running (a crash between two writes)."""
    result = session.execute(
        update(RegisteredCloud)
        .where(
            RegisteredCloud.lease_expires_at < now,
            RegisteredCloud.lease_job_id.is_not(None),
            ~RegisteredCloud.lease_job_id.in_(
                select(CloudJob.id).where(and_(CloudJob.state == "running"))
            ),
        )
        .values(lease_job_id=None, lease_expires_at=None)
    )
    session.commit()
    return int(getattr(result, "rowcount", 0) or 0)
