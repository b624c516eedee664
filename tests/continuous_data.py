"""A registered cloud with a history, for the continuous compliance tests: a vendor's admin,
a product version, the cloud (its clouds.yaml entry stands for an encrypted one), and runs
of 2020.06's object target stored through the real services, each with the job that
produced it (its ``meets`` from the run's real report, as a worker records it)."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from refcore.core.runs import Outcome
from refcore.services import accounts, products, reports, runs, vendors
from refcore.services.guidelines import FixedSource
from refcore.storage.models import CloudJob, ProductVersion, RegisteredCloud

GUIDELINE, TARGET = "2020.06", "object"
#: stands for the cloud's encrypted clouds.yaml entry: must never show anywhere
SECRET = "pa55-never-shown-0xCAFE"


def required_tests(guidelines: Any) -> list[tuple[str, str]]:
    """(name, idempotent id) of every required, non-flagged test of 2020.06 object."""
    g = guidelines[GUIDELINE]
    statuses = g.capability_statuses(TARGET)
    return sorted(
        {
            (t.name, t.uuid or "")
            for cap, t in g.tests(TARGET)
            if statuses.get(cap.name) == "required" and not t.flagged
        }
    )


@dataclass
class History:
    admin: str  # the vendor admin's openid
    token: str  # an API token of the vendor admin
    vendor_id: str
    version_id: str
    cloud_id: str
    runs: list[str] = field(default_factory=list)
    tests: list[str] = field(default_factory=list)


def seed(
    session: Session,
    guidelines: Any,
    *,
    tag: str | None = None,
    start: datetime,
    plan: list[tuple[float, str, set[str]]],
    email: str | None = "ops@example.org",
) -> History:
    """``plan``: (days after ``start``, trigger ``schedule``/``manual``, names failing)."""
    tag = tag or uuid.uuid4().hex[:8]
    admin = accounts.create_user(session, f"cw-admin-{tag}", email=email)
    token = accounts.create_token(session, admin)
    actor = accounts.actor_for(session, admin)
    vendor = vendors.create_vendor(session, actor, f"Watch Co {tag}")
    actor = accounts.actor_for(session, admin)
    product = products.create_product(
        session,
        actor,
        {
            "name": f"Watch Cloud {tag}",
            "product_type": 1,
            "organization_id": vendor,
            "version": "1.0",
        },  # fmt: skip
    )
    version = session.query(ProductVersion).filter_by(product_id=product, version="1.0").one()
    cloud = RegisteredCloud(
        id=str(uuid.uuid4()),
        product_version_id=version.id,
        name=f"lab-{tag}",
        auth_url="http://127.0.0.1:5000/v3",
        credentials=SECRET,
        credentials_mask=json.dumps({"auth": {"username": "demo", "password": "***"}}),
        tests=json.dumps([{"guideline": GUIDELINE, "target": TARGET}]),
        schedule="daily 03:00",
        enabled=True,
        created_at=start,
    )
    session.add(cloud)
    session.commit()
    source = FixedSource(guidelines)
    everything = required_tests(guidelines)
    out = History(admin.openid, token, vendor, version.id, cloud.id, tests=[n for n, _ in everything])  # fmt: skip
    for day, trigger, failing in plan:
        tests = [(n, u, Outcome.FAIL if n in failing else Outcome.PASS) for n, u in everything]
        run = runs.store_run(
            session, tests, owner=admin, cpid=None, duration_seconds=60, api="v2", format="subunit"
        )
        at = start + timedelta(days=day)
        run.created_at = at
        session.commit()
        report = reports.stored_report_data(session, run, source, GUIDELINE, TARGET)
        session.add(
            CloudJob(
                id=str(uuid.uuid4()),
                registered_cloud_id=cloud.id,
                guideline=GUIDELINE,
                target=TARGET,
                trigger=trigger,
                state="passed" if report["meets"] else "failed",
                attempt=1,
                max_attempts=3,
                scheduled_for=at,
                created_at=at,
                started_at=at,
                finished_at=at + timedelta(minutes=2),
                duration_seconds=120.0,
                meets=report["meets"],
                run_id=run.id,
            )
        )
        session.commit()
        out.runs.append(run.id)
    return out


def certify(session: Session, guidelines: Any, h: History, now: datetime) -> str:
    """Storage (2020.06 object) for the history's product version, requested by the vendor
    with the first run and approved by the Foundation; its id."""
    return certify_version(session, guidelines, h.admin, h.version_id, h.runs[0], now)


def certify_version(
    session: Session, guidelines: Any, vendor: str, version_id: str, run_id: str, now: datetime
) -> str:
    """Storage (2020.06 object) for a product version, requested by ``vendor`` (an admin's
    openid) with ``run_id`` and approved by a new Foundation user (pre-checks overridden if
    any fail: the certificate is what matters here); its id."""
    from refcore.services import certification
    from refcore.services.certificates import Terms

    terms = Terms(now)
    actor = accounts.actor_for(session, accounts.user_by_openid(session, vendor))  # type: ignore[arg-type]
    template = certification.declaration_template(guidelines, GUIDELINE, "storage")
    req = certification.request(
        session,
        actor,
        guidelines,
        terms,
        {
            "product_version_id": version_id,
            "program": "storage",
            "guideline": GUIDELINE,
            "run_ids": [run_id],
            "declaration": {
                "release": "victoria",
                "projects": template["projects"],
                "obligations": template["obligations"],
            },
        },
    )
    boss = accounts.create_user(session, f"cw-found-{uuid.uuid4().hex[:8]}", foundation=True)
    done = certification.approve(
        session,
        accounts.actor_for(session, boss),
        terms,
        req["id"],
        override=None if req["checks_passed"] else "continuous compliance test",
    )
    return str(done["certificate_id"])
