"""A registered cloud's history (continuous compliance): per guideline/target, its runs as a
timeline, the regressions between consecutive runs, the flaky tests and the freshness of
the product version's certificate; the same as CSV; the rows of ``/metrics``.

Each run's figures are its stored compliance report (:mod:`refcore.services.reports`,
computed once per run and guideline/target by :func:`refcore.core.compliance.evaluate`);
:mod:`refcore.core.history` only reads them. Runs come from the cloud's jobs that produced
one (scheduled or on demand, see :mod:`refcore.services.clouds`), newest
``Policy.runs`` kept. Only the admins of the cloud's vendor see its history (anyone else
gets 404, as for the cloud itself).
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from refcore.core import history as core
from refcore.errors import InvalidInput
from refcore.services import clouds, reports
from refcore.services.accounts import Actor
from refcore.services.alerts import alert_row
from refcore.services.audit import csv_text
from refcore.services.guidelines import GuidelineSource
from refcore.storage.models import (
    CloudAlert,
    CloudJob,
    Organization,
    Product,
    ProductVersion,
    RegisteredCloud,
    Run,
    utcnow,
)

__all__ = [
    "CSV_FIELDS",
    "Policy",
    "cloud_history",
    "freshness_by_version",
    "history_csv",
    "freshness_of",
    "jobs_with_runs",
    "last_passes",
    "metrics_rows",
    "series_points",
    "stored_points",
]

SCHEDULE = "schedule"
CSV_FIELDS = (
    "guideline",
    "target",
    "run_id",
    "at",
    "trigger",
    "meets",
    "pass_percent",
    "required_tests",
    "required_not_passed",
    "regressions",
)


def settings_now(settings: Any) -> datetime:
    """The server's clock, naive UTC as stored: ``certification_clock`` when set (tests,
    simulations), else now. Certificates and histories read the same one."""
    clock = settings.certification_clock
    return clock.replace(tzinfo=None) if clock is not None else utcnow()


@dataclass(frozen=True)
class Policy:
    """The settings the history applies (``REFCORE_CONTINUOUS_*``) and its clock."""

    now: datetime
    lapse_days: int = 30
    flaky_flips: int = 2
    runs: int = 90

    @classmethod
    def from_settings(cls, settings: Any) -> Policy:
        return cls(
            settings_now(settings),
            settings.continuous_lapse_days,
            settings.continuous_flaky_flips,
            settings.continuous_history_runs,
        )


def _stamp(value: datetime | None) -> str | None:
    return value.strftime("%Y-%m-%dT%H:%M:%SZ") if value else None


def _rows() -> Any:
    return (
        select(RegisteredCloud, ProductVersion, Product, Organization)
        .join(ProductVersion, ProductVersion.id == RegisteredCloud.product_version_id)
        .join(Product, Product.id == ProductVersion.product_id)
        .join(Organization, Organization.id == Product.organization_id)
    )


def _owned(session: Session, actor: Actor, cloud_id: str) -> Any:
    """The cloud's row if the actor may see the cloud (the rule of
    :func:`refcore.services.clouds.get_cloud`: its vendor's admins; 404 otherwise)."""
    clouds.get_cloud(session, actor, cloud_id)
    return session.execute(_rows().where(RegisteredCloud.id == str(cloud_id))).one()


def _pairs(session: Session, cloud: RegisteredCloud) -> list[tuple[str, str]]:
    """The guideline/targets the cloud tests, then any other its jobs ran."""
    out = [(t["guideline"], t["target"]) for t in json.loads(cloud.tests or "[]")]
    for g, t in session.execute(
        select(CloudJob.guideline, CloudJob.target)
        .where(CloudJob.registered_cloud_id == cloud.id, CloudJob.run_id.is_not(None))
        .distinct()
    ):
        if (g, t) not in out:
            out.append((g, t))
    return out


def jobs_with_runs(
    session: Session, cloud_ids: Iterable[str], limit: int | None, *where: Any
) -> dict[tuple[str, str, str], list[tuple[CloudJob, Run]]]:
    """(cloud, guideline, target) -> its jobs with a run, newest ``limit`` kept, oldest
    first. One run counts once (a retried job's run is the same run)."""
    query = (
        select(CloudJob, Run)
        .join(Run, Run.id == CloudJob.run_id)
        .where(CloudJob.registered_cloud_id.in_(sorted(set(cloud_ids))), *where)
        .order_by(Run.created_at.desc(), Run.id)
    )
    out: dict[tuple[str, str, str], list[tuple[CloudJob, Run]]] = defaultdict(list)
    seen: set[tuple[str, str, str, str]] = set()
    for job, run in session.execute(query):
        key = (job.registered_cloud_id, job.guideline, job.target)
        if (*key, run.id) in seen or (limit is not None and len(out[key]) >= limit):
            continue
        seen.add((*key, run.id))
        out[key].append((job, run))
    return {k: list(reversed(v)) for k, v in out.items()}


def last_passes(
    session: Session, cloud_ids: Iterable[str], now: datetime
) -> dict[tuple[str, str, str], datetime]:
    """(cloud, guideline, target) -> when its latest passing run (by the job's stored
    meets) was uploaded, however old: the lapse clock must not depend on the window."""
    query = (
        select(
            CloudJob.registered_cloud_id,
            CloudJob.guideline,
            CloudJob.target,
            func.max(Run.created_at),
        )  # fmt: skip
        .join(Run, Run.id == CloudJob.run_id)
        .where(
            CloudJob.registered_cloud_id.in_(sorted(set(cloud_ids))),
            CloudJob.meets.is_(True),
            Run.created_at <= now,
        )
        .group_by(CloudJob.registered_cloud_id, CloudJob.guideline, CloudJob.target)
    )
    return {(c, g, t): at for c, g, t, at in session.execute(query)}


def stored_points(jobs: list[tuple[CloudJob, Run]]) -> list[core.Point]:
    """Points from each job's stored ``meets`` (no report read): enough for freshness."""
    return [
        core.Point(run.id, run.created_at, job.trigger == SCHEDULE, bool(job.meets), 0.0)
        for job, run in jobs
        if job.meets is not None
    ]


def freshness_of(
    points: list[core.Point],
    cloud: RegisteredCloud,
    policy: Policy,
    last_pass: datetime | None,
) -> core.FreshnessState:
    """The freshness of one series; ``last_pass`` (:func:`last_passes`) stands for a passing
    run older than the window of ``points``."""
    if last_pass is not None and not any(p.meets and p.at >= last_pass for p in points):
        points = [core.Point("", last_pass, False, True, 100.0), *points]
    return core.freshness(
        points, now=policy.now, lapse_days=policy.lapse_days, tracked_since=cloud.created_at
    )


def series_points(
    session: Session,
    source: GuidelineSource,
    jobs: list[tuple[CloudJob, Run]],
    guideline: str,
    target: str,
) -> list[core.Point]:
    """The points of one series, from each run's stored report."""
    return [
        core.Point.from_report_dict(
            run.id,
            run.created_at,
            job.trigger == SCHEDULE,
            reports.stored_report_data(session, run, source, guideline, target),
        )
        for job, run in jobs
    ]


def _series(
    points: list[core.Point],
    triggers: dict[str, str],
    guideline: str,
    target: str,
    fresh: core.FreshnessState,
    policy: Policy,
) -> dict[str, Any]:
    line = core.timeline(points)
    found = core.regressions(line)
    by_run: dict[str, int] = defaultdict(int)
    for r in found:
        by_run[r.after.run_id] += 1
    runs = [
        {**p.to_dict(), "trigger": triggers.get(p.run_id), "regressions": by_run.get(p.run_id, 0)}
        for p in line
    ]
    latest = runs[-1] if runs else None
    return {
        "guideline": guideline,
        "target": target,
        "runs": runs,
        "latest": latest,
        "regressions": [r.to_dict() for r in found],
        "flaky": [f.to_dict() for f in core.flaky_tests(line, min_flips=policy.flaky_flips)],
        "freshness": fresh.to_dict(),
    }


def _cloud_dict(row: Any) -> dict[str, Any]:
    cloud, version, product, org = row
    return {
        "id": cloud.id,
        "name": cloud.name,
        "vendor": {"id": org.id, "name": org.name},
        "product": {"id": product.id, "name": product.name},
        "version": {"id": version.id, "version": version.version},
        "created_at": _stamp(cloud.created_at),
    }


def cloud_history(
    session: Session,
    actor: Actor,
    source: GuidelineSource,
    policy: Policy,
    cloud_id: str,
    *,
    guideline: str | None = None,
    target: str | None = None,
) -> dict[str, Any]:
    """The cloud's history per guideline/target (optionally one guideline, one target)."""
    row = _owned(session, actor, cloud_id)
    cloud = row[0]
    pairs = _pairs(session, cloud)
    if guideline is not None:
        pairs = [p for p in pairs if p[0] == guideline]
    if target is not None:
        pairs = [p for p in pairs if p[1] == target]
    if (guideline or target) and not pairs:
        raise InvalidInput(
            f"Cloud {cloud.name} is not tested for {guideline or '*'} {target or '*'}",
            errors=[
                "tested: "
                + (", ".join(f"{g} {t}" for g, t in _pairs(session, cloud)) or "nothing yet")
            ],
        )
    jobs = jobs_with_runs(session, [cloud.id], policy.runs)
    passes = last_passes(session, [cloud.id], policy.now)
    series = []
    for g, t in pairs:
        these = jobs.get((cloud.id, g, t), [])
        points = series_points(session, source, these, g, t)
        triggers = {run.id: job.trigger for job, run in these}
        fresh = freshness_of(points, cloud, policy, passes.get((cloud.id, g, t)))
        series.append(_series(points, triggers, g, t, fresh, policy))
    alerts = session.scalars(
        select(CloudAlert)
        .where(CloudAlert.cloud_id == cloud.id)
        .order_by(CloudAlert.created_at.desc(), CloudAlert.id.desc())
        .limit(50)
    )
    return {
        "cloud": _cloud_dict(row),
        "policy": {
            "lapse_days": policy.lapse_days,
            "flaky_flips": policy.flaky_flips,
            "runs": policy.runs,
            "now": _stamp(policy.now),
        },
        "series": series,
        "alerts": [alert_row(a) for a in alerts],
    }


def history_csv(body: dict[str, Any]) -> str:
    """One line per run per guideline/target, oldest first."""
    return csv_text(
        CSV_FIELDS,
        [
            [
                s["guideline"],
                s["target"],
                r["run_id"],
                r["at"],
                r["trigger"],
                "yes" if r["meets"] else "no",
                r["pass_percent"],
                r["required_tests"],
                r["required_not_passed"],
                r["regressions"],
            ]
            for s in body["series"]
            for r in s["runs"]
        ],
    )


def freshness_by_version(
    session: Session, policy: Policy, keys: Iterable[tuple[str, str, str]]
) -> dict[tuple[str, str, str], core.FreshnessState]:
    """(product version id, guideline, target) -> the freshness its registered clouds give
    (the worst of them); keys without any run are left out. Reads the meets stored with
    each job (the same evaluation as the run's report), one query for all keys."""
    wanted = set(keys)
    if not wanted:
        return {}
    versions = sorted({k[0] for k in wanted})
    clouds = {
        c.id: c
        for c in session.scalars(
            select(RegisteredCloud).where(RegisteredCloud.product_version_id.in_(versions))
        )
    }
    if not clouds:
        return {}
    jobs = jobs_with_runs(session, clouds, policy.runs, CloudJob.meets.is_not(None))
    passes = last_passes(session, clouds, policy.now)
    states: dict[tuple[str, str, str], list[core.FreshnessState]] = defaultdict(list)
    for (cloud_id, g, t), these in jobs.items():
        key = (clouds[cloud_id].product_version_id, g, t)
        if key not in wanted:
            continue
        states[key].append(
            freshness_of(
                stored_points(these), clouds[cloud_id], policy, passes.get((cloud_id, g, t))
            )  # fmt: skip
        )
    return {k: core.worst(v) for k, v in states.items()}


def metrics_rows(
    session: Session, actor: Actor, source: GuidelineSource, policy: Policy
) -> list[dict[str, Any]]:
    """One row per cloud and guideline/target with a run, for the actor's vendors' clouds:
    the latest run's time, pass percentage and meets, days since a passing run, freshness."""
    actor.require_login()
    if not actor.org_ids:
        return []
    rows = session.execute(
        _rows()
        .where(Organization.id.in_(sorted(actor.org_ids)))
        .order_by(Organization.name, Product.name, RegisteredCloud.name)
    ).all()
    by_id = {r[0].id: r for r in rows}
    out: list[dict[str, Any]] = []
    jobs = jobs_with_runs(session, by_id, policy.runs, CloudJob.meets.is_not(None))
    passes = last_passes(session, by_id, policy.now)
    for (cloud_id, g, t), these in sorted(jobs.items()):
        cloud, version, product, _ = by_id[cloud_id]
        job, run = these[-1]
        latest = series_points(session, source, [(job, run)], g, t)[0]
        # freshness and days since passing from the stored meets of every run (no reports)
        fresh = freshness_of(stored_points(these), cloud, policy, passes.get((cloud_id, g, t)))
        out.append(
            {
                "cloud_id": cloud.id,
                "cloud": cloud.name,
                "product": product.name,
                "version": version.version,
                "guideline": g,
                "target": t,
                "last_run_at": run.created_at,
                "pass_percent": latest.pass_percent,
                "meets": latest.meets,
                "days_since_pass": fresh.days_since_pass,
                "freshness": fresh.status.value,
            }
        )
    return out
