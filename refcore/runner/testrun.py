"""One ``refcore test`` run, without any UI: plan (Tempest, preflight, tempest.conf, test
mapping), then execute (Tempest, parse, evaluate) and keep everything in a run directory::

    <workspace>/runs/<UTC time>/
        tempest.conf     the configuration used (passwords blanked)
        load-list.txt    the Tempest test ids run
        run.subunit      Tempest's subunit v2 stream, as it came
        run.stderr.log   Tempest's own messages
        result.json      the report plus the run's facts (mapping, cloud, timings)
"""

from __future__ import annotations

import json
import re
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from refcore.core.compliance import ComplianceReport, evaluate
from refcore.core.guidelines import Guideline
from refcore.core.results import parse_run
from refcore.core.runs import TestRun
from refcore.core.testmap import TestMapping, map_tests, parse_listing
from refcore.errors import ResultsParseError, RunnerError

from .cloud import Cloud, CloudSession, preflight
from .tempest import ResultCallback, TempestInstall, Workspace
from .tempest_conf import render_tempest_conf, swift_info

__all__ = ["Plan", "Outcome", "plan_run", "execute"]


@dataclass(slots=True)
class Plan:
    guideline: Guideline
    target: str
    session: CloudSession
    install: TempestInstall
    workspace: Workspace
    mapping: TestMapping
    conf_text: str
    #: "dynamic", "static" or "given" (--tempest-conf)
    credentials: str


@dataclass(slots=True)
class Outcome:
    run: TestRun
    report: ComplianceReport
    run_dir: Path
    exit_status: int
    seconds: float

    @property
    def result_json(self) -> Path:
        return self.run_dir / "result.json"

    @property
    def subunit(self) -> Path:
        return self.run_dir / "run.subunit"


def plan_run(
    cloud: Cloud,
    guideline: Guideline,
    target: str,
    *,
    install: TempestInstall,
    workspace: Workspace,
    accounts: Path | None = None,
    tempest_conf: Path | None = None,
    statuses: tuple[str, ...] | None = ("required",),
) -> Plan:
    """Everything short of running Tempest; fails fast with one clear line."""
    guideline.target(target)  # UnknownTarget before anything touches the network
    session = preflight(cloud)
    if tempest_conf is not None:
        try:
            conf_text = tempest_conf.read_text(encoding="utf-8")
        except OSError as exc:
            raise RunnerError(f"cannot read {tempest_conf}: {exc.strerror or exc}") from None
        credentials = "given"
    else:
        info = swift_info(session) if session.endpoint("object-store") else None
        config = render_tempest_conf(
            session, workspace=workspace.root, accounts_file=accounts, swift=info
        )
        conf_text = config.text
        credentials = "dynamic" if config.dynamic_credentials else "static"
    workspace.root.mkdir(parents=True, exist_ok=True)
    workspace.init(install)
    listing = parse_listing(workspace.list_tests(install))
    if not len(listing):
        raise RunnerError(f"{install.executable} lists no tests")
    mapping = map_tests(guideline, listing, target, statuses)
    if not mapping.load_list():
        raise RunnerError(
            f"none of the {len(mapping.entries)} tests of {guideline.id}/{target} is in "
            f"the installed Tempest"
        )
    return Plan(guideline, target, session, install, workspace, mapping, conf_text, credentials)


def execute(
    plan: Plan, *, concurrency: int | None = None, on_result: ResultCallback | None = None
) -> Outcome:
    """Run Tempest on the plan's tests, parse the stream, evaluate, write result.json."""
    started_at = datetime.now(UTC)
    run_dir = plan.workspace.root / "runs" / started_at.strftime("%Y%m%dT%H%M%SZ")
    run_dir.mkdir(parents=True, exist_ok=True)
    plan.workspace.write_conf(plan.conf_text)
    (run_dir / "tempest.conf").write_text(_redact(plan.conf_text), encoding="utf-8")
    load_list = run_dir / "load-list.txt"
    load_list.write_text("\n".join(plan.mapping.load_list()) + "\n", encoding="utf-8")
    subunit_path = run_dir / "run.subunit"
    begin = time.monotonic()
    status, _ = plan.workspace.run(
        plan.install, load_list, subunit_path, concurrency=concurrency, on_result=on_result
    )
    seconds = time.monotonic() - begin
    data = subunit_path.read_bytes()
    try:
        run = parse_run(data, source=str(subunit_path), format="subunit2")
    except ResultsParseError:
        tail = _tail(run_dir / "run.stderr.log")
        raise RunnerError(
            f"Tempest ran no test (exit {status}): {tail} (see {run_dir / 'run.stderr.log'})"
        ) from None
    run.cpid = plan.session.cpid
    run.duration_seconds = int(round(seconds))
    report = evaluate(run, plan.guideline, plan.target)
    outcome = Outcome(run, report, run_dir, status, seconds)
    outcome.result_json.write_text(
        json.dumps(_result(plan, outcome, started_at), indent=2), encoding="utf-8"
    )
    return outcome


def _result(plan: Plan, outcome: Outcome, started_at: datetime) -> dict[str, Any]:
    m = plan.mapping
    cloud = plan.session.cloud
    return {
        "guideline": plan.guideline.id,
        "target": plan.target,
        "meets": outcome.report.meets,
        "started_at": started_at.isoformat(),
        "duration_seconds": outcome.run.duration_seconds,
        "tempest_exit_status": outcome.exit_status,
        "counts": outcome.run.counts(),
        "cloud": {
            "auth_url": cloud.auth_url,
            "region": plan.session.region,
            "cpid": plan.session.cpid,
            "user": cloud.username,
            "project": cloud.project_name,
            "admin": plan.session.is_admin,
            "services": sorted(plan.session.service_types()),
        },
        "credentials": plan.credentials,
        "tempest": {"executable": str(plan.install.executable), "version": plan.install.version()},
        "mapping": {
            "tests": len(m.entries),
            "by_name": len(m.by_name),
            "by_alias": len(m.by_alias),
            "by_idempotent_id": [
                {"guideline": e.test.name, "tempest": e.tempest_name} for e in m.by_idempotent_id
            ],
            "missing": [{"capability": e.capability, "test": e.test.name} for e in m.missing],
        },
        "files": {"subunit": outcome.subunit.name, "tempest_conf": "tempest.conf"},
        "report": outcome.report.to_dict(tests=True),
    }


_SECRET = re.compile(r"^(\s*\w*password\s*=).*$", re.M | re.I)


def _redact(conf_text: str) -> str:
    return _SECRET.sub(r"\1 ***", conf_text)


def _tail(path: Path) -> str:
    try:
        lines = path.read_text(errors="replace").strip().splitlines()
    except OSError:
        return "no output"
    return lines[-1] if lines else "no output"
