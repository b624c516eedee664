"""One job: claim it under its cloud's lease, run ``refcore test`` in the cloud's own
workspace with the cloud's credentials in a clouds.yaml readable by the worker only (removed
after), beat while it runs, upload the run through the same service as any upload (the run
names its cloud and product version), and record the outcome, duration and log with the
credentials redacted.
"""

from __future__ import annotations

import ctypes
import json
import logging
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import yaml

from refcore.core import clouds as core
from refcore.services import jobs
from refcore.services.jobs import Claim
from refcore.storage.models import utcnow

__all__ = ["command_for", "run"]

log = logging.getLogger("refcore.tasks")

#: the clouds.yaml entry name a job's `refcore test` uses
CLOUD_NAME = "refcore-job"
#: settings a job's `refcore test` has no use for: not passed on
_WITHHELD = (
    "REFCORE_CREDENTIALS_KEYS",
    "REFCORE_DATABASE_URL",
    "REFCORE_TASK_BROKER_URL",
    "REFCORE_SECRET_KEY",
    "REFCORE_SMTP_PASSWORD",
    "REFCORE_OIDC_CLIENT_SECRET",
)
_KEEP_RUNS = 5
_LOG_TAIL = 48 * 1024


def command_for(
    claim: Claim, workspace: Path, *, tempest: str | None, guidelines: str | None
) -> list[str]:
    """The `refcore test` command line of a job (no secret in it)."""
    cmd = [sys.executable, "-m", "refcore", "test", "--cloud", CLOUD_NAME]
    cmd += ["--guideline", claim.guideline, "--target", claim.target]
    cmd += ["--workspace", str(workspace)]
    if tempest:
        cmd += ["--tempest", tempest]
    if guidelines:
        cmd += ["--guidelines", guidelines]
    o = claim.options
    if o.get("network"):
        cmd += ["--network", str(o["network"])]
    if o.get("concurrency"):
        cmd += ["--concurrency", str(o["concurrency"])]
    if o.get("all_statuses"):
        cmd.append("--all-statuses")
    if o.get("discover") is False:
        cmd.append("--no-discover")
    if o.get("rerun_failed"):
        cmd += ["--rerun-failed", str(o["rerun_failed"])]
    return cmd


def _die_with_parent() -> None:  # pragma: no cover - runs in the child
    """Linux: the child is killed when the worker dies (a killed worker leaves no Tempest
    running against the cloud)."""
    try:
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except OSError:
        pass


def run(ctx: Any, job_id: str, *, task_id: str = "") -> str:
    """Run the job if it is this worker's to run; a sentence saying what happened."""
    s = ctx.settings
    with ctx.db.session(write=True) as session:
        got = jobs.claim(
            session,
            ctx.vault,
            job_id,
            worker=ctx.worker,
            now=utcnow(),
            lease_seconds=s.job_lease_seconds,
        )
    if isinstance(got, str):
        log.info("job %s not run: %s", job_id, got)
        return got
    log.info(
        "job %s: cloud %s, %s %s, attempt %d of %d",
        job_id, got.cloud_id, got.guideline, got.target, got.attempt, got.max_attempts,
    )  # fmt: skip
    try:
        state, reason, meets, run_id, text = _execute(ctx, got)
    except Exception as exc:  # the job fails with the reason; the worker goes on
        state, reason, meets, run_id = (
            "failed",
            f"the worker failed: {type(exc).__name__}: {exc}",
            None,
            None,
        )
        text = reason
    secrets = got.secrets
    with ctx.db.session(write=True) as session:
        recorded = jobs.finish(
            session,
            job_id,
            worker=ctx.worker,
            now=utcnow(),
            state=state,
            reason=core.redact(reason, secrets) if reason else None,
            log=core.redact(text, secrets),
            meets=meets,
            run_id=run_id,
        )
    if not recorded:
        return f"job {job_id} was taken from this worker (lease lost) before it ended"
    if run_id is not None:  # a regression in this run: e-mail and webhook now, once
        ctx.check_alerts(got.cloud_id)
    return f"job {job_id} {state}" + (f": {core.redact(reason, secrets)}" if reason else "")


def _execute(ctx: Any, claim: Claim) -> tuple[str, str | None, bool | None, str | None, str]:
    """(state, reason, meets, run id, log) of one `refcore test`."""
    s = ctx.settings
    workspace = ctx.workspace / claim.cloud_id
    workspace.mkdir(parents=True, exist_ok=True, mode=0o700)
    clouds_yaml = workspace / f"clouds-{claim.job_id}.yaml"
    log_path = workspace / "jobs" / f"{claim.job_id}.{claim.attempt}.log"
    log_path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd = os.open(clouds_yaml, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        yaml.safe_dump({"clouds": {CLOUD_NAME: claim.entry}}, fh)
    env = {k: v for k, v in os.environ.items() if not k.startswith("OS_") and k not in _WITHHELD}
    env["OS_CLIENT_CONFIG_FILE"] = str(clouds_yaml)
    before = set((workspace / "runs").glob("*")) if (workspace / "runs").is_dir() else set()
    cmd = command_for(claim, workspace, tempest=s.worker_tempest, guidelines=s.guidelines)
    started = time.monotonic()
    timed_out = taken = False
    try:
        with log_path.open("wb") as out:
            out.write(
                f"[refcore] attempt {claim.attempt} of {claim.max_attempts} on {ctx.worker}\n".encode()
            )
            out.write(f"[refcore] $ refcore {' '.join(cmd[3:])}\n".encode())
            out.flush()
            proc = subprocess.Popen(
                cmd,
                stdout=out,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                env=env,
                cwd=workspace,
                preexec_fn=_die_with_parent if sys.platform == "linux" else None,  # noqa: PLW1509
            )
            beat = max(1.0, s.job_lease_seconds / 4)
            while True:
                try:
                    status = proc.wait(timeout=beat)
                    break
                except subprocess.TimeoutExpired:
                    pass
                if time.monotonic() - started > s.job_timeout_seconds:
                    timed_out = True
                elif not _beat(ctx, claim.job_id):
                    taken = True
                if timed_out or taken:
                    proc.terminate()
                    try:
                        status = proc.wait(timeout=30)
                    except subprocess.TimeoutExpired:
                        proc.kill()
                        status = proc.wait()
                    break
    finally:
        clouds_yaml.unlink(missing_ok=True)
    seconds = time.monotonic() - started
    text = _tail(log_path) + f"\n[refcore] `refcore test` exited {status} after {seconds:.0f} s"
    if timed_out:
        return "failed", f"timed out after {s.job_timeout_seconds} s", None, None, text
    if taken:
        return "failed", "the job was taken from this worker (lease lost)", None, None, text
    run_dir = _new_run_dir(workspace, before)
    result = _read_result(run_dir)
    if run_dir is None or result is None:
        return "failed", _error_line(text, status), None, None, text
    run_id = _upload(ctx, claim, run_dir, result)
    _prune(workspace)
    meets = bool(result.get("meets"))
    summary = (result.get("report") or {}).get("summary") or {}
    counts = result.get("counts") or {}
    if meets:
        return "passed", None, True, run_id, text
    reason = (
        f"does not meet {claim.guideline} / {claim.target}: "
        f"{summary.get('nonFlagPassCount', '?')} of {summary.get('totalNonFlagCount', '?')} "
        f"required tests passed ({counts.get('fail', 0) + counts.get('error', 0)} failed)"
    )
    return "failed", reason, False, run_id, text


def _beat(ctx: Any, job_id: str) -> bool:
    try:
        with ctx.db.session(write=True) as session:
            return jobs.heartbeat(
                session,
                job_id,
                worker=ctx.worker,
                now=utcnow(),
                lease_seconds=ctx.settings.job_lease_seconds,
            )
    except Exception:  # a database hiccup: the next beat tries again
        log.warning("job %s: heartbeat failed", job_id, exc_info=True)
        return True


def _tail(path: Path) -> str:
    data = path.read_bytes()
    return data[-_LOG_TAIL:].decode("utf-8", errors="replace")


def _error_line(text: str, status: int) -> str:
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    errors = [line for line in lines if line.lower().startswith("error:")]
    said = (
        errors[-1]
        if errors
        else next(
            (line for line in reversed(lines) if not line.startswith("[refcore]")), "no output"
        )
    )
    return f"`refcore test` exited {status}: {said}"[:2000]


def _new_run_dir(workspace: Path, before: set[Path]) -> Path | None:
    runs = workspace / "runs"
    if not runs.is_dir():
        return None
    new = sorted(p for p in runs.iterdir() if p.is_dir() and p not in before)
    return new[-1] if new else None


def _read_result(run_dir: Path | None) -> dict[str, Any] | None:
    if run_dir is None or not (run_dir / "result.json").is_file():
        return None
    data = json.loads((run_dir / "result.json").read_text())
    return data if isinstance(data, dict) else None


def _upload(ctx: Any, claim: Claim, run_dir: Path, result: dict[str, Any]) -> str | None:
    """Store the run through the service of ``POST /v2/runs``, as the cloud's vendor's."""
    from refcore.services.accounts import actor_for
    from refcore.services.runs import Upload, submit_v2
    from refcore.storage.models import User

    subunit = run_dir / str((result.get("files") or {}).get("subunit") or "run.subunit")
    if not subunit.is_file() or claim.owner_id is None:
        return None
    with ctx.db.session(write=True) as session:
        user = session.get(User, claim.owner_id)
        if user is None:
            return None
        run = submit_v2(
            session,
            Upload(subunit.read_bytes()),
            actor_for(session, user),
            allow_anonymous=False,
            cpid=(result.get("cloud") or {}).get("cpid"),
            duration_seconds=int(result.get("duration_seconds") or 0) or None,
            product_version_id=claim.product_version_id,
            registered_cloud_id=claim.cloud_id,
        )
        return str(run.id)


def _prune(workspace: Path) -> None:
    """Keep the last few run directories of the cloud (each holds Tempest's logs)."""
    import shutil

    runs = sorted(p for p in (workspace / "runs").iterdir() if p.is_dir())
    for old in runs[:-_KEEP_RUNS]:
        shutil.rmtree(old, ignore_errors=True)
