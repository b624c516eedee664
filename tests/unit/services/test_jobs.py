"""Jobs of registered clouds on a real database (SQLite, and PostgreSQL when set): due
clouds become jobs once, a cloud's lease lets one job run at a time, a repeated delivery
runs nothing, a job whose worker stopped beating is queued again and then fails when out of
attempts, a worker that lost its job cannot record over it."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

from cryptography.fernet import Fernet

from refcore.services import jobs
from refcore.services.vault import Vault
from refcore.storage.models import (
    CloudJob,
    Organization,
    Product,
    ProductVersion,
    RegisteredCloud,
)

NOW = datetime(2026, 12, 3, 3, 0, 5)
VAULT = Vault((Fernet.generate_key().decode(),))
ENTRY = {"auth": {"auth_url": "http://k/v3", "username": "u-name", "password": "p4ss-word"}}


def _cloud(
    session: Any, name: str, *, tests: list[dict[str, str]] | None = None
) -> RegisteredCloud:
    session.add(Organization(id=f"org-{name}", type=1, name=name))
    session.add(
        Product(id=f"p-{name}", name=name, organization_id=f"org-{name}", type=0, product_type=1)
    )
    session.add(ProductVersion(id=f"v-{name}", product_id=f"p-{name}", version="1"))
    cloud = RegisteredCloud(
        id=f"c-{name}",
        product_version_id=f"v-{name}",
        name=name,
        auth_url="http://k/v3",
        credentials=VAULT.encrypt(ENTRY),
        credentials_mask="{}",
        tests=json.dumps(tests or [{"guideline": "2020.06", "target": "object"}]),
        schedule="daily 03:00",
        enabled=True,
        next_run_at=NOW - timedelta(seconds=5),
    )
    session.add(cloud)
    session.flush()
    return cloud


def test_due_clouds_become_jobs_once_and_move_on(db_session: Any) -> None:
    two = [
        {"guideline": "2020.06", "target": "object"},
        {"guideline": "2020.06", "target": "platform"},
    ]
    cloud = _cloud(db_session, "due", tests=two)
    made = jobs.enqueue_due(db_session, NOW)
    assert len(made) == 2
    assert cloud.next_run_at == datetime(2026, 12, 4, 3, 0)
    assert jobs.enqueue_due(db_session, NOW + timedelta(seconds=1)) == []  # not due again
    rows = db_session.query(CloudJob).filter_by(registered_cloud_id=cloud.id).all()
    assert {(j.target, j.trigger, j.state, j.scheduled_for) for j in rows} == {
        ("object", "schedule", "queued", NOW - timedelta(seconds=5)),
        ("platform", "schedule", "queued", NOW - timedelta(seconds=5)),
    }
    # one per cloud is handed out; the other waits for the lease
    ready = jobs.to_dispatch(db_session, NOW)
    assert len(ready) == 1
    first = jobs.claim(db_session, VAULT, ready[0], worker="w1", now=NOW, lease_seconds=60)
    assert isinstance(first, jobs.Claim) and first.entry == ENTRY and first.attempt == 1
    assert jobs.to_dispatch(db_session, NOW) == []
    other = next(j for j in made if j != ready[0])
    said = jobs.claim(db_session, VAULT, other, worker="w2", now=NOW, lease_seconds=60)
    assert said == f"cloud due is running job {ready[0]}"
    # a second delivery of the running job runs nothing
    said = jobs.claim(db_session, VAULT, ready[0], worker="w2", now=NOW, lease_seconds=60)
    assert isinstance(said, str) and "is running on w1" in said
    assert jobs.finish(
        db_session, ready[0], worker="w1", now=NOW + timedelta(seconds=90), state="passed",
        reason=None, log="ok", meets=True,
    )  # fmt: skip
    job = db_session.get(CloudJob, ready[0])
    assert job.state == "passed" and job.duration_seconds == 90.0 and cloud.lease_job_id is None
    assert jobs.to_dispatch(db_session, NOW + timedelta(seconds=90)) == [other]
    said = jobs.claim(db_session, VAULT, ready[0], worker="w3", now=NOW, lease_seconds=60)
    assert said == f"job {ready[0]} ended already (passed)"


def test_a_lost_worker_s_job_is_retried_then_failed(db_session: Any) -> None:
    cloud = _cloud(db_session, "lost")
    (job_id,) = jobs.enqueue_due(db_session, NOW)
    db_session.get(CloudJob, job_id).max_attempts = 2
    t = NOW
    for attempt, worker in ((1, "w1"), (2, "w2")):
        got = jobs.claim(db_session, VAULT, job_id, worker=worker, now=t, lease_seconds=60)
        assert isinstance(got, jobs.Claim) and got.attempt == attempt
        assert jobs.heartbeat(
            db_session, job_id, worker=worker, now=t + timedelta(seconds=10), lease_seconds=60
        )
        assert jobs.reap(db_session, t + timedelta(seconds=60), lease_seconds=60) == []  # beating
        t += timedelta(seconds=71)
        assert jobs.reap(db_session, t, lease_seconds=60) == [job_id]  # stopped beating
    job = db_session.get(CloudJob, job_id)
    assert job.state == "failed" and job.attempt == 2
    assert job.reason.startswith("lost: attempt 2 of 2: worker w2 stopped answering")
    assert "attempt 1 of 2: worker w1 stopped answering" in job.log
    assert cloud.lease_job_id is None
    # the lost worker comes back: it cannot beat or record over the outcome
    assert not jobs.heartbeat(db_session, job_id, worker="w2", now=t, lease_seconds=60)
    assert not jobs.finish(
        db_session, job_id, worker="w2", now=t, state="passed", reason=None, log="late"
    )
    assert db_session.get(CloudJob, job_id).state == "failed"


def test_a_retried_job_is_handed_out_again(db_session: Any) -> None:
    _cloud(db_session, "again")
    (job_id,) = jobs.enqueue_due(db_session, NOW)
    jobs.dispatched(db_session, job_id, "task-1")
    assert jobs.to_dispatch(db_session, NOW) == []  # sent already
    jobs.claim(db_session, VAULT, job_id, worker="w1", now=NOW, lease_seconds=30)
    later = NOW + timedelta(seconds=31)
    assert jobs.reap(db_session, later, lease_seconds=30) == [job_id]
    job = db_session.get(CloudJob, job_id)
    assert job.state == "retrying" and job.task_id is None
    assert jobs.to_dispatch(db_session, later) == [job_id]
    got = jobs.claim(db_session, VAULT, job_id, worker="w2", now=later, lease_seconds=30)
    assert isinstance(got, jobs.Claim) and got.attempt == 2
