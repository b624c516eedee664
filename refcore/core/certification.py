"""Certification: from a verdict to a mark the Foundation grants, and that expires.

Pure: every answer here is computed from values the caller passes in (the guideline set,
the evidence already evaluated, the clock as ``now``), so a request's pre-checks and a
certificate's status are the same wherever they are shown and need no cron to be right.

* :func:`programs` — the programs one may apply for, read from the guideline data (the
  targets of the lines' latest approved guidelines: Platform, Compute, Storage, add-ons).
* :func:`pre_checks` — what a reviewer would otherwise check by hand, each a named
  :class:`Check` that passed or failed with its reason.
* :func:`certificate_status` — valid, expiring soon, expired or revoked, with the date it
  ends: while its guideline is one of the two latest approved of its line, plus a grace
  period, or until an explicit date, whichever comes first. Continuous testing
  (:func:`refcore.core.history.freshness`) adds "at risk" (a scheduled run failed) and
  "lapsed" (no passing run for too long) when the product version has a registered cloud.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Any

from .compliance import RunIndex, evaluate
from .guidelines import Guideline, GuidelineSet
from .history import Freshness
from .profiles import Profile, ProjectUse
from .runs import TestRun
from .sections import program_projects
from .verdicts import Outcome, Verdict, VerdictOptions, decide_verdict

__all__ = [
    "CHECKS",
    "Check",
    "Evidence",
    "Program",
    "STANDING",
    "Status",
    "certificate_status",
    "declaration_gaps",
    "guideline_date",
    "guideline_out_date",
    "platform_targets",
    "pre_checks",
    "programs",
    "resolve_program",
]

#: the pre-checks, in the order they are shown
CHECKS: tuple[str, ...] = (
    "run_meets_claim",
    "guideline_current",
    "release_covered",
    "platform_component",
    "declaration_complete",
    "verdict_allows",
    "run_recent",
    "run_signed",
)


class Status(StrEnum):
    VALID = "valid"
    EXPIRING = "expiring"
    #: continuous testing: a scheduled run failed and none passed since
    AT_RISK = "at-risk"
    #: continuous testing: no passing run for the policy's number of days
    LAPSED = "lapsed"
    EXPIRED = "expired"
    REVOKED = "revoked"


#: the statuses under which a certificate still stands (counts for add-ons, is at stake)
STANDING: frozenset[Status] = frozenset({Status.VALID, Status.EXPIRING, Status.AT_RISK})


@dataclass(frozen=True, slots=True)
class Check:
    """One named pre-check: passed or not, and why (``data`` for machines)."""

    name: str
    passed: bool
    reason: str
    data: Mapping[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "passed": self.passed,
            "reason": self.reason,
            "data": dict(self.data),
        }


@dataclass(frozen=True, slots=True)
class Program:
    """A program one may be certified for: a target of a line's latest approved guideline."""

    name: str  # the target's key in the guideline data ("object")
    title: str  # "OpenStack Powered Storage"
    line: str | None  # None: the powered line; else the add-on's name ("dns")
    guidelines: tuple[str, ...]  # the guidelines new certifications may use
    requires: tuple[str, ...] = ()  # required platform components (add-ons)

    @property
    def alias(self) -> str:
        """The short name people use ("storage" for OpenStack Powered Storage)."""
        return self.title.split()[-1].lower() if self.title else self.name

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "alias": self.alias,
            "title": self.title,
            "line": self.line,
            "add_on": self.line is not None,
            "guidelines": list(self.guidelines),
            "requires": list(self.requires),
        }


def _lines(gs: GuidelineSet) -> list[str | None]:
    addons = sorted({g.add_on for g in gs.of_kind("add-on") if g.add_on})
    return [None, *addons]


def programs(gs: GuidelineSet) -> list[Program]:
    """Every program of every line that has an approved guideline, from the data."""
    out: list[Program] = []
    for line in _lines(gs):
        latest = gs.latest_approved(line)
        if latest is None:
            continue
        current = gs.validation_guidelines(latest)
        for key, target in latest.targets.items():
            out.append(
                Program(
                    key,
                    target.title or key,
                    line,
                    current,
                    tuple(target.required_platform_components),
                )
            )
    return out


def resolve_program(guideline: Guideline, name: str) -> str:
    """The target key of ``guideline`` that ``name`` means: the key itself or the last word
    of its title ("storage" -> "object"). Raises KeyError with nothing matching."""
    wanted = name.strip().lower()
    for key, target in guideline.targets.items():
        title = (target.title or "").strip().lower()
        if wanted in (key.lower(), title, title.split()[-1] if title else key):
            return key
    raise KeyError(name)


def platform_targets(component: str) -> tuple[str, ...]:
    """Targets that provide a required platform component: ``os_powered_compute`` is met by
    a Compute or a Platform mark (Platform includes Compute)."""
    name = component.removeprefix("os_powered_")
    return tuple(dict.fromkeys((name, "platform")))


def guideline_date(g: Guideline) -> date | None:
    """The date in a dated guideline's id ("2020.06", "dns.2020.06") as its first day."""
    stamp = g.id.split(".", 1)[1] if g.kind == "add-on" else g.id
    try:
        year, month = (int(p) for p in stamp.split("."))
        return date(year, month, 1)
    except ValueError:
        return None


def guideline_out_date(gs: GuidelineSet, g: Guideline) -> date | None:
    """When ``g`` stopped being one of the two latest approved of its line: the date of the
    second approved guideline after it. None while it is still current (or undated)."""
    line = gs.series(g.add_on if g.kind == "add-on" else None)
    ids = [x.id for x in line]
    if g.id not in ids:
        return None
    later = [x for x in line[ids.index(g.id) + 1 :] if x.status == "approved"]
    return guideline_date(later[1]) if len(later) >= 2 else None


def certificate_status(
    *,
    now: datetime,
    valid_until: datetime | None,
    guideline_out: date | None,
    grace_days: int,
    expiring_days: int,
    revoked_at: datetime | None,
    freshness: Freshness = Freshness.UNTRACKED,
) -> tuple[Status, datetime | None]:
    """The status at ``now`` and the moment the certificate ends (None: open-ended).

    Worst first: revoked, expired, lapsed, at risk, expiring, valid. ``freshness`` comes
    from the runs of the product version's registered clouds (untracked: no input)."""
    ends: list[datetime] = []
    if valid_until is not None:
        ends.append(valid_until)
    if guideline_out is not None:
        ends.append(datetime.combine(guideline_out, datetime.min.time()) + timedelta(grace_days))
    expires = min(ends) if ends else None
    if revoked_at is not None and revoked_at <= now:
        return Status.REVOKED, expires
    if expires is not None and now >= expires:
        return Status.EXPIRED, expires
    if freshness is Freshness.LAPSED:
        return Status.LAPSED, expires
    if freshness is Freshness.AT_RISK:
        return Status.AT_RISK, expires
    if expires is not None and now >= expires - timedelta(expiring_days):
        return Status.EXPIRING, expires
    return Status.VALID, expires


def declaration_gaps(
    guideline: Guideline, target: str, projects: Mapping[str, ProjectUse]
) -> list[dict[str, Any]]:
    """What a sections declaration leaves unsaid for the program's binding projects: a
    project not declared at all, or a deployed project's section not declared explicitly.
    Empty when complete."""
    gaps: list[dict[str, Any]] = []
    for project, req in sorted(program_projects(guideline, target).items()):
        if not req.binding:
            continue
        use = projects.get(project)
        if use is None:
            gaps.append({"project": project, "section": None})
            continue
        if not use.deployed:
            continue
        for group in guideline.sections_for(project):
            for s in group.sections:
                if not use.section_state(s.name)[1]:
                    gaps.append({"project": project, "section": s.name})
    return gaps


def summarise(checks: Iterable[Check]) -> dict[str, Any]:
    """``passed``: every check passed; ``failed``: the names of those that did not."""
    failed = [c.name for c in checks if not c.passed]
    return {"passed": not failed, "failed": failed}


def first_failed(checks: Sequence[Check]) -> Check | None:
    return next((c for c in checks if not c.passed), None)


@dataclass(frozen=True, slots=True)
class Evidence:
    """One stored run offered as proof, with what the server knows of it."""

    run_id: str
    run: TestRun
    created_at: datetime
    signed: bool


@dataclass(frozen=True, slots=True)
class Rules:
    """The Foundation's settings the pre-checks apply."""

    max_run_age_days: int = 365
    require_signed: bool = False


def _component_guideline(gs: GuidelineSet, source: str | None) -> Guideline | None:
    """The powered guideline an add-on's platform component names (its URL's file), else
    the powered line's latest approved."""
    if source:
        name = source.rstrip("/").rsplit("/", 1)[-1].removesuffix(".json")
        if name in gs:
            return gs[name]
    return gs.latest_approved(None)


def pre_checks(
    gs: GuidelineSet,
    guideline: Guideline,
    target: str,
    profile: Profile,
    evidence: Sequence[Evidence],
    *,
    certified_targets: Iterable[str],
    now: datetime,
    rules: Rules,
) -> tuple[list[Check], Verdict]:
    """Every pre-check of a request for ``target`` of ``guideline``, in :data:`CHECKS`
    order, and the verdict computed for it. ``evidence[0]`` proves the program; further
    runs may prove an add-on's platform component. ``certified_targets``: the targets of the
    product's valid certificates (for add-ons)."""
    checks: list[Check] = []
    main = evidence[0] if evidence else None
    # 1. the run meets the guideline and target, computed here
    if main is None:
        checks.append(Check("run_meets_claim", False, "no run was given as evidence"))
    else:
        report = evaluate(RunIndex(main.run), guideline, target)
        f = report.figures
        figures = f"{f['nonFlagPassCount']} of {f['totalNonFlagCount']} must-pass tests passed"
        if report.meets:
            checks.append(
                Check(
                    "run_meets_claim",
                    True,
                    f"run {main.run_id} meets {target} of {guideline.id}: {figures}",
                    {"run_id": main.run_id, **f},
                )
            )
        else:
            checks.append(
                Check(
                    "run_meets_claim",
                    False,
                    f"run {main.run_id} does not meet {target} of {guideline.id}: {figures}",
                    {"run_id": main.run_id, **f},
                )
            )
    # 2. one of the two latest approved guidelines of its line
    current = gs.validation_guidelines(guideline)
    if guideline.id in current:
        checks.append(
            Check(
                "guideline_current",
                True,
                f"{guideline.id} is one of the two latest approved guidelines of its line",
                {"current": list(current)},
            )
        )
    else:
        what = guideline.status or "of no status"
        if guideline.status == "approved":
            what = "approved but not one of the two latest"
        checks.append(
            Check(
                "guideline_current",
                False,
                f"guideline {guideline.id} is {what}: a new certification must use one of the "
                f"two latest approved guidelines of its line"
                + (f" ({', '.join(current)})" if current else ""),
                {"status": guideline.status, "current": list(current)},
            )
        )
    # 3. the product's release is one the guideline covers
    releases = list(guideline.releases)
    if not releases:
        checks.append(
            Check("release_covered", False, f"guideline {guideline.id} names no releases", {})
        )
    elif profile.release in guideline.releases:
        checks.append(
            Check(
                "release_covered",
                True,
                f"release {profile.release} is among the releases of {guideline.id}",
                {"release": profile.release, "releases": releases},
            )
        )
    else:
        said = profile.release or "not declared"
        checks.append(
            Check(
                "release_covered",
                False,
                f"the product's release ({said}) is not among the releases of {guideline.id}: "
                + ", ".join(releases),
                {"release": profile.release, "releases": releases},
            )
        )
    # 4. an add-on's required platform component
    needs = guideline.targets[target].required_platform_components
    if not needs:
        checks.append(Check("platform_component", True, f"{target} requires no platform component"))
    else:
        certified = set(certified_targets)
        for component, source in needs.items():
            wanted = platform_targets(component)
            held = sorted(certified & set(wanted))
            if held:
                checks.append(
                    Check(
                        "platform_component",
                        True,
                        f"{component}: the product holds a valid {' and '.join(held)} certificate",
                        {"component": component, "certificates": held},
                    )
                )
                continue
            base = _component_guideline(gs, source)
            proved = None
            if base is not None:
                for ev in evidence[1:]:
                    for t in wanted:
                        if t in base.targets and evaluate(RunIndex(ev.run), base, t).meets:
                            proved = (ev.run_id, t)
                            break
                    if proved:
                        break
            if proved and base is not None:
                checks.append(
                    Check(
                        "platform_component",
                        True,
                        f"{component}: run {proved[0]} meets {proved[1]} of {base.id}",
                        {"component": component, "run_id": proved[0], "target": proved[1]},
                    )
                )
            else:
                checks.append(
                    Check(
                        "platform_component",
                        False,
                        f"{component}: the {target} add-on needs a valid "
                        f"{' or '.join(wanted)} certificate of the same product, or a run "
                        f"that meets {' or '.join(wanted)}"
                        + (f" of {base.id}" if base is not None else ""),
                        {"component": component, "targets": list(wanted)},
                    )
                )
    # 5. the sections declaration is complete, and the verdict allows
    gaps = declaration_gaps(guideline, target, profile.projects)
    if profile.is_client:
        checks.append(
            Check(
                "declaration_complete",
                False,
                f"{profile.product} is a client library: it has no designated sections to declare",
                {"kind": profile.kind},
            )
        )
    elif gaps:
        shown = ", ".join(
            g["project"] + (f" / {g['section']}" if g["section"] else " (not declared)")
            for g in gaps[:5]
        )
        more = f" and {len(gaps) - 5} more" if len(gaps) > 5 else ""
        checks.append(
            Check(
                "declaration_complete",
                False,
                f"the sections declaration leaves {len(gaps)} item(s) undeclared: {shown}{more}",
                {"missing": gaps},
            )
        )
    else:
        checks.append(
            Check(
                "declaration_complete",
                True,
                f"every designated section of the projects {target} requires is declared",
            )
        )
    verdict = decide_verdict(
        profile,
        guideline,
        main.run if main else None,
        options=VerdictOptions(enforce_advisory=True, current=current),
    )
    pv = verdict.programs[0] if verdict.programs else None
    if pv is not None and pv.outcome is Outcome.ALLOWED:
        checks.append(Check("verdict_allows", True, f"the verdict allows {target}", {}))
    else:
        refusals = [r for r in (pv.reasons if pv else []) if r.severity.value == "refusal"]
        if pv is not None and pv.outcome is Outcome.NOT_APPLICABLE:
            why = pv.reasons[0].message if pv.reasons else "not applicable"
        else:
            why = "; ".join(r.message for r in refusals[:3]) or "refused"
        checks.append(
            Check(
                "verdict_allows",
                False,
                f"the verdict {'does not apply' if pv and pv.outcome is Outcome.NOT_APPLICABLE else 'refuses'}: {why}",
                {
                    "codes": [r.code for r in (pv.reasons if pv else []) if r in refusals]
                    or ([pv.reasons[0].code] if pv and pv.reasons else [])
                },
            )
        )
    # 6. recent, and signed when the Foundation requires it
    if main is None:
        checks.append(Check("run_recent", False, "no run was given as evidence"))
        checks.append(Check("run_signed", False, "no run was given as evidence"))
        return checks, verdict
    age = (now - main.created_at).days
    if age <= rules.max_run_age_days:
        checks.append(
            Check(
                "run_recent",
                True,
                f"the run is {age} day(s) old (at most {rules.max_run_age_days})",
                {"age_days": age},
            )
        )
    else:
        checks.append(
            Check(
                "run_recent",
                False,
                f"the run is {age} days old; the Foundation accepts runs up to "
                f"{rules.max_run_age_days} days old",
                {"age_days": age, "max_days": rules.max_run_age_days},
            )
        )
    if main.signed:
        checks.append(Check("run_signed", True, "the run was uploaded signed"))
    elif rules.require_signed:
        checks.append(
            Check(
                "run_signed",
                False,
                "the run was not signed; the Foundation requires signed uploads",
            )
        )
    else:
        checks.append(
            Check("run_signed", True, "the run was not signed (the Foundation does not require it)")
        )
    return checks, verdict
