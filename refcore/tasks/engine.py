"""The Celery app: ``refcore worker`` runs jobs (queue ``refcore.jobs``), ``refcore
scheduler`` runs Celery beat with the ``tick`` task (queue ``refcore.ticks``), which queues
the runs that are due, re-queues the jobs of workers that died, and hands queued jobs to the
workers.

Reliability settings: ``task_acks_late`` (a message is acknowledged when its job ended, not
when it started) and ``task_reject_on_worker_lost`` (a worker process that dies hands the
message back), ``worker_prefetch_multiplier=1`` (a worker takes one job per free slot).
Behind them the database decides: a repeated delivery of a finished or running job does
nothing (:func:`refcore.services.jobs.claim`).
"""

from __future__ import annotations

import logging
import os
import socket
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from celery import Celery

from refcore.config import Settings

__all__ = ["Context", "app", "configure", "context", "queues"]

app = Celery("refcore", set_as_current=False)


@dataclass
class Context:
    """What a worker or the scheduler holds: settings, database, vault, its name."""

    settings: Settings
    worker: str = field(default_factory=lambda: f"{socket.gethostname()}:{os.getpid()}")
    _db: Any = None
    _vault: Any = None
    _source: Any = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def db(self) -> Any:
        with self._lock:
            if self._db is None:
                from refcore.storage.db import Database

                self._db = Database.from_url(self.settings.database_url)
            return self._db

    @property
    def vault(self) -> Any:
        with self._lock:
            if self._vault is None:
                from refcore.services.vault import Vault

                self._vault = Vault.from_settings(self.settings)
            return self._vault

    @property
    def source(self) -> Any:
        """The guidelines (``REFCORE_GUIDELINES``), loaded once: the alerts' reports need them."""
        with self._lock:
            if self._source is None:
                from refcore.services.guidelines import LoadedSource

                self._source = LoadedSource(self.settings.guidelines)
            return self._source

    def check_alerts(self, cloud_id: str | None = None) -> int:
        """Send the alerts not sent yet (regressions, lapses: :mod:`refcore.services.watch`),
        of one cloud or all; how many. A failure is logged, never the job's."""
        from refcore.services.watch import check_with_settings

        try:
            with self.db.session(write=True) as session:
                return len(
                    check_with_settings(session, self.settings, self.source, cloud_id=cloud_id)
                )
        except Exception:
            logging.getLogger("refcore.tasks").warning("alerts not checked", exc_info=True)
            return 0

    @property
    def workspace(self) -> Path:
        if self.settings.worker_workspace:
            return Path(self.settings.worker_workspace).absolute()
        import platformdirs

        return Path(platformdirs.user_data_dir("refcore")) / "worker"


_context: Context | None = None


def configure(settings: Settings, *, worker: str | None = None) -> Celery:
    """Point the app at the settings' broker and make the context the tasks use."""
    global _context
    _context = Context(settings) if worker is None else Context(settings, worker=worker)
    interval = settings.scheduler_interval_seconds
    jobs_queue, ticks_queue = queues(settings)
    app.conf.update(
        broker_url=settings.broker_url,
        broker_connection_retry_on_startup=True,
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        task_ignore_result=True,
        task_serializer="json",
        accept_content=["json"],
        task_default_queue=jobs_queue,
        task_routes={
            "refcore.tick": {"queue": ticks_queue},
            "refcore.run_job": {"queue": jobs_queue},
        },
        worker_hijack_root_logger=False,
        # no remote control: nothing uses it, and its per-node exclusive queue would keep two
        # sites' workers of the same name on one broker from starting
        worker_enable_remote_control=False,
        beat_schedule={
            "refcore-tick": {
                "task": "refcore.tick",
                "schedule": interval,
                # a tick nobody ran in time is dropped: the next one does the same work
                "options": {"expires": max(1.0, interval)},
            }
        },
        timezone="UTC",
        enable_utc=True,
    )
    if settings.broker_url.startswith(("redis", "rediss", "sqs")):
        # Redis and SQS hand an unacknowledged message out again after this long; a job
        # still running then is not run twice (its lease), so it can be short
        app.conf.broker_transport_options = {
            "visibility_timeout": max(60, int(settings.job_lease_seconds * 2))
        }
    return app


def queues(settings: Settings) -> tuple[str, str]:
    """The jobs' queue and the ticks' queue."""
    return f"{settings.task_queue}.jobs", f"{settings.task_queue}.ticks"


def context() -> Context:
    global _context
    if _context is None:  # a worker started by `celery -A refcore.tasks.engine` directly
        configure(Settings())
    assert _context is not None
    return _context


def _tick() -> dict[str, int]:
    """Queue the runs that are due, re-queue or fail the jobs of workers that stopped
    beating, hand queued jobs to the workers. Idempotent: two ticks at once do no harm."""
    from refcore.services import jobs
    from refcore.storage.models import utcnow

    ctx = context()
    s = ctx.settings
    db = ctx.db
    with db.session(write=True) as session:
        made = jobs.enqueue_due(session, utcnow(), max_attempts=s.job_max_attempts)
    with db.session(write=True) as session:
        reaped = jobs.reap(session, utcnow(), lease_seconds=s.job_lease_seconds)
    with db.session(write=True) as session:
        jobs.release_stale_leases(session, utcnow())
    with db.session() as session:
        ready = jobs.to_dispatch(session, utcnow())
    for job_id in ready:
        sent = run_job.apply_async((job_id,), queue=queues(s)[0])
        with db.session(write=True) as session:
            jobs.dispatched(session, job_id, sent.id)
    # lapses (no passing run for a while) come with time, not with a job: every tick looks
    alerts = ctx.check_alerts()
    return {"queued": len(made), "reaped": len(reaped), "dispatched": len(ready), "alerts": alerts}


def _run_job(self: Any, job_id: str) -> str:
    """Run one job (see :func:`refcore.tasks.execute.run`); says what happened."""
    from refcore.tasks.execute import run

    return run(context(), job_id, task_id=str(self.request.id or ""))


# registered on the app here: Celery's decorators carry no types
tick: Any = app.task(name="refcore.tick", ignore_result=True)(_tick)
run_job: Any = app.task(
    name="refcore.run_job",
    bind=True,
    ignore_result=True,
    acks_late=True,
    reject_on_worker_lost=True,
)(_run_job)
