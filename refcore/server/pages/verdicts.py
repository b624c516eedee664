"""A product profile's trademark verdict: paste a profile (YAML or JSON), pick the
guideline and the evidence (a stored run you may read, or a run file), and read
per program allowed / refused / not applicable with every reason.

Nothing is stored; the judgement is :func:`refcore.core.verdicts.decide_verdict`.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse

from refcore.core.tc_rules import POLICIES, Policy
from refcore.errors import ProfileError
from refcore.server.deps import ActorDep, GuidelinesDep, SessionDep
from refcore.server.rendering import render
from refcore.server.routing import Route, body_limit
from refcore.services import verdicts

router = APIRouter(route_class=Route)
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
        "historical": False,
        "verdict": None,
        "note": None,
    }
    return render(request, "verdicts.html", {**context, **values})


@router.get("/verdicts", response_class=HTMLResponse, name="web.verdicts")
def verdict_form(request: Request, gs: GuidelinesDep) -> HTMLResponse:
    return _form(request, gs)


def _note(verdict: dict[str, Any], is_client: bool) -> str | None:
    ev = verdict["evidence"]
    if ev["file"]:
        return f"Evidence: the uploaded file {ev['file']} ({ev['tests']} tests)."
    if ev["run_id"]:
        return f"Evidence: stored run {ev['run_id']} ({ev['tests']} tests)."
    if not is_client:
        return "No test evidence given: the required tests count as not run."
    return None


@router.post("/verdicts", response_class=HTMLResponse, name="web.verdicts.decide")
@body_limit("max_verdict_form_bytes")
def decide(
    request: Request,
    gs: GuidelinesDep,
    session: SessionDep,
    actor: ActorDep,
    profile: Annotated[str, Form()],
    guideline: Annotated[str, Form()],
    run_id: Annotated[str, Form()] = "",
    policy: Annotated[str, Form()] = Policy.APPROVED_TEXT.value,
    enforce: Annotated[str, Form()] = "",
    historical: Annotated[str, Form()] = "",
    run_file: Annotated[UploadFile | None, File()] = None,
) -> HTMLResponse:
    """Read-only: nothing is stored, so no CSRF token is needed. The verdict is
    :func:`refcore.services.verdicts.verdict`'s, exactly as ``POST /v2/verdicts``.
    The form is at most ``max_verdict_form_bytes``; everything runs in the worker."""
    if len(profile) > MAX_PROFILE:
        raise ProfileError(f"The profile is larger than {MAX_PROFILE // 1024} KiB")
    g = gs[guideline]
    upload = None
    if run_file is not None and run_file.filename:
        upload = (run_file.filename, run_file.file.read())
    chosen = Policy(policy) if policy in POLICIES else Policy.APPROVED_TEXT
    verdict = verdicts.verdict(
        session,
        actor,
        g,
        profile,
        run_id=run_id.strip() or None,
        policy=chosen,
        enforce_advisory=bool(enforce),
        current=gs.validation_guidelines(g),
        historical=bool(historical),
        run_file=upload,
    )
    return _form(
        request,
        gs,
        profile=profile,
        guideline=g.id,
        run_id=run_id,
        policy=chosen.value,
        enforce=bool(enforce),
        historical=bool(historical),
        verdict=verdict,
        note=_note(verdict, verdict["kind"] == "client-library"),
    )
