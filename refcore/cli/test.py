"""``refcore test``: run Tempest against a real cloud for a guideline/target, evaluate, upload."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click

from ._common import console, guidelines_option, load

PATH = click.Path(dir_okay=False, path_type=Path)


@click.command()
@click.option("--guideline", "guideline_id", required=True, help="Guideline id, e.g. 2020.06.")
@click.option("--target", required=True, help="Program (target), e.g. platform, compute, object.")
@click.option("--cloud", "cloud_name", help="clouds.yaml entry (default: OS_CLOUD or OS_* env).")
@click.option("--accounts", type=PATH, help="Tempest static accounts (needed when not admin).")
@click.option("--tempest-conf", "tempest_conf", type=PATH, help="Use this tempest.conf as is.")
@click.option(
    "--tempest-conf-override",
    "overrides",
    type=PATH,
    help="An ini file of tempest.conf settings applied last (yours win).",
)
@click.option(
    "--discover/--no-discover",
    "discover_config",
    default=True,
    show_default=True,
    help="Discover tempest.conf with python-tempestconf (else refcore's own from the catalog).",
)
@click.option("--image", type=PATH, help="Image file to upload for the tests (no download).")
@click.option("--network", help="The external network's name or id, for the discovery.")
@click.option(
    "--workspace",
    type=click.Path(file_okay=False, path_type=Path),
    help="Directory refcore owns for Tempest and the runs (default: refcore's data dir).",
)
@click.option("--tempest", "tempest_path", help="tempest executable or a venv holding one.")
@click.option("--install-tempest", is_flag=True, help="Install Tempest 47 into the workspace.")
@click.option("--all-statuses", is_flag=True, help="Also run advisory/deprecated tests.")
@click.option("--concurrency", type=click.IntRange(1, 64), help="Tempest workers.")
@click.option(
    "--rerun-failed",
    type=click.IntRange(0, 10),
    default=0,
    show_default=True,
    metavar="N",
    help="Re-run failed or errored tests (fixture failures too) up to N times.",
)
@click.option(
    "--rerun-delay",
    type=click.IntRange(0, 3600),
    default=0,
    show_default=True,
    metavar="SECONDS",
    help="Wait SECONDS before each re-run (a cloud recovering from a fault).",
)
@click.option("--tests", "tests_file", type=PATH, help="Run only the tests named in FILE.")
@click.option("--regex", help="Run only the tests whose Tempest id matches (re.search).")
@click.option(
    "--resume",
    type=click.Path(file_okay=False, exists=True, path_type=Path),
    metavar="RUN_DIR",
    help="Finish an interrupted run: keep what finished there, run the rest.",
)
@click.option("--upload", "upload_url", metavar="URL", help="Upload the run to this server.")
@click.option("--key", type=PATH, help="Sign the v1 upload with this RSA key (OpenSSH/PEM).")
@click.option("--v2", "v2", is_flag=True, help="Upload the full subunit run to refcore's v2 API.")
@guidelines_option
def test(
    guideline_id: str,
    target: str,
    cloud_name: str | None,
    accounts: Path | None,
    tempest_conf: Path | None,
    overrides: Path | None,
    discover_config: bool,
    image: Path | None,
    network: str | None,
    workspace: Path | None,
    tempest_path: str | None,
    install_tempest: bool,
    all_statuses: bool,
    concurrency: int | None,
    rerun_failed: int,
    rerun_delay: int,
    tests_file: Path | None,
    regex: str | None,
    resume: Path | None,
    upload_url: str | None,
    key: Path | None,
    v2: bool,
    guidelines_source: str | None,
) -> None:
    """Run the guideline's tests for TARGET with Tempest against a cloud, and say
    whether the cloud meets it.

    Exit 0 when it does, 1 when not, 2 on bad input (unknown guideline or target,
    unreachable cloud, refused credentials, missing Tempest).
    """
    from refcore.cli.report import _print_report
    from refcore.runner.cloud import load_cloud
    from refcore.runner.tempest import Workspace, find_tempest
    from refcore.runner.tempest import install_tempest as install
    from refcore.runner.testrun import check_resumable, plan_run, read_tests_file

    if key is not None and (upload_url is None or v2):
        raise click.UsageError("--key signs a v1 upload: give --upload URL (without --v2)")
    out = console()
    guideline = load(guidelines_source)[guideline_id]
    guideline.target(target)
    cloud = load_cloud(cloud_name)
    if resume is not None:  # refused before anything touches the cloud
        check_resumable(resume, guideline.id, target)
    if resume is not None and workspace is None:
        workspace = resume.absolute().parent.parent  # <workspace>/runs/<time>
    ws = Workspace((workspace or _default_workspace()).absolute())
    tempest = install(ws.root) if install_tempest else find_tempest(tempest_path, ws.root)

    plan = plan_run(
        cloud,
        guideline,
        target,
        install=tempest,
        workspace=ws,
        accounts=accounts,
        tempest_conf=tempest_conf,
        statuses=None if all_statuses else ("required",),
        tests=read_tests_file(tests_file) if tests_file else None,
        regex=regex,
        discover_config=discover_config,
        image=image,
        network=network,
        overrides=overrides,
    )
    s = plan.session
    out.print(
        f"Keystone {cloud.auth_url}: user {cloud.username} ({'admin' if s.is_admin else 'not admin'}),"
        f" region {s.region}, services: {', '.join(sorted(s.service_types()))}; "
        f"{plan.credentials} credentials"
    )
    _print_config(plan)
    m = plan.mapping
    if plan.plugins:
        out.print(f"Tempest plugins for {guideline.id}/{target}: {', '.join(plan.plugins)}")
    out.print(
        f"{guideline.id}/{target}: {len(m.entries)} tests; in Tempest {tempest.version()}: "
        f"{len(m.by_name)} by name, {len(m.by_alias)} by alias, "
        f"{len(m.by_idempotent_id)} renamed (found by idempotent id), {len(m.missing)} missing"
    )
    for e in m.missing:
        out.print(f"  [yellow]missing[/] {e.capability}: {e.test.name}")
    sel = plan.selection
    if sel:
        out.print(f"running {sel['selected']} of the {sel['of']} tests (--tests/--regex)")
        for name in sel.get("not_in_list", []):
            out.print(f"  [yellow]not in {guideline.id}/{target}[/]: {name}")

    where: list[Path] = []
    try:
        outcome = _run_with_progress(plan, concurrency, (rerun_failed, rerun_delay), resume, where)
    except KeyboardInterrupt:
        run_dir = where[0] if where else ws.root / "runs"
        console(stderr=True).print(
            f"interrupted: Tempest stopped; what finished is kept in {run_dir}; "
            f"go on with the same command and --resume {run_dir}"
        )
        sys.exit(130)
    counts = outcome.run.counts()
    out.print(
        f"Tempest: {counts['pass']} passed, {counts['fail'] + counts['error']} failed, "
        f"{counts['skip']} skipped in {outcome.seconds:.0f} s; kept in {outcome.run_dir}"
    )
    for attempt, n, left in outcome.attempts[1:]:
        out.print(f"re-run {attempt - 1}: {n} tests run again, {left} still not passed")
    for line in plan.cleaned:
        out.print(f"clean-up: {line}")
    _print_report(outcome.report, show_tests=False)

    if upload_url:
        _upload(upload_url, outcome, key, v2, s.cpid)
    sys.exit(0 if outcome.report.meets else 1)


def _print_config(plan: Any) -> None:
    """Every value of tempest.conf, with where it came from (secrets blanked)."""
    from rich.markup import escape

    out = console()
    if plan.config_source == "given":
        out.print("tempest.conf: yours, as given (--tempest-conf)")
        return
    by_source: dict[str, int] = {}
    for c in plan.choices:
        by_source[c.source] = by_source.get(c.source, 0) + 1
    counts = ", ".join(f"{n} {s}" for s, n in sorted(by_source.items()))
    out.print(f"tempest.conf from {plan.config_source}: {len(plan.choices)} values ({counts})")
    section = None
    for c in plan.choices:
        if c.section != section:
            section = c.section
            out.print(f"  [bold]{escape(f'[{section}]')}[/]", highlight=False)
        mark = "" if c.source == "discovered" else f"  [dim]({c.source})[/]"
        out.print(f"    {escape(c.key)} = {escape(c.shown)}{mark}", highlight=False)
    for item in plan.created:
        out.print(f"  created for the run: {item.kind} {item.name} (deleted after it)")


def _default_workspace() -> Path:
    from platformdirs import user_data_dir

    return Path(user_data_dir("refcore")) / "test"


def _run_with_progress(
    plan: Any,
    concurrency: int | None,
    reruns: tuple[int, int],
    resume: Path | None,
    where: list[Path],
) -> Any:
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    from refcore.core.runs import split_test_id
    from refcore.runner.testrun import execute

    by_test = plan.mapping.capabilities_by_test()
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[failed]}"),
        TimeElapsedColumn(),
        TextColumn("left"),
        TimeRemainingColumn(),
        console=console(stderr=True),
        transient=False,
    ) as progress:
        tasks: dict[str, Any] = {}
        failures: dict[str, int] = {}
        overall: list[Any] = []
        names: set[str] = set()  # the tests of the attempt (not fixtures)

        def on_attempt(attempt: int, ids: list[str], run_dir: Path) -> None:
            where[:] = [run_dir]
            # each attempt: one bar for all its tests (with the time left), one per capability
            for task_id in tasks.values():
                progress.remove_task(task_id)
            tasks.clear()
            failures.clear()
            label = "all tests" if attempt == 1 else f"re-run {attempt - 1}"
            if attempt > 1 and reruns[1]:
                progress.console.print(f"{label}: {len(ids)} tests in {reruns[1]} s")
            overall[:] = [progress.add_task(f"[bold]{label}[/]", total=len(ids), failed="")]
            totals: dict[str, int] = {}
            names.clear()
            names.update(split_test_id(i)[0] for i in ids)
            for test_id in ids:
                for cap in by_test.get(split_test_id(test_id)[0], ()):
                    totals[cap] = totals.get(cap, 0) + 1
            for cap, count in sorted(totals.items()):
                tasks[cap] = progress.add_task(cap, total=count, failed="")

        def on_result(test_id: str, status: str) -> None:
            name = split_test_id(test_id)[0]
            bad = status != "success" and status != "skip"
            if overall:
                failures["*"] = failures.get("*", 0) + bad
                note = f"[red]{failures['*']} failed[/]" if failures["*"] else ""
                # a class fixture's result (setUpClass ...) is no test of the list
                step = 1 if name in names else 0
                progress.update(overall[0], advance=step, failed=note)
                if step and not progress.console.is_terminal:
                    _plain_progress(progress, overall[0], failures["*"])
            for cap in by_test.get(name, ()):
                if cap not in tasks:
                    continue
                if status != "success":
                    failures[cap] = failures.get(cap, 0) + 1
                    note = f"[red]{failures[cap]} not passed[/]"
                    progress.update(tasks[cap], advance=1, failed=note)
                else:
                    progress.update(tasks[cap], advance=1)

        return execute(
            plan,
            concurrency=concurrency,
            on_result=on_result,
            on_attempt=on_attempt,
            rerun_failed=reruns[0],
            rerun_delay=reruns[1],
            resume=resume,
        )


def _plain_progress(progress: Any, task_id: Any, failed: int) -> None:
    """Without a terminal (CI, a log file) the bars are not drawn: a line every 10
    tests, and at the end, with the counts and the time left."""
    task = next(t for t in progress.tasks if t.id == task_id)
    done, total = int(task.completed), int(task.total or 0)
    if done % 10 and done != total:
        return
    left = task.time_remaining
    eta = ""
    if left is not None and done != total:
        eta = f", about {left:.0f} s left" if left < 90 else f", about {left / 60:.0f} min left"
    progress.console.print(
        f"{task.description}: {done}/{total} tests, {failed} failed{eta}", markup=True
    )


def _upload(url: str, outcome, key: Path | None, v2: bool, cpid: str) -> None:  # type: ignore[no-untyped-def]
    from refcore.client import RefcoreClient
    from refcore.client.body import load_private_key, refstack_body, refstack_results, sign_body

    out = console()
    with RefcoreClient(url) as client:
        if v2:
            done = client.post_run_v2(
                outcome.subunit.read_bytes(),
                cpid=cpid,
                duration_seconds=outcome.run.duration_seconds,
            )
        else:
            body = refstack_body(
                cpid, outcome.run.duration_seconds or 0, refstack_results(outcome.run)
            )
            headers = sign_body(body, load_private_key(key)) if key else None
            done = client.post_refstack_v1(body, headers)
    where = done.url or (f"id {done.id}" if done.id else "stored")
    out.print(f"uploaded to {url}: {where}")
    # the answer is kept with the run, so scripts (and the e2e test) can find it
    result = json.loads(outcome.result_json.read_text(encoding="utf-8"))
    result["upload"] = {
        "server": url,
        "api": "v2" if v2 else "v1",
        "signed": bool(key),
        "id": done.id,
        "url": done.url,
    }
    outcome.result_json.write_text(json.dumps(result, indent=2), encoding="utf-8")
