"""One ``refcore test`` run, without any UI: plan (Tempest, preflight, tempest.conf, test
mapping), then execute (Tempest, re-runs of failures, parse, evaluate) and keep everything
in a run directory::

    <workspace>/runs/<UTC time>/
        plan.json        guideline, target, options, state ("running", "interrupted", "done")
        tempest.conf     the configuration used (passwords blanked)
        tempestconf.log  python-tempestconf's log of the discovery (passwords blanked)
        cleanup.log      what the clean-up of the discovery's resources did
        load-list.txt    the Tempest test ids of the run
        remaining-1.txt  on --resume: the ids the resumed first attempt still ran
        rerun-N.txt      the ids re-run on attempt N (--rerun-failed)
        attempt-N.subunit the stream of attempt N >= 2, as Tempest wrote it
        run.subunit      every attempt in one subunit v2 stream (re-runs tagged
                         refcore-attempt-N): the run to upload or report on
        run.stderr.log   Tempest's own messages (attempt-N.stderr.log for re-runs)
        result.json      the report plus the run's facts (mapping, cloud, attempts)
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from refcore.core.compliance import ComplianceReport, evaluate
from refcore.core.guidelines import Guideline
from refcore.core.reruns import rerun_selection
from refcore.core.results import parse_run
from refcore.core.runs import TestRun, split_test_id
from refcore.core.testmap import TestMapping, map_tests, parse_listing
from refcore.errors import ResultsParseError, RunnerError

from .cloud import Cloud, CloudSession, preflight
from .discovery import (
    TEMPESTCONF_VERSION,
    Choice,
    Created,
    apply_settings,
    cleanup,
    conf_items,
    discover,
    install_tempestconf,
    read_overrides,
)
from .plugins import install_plugins, plugins_for
from .streams import keep_finished, tag_attempt
from .tempest import ResultCallback, TempestInstall, Workspace
from .tempest_conf import render_tempest_conf, swift_info

__all__ = [
    "Plan",
    "Outcome",
    "plan_run",
    "execute",
    "check_resumable",
    "select_tests",
    "read_tests_file",
]

#: (attempt, the ids it runs, the run directory): called before each attempt starts
AttemptCallback = Callable[[int, list[str], Path], None]


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
    #: the Tempest ids to run (the mapping's load list, narrowed by --tests / --regex)
    load_list: list[str] = field(default_factory=list)
    #: how the load list was narrowed, for the record
    selection: dict[str, Any] = field(default_factory=dict)
    #: every value of tempest.conf and where it came from (discovered, refcore, override)
    choices: list[Choice] = field(default_factory=list)
    #: "python-tempestconf 3.5.4", "refcore" (--no-discover) or "given" (--tempest-conf)
    config_source: str = "refcore"
    #: what the discovery created, deleted after the run
    created: list[Created] = field(default_factory=list)
    #: what the clean-up did, one line each
    cleaned: list[str] = field(default_factory=list)
    #: Tempest plugins installed for the guideline (name==version)
    plugins: list[str] = field(default_factory=list)


@dataclass(slots=True)
class Outcome:
    run: TestRun
    report: ComplianceReport
    run_dir: Path
    exit_status: int
    seconds: float
    #: (attempt, tests run, not passed) per attempt
    attempts: list[tuple[int, int, int]] = field(default_factory=list)

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
    tests: Iterable[str] | None = None,
    regex: str | None = None,
    discover_config: bool = True,
    image: Path | None = None,
    network: str | None = None,
    overrides: Path | None = None,
) -> Plan:
    """Everything short of running Tempest; fails fast with one clear line.

    tempest.conf: ``tempest_conf`` as is; else discovered with python-tempestconf
    (``discover_config``, installed into the Tempest venv) or refcore's own from the
    catalog; then refcore's paths and static accounts, then ``overrides`` (an ini file).
    """
    guideline.target(target)  # UnknownTarget before anything touches the network
    override_items = read_overrides(overrides) if overrides is not None else []
    session = preflight(cloud)
    workspace.root.mkdir(parents=True, exist_ok=True)
    choices: list[Choice] = []
    created: list[Created] = []
    if tempest_conf is not None:
        try:
            conf_text = tempest_conf.read_text(encoding="utf-8")
        except OSError as exc:
            raise RunnerError(f"cannot read {tempest_conf}: {exc.strerror or exc}") from None
        credentials = "given"
        source = "given"
    elif discover_config:
        script = install_tempestconf(install, workspace.root)
        found = discover(
            session,
            script,
            workspace.root / "discovery",
            image=image,
            accounts=accounts,
            network=network,
        )
        conf_text, choices, created = found.text, found.choices, found.created
        conf_text, choices = apply_settings(
            conf_text, choices, _refcore_settings(workspace, accounts), "refcore"
        )
        dynamic = accounts is None and session.is_admin
        credentials = "dynamic" if dynamic else "static"
        source = f"python-tempestconf {TEMPESTCONF_VERSION}"
    else:
        info = swift_info(session) if session.endpoint("object-store") else None
        config = render_tempest_conf(
            session, workspace=workspace.root, accounts_file=accounts, swift=info
        )
        conf_text = config.text
        choices = [Choice(s, k, v, "refcore") for s, k, v in conf_items(conf_text)]
        credentials = "dynamic" if config.dynamic_credentials else "static"
        source = "refcore"
    if override_items:
        conf_text, choices = apply_settings(conf_text, choices, override_items, "override")
    workspace.init(install)
    plugins = install_plugins(install, plugins_for(guideline, target, statuses), workspace.root)
    # listed with the final tempest.conf: some test ids depend on it
    listing = parse_listing(workspace.list_tests(install, conf_text, plugins))
    if not len(listing):
        raise RunnerError(f"{install.executable} lists no tests")
    mapping = map_tests(guideline, listing, target, statuses)
    if not mapping.load_list():
        raise RunnerError(
            f"none of the {len(mapping.entries)} tests of {guideline.id}/{target} is in "
            f"the installed Tempest"
        )
    load_list, selection = select_tests(mapping.load_list(), tests, regex)
    if not load_list:
        raise RunnerError(
            f"--tests/--regex leave none of the {len(mapping.load_list())} tests of "
            f"{guideline.id}/{target} to run"
        )
    return Plan(
        guideline,
        target,
        session,
        install,
        workspace,
        mapping,
        conf_text,
        credentials,
        load_list,
        selection,
        choices,
        source,
        created,
        plugins=plugins,
    )


def _refcore_settings(workspace: Workspace, accounts: Path | None) -> list[tuple[str, str, str]]:
    root = workspace.root
    settings = [
        ("DEFAULT", "log_dir", str(root / "logs")),
        ("DEFAULT", "log_file", "tempest.log"),
        ("oslo_concurrency", "lock_path", str(root / "locks")),
    ]
    if accounts is not None:
        settings += [
            ("auth", "use_dynamic_credentials", "false"),
            ("auth", "test_accounts_file", str(accounts.resolve())),
        ]
        # python-tempestconf names the non-admin operator role "Member"; Tempest picks
        # static accounts by exact role name, so it must be the accounts' own role
        role = operator_role(accounts)
        if role:
            settings.append(("object-storage", "operator_role", role))
    return settings


def operator_role(accounts: Path) -> str | None:
    """The role most static accounts hold, leaving out admin and reseller roles
    (``member`` in RefStack's usual accounts.yaml), or None when none says."""
    import yaml

    try:
        entries = yaml.safe_load(accounts.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return None
    counts: dict[str, int] = {}
    for entry in entries if isinstance(entries, list) else []:
        roles = entry.get("roles") if isinstance(entry, dict) else None
        for role in roles if isinstance(roles, list) else []:
            if isinstance(role, str) and role.lower() not in ("admin", "reselleradmin"):
                counts[role] = counts.get(role, 0) + 1
    return max(counts, key=lambda r: (counts[r], r)) if counts else None


def read_tests_file(path: Path) -> list[str]:
    """Test names or ids, one a line (``#`` comments, blank lines ignored)."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise RunnerError(f"cannot read {path}: {exc}") from None
    names = [line.split("#", 1)[0].strip() for line in text.splitlines()]
    names = [n for n in names if n]
    if not names:
        raise RunnerError(f"{path} names no test")
    return names


def select_tests(
    load_list: list[str], tests: Iterable[str] | None = None, regex: str | None = None
) -> tuple[list[str], dict[str, Any]]:
    """The ids of ``load_list`` to run: those named in ``tests`` (by name, with or
    without ``[...]`` attributes) and matching ``regex`` (``re.search`` on the id).
    Returns the ids and a record of the choice (names given that are not in the list)."""
    selected = list(load_list)
    record: dict[str, Any] = {}
    if tests is not None:
        wanted = {split_test_id(t)[0] for t in tests}
        selected = [i for i in selected if split_test_id(i)[0] in wanted]
        known = {split_test_id(i)[0] for i in load_list}
        record["tests"] = len(wanted)
        record["not_in_list"] = sorted(wanted - known)
    if regex is not None:
        try:
            pattern = re.compile(regex)
        except re.error as exc:
            raise RunnerError(
                f"--regex {regex!r} is not a valid regular expression: {exc}"
            ) from None
        selected = [i for i in selected if pattern.search(i)]
        record["regex"] = regex
    if record:
        record["selected"] = len(selected)
        record["of"] = len(load_list)
    return selected, record


def execute(
    plan: Plan,
    *,
    concurrency: int | None = None,
    on_result: ResultCallback | None = None,
    on_attempt: AttemptCallback | None = None,
    rerun_failed: int = 0,
    rerun_delay: float = 0,
    resume: Path | None = None,
) -> Outcome:
    """Run Tempest on the plan's tests, re-run failures up to ``rerun_failed`` times,
    parse, evaluate, write result.json.

    ``rerun_delay``: seconds to wait before each re-run, for a cloud that needs time
    to recover from what failed (a restarted service, a rate limit).

    ``resume``: the run directory of an interrupted run of the same guideline and
    target; the tests that finished there are kept, the others run. An interruption
    (Ctrl-C) stops Tempest, keeps what finished and marks the run "interrupted".
    """
    if resume is None:
        started_at = datetime.now(UTC)
        run_dir = plan.workspace.root / "runs" / started_at.strftime("%Y%m%dT%H%M%SZ")
        run_dir.mkdir(parents=True, exist_ok=True)
        load_list = plan.load_list or plan.mapping.load_list()
        (run_dir / "load-list.txt").write_text("\n".join(load_list) + "\n", encoding="utf-8")
        state: dict[str, Any] = {
            "guideline": plan.guideline.id,
            "target": plan.target,
            "started_at": started_at.isoformat(),
            "rerun_failed": rerun_failed,
            "rerun_delay": rerun_delay,
            "selection": plan.selection,
            "state": "running",
        }
    else:
        run_dir = resume
        state = check_resumable(resume, plan.guideline.id, plan.target)
        started_at = datetime.fromisoformat(state["started_at"])
        load_list = (resume / "load-list.txt").read_text(encoding="utf-8").split()
        state["state"] = "running"
        state["resumed"] = int(state.get("resumed", 0)) + 1
        state["rerun_failed"] = rerun_failed
        state["rerun_delay"] = rerun_delay
    plan_json = run_dir / "plan.json"
    plan_json.write_text(json.dumps(state, indent=2), encoding="utf-8")
    plan.workspace.write_conf(plan.conf_text)
    (run_dir / "tempest.conf").write_text(_redact(plan.conf_text), encoding="utf-8")
    discovery_log = plan.workspace.root / "discovery" / "tempestconf.log"
    if plan.config_source.startswith("python-tempestconf") and discovery_log.is_file():
        (run_dir / "tempestconf.log").write_bytes(discovery_log.read_bytes())  # redacted
    subunit_path = run_dir / "run.subunit"
    begin = time.monotonic()
    attempts: list[tuple[int, int, int]] = []
    try:
        # attempt 1: the whole list, or on --resume what did not finish
        todo = load_list
        if resume is not None and subunit_path.is_file():
            kept = keep_finished(subunit_path.read_bytes())
            subunit_path.write_bytes(kept)
            done = parse_run(kept, source=str(subunit_path)) if kept else TestRun()
            todo = [
                i
                for i in load_list
                if split_test_id(i)[0] not in done and done.fixture_failure(i) is None
            ]
            _write_list(run_dir / "remaining-1.txt", todo)
        status = 0
        if todo:
            if on_attempt is not None:
                on_attempt(1, todo, run_dir)
            status = _run_attempt(plan, run_dir, 1, todo, concurrency, on_result)
        run = _parse(subunit_path, status, run_dir)
        attempts.append((1, len(todo), _not_passed(run, load_list)))
        for attempt in range(2, rerun_failed + 2):
            again = rerun_selection(run, load_list)
            if not again:
                break
            _write_list(run_dir / f"rerun-{attempt}.txt", again)
            if on_attempt is not None:
                on_attempt(attempt, again, run_dir)
            if rerun_delay:
                time.sleep(rerun_delay)
            _run_attempt(plan, run_dir, attempt, again, concurrency, on_result)
            run = _parse(subunit_path, status, run_dir)
            attempts.append((attempt, len(again), len(rerun_selection(run, load_list))))
    except BaseException:
        state["state"] = "interrupted"
        plan_json.write_text(json.dumps(state, indent=2), encoding="utf-8")
        raise
    finally:
        if plan.created:  # what the discovery created goes, whatever happened
            plan.cleaned = cleanup(plan.session, plan.created)
            (run_dir / "cleanup.log").write_text("\n".join(plan.cleaned) + "\n", encoding="utf-8")
    seconds = time.monotonic() - begin
    run.cpid = plan.session.cpid
    run.duration_seconds = int(round(seconds))
    report = evaluate(run, plan.guideline, plan.target)
    outcome = Outcome(run, report, run_dir, status, seconds, attempts)
    state["state"] = "done"
    plan_json.write_text(json.dumps(state, indent=2), encoding="utf-8")
    outcome.result_json.write_text(
        json.dumps(_result(plan, outcome, started_at), indent=2), encoding="utf-8"
    )
    return outcome


def check_resumable(run_dir: Path, guideline_id: str, target: str) -> dict[str, Any]:
    """The state of an interrupted run directory, or RunnerError saying why it cannot
    be resumed (not a run directory, another guideline or target, finished)."""
    try:
        state = json.loads((run_dir / "plan.json").read_text(encoding="utf-8"))
        (run_dir / "load-list.txt").stat()
    except (OSError, ValueError):
        raise RunnerError(f"{run_dir} is not a refcore run directory (no plan.json)") from None
    if (state.get("guideline"), state.get("target")) != (guideline_id, target):
        raise RunnerError(
            f"{run_dir} is a run of {state.get('guideline')}/{state.get('target')}, "
            f"not {guideline_id}/{target}"
        )
    if state.get("state") == "done":
        raise RunnerError(f"{run_dir} is finished: nothing to resume")
    return dict(state)


def _write_list(path: Path, ids: list[str]) -> None:
    path.write_text("\n".join(ids) + ("\n" if ids else ""), encoding="utf-8")


def _run_attempt(
    plan: Plan,
    run_dir: Path,
    attempt: int,
    ids: list[str],
    concurrency: int | None,
    on_result: ResultCallback | None,
) -> int:
    """Run ``ids``; the stream ends up appended to run.subunit (tagged after attempt 1)."""
    subunit_path = run_dir / "run.subunit"
    if attempt == 1:
        name = "remaining-1.txt" if (run_dir / "remaining-1.txt").is_file() else "load-list.txt"
        part = subunit_path.with_suffix(".part.subunit")
        stderr = run_dir / "run.stderr.log"
    else:
        name = f"rerun-{attempt}.txt"
        part = run_dir / f"attempt-{attempt}.subunit"
        stderr = run_dir / f"attempt-{attempt}.stderr.log"
    try:
        status, _ = plan.workspace.run(
            plan.install,
            run_dir / name,
            part,
            concurrency=concurrency,
            on_result=on_result,
            stderr_path=stderr,
        )
    finally:  # interrupted too: what finished is kept for --resume
        data = part.read_bytes() if part.is_file() else b""
        with subunit_path.open("ab") as out:
            out.write(data if attempt == 1 else tag_attempt(data, attempt))
        if attempt == 1:
            part.unlink(missing_ok=True)
    return status


def _parse(subunit_path: Path, status: int, run_dir: Path) -> TestRun:
    try:
        return parse_run(subunit_path.read_bytes(), source=str(subunit_path), format="subunit2")
    except (ResultsParseError, OSError):
        tail = _tail(run_dir / "run.stderr.log")
        raise RunnerError(
            f"Tempest ran no test (exit {status}): {tail} (see {run_dir / 'run.stderr.log'})"
        ) from None


def _not_passed(run: TestRun, load_list: list[str]) -> int:
    return len(rerun_selection(run, load_list))


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
        "attempts": [
            {"attempt": a, "tests": n, "not_passed_after": left} for a, n, left in outcome.attempts
        ],
        "passed_after_retry": sorted(r.name for r in outcome.run if r.passed_after_retry),
        "selection": plan.selection,
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
        "config": {
            "source": plan.config_source,
            "values": [
                {"section": c.section, "key": c.key, "value": c.shown, "source": c.source}
                for c in plan.choices
            ],
            "created": [{"kind": c.kind, "name": c.name} for c in plan.created],
            "cleanup": plan.cleaned,
        },
        "tempest": {
            "executable": str(plan.install.executable),
            "version": plan.install.version(),
            "plugins": plan.plugins,
        },
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
