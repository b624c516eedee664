"""A product profile's trademark verdict: paste a profile (YAML or JSON), pick the
guideline and the evidence (a stored run you may read, or a run file), and read
per program allowed / refused / not applicable with every reason.

Nothing is stored; the judgement is :func:`refcore.core.verdicts.decide_verdict`.
"""

from __future__ import annotations

from typing import Annotated

import yaml
from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse

from refcore.core import yamltext
from refcore.core.profiles import Profile
from refcore.core.results import parse_run
from refcore.core.runs import Outcome, TestResult, TestRun
from refcore.core.tc_rules import POLICIES, Policy
from refcore.core.verdicts import VerdictOptions, decide_verdict
from refcore.errors import ProfileError
from refcore.server.deps import ActorDep, GuidelinesDep, SessionDep
from refcore.server.rendering import render
from refcore.services.runs_read import run_tests

router = APIRouter()
MAX_PROFILE = 256 * 1024


def _form(request: Request, gs: GuidelinesDep, **values: object) -> HTMLResponse:
    guidelines = [g for g in gs.values() if g.kind in ("powered", "legacy", "add-on", "vertical")]
    latest = gs.latest_approved()
    context = {
        "title": "Trademark verdict",
        "guidelines": guidelines,
        "policies": POLICIES,
        "profile": "",
        "guideline": latest.id if latest else "",
        "run_id": "",
        "policy": Policy.APPROVED_TEXT.value,
        "enforce": False,
        "verdict": None,
        "note": None,
    }
    return render(request, "verdicts.html", {**context, **values})


@router.get("/verdicts", response_class=HTMLResponse, name="web.verdicts")
def verdict_form(request: Request, gs: GuidelinesDep) -> HTMLResponse:
    return _form(request, gs)


def _profile(text: str) -> Profile:
    if len(text) > MAX_PROFILE:
        raise ProfileError(f"The profile is larger than {MAX_PROFILE // 1024} KiB")
    try:
        data = yamltext.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or "syntax error"
        raise ProfileError(f"The profile is not YAML or JSON{where}: {problem}") from None
    return Profile.from_dict(data, source="pasted profile")


@router.post("/verdicts", response_class=HTMLResponse, name="web.verdicts.decide")
async def decide(
    request: Request,
    gs: GuidelinesDep,
    session: SessionDep,
    actor: ActorDep,
    profile: Annotated[str, Form()],
    guideline: Annotated[str, Form()],
    run_id: Annotated[str, Form()] = "",
    policy: Annotated[str, Form()] = Policy.APPROVED_TEXT.value,
    enforce: Annotated[str, Form()] = "",
    run_file: Annotated[UploadFile | None, File()] = None,
) -> HTMLResponse:
    """Read-only: nothing is stored, so no CSRF token is needed."""
    parsed = _profile(profile)
    g = gs[guideline]
    run: TestRun | None = None
    note = None
    if run_file is not None and run_file.filename:
        run = parse_run(await run_file.read(), source=run_file.filename)
        note = f"Evidence: the uploaded file {run_file.filename} ({len(run)} tests)."
    elif run_id.strip():
        tests = run_tests(session, actor, run_id.strip())
        run = TestRun.from_results(
            TestResult(t["name"], Outcome(t["outcome"]), t["uuid"], t["reason"]) for t in tests
        )
        note = f"Evidence: stored run {run_id.strip()} ({len(run)} tests)."
    elif not parsed.is_client:
        note = "No test evidence given: the required tests count as not run."
    options = VerdictOptions(
        Policy(policy) if policy in POLICIES else Policy.APPROVED_TEXT,
        bool(enforce),
        current=gs.validation_guidelines(g),
    )
    verdict = decide_verdict(parsed, g, run, options=options)
    return _form(
        request,
        gs,
        profile=profile,
        guideline=g.id,
        run_id=run_id,
        policy=options.policy.value,
        enforce=bool(enforce),
        verdict=verdict,
        note=note,
    )
