"""The task engine of continuous compliance: Celery carries "run job X" and "tick" messages
between the scheduler and the workers (docs/continuous.md).

* :mod:`refcore.tasks.engine`: the Celery app, its settings and the two tasks.
* :mod:`refcore.tasks.execute`: one job: ``refcore test`` in the cloud's workspace, the
  heartbeat, the upload through the same service as any upload, the outcome.

The database (:mod:`refcore.services.jobs`) is the source of truth; the broker only carries
messages, so a lost or repeated message costs nothing.
"""
