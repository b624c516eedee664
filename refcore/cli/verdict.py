"""``refcore verdict PROFILE`` and ``refcore sections GUIDELINE``: trademark verdicts
and the designated sections they rest on."""

from __future__ import annotations

import sys

import click
from rich.table import Table

from refcore.core.sections import SECTION_STATUSES, program_projects, section_infos
from refcore.core.tc_rules import POLICIES
from refcore.core.verdicts import Severity, Verdict, VerdictOptions, decide_verdict

from ._common import console, guidelines_option, json_option, load, pick, print_json, styled


def _assumptions(values: tuple[str, ...]) -> dict[str, str]:
    out = {}
    for value in values:
        project, sep, mode = value.partition("=")
        if not sep or not project or mode not in ("none", "all", "published"):
            raise click.BadParameter(
                f"{value!r}: expected PROJECT=none|all|published", param_hint="--assume"
            )
        out[project] = mode
    return out


@click.command()
@click.argument("profile_file", metavar="PROFILE")
@click.option(
    "--guideline", "guideline_id", required=True, help="Guideline id, e.g. 2020.06 or havana."
)
@click.option("--run", "run_file", help="Test-run file (overrides the profile's evidence).")
@click.option(
    "--policy",
    type=click.Choice(POLICIES),
    default="approved-text",
    show_default=True,
    help="What the TC's rule 8 decides for code no rule covers: not designated "
    "(approved-text, 2014-12-02) or designated (seed).",
)
@click.option(
    "--enforce-advisory",
    is_flag=True,
    help="Judge a non-binding (advisory, draft) guideline as if it were binding.",
)
@click.option(
    "--assume",
    "assume",
    multiple=True,
    metavar="PROJECT=none|all",
    help="What-if designation: none or all of PROJECT's sections designated (repeatable).",
)
@click.option(
    "--historical",
    is_flag=True,
    help="Judge under a superseded (or no longer current) guideline as of its time; "
    "without it such a guideline refuses, as a new validation cannot use it.",
)
@guidelines_option
@json_option
def verdict(
    profile_file: str,
    guideline_id: str,
    run_file: str | None,
    policy: str,
    enforce_advisory: bool,
    assume: tuple[str, ...],
    historical: bool,
    guidelines_source: str | None,
    as_json: bool,
) -> None:
    """May the product in PROFILE (YAML or JSON) use the OpenStack marks it claims
    under a guideline? Per program: allowed, refused or not applicable, and why.

    Exit 0 when every claimed program is allowed or nothing applies, 1 when any
    is refused, 2 on bad input.
    """
    from refcore.core.tc_rules import Policy
    from refcore.readers.profiles import read_evidence, read_profile

    profile = read_profile(profile_file)
    guideline, gs = pick(guideline_id, guidelines_source)
    options = VerdictOptions(
        Policy(policy),
        enforce_advisory,
        _assumptions(assume),
        gs.validation_guidelines(guideline),
        historical,
    )
    run = None if profile.is_client else read_evidence(profile, run_file)
    result = decide_verdict(profile, guideline, run, options=options)
    if as_json:
        print_json(result.to_dict())
    else:
        _print_verdict(result)
    sys.exit(result.exit_code)


_SEVERITY_STYLE = {
    Severity.REFUSAL: "refused",
    Severity.WARNING: "skipped",
    Severity.INFO: "not_run",
}


def _print_verdict(v: Verdict) -> None:
    out = console()
    binding = "binding" if v.binding else "not binding"
    out.print(
        f"[bold]{v.product}[/] ({v.vendor}, {v.kind}) under guideline {v.guideline} "
        f"({v.guideline_status or 'no status'}, {binding}; policy {v.options.policy.value})"
    )
    for r in v.reasons:
        out.print(f"  {styled(r.severity.value, _SEVERITY_STYLE[r.severity])} {r.message}")
    if v.usage:
        table = Table("capability / API call", "category", "status", "must-pass tests", "why")
        for u in v.usage:
            table.add_row(
                u.capability or ", ".join(u.calls),
                u.category,
                u.status or "",
                str(u.must_pass_tests),
                u.why or "",
            )
        out.print(table)
    for p in v.programs:
        out.print(f"{styled(p.outcome.value)} [bold]{p.program}[/]")
        for r in p.reasons:
            out.print(f"  {styled(r.severity.value, _SEVERITY_STYLE[r.severity])} {r.message}")
    out.print(f"verdict: {styled(v.outcome.value)}")


@click.command()
@click.argument("guideline_id", metavar="GUIDELINE")
@click.option("--project", help="Only this project (nova, swift ...).")
@click.option("--target", help="Also show which projects this program requires.")
@click.option("--designated", "only_designated", is_flag=True, help="Only designated sections.")
@guidelines_option
@json_option
def sections(
    guideline_id: str,
    project: str | None,
    target: str | None,
    only_designated: bool,
    guidelines_source: str | None,
    as_json: bool,
) -> None:
    """Show the designated sections of GUIDELINE: per project and status, each
    section designated or not, with the project's guidance."""
    g = load(guidelines_source)[guideline_id]
    groups = [gr for gr in g.designated_sections if project is None or gr.project == project]
    if project is not None and not groups:
        known = ", ".join(dict.fromkeys(gr.project for gr in g.designated_sections)) or "none"
        raise click.BadParameter(
            f"guideline {g.id} has no sections for {project!r} (has: {known})",
            param_hint="--project",
        )
    requires = {
        t: {p: r.to_dict() for p, r in program_projects(g, t).items()}
        for t in ([target] if target else list(g.targets))
    }
    if target:
        g.target(target)  # unknown target: one clear error
    if as_json:
        print_json(
            {
                "guideline": g.id,
                "groups": [
                    {
                        "project": gr.project,
                        "status": gr.status,
                        "guidance": gr.guidance,
                        "comment": gr.comment,
                        "sections": [
                            s.to_dict()
                            for s in section_infos(
                                g,
                                gr.project,
                                statuses=[gr.status],
                                designated=True if only_designated else None,
                            )
                        ],
                    }
                    for gr in groups
                ],
                "programs": requires,
            }
        )
        return
    out = console()
    order = {s: i for i, s in enumerate(SECTION_STATUSES)}
    for gr in sorted(groups, key=lambda x: (x.project, order.get(x.status, 9))):
        out.print(f"[bold]{gr.project}[/] {styled(gr.status)}: {gr.guidance or ''}")
        if gr.comment:
            out.print(f"  [dim]{gr.comment}[/]")
        for s in gr.sections:
            if only_designated and not s.designated:
                continue
            mark = (
                styled("designated", "passed")
                if s.designated
                else styled("not designated", "not_run")
            )
            text = " ".join((s.description or "").split())
            desc = f" - {text}" if text and text != "not provided" else ""
            out.print(f"  {mark} {s.name}{desc}")
    for t, projects in requires.items():
        binding = [p for p, r in projects.items() if r["binding"]]
        out.print(
            f"program {t}: sections bind for {', '.join(binding) or 'no project'} "
            "(projects with must-pass tests)"
        )
