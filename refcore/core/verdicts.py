"""Trademark verdicts: may this product use this OpenStack mark, and why (not)?

Profile x guideline (x test evidence) -> per claimed program: ``allowed``,
``refused`` or ``not_applicable``, each with machine-readable reasons (code,
severity, message, data). The seed's three obligations decide it:

1. pass the required tests of the guideline (:func:`refcore.core.compliance.evaluate`);
2. run and include the designated sections of the projects that have must-pass
   tests in the program (:mod:`refcore.core.sections`, rules from
   :mod:`refcore.core.tc_rules`);
3. meet the license obligations (foundation member, trademark agreement).

Plus: the guideline must cover the product's release (its trademark approval
releases), and a guideline that is not approved (Havana's matrix was
``advisory``; drafts) binds nobody: its refusals become warnings unless
``enforce_advisory`` asks what it *would* decide. Client libraries do not ship
OpenStack code, so DefCore does not apply to them; their API use is mapped to
capabilities instead (:mod:`refcore.core.client_usage`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Any

from .client_usage import UsageEntry, map_usage, usage_reasons
from .compliance import RunIndex, evaluate
from .guidelines import Guideline
from .profiles import OBLIGATIONS, PROGRAMS, Profile
from .reasons import Reason, Severity
from .runs import TestRun
from .section_reasons import section_reasons
from .sections import assume_designation, capability_project
from .tc_rules import Policy, parse_policy

__all__ = [
    "BINDING_GUIDELINE_STATUSES",
    "Outcome",
    "ProgramVerdict",
    "Reason",
    "Severity",
    "Verdict",
    "VerdictOptions",
    "decide_verdict",
]

#: guideline statuses that bind trademark licensees (superseded ones still do for
#: products already licensed under them, with a warning)
BINDING_GUIDELINE_STATUSES: tuple[str, ...] = ("approved", "superseded")


class Outcome(StrEnum):
    ALLOWED = "allowed"
    REFUSED = "refused"
    NOT_APPLICABLE = "not_applicable"


@dataclass(slots=True)
class ProgramVerdict:
    program: str
    target: str
    outcome: Outcome
    reasons: list[Reason] = field(default_factory=list)
    #: the compliance summary figures of the evidence for this target, if any
    summary: dict[str, Any] | None = None

    def of(self, severity: Severity) -> list[Reason]:
        return [r for r in self.reasons if r.severity is severity]

    def codes(self, severity: Severity | None = None) -> list[str]:
        return [r.code for r in self.reasons if severity is None or r.severity is severity]

    def to_dict(self) -> dict[str, Any]:
        return {
            "program": self.program,
            "target": self.target,
            "outcome": self.outcome.value,
            "reasons": [r.to_dict() for r in self.reasons],
            "summary": self.summary,
        }


@dataclass(frozen=True, slots=True)
class VerdictOptions:
    #: what rule 8 decides for code no rule covers (see :mod:`refcore.core.tc_rules`)
    policy: Policy = Policy.APPROVED_TEXT
    #: judge a non-binding (advisory, draft) guideline as if it were binding
    enforce_advisory: bool = False
    #: what-if designations: project -> "none" | "all" | "published"
    assume: Mapping[str, str] = field(default_factory=dict)
    #: the guidelines new validations may use (the two latest approved of the line,
    #: ``GuidelineSet.validation_guidelines``); empty when not known
    current: tuple[str, ...] = ()
    #: judge under a superseded (or no longer current) guideline as of its time: its
    #: status is then a warning, not a refusal (a new validation cannot use it)
    historical: bool = False


@dataclass(slots=True)
class Verdict:
    vendor: str
    product: str
    kind: str
    guideline: str
    guideline_status: str | None
    binding: bool
    options: VerdictOptions
    programs: list[ProgramVerdict]
    reasons: list[Reason] = field(default_factory=list)
    usage: list[UsageEntry] = field(default_factory=list)

    @property
    def outcome(self) -> Outcome:
        outcomes = {p.outcome for p in self.programs}
        if Outcome.REFUSED in outcomes:
            return Outcome.REFUSED
        if Outcome.ALLOWED in outcomes:
            return Outcome.ALLOWED
        return Outcome.NOT_APPLICABLE

    @property
    def exit_code(self) -> int:
        """0: every claimed program allowed, or nothing applies; 1: something refused."""
        return 1 if self.outcome is Outcome.REFUSED else 0

    def program(self, name: str) -> ProgramVerdict:
        for p in self.programs:
            if p.program == name or p.target == name:
                return p
        raise KeyError(name)

    def to_dict(self) -> dict[str, Any]:
        return {
            "vendor": self.vendor,
            "product": self.product,
            "kind": self.kind,
            "guideline": self.guideline,
            "guideline_status": self.guideline_status,
            "binding": self.binding,
            "policy": self.options.policy.value,
            "enforce_advisory": self.options.enforce_advisory,
            "assume": dict(self.options.assume),
            "historical": self.options.historical,
            "outcome": self.outcome.value,
            "programs": [p.to_dict() for p in self.programs],
            "reasons": [r.to_dict() for r in self.reasons],
            "usage": [u.to_dict() for u in self.usage],
        }


def decide_verdict(
    profile: Profile,
    guideline: Guideline,
    run: TestRun | None = None,
    *,
    options: VerdictOptions | None = None,
) -> Verdict:
    """Judge ``profile`` against ``guideline`` with ``run`` as its test evidence."""
    opts = options or VerdictOptions()
    opts = replace(opts, policy=parse_policy(opts.policy))
    g = assume_designation(guideline, opts.assume)
    binding = g.status in BINDING_GUIDELINE_STATUSES or opts.enforce_advisory
    verdict = Verdict(
        profile.vendor, profile.product, profile.kind, g.id, g.status, binding, opts, []
    )
    if profile.is_client:
        verdict.binding = False
        verdict.reasons.append(
            Reason(
                "defcore_not_applicable",
                Severity.INFO,
                f"{profile.product} is a client library: it does not ship or implement "
                "OpenStack code, so DefCore and the trademark programs do not apply to it",
                {"kind": profile.kind},
            )
        )
        verdict.usage = map_usage(profile.usage, g)
        verdict.reasons.extend(
            Reason(code, Severity.INFO, message, data)
            for code, message, data in usage_reasons(verdict.usage, g)
        )
        verdict.programs = [
            ProgramVerdict(p, PROGRAMS[p], Outcome.NOT_APPLICABLE, [verdict.reasons[0]])
            for p in profile.programs
        ]
        return verdict
    common = _guideline_reasons(profile, g, opts)
    index = RunIndex(run) if run is not None else None
    for program in profile.programs:
        target = PROGRAMS[program]
        if target not in g.targets:
            known = ", ".join(g.targets)
            verdict.programs.append(
                ProgramVerdict(
                    program,
                    target,
                    Outcome.NOT_APPLICABLE,
                    [
                        Reason(
                            "program_not_in_guideline",
                            Severity.INFO,
                            f"guideline {g.id} does not define the {program} program "
                            f"(it defines: {known})",
                            {"program": program, "defined": list(g.targets)},
                        )
                    ],
                )
            )
            continue
        pv = ProgramVerdict(program, target, Outcome.ALLOWED, list(common))
        pv.reasons.extend(_test_reasons(g, target, index, pv))
        pv.reasons.extend(section_reasons(g, target, profile, opts.policy))
        pv.reasons.extend(_addon_reasons(g, target, profile))
        if not binding:
            pv.reasons = [_soften(r) for r in pv.reasons]
        if pv.of(Severity.REFUSAL):
            pv.outcome = Outcome.REFUSED
        verdict.programs.append(pv)
    return verdict


def _soften(reason: Reason) -> Reason:
    if reason.severity is not Severity.REFUSAL:
        return reason
    return replace(reason, severity=Severity.WARNING, data={**reason.data, "would_refuse": True})


def _naming(ids: tuple[str, ...]) -> str:
    return f" ({', '.join(ids)})" if ids else ""


def _guideline_reasons(profile: Profile, g: Guideline, opts: VerdictOptions) -> list[Reason]:
    out = []
    if g.status not in BINDING_GUIDELINE_STATUSES:
        if opts.enforce_advisory:
            out.append(
                Reason(
                    "guideline_enforced_as_binding",
                    Severity.INFO,
                    f"guideline {g.id} is {g.status or 'of no status'}, not approved; judged as "
                    "if binding (enforce_advisory)",
                    {"status": g.status},
                )
            )
        else:
            out.append(
                Reason(
                    "guideline_not_binding",
                    Severity.WARNING,
                    f"guideline {g.id} is {g.status or 'of no status'}, not approved: it is "
                    "advisory, so what it would refuse is reported as warnings",
                    {"status": g.status},
                )
            )
    elif g.status == "superseded" or (opts.current and g.id not in opts.current):
        # 2015B/2016A: new validations use one of the two latest approved guidelines
        if g.status == "superseded":
            code, what = "guideline_superseded", "superseded"
        else:
            code, what = "guideline_not_current", "approved but not one of the two latest"
        if opts.historical:
            severity, tail = Severity.WARNING, "; judged historically, as of its time"
        else:
            severity, tail = (
                Severity.REFUSAL,
                (
                    " (to judge it as of its time, ask for a historical judgement: "
                    "--historical, or historical: true)"
                ),
            )
        out.append(
            Reason(
                code,
                severity,
                f"guideline {g.id} is {what}: new validations must use one of the two "
                f"latest approved guidelines{_naming(opts.current)}{tail}",
                {"status": g.status, "current": list(opts.current), "historical": opts.historical},
            )
        )
    if g.releases and profile.release not in g.releases:
        out.append(
            Reason(
                "release_not_covered",
                Severity.REFUSAL,
                f"guideline {g.id} applies to releases {', '.join(g.releases)}; the product "
                f"is based on {profile.release}",
                {"release": profile.release, "releases": list(g.releases)},
            )
        )
    for key, text in OBLIGATIONS.items():
        value = profile.obligations.get(key)
        if value is not True:
            said = "not declared" if value is None else "declared unmet"
            out.append(
                Reason(
                    "obligation_unmet",
                    Severity.REFUSAL,
                    f"license obligation {key} ({text}) is {said}",
                    {"obligation": key, "value": value},
                )
            )
    if profile.obligations.get("results_shared") is False:
        out.append(
            Reason(
                "results_not_shared",
                Severity.WARNING,
                "test results are not shared with the Foundation (expected, not required)",
                {"obligation": "results_shared"},
            )
        )
    return out


def _test_reasons(
    g: Guideline, target: str, index: RunIndex | None, pv: ProgramVerdict
) -> list[Reason]:
    statuses = g.capability_statuses(target)
    required = [n for n, s in statuses.items() if s == "required"]
    out = []
    for name in required:
        cap = g.capabilities.get(name)
        if cap is not None and not any(not t.flagged for t in cap.tests):
            out.append(
                Reason(
                    "capability_without_tests",
                    Severity.INFO,
                    f"required capability {name} has no must-pass tests in {g.id}: nothing to prove",
                    {"capability": name, "tests": len(cap.tests)},
                )
            )
    if index is None:
        must = sum(
            1
            for n in required
            if n in g.capabilities
            for t in g.capabilities[n].tests
            if not t.flagged
        )
        if must:
            out.append(
                Reason(
                    "evidence_missing",
                    Severity.REFUSAL,
                    f"no test evidence: {target} of {g.id} has {must} must-pass tests in "
                    f"{len(required)} required capabilities",
                    {"must_pass_tests": must},
                )
            )
        return out
    report = evaluate(index, g, target)
    pv.summary = dict(report.figures)
    for cr in report.capabilities:
        if cr.status != "required" or not cr.must_pass_missing:
            continue
        missing = cr.must_pass_missing
        total = sum(1 for t in cr.tests if not t.flagged)
        names = [t.test.name for t in missing]
        shown = ", ".join(names[:3]) + (f" and {len(names) - 3} more" if len(names) > 3 else "")
        project = cr.capability.project if cr.capability else None
        out.append(
            Reason(
                "capability_not_met",
                Severity.REFUSAL,
                f"required capability {cr.name}: {len(missing)} of {total} must-pass tests "
                f"did not pass ({shown})",
                {
                    "capability": cr.name,
                    "project": project or _project_of(g, cr.name),
                    "tests": [{"name": t.test.name, "state": t.state.value} for t in missing],
                    "must_pass": total,
                },
            )
        )
    f = report.figures
    out.append(
        Reason(
            "tests_summary",
            Severity.INFO,
            f"{f['nonFlagPassCount']} of {f['totalNonFlagCount']} must-pass tests passed "
            f"({f['totalRequiredFlagCount']} flagged tests not required)",
            dict(f),
        )
    )
    return out


def _project_of(g: Guideline, capability: str) -> str | None:
    cap = g.capabilities.get(capability)
    return capability_project(cap) if cap else None


def _addon_reasons(g: Guideline, target: str, profile: Profile) -> list[Reason]:
    needs = g.targets[target].required_platform_components
    if not needs:
        return []
    powered = {"platform", "compute"} & set(profile.targets)
    listed = ", ".join(f"{c} (from {src})" if src else c for c, src in needs.items())
    if powered:
        return [
            Reason(
                "requires_platform",
                Severity.INFO,
                f"the {target} add-on requires the platform components {listed}; claimed: "
                f"{', '.join(sorted(powered))}",
                {"components": dict(needs)},
            )
        ]
    return [
        Reason(
            "requires_platform",
            Severity.WARNING,
            f"the {target} add-on requires the platform components {listed}, but the "
            "profile claims neither platform nor compute",
            {"components": dict(needs)},
        )
    ]
