"""The task engine of continuous compliance with real processes and real brokers on this
machine: `refcore scheduler` (Celery beat + the tick) and `refcore worker` as
subprocesses, through the embedded broker (kombu's SQLAlchemy transport on a SQLite file)
and through RabbitMQ on 127.0.0.1. A cloud whose Keystone refuses connections: the
scheduled job runs `refcore test`, fails with the runner's reason, the password in no log.
A cloud whose Keystone never answers: the worker is killed (SIGKILL, its whole process
group) mid-job, the job goes back to the queue and a second worker runs attempt 2; it is
never left running nor run twice at once."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import select, update

from refcore.storage.db import Database
from refcore.storage.migrate import upgrade

REFCORE = str(Path(sys.executable).parent / "refcore")
PASSWORD = "Eng1ne-secret-pw-77"
USERNAME = "engine-tester-user"
RABBITMQ = "amqp://guest:guest@127.0.0.1:5672//"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Site:
    db: Database
    env: dict[str, str]
    root: Path
    procs: list[tuple[subprocess.Popen[bytes], Path]]

    def start(self, *args: str, name: str) -> subprocess.Popen[bytes]:
        log = self.root / f"{name}.log"
        with log.open("wb") as out:
            proc = subprocess.Popen(
                [REFCORE, *args],
                stdout=out,
                stderr=subprocess.STDOUT,
                env=self.env,
                start_new_session=True,  # its own process group: killed whole, like a machine
            )
        self.procs.append((proc, log))
        return proc

    def logs(self) -> str:
        return "".join(log.read_text(errors="replace") for _, log in self.procs)

    def stop_all(self) -> None:
        for proc, _ in self.procs:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
        for proc, _ in self.procs:
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()


@pytest.fixture(params=["embedded", "rabbitmq"])
def site(request: pytest.FixtureRequest, tmp_path: Path, interop_dir: Path) -> Iterator[Site]:
    url = f"sqlite:///{tmp_path / 'refcore.db'}"
    db = Database.from_url(url)
    upgrade(db.engine)
    tempest = tmp_path / "tempest"  # never reached: the preflight fails first
    tempest.write_text("#!/bin/sh\nexit 3\n")
    tempest.chmod(0o755)
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("REFCORE_", "OS_"))},
        "REFCORE_DATABASE_URL": url,
        "REFCORE_CREDENTIALS_KEYS": Fernet.generate_key().decode(),
        "REFCORE_GUIDELINES": str(interop_dir),
        "REFCORE_SCHEDULER_INTERVAL_SECONDS": "1",
        "REFCORE_JOB_LEASE_SECONDS": "6",
        "REFCORE_WORKER_TEMPEST": str(tempest),
        "REFCORE_WORKER_WORKSPACE": str(tmp_path / "workers"),
        # queues of this test alone: the broker on 127.0.0.1 is shared
        "REFCORE_TASK_QUEUE": f"refcore-test-{uuid.uuid4().hex[:10]}",
        "REFCORE_CACHE_DIR": os.environ.get("REFCORE_CACHE_DIR", str(tmp_path / "cache")),
    }
    if request.param == "rabbitmq":
        env["REFCORE_TASK_BROKER_URL"] = RABBITMQ
    s = Site(db, env, tmp_path, [])
    try:
        yield s
    finally:
        s.stop_all()
        db.dispose()


def _register(site: Site, auth_url: str) -> str:
    from refcore.config import Settings
    from refcore.readers.guidelines import load_guidelines
    from refcore.services import accounts, clouds, products, vendors
    from refcore.services.vault import Vault

    gs = load_guidelines(site.env["REFCORE_GUIDELINES"])
    vault = Vault.from_settings(Settings(credentials_keys=[site.env["REFCORE_CREDENTIALS_KEYS"]]))
    with site.db.session(write=True) as session:
        user = accounts.create_user(session, f"vendor-{uuid.uuid4().hex[:6]}")
        actor = accounts.actor_for(session, user)
        org = vendors.create_vendor(session, actor, "Engine Vendor")
        actor = accounts.actor_for(session, user)
        pid = products.create_product(
            session,
            actor,
            {"name": "Engine Cloud", "product_type": 1, "organization_id": org, "version": "1"},
        )
        version = next(
            v["id"] for v in products.list_versions(session, actor, pid) if v["version"] == "1"
        )
        cloud = clouds.register(
            session,
            actor,
            vault,
            gs,
            {
                "product_version_id": version,
                "name": "lab",
                "credentials": {
                    "auth": {
                        "auth_url": auth_url,
                        "username": USERNAME,
                        "password": PASSWORD,
                        "project_name": "interop",
                        "user_domain_name": "Default",
                        "project_domain_name": "Default",
                    }
                },
                "tests": "2020.06 object",
                "schedule": "daily 03:00",
            },
        )
    return str(cloud["id"])


def _make_due(site: Site, cloud_id: str) -> None:
    """As if 03:00 had come: the scheduler queues the cloud's runs at its next tick."""
    from refcore.storage.models import RegisteredCloud, utcnow

    with site.db.session(write=True) as session:
        session.execute(
            update(RegisteredCloud)
            .where(RegisteredCloud.id == cloud_id)
            .values(next_run_at=utcnow().replace(microsecond=0))
        )
        session.commit()


def _jobs(site: Site, cloud_id: str) -> list[Any]:
    from refcore.storage.models import CloudJob

    with site.db.session() as session:
        return list(
            session.scalars(
                select(CloudJob)
                .where(CloudJob.registered_cloud_id == cloud_id)
                .order_by(CloudJob.created_at)
            )
        )


def _wait(what: str, check: Any, site: Site, timeout: float = 120) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        got = check()
        if got:
            return got
        time.sleep(0.5)
    pytest.fail(f"timed out waiting for {what}\n--- logs ---\n{site.logs()[-6000:]}")


def test_a_scheduled_job_runs_on_a_worker_and_fails_with_the_runners_reason(site: Site) -> None:
    closed = _free_port()  # nothing listens there: Keystone refuses the connection
    cloud_id = _register(site, f"http://127.0.0.1:{closed}/v3")
    site.start("scheduler", name="scheduler")
    site.start("worker", "--name", "w1", name="worker")
    _make_due(site, cloud_id)
    jobs = _wait(
        "the job to end",
        lambda: [j for j in _jobs(site, cloud_id) if j.state in ("passed", "failed")],
        site,
    )
    job = jobs[0]
    assert len(_jobs(site, cloud_id)) == 1, "one job per guideline/target and tick"
    assert job.trigger == "schedule" and job.guideline == "2020.06" and job.target == "object"
    assert job.state == "failed" and job.attempt == 1 and job.worker == "w1"
    assert job.meets is None and job.run_id is None
    assert "exited 2" in job.reason and "Keystone" in job.reason, job.reason
    assert job.duration_seconds is not None and job.duration_seconds >= 0
    assert "refcore test --cloud refcore-job --guideline 2020.06 --target object" in job.log
    # the lease is released, the next run is tomorrow's, the credentials file is gone
    from refcore.storage.models import RegisteredCloud

    with site.db.session() as session:
        cloud = session.get(RegisteredCloud, cloud_id)
        assert cloud is not None and cloud.lease_job_id is None
        assert cloud.next_run_at is not None and cloud.next_run_at.hour == 3
    workspace = Path(site.env["REFCORE_WORKER_WORKSPACE"]) / cloud_id
    assert not list(workspace.glob("clouds-*.yaml"))
    # the secrets: in no job log, no reason, no process's output
    assert PASSWORD not in job.log and USERNAME not in job.log and PASSWORD not in job.reason
    assert PASSWORD not in site.logs() and USERNAME not in site.logs()
    # the job's own file on the worker holds `refcore test`'s output unredacted, owner-only
    assert (workspace / "jobs").stat().st_mode & 0o077 == 0


def test_a_worker_killed_mid_job_leaves_the_job_retried(site: Site) -> None:
    # a Keystone that accepts connections and never answers: the job's preflight waits
    hole = socket.socket()
    hole.bind(("127.0.0.1", 0))
    hole.listen(64)
    try:
        cloud_id = _register(site, f"http://127.0.0.1:{hole.getsockname()[1]}/v3")
        site.start("scheduler", name="scheduler")
        first = site.start("worker", "--name", "w1", name="worker-1")
        _make_due(site, cloud_id)
        _wait(
            "the job to run on w1",
            lambda: [j for j in _jobs(site, cloud_id) if j.state == "running"],
            site,
        )
        time.sleep(1)
        os.killpg(first.pid, signal.SIGKILL)  # the worker, its `refcore test`: all gone
        first.wait()
        site.start("worker", "--name", "w2", name="worker-2")
        job = _wait(
            "the job to end on w2",
            lambda: next(
                (j for j in _jobs(site, cloud_id) if j.state in ("passed", "failed")), None
            ),
            site,
            timeout=180,
        )
    finally:
        hole.close()
    assert len(_jobs(site, cloud_id)) == 1
    assert job.attempt == 2 and job.worker == "w2", (job.attempt, job.worker, job.reason)
    assert "attempt 1 of 3: worker w1 stopped answering" in job.log
    assert job.state == "failed" and "Keystone" in job.reason, job.reason
    assert PASSWORD not in job.log and PASSWORD not in site.logs()


@pytest.mark.parametrize(
    ("args", "env", "said"),
    [
        (
            ["worker"],
            {"REFCORE_CREDENTIALS_KEYS": "not-a-key"},
            "credentials_keys: each key is a Fernet key",
        ),
        (
            ["scheduler", "--broker", "bogus://x"],
            {},
            "--broker: 'bogus' is no broker refcore knows",
        ),
        (["worker", "--broker", "guest:guest@mq"], {}, "--broker: a value without scheme://"),
        (["worker", "--concurrency", "0"], {}, "Invalid value for '--concurrency'"),
    ],
)
def test_workers_refuse_bad_settings_in_one_line(
    tmp_path: Path, args: list[str], env: dict[str, str], said: str
) -> None:
    proc = subprocess.run(
        [REFCORE, *args, "--db", f"sqlite:///{tmp_path / 'r.db'}"],
        capture_output=True,
        text=True,
        timeout=120,
        env={**{k: v for k, v in os.environ.items() if not k.startswith("REFCORE_")}, **env},
        check=False,
    )
    assert proc.returncode == 2, proc.stderr
    assert said in proc.stderr and "Traceback" not in proc.stderr
    assert "guest:guest" not in proc.stderr
