"""Watching registered clouds: find the events worth an alert and deliver each once.

* a **regression**: the newest run of a cloud for a guideline/target fails a required test
  the run before it passed (one alert per such run, naming every test and both runs);
* a **lapse**: no passing run for ``continuous_lapse_days`` (one alert per lapse: a run
  passing again and lapsing later is a new one).

:func:`check` (or :func:`check_with_settings`) is for a worker after a job recorded its run,
for the scheduler's tick (so a lapse is noticed with no run at all) and for
``refcore clouds check-alerts``. It is synchronous and holds no transaction while e-mailing or calling the
webhook (see :mod:`refcore.services.alerts`).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from refcore.core import history as core
from refcore.errors import NotFound
from refcore.services import cloud_history
from refcore.services.alerts import AlertEvent, Webhook, deliver
from refcore.services.guidelines import GuidelineSource
from refcore.services.mail import MailSettings, mail_settings
from refcore.storage.models import (
    CloudJob,
    Organization,
    Product,
    ProductVersion,
    RegisteredCloud,
)

__all__ = ["check", "check_with_settings", "events", "webhook_of"]


def _stamp(value: Any) -> str:
    return str(value.strftime("%Y-%m-%dT%H:%M:%SZ")) if value is not None else "never"


def _where(public_url: str, cloud_id: str) -> str:
    return f"{public_url.rstrip('/')}/clouds/{cloud_id}/history"


def events(
    session: Session,
    source: GuidelineSource,
    policy: cloud_history.Policy,
    *,
    public_url: str = "http://localhost",
    cloud_id: str | None = None,
) -> list[AlertEvent]:
    """Every alert-worthy event now (delivered or not: :func:`check` sends the new ones)."""
    query = (
        select(RegisteredCloud, ProductVersion, Product, Organization)
        .join(ProductVersion, ProductVersion.id == RegisteredCloud.product_version_id)
        .join(Product, Product.id == ProductVersion.product_id)
        .join(Organization, Organization.id == Product.organization_id)
        .order_by(RegisteredCloud.id)
    )
    if cloud_id is not None:
        query = query.where(RegisteredCloud.id == cloud_id)
    rows = {r[0].id: r for r in session.execute(query)}
    if cloud_id is not None and not rows:
        raise NotFound(f"Cloud {cloud_id} not found")
    if not rows:
        return []
    jobs = cloud_history.jobs_with_runs(session, rows, policy.runs, CloudJob.meets.is_not(None))
    passes = cloud_history.last_passes(session, rows, policy.now)
    out: list[AlertEvent] = []
    for (cid, g, t), these in sorted(jobs.items()):
        cloud, version, product, org = rows[cid]
        what = f"{product.name} {version.version or ''}".strip()
        link = _where(public_url, cid)
        base = {"cloud_id": cid, "org_id": org.id, "guideline": g, "target": t}
        about = {
            "cloud": {"id": cid, "name": cloud.name},
            "product": {"id": product.id, "name": product.name, "version": version.version},
            "guideline": g,
            "target": t,
            "history": link,
        }
        # a regression in the newest run: the reports of the last two runs
        if len(these) >= 2:
            pair = cloud_history.series_points(session, source, these[-2:], g, t)
            found = core.regressions(pair)
            if found:
                before, after = found[0].before, found[0].after
                tests = sorted(r.test for r in found)
                out.append(
                    AlertEvent(
                        key=f"regression:{cid}:{g}:{t}:{after.run_id}",
                        kind="regression",
                        subject=f"Regression on {cloud.name} ({what}): {len(tests)} required "
                        f"test(s) of {g} {t} no longer pass",
                        lines=[
                            f"Cloud {cloud.name} of {what} ({org.name}), guideline {g}, "
                            f"program {t}:",
                            f"{len(tests)} required test(s) passed in run {before.run_id} "
                            f"({_stamp(before.at)}) and do not in run {after.run_id} "
                            f"({_stamp(after.at)}):",
                            *(f"- {name} ({after.required[name]})" for name in tests),
                            "",
                            f"History: {link}",
                        ],
                        run_id=after.run_id,
                        payload={
                            **about,
                            "passed_in": before.run_id,
                            "failed_in": after.run_id,
                            "tests": tests,
                        },
                        **base,
                    )
                )
        fresh = cloud_history.freshness_of(
            cloud_history.stored_points(these), cloud, policy, passes.get((cid, g, t))
        )
        if fresh.status is core.Freshness.LAPSED:
            out.append(
                AlertEvent(
                    key=f"lapse:{cid}:{g}:{t}:{_stamp(fresh.since)}",
                    kind="lapse",
                    subject=f"Certificate freshness lapsed for {cloud.name} ({what}): {g} {t}",
                    lines=[
                        f"Cloud {cloud.name} of {what} ({org.name}), guideline {g}, program {t}:",
                        f"lapsed: {fresh.reason}.",
                        "Certificates of this product version for this program show as "
                        "lapsed until a run passes again.",
                        "",
                        f"History: {link}",
                    ],
                    run_id=None,
                    payload={
                        **about,
                        "last_pass_at": fresh.to_dict()["last_pass_at"],
                        "days_since_pass": fresh.days_since_pass,
                    },
                    **base,
                )
            )
    return out


def check(
    session: Session,
    source: GuidelineSource,
    policy: cloud_history.Policy,
    *,
    mail: MailSettings | None,
    webhook: Webhook | None,
    public_url: str = "http://localhost",
    cloud_id: str | None = None,
) -> list[dict[str, Any]]:
    """Deliver the alerts not delivered yet; what was sent (each recorded once)."""
    sent = []
    for event in events(session, source, policy, public_url=public_url, cloud_id=cloud_id):
        done = deliver(session, event, mail=mail, webhook=webhook)
        if done is not None:
            sent.append(done)
    return sent


def webhook_of(settings: Any) -> Webhook | None:
    """The webhook from the settings (``continuous_webhook_url`` and ``_secret``)."""
    url = settings.continuous_webhook_url
    if url is None:
        return None
    secret = settings.continuous_webhook_secret
    return Webhook(url.get_secret_value(), secret.get_secret_value() if secret else None)


def check_with_settings(
    session: Session, settings: Any, source: GuidelineSource, *, cloud_id: str | None = None
) -> list[dict[str, Any]]:
    """:func:`check` with the server's settings: the policy (``continuous_*``, the clock of
    ``certification_clock``), ``smtp_*``, the webhook, ``api_url`` for the links. What a
    worker calls after a job recorded its run (``cloud_id``) and on each scheduler tick."""
    return check(
        session,
        source,
        cloud_history.Policy.from_settings(settings),
        mail=mail_settings(settings),
        webhook=webhook_of(settings),
        public_url=settings.public_url,
        cloud_id=cloud_id,
    )
