"""Result pages: the community list, my runs, a run's report and the owner's and
foundation's actions on it. Privacy is the services' (RefStack's roles): a page
shows exactly what ``runs_read`` returns for the visitor, so the cpid appears
only for the owner and the foundation."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from refcore.errors import InvalidInput
from refcore.server import downloads
from refcore.server.deps import (
    ActorDep,
    CsrfDep,
    GuidelinesDep,
    SessionDep,
    SettingsDep,
    SourceDep,
    UserDep,
    state,
)
from refcore.server.pages.reports import build_report
from refcore.server.rendering import flash, render
from refcore.server.routing import Route
from refcore.services import products, run_lists, runs, runs_edit, runs_read, vendors

router = APIRouter(route_class=Route)
CSRF = [CsrfDep]


def _list_query(request: Request, scope: str) -> run_lists.RunListQuery:
    """The list's filters, as typed (the service checks them)."""
    q = request.query_params
    fields = ("guideline", "target", "claims", "product", "vendor", "verified", "start", "end")
    return run_lists.RunListQuery(
        scope=scope, page=q.get("page", ""), **{k: q.get(k, "") for k in fields}
    )


def _listing(
    request: Request,
    session: SessionDep,
    actor: ActorDep,
    source: SourceDep,
    per_page: int,
    *,
    mine: bool,
) -> Response:
    fmt = downloads.wanted(request.query_params.get("format"))
    query = _list_query(request, "mine" if mine else "community")
    listing = run_lists.browse(session, actor, source, query, per_page=per_page)
    name = f"{'my-results' if mine else 'community-results'}-page-{listing.current_page}"
    if fmt == "json":
        return downloads.json_response(listing.to_dict(), name + ".json")
    if fmt == "csv":
        return downloads.csv_response(run_lists.csv_rows(listing), name + ".csv")
    return render(
        request,
        "results/list.html",
        {
            "title": "My results" if mine else "Community results",
            "mine": mine,
            "page": listing,
            "q": query,
            **list_choices(session, actor, source),
        },
    )


def list_choices(session: SessionDep, actor: ActorDep, source: SourceDep) -> dict[str, Any]:
    """What the filters offer: guidelines, every target name, readable products and vendors."""
    gs = [g for g in source.get().values() if g.kind != "draft"]
    targets = sorted({t for g in gs for t in g.targets})
    return {
        "guideline_choices": gs,
        "target_choices": targets,
        "product_choices": products.list_products(session, actor),
        "vendor_choices": vendors.list_vendors(session, actor),
    }


@router.get("/results", response_class=HTMLResponse, name="web.results")
def community(
    request: Request,
    session: SessionDep,
    actor: ActorDep,
    settings: SettingsDep,
    source: SourceDep,
) -> Response:
    """Shared and anonymous runs; ``?format=json|csv`` downloads the page shown."""
    return _listing(request, session, actor, source, settings.results_per_page, mine=False)


@router.get("/results/mine", response_class=HTMLResponse, name="web.results.mine")
def mine(
    request: Request,
    session: SessionDep,
    actor: UserDep,
    settings: SettingsDep,
    source: SourceDep,
) -> Response:
    return _listing(request, session, actor, source, settings.results_per_page, mine=True)


@router.get("/results/upload", response_class=HTMLResponse, name="web.results.upload")
def upload_form(request: Request) -> HTMLResponse:
    return render(request, "results/upload.html", {"title": "Upload a run"})


@router.post(
    "/results/upload", dependencies=CSRF, response_class=HTMLResponse, name="web.results.uploaded"
)
def upload(
    request: Request,
    session: SessionDep,
    actor: ActorDep,
    settings: SettingsDep,
    run_file: Annotated[UploadFile, File()],
) -> Response:
    """A run file from the browser, stored exactly as ``POST /v2/runs`` stores it
    (:func:`refcore.services.runs.submit_v2`; a sync route: parsed in a worker thread,
    never on the event loop), then its report."""
    data = run_file.file.read()
    if not data:
        raise InvalidInput(
            f"The file {run_file.filename or '(unnamed)'} is empty: choose a run file"
        )
    stored = runs.submit_v2(
        session,
        runs.Upload(data, None, None),
        actor,
        allow_anonymous=settings.enable_anonymous_upload,
    )
    state(request).preparer.submit(stored.id)
    flash(request, f"Uploaded {run_file.filename or 'the run'}.", "success")
    location = f"/results/{stored.id}"
    if request.headers.get("accept", "").startswith("application/json"):
        # the page's script uploads with progress (XMLHttpRequest), which would follow a
        # redirect itself and take the flash: it is told where the report is instead
        return JSONResponse({"id": stored.id, "location": location}, status_code=201)
    return RedirectResponse(location, status_code=303)


@router.get("/results/{run_id}", response_class=HTMLResponse, name="web.result")
def report(
    request: Request,
    run_id: str,
    session: SessionDep,
    actor: ActorDep,
    source: SourceDep,
    guideline: str | None = None,
    target: str | None = None,
) -> HTMLResponse:
    """The run (its summary: counts, no test rows) and its cached report and meets
    list from the services, the same data as ``/v2/runs/{id}/report`` and ``/meets``."""
    detail = runs_read.run_summary(session, actor, run_id)
    view = build_report(session, actor, source, run_id, detail["meta"], guideline, target)
    gs = source.get()
    role = detail["user_role"]
    can_edit = role in ("owner", "foundation")
    return render(
        request,
        "results/report.html",
        {
            "title": f"Report {run_id[:8]}",
            "run": detail,
            "view": view,
            "r": view.report,
            "g": view.guideline,
            "cap_info": view.guideline.capabilities,
            "guidelines": [g for g in gs.values() if g.kind != "draft"],
            "can_edit": can_edit,
            "versions": _versions(session, actor) if can_edit else [],
            "is_foundation": actor.is_foundation,
            "verified": detail["verification_status"] == 1,
        },
    )


@router.get("/results/{run_id}/report.csv", name="web.result.csv")
def report_csv(
    run_id: str,
    session: SessionDep,
    actor: ActorDep,
    source: SourceDep,
    guideline: str | None = None,
    target: str | None = None,
) -> Response:
    """The report's tests as CSV: one row per test of each capability."""
    detail = runs_read.run_summary(session, actor, run_id)
    view = build_report(session, actor, source, run_id, detail["meta"], guideline, target)
    rows: list[list[Any]] = [
        ["guideline", "target", "capability", "status", "met", "test", "state", "flagged", "reason"]
    ]
    for c in view.report["capabilities"]:
        for t in c["tests"]:
            rows.append(
                [
                    view.guideline.id,
                    view.target,
                    c["name"],
                    c["status"],
                    "yes" if c["met"] else "no",
                    t["name"],
                    t["state"],
                    "yes" if t["flagged"] else "no",
                    t["reason"] or "",
                ]
            )
    return downloads.csv_response(
        rows, f"report-{run_id[:8]}-{view.guideline.id}-{view.target}.csv"
    )


def _versions(session: SessionDep, actor: ActorDep) -> list[dict[str, str]]:
    """The product versions this actor may associate a run with (its vendors' products)."""
    out = []
    for product in products.list_products(session, actor):
        if product["can_manage"]:
            for v in products.list_versions(session, actor, product["id"]):
                label = product["name"] + (f" {v['version']}" if v["version"] else " (default)")
                out.append({"id": v["id"], "label": label})
    return out


def _back(run_id: str) -> RedirectResponse:
    return RedirectResponse(f"/results/{run_id}", status_code=303)


@router.post("/results/{run_id}/share", dependencies=CSRF, name="web.result.share")
def share(
    request: Request,
    run_id: str,
    session: SessionDep,
    actor: UserDep,
    gs: GuidelinesDep,
    shared: Annotated[str, Form()],
) -> RedirectResponse:
    if shared == "true":
        runs_edit.set_meta(session, actor, run_id, "shared", "true", guidelines=gs)
        flash(request, "The run is shared: anyone can see it in the community results.", "success")
    else:
        runs_edit.delete_meta(session, actor, run_id, "shared")
        flash(request, "The run is private again.", "success")
    return _back(run_id)


@router.post("/results/{run_id}/guideline", dependencies=CSRF, name="web.result.guideline")
def set_guideline(
    request: Request,
    run_id: str,
    session: SessionDep,
    actor: UserDep,
    gs: GuidelinesDep,
    claim: Annotated[str, Form()] = "",
    guideline: Annotated[str, Form()] = "",
    target: Annotated[str, Form()] = "",
) -> RedirectResponse:
    """``claim`` is "<guideline> <target>" (one choice, so the target is always one
    of the claimed guideline's); ``guideline`` + ``target`` are still accepted."""
    if claim.strip():
        guideline, _, target = claim.strip().partition(" ")
    if not guideline or not target:
        raise InvalidInput("Choose the guideline and target the run claims")
    chosen = gs[guideline]
    chosen.target(target)  # an unknown target is refused with the known ones
    runs_edit.set_meta(session, actor, run_id, "guideline", chosen.id + ".json", guidelines=gs)
    runs_edit.set_meta(session, actor, run_id, "target", target, guidelines=gs)
    flash(request, f"The run now claims {chosen.id} ({target}).", "success")
    return _back(run_id)


@router.post("/results/{run_id}/product", dependencies=CSRF, name="web.result.product")
def set_product_version(
    request: Request,
    run_id: str,
    session: SessionDep,
    actor: UserDep,
    version: Annotated[str, Form()] = "",
) -> RedirectResponse:
    runs_edit.update_run(session, actor, run_id, {"product_version_id": version.strip() or None})
    flash(request, "Product version updated." if version else "Product version removed.", "success")
    return _back(run_id)


@router.post("/results/{run_id}/verify", dependencies=CSRF, name="web.result.verify")
def verify(
    request: Request,
    run_id: str,
    session: SessionDep,
    actor: UserDep,
    gs: GuidelinesDep,
    status: Annotated[str, Form()],
    override: Annotated[str, Form(max_length=2000)] = "",
) -> RedirectResponse:
    if status not in ("0", "1"):
        raise InvalidInput(f"Invalid verification status {status!r}")
    changes: dict[str, Any] = {"verification_status": int(status)}
    if override.strip():
        changes["verification_override"] = override
    runs_edit.update_run(session, actor, run_id, changes, gs)
    flash(request, "Marked verified." if status == "1" else "Verification removed.", "success")
    return _back(run_id)


@router.post("/results/{run_id}/delete", dependencies=CSRF, name="web.result.delete")
def delete(request: Request, run_id: str, session: SessionDep, actor: UserDep) -> RedirectResponse:
    runs_edit.delete_run(session, actor, run_id)
    flash(request, f"Run {run_id} deleted.", "success")
    return RedirectResponse("/results/mine", status_code=303)
