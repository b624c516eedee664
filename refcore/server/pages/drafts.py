"""Draft guidelines, as the working group and vendors meet them: the drafts the Foundation
published, and "check a draft": upload a draft file (and a Tempest listing) to see its diff
against the guideline it replaces, its readiness and what it would do to the stored runs you
may see. The same service calls as ``/v2/drafts``, ``/v2/whatif`` and the diff endpoint."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse

from refcore.core.guidelines import Guideline, GuidelineSet
from refcore.errors import InvalidInput
from refcore.server.deps import (
    ActorDep,
    CsrfDep,
    GuidelinesDep,
    SessionDep,
    SettingsDep,
    SourceDep,
)
from refcore.server.notices import notify_published
from refcore.server.rendering import flash, render
from refcore.server.routing import Route
from refcore.services import drafts
from refcore.services.accounts import Actor
from refcore.services.whatif import stored_what_if

router = APIRouter(route_class=Route)


@router.get("/drafts", response_class=HTMLResponse, name="web.drafts")
def drafts_index(request: Request, session: SessionDep) -> HTMLResponse:
    return render(
        request,
        "drafts/index.html",
        {"title": "Draft guidelines", "drafts": drafts.list_drafts(session)},
    )


def _target(guideline: Guideline) -> str:
    return "platform" if "platform" in guideline.targets else next(iter(guideline.targets), "")


def _view(
    session: Any, actor: Actor, gs: GuidelineSet, draft: Guideline, listing: str | None
) -> dict[str, Any]:
    merged = gs.including(draft)
    base = draft.replaces if draft.replaces in gs else None
    view: dict[str, Any] = {
        "draft": draft,
        "base": base,
        "diff": drafts.diff_against(merged, base, draft) if base else None,
        "readiness": drafts.readiness(draft, listing),
        "whatif": None,
    }
    target = _target(draft)
    if base and target in gs[base].targets:
        view["target"] = target
        view["whatif"] = stored_what_if(session, actor, merged, base, draft.id, target=target)
    return view


@router.get("/drafts/{draft_id}", response_class=HTMLResponse, name="web.draft")
def draft_page(
    request: Request, draft_id: str, session: SessionDep, actor: ActorDep, gs: GuidelinesDep
) -> HTMLResponse:
    draft, _ = drafts.resolve(session, gs, draft_id)
    if draft_id in gs:  # a guideline of the source, not a draft: its own page
        return RedirectResponse(f"/guidelines/{draft_id}", status_code=303)  # type: ignore[return-value]
    context = _view(session, actor, gs, draft, None)
    return render(
        request, "drafts/check.html", {"title": f"Draft {draft.id}", "published": True, **context}
    )


def _text(upload: UploadFile | None, limit: int) -> str | None:
    if upload is None or not upload.filename:
        return None
    data = upload.file.read(limit + 1)
    if len(data) > limit:
        raise InvalidInput(f"{upload.filename}: larger than {limit // 1024} KB")
    return data.decode("utf-8", "replace")


@router.post("/drafts/check", response_class=HTMLResponse, dependencies=[CsrfDep])
def check(
    request: Request,
    session: SessionDep,
    actor: ActorDep,
    gs: GuidelinesDep,
    source: SourceDep,
    settings: SettingsDep,
    draft_file: Annotated[UploadFile, File()],
    tempest_list: Annotated[UploadFile | None, File()] = None,
    publish: Annotated[bool, Form()] = False,
) -> Any:
    body = _text(draft_file, drafts.MAX_DRAFT_BYTES)
    listing = _text(tempest_list, 4 * 1024 * 1024)
    if body is None:
        raise InvalidInput("Choose a draft guideline file (JSON) to check")
    draft = drafts.parse_upload(body, source)
    if publish:
        result = drafts.publish(session, actor, gs, draft)
        sent = notify_published(session, settings, gs, result["id"])
        told = f" {sent['sent']} manager(s) e-mailed." if sent["sent"] else ""
        flash(request, f"Published draft {result['id']}.{told}", "success")
        return RedirectResponse(f"/drafts/{result['id']}", status_code=303)
    context = _view(session, actor, gs, draft, listing)
    return render(
        request, "drafts/check.html", {"title": f"Draft {draft.id}", "published": False, **context}
    )
