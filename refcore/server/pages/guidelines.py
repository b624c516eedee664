"""Guideline pages: the list by program, the capabilities matrix, test lists,
designated sections and the diff of two guidelines. They need no database, and show
nothing but the guideline set: each is rendered once per guideline set and URL and
revalidated with ``ETag`` / ``Last-Modified`` (:func:`refcore.server.rendering.render_once`)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import HTMLResponse, PlainTextResponse

from refcore.core.diff import diff_guidelines
from refcore.core.guidelines import STATUSES, Guideline, GuidelineSet
from refcore.core.scoring import CRITERIA_NAMES
from refcore.core.sections import program_projects, section_projects
from refcore.errors import InvalidInput
from refcore.server import downloads
from refcore.server.deps import GuidelinesDep
from refcore.server.pages.matrix import build_matrix
from refcore.server.rendering import render_once
from refcore.server.routing import Route

router = APIRouter(route_class=Route)

PROGRAM_TITLES = {
    "powered": "OpenStack Powered",
    "add-on": "Add-on programs",
    "vertical": "Verticals",
    "legacy": "Legacy (DefCore 1.0 matrices)",
    "draft": "Drafts",
}


def programs(gs: GuidelineSet) -> list[tuple[str, list[tuple[str, list[Guideline]]]]]:
    """(program title, [(line title, guidelines newest first)]) for the list page."""
    out = []
    for kind, title in PROGRAM_TITLES.items():
        found = gs.of_kind(kind)
        if not found:
            continue
        lines: dict[str, list[Guideline]] = {}
        for g in found:
            line = (g.add_on or "").replace("_", " ").title() if kind == "add-on" else ""
            lines.setdefault(line, []).append(g)
        out.append((title, [(line, list(reversed(gl))) for line, gl in lines.items()]))
    return out


def default_target(guideline: Guideline, target: str | None) -> str:
    if target:
        guideline.target(target)  # raises UnknownTarget with the known ones
        return target
    return "platform" if "platform" in guideline.targets else next(iter(guideline.targets))


@router.get("/guidelines", response_class=HTMLResponse, name="web.guidelines")
def guideline_list(request: Request, gs: GuidelinesDep, format: str | None = None) -> Response:
    """``?format=json|csv``: one row per guideline, as listed."""
    fmt = downloads.wanted(format)
    if fmt != "html":
        rows = [
            {
                "id": g.id,
                "kind": g.kind,
                "status": g.status,
                "schema": g.schema,
                "targets": " ".join(g.targets),
                "capabilities": len(g.capabilities),
                "releases": " ".join(g.releases),
            }
            for _, groups in programs(gs)
            for _, members in groups
            for g in members
        ]
        columns = ("id", "kind", "status", "schema", "targets", "capabilities", "releases")
        download = downloads.answer(fmt, "guidelines", rows, downloads.dict_rows(rows, columns))
        assert download is not None
        return download
    return render_once(
        request,
        "guidelines/list.html",
        gs,
        lambda: {
            "title": "Guidelines",
            "programs": programs(gs),
            "latest": gs.latest_approved(),
            "issues": gs.issues,
        },
    )


@router.get("/guidelines/diff", response_class=HTMLResponse, name="web.guidelines.diff")
def guideline_diff(
    request: Request,
    gs: GuidelinesDep,
    old: Annotated[str | None, Query(alias="from")] = None,
    new: Annotated[str | None, Query(alias="to")] = None,
    format: str | None = None,
) -> Response:
    """What changed from ``from`` to ``to`` (default: the latest approved and the one before);
    ``?format=json``: the diff (as ``/v2/guidelines/{a}/diff/{b}``), ``csv``: its counts."""
    fmt = downloads.wanted(format)
    if fmt == "html":
        return render_once(request, "guidelines/diff.html", gs, lambda: _diff(gs, old, new))
    older, newer = _pair(gs, old, new)
    diff = diff_guidelines(older, newer)
    rows: list[list[Any]] = [["change", "count"], *([k, n] for k, n in diff.counts().items())]
    download = downloads.answer(fmt, f"diff-{older.id}-{newer.id}", diff.to_dict(), rows)
    assert download is not None
    return download


def _pair(gs: GuidelineSet, old: str | None, new: str | None) -> tuple[Guideline, Guideline]:
    newer = gs[new] if new else (gs.latest_approved() or next(iter(gs.values())))
    older = gs[old] if old else gs.previous(newer)
    if older is None:
        raise InvalidInput(f"Guideline {newer.id} has no previous guideline: choose one to compare")
    return older, newer


def _diff(gs: GuidelineSet, old: str | None, new: str | None) -> dict[str, Any]:
    older, newer = _pair(gs, old, new)
    diff = diff_guidelines(older, newer)
    targets = [t for t in newer.targets if t in older.targets]
    return {
        "title": f"{older.id} → {newer.id}",
        "diff": diff,
        "old": older,
        "new": newer,
        "all": list(gs.values()),
        "transitions": [(t, diff.transitions(t)) for t in targets],
        "size_rows": [
            {"label": k.replace("_", " "), "value": n, "text": str(n), "ok": "removed" not in k}
            for k, n in diff.counts().items()
            if n
        ],
        "names": CRITERIA_NAMES,
    }


@router.get("/guidelines/{gid}", response_class=HTMLResponse, name="web.guideline")
def guideline_page(
    request: Request,
    gid: str,
    gs: GuidelinesDep,
    target: str | None = None,
    status: Annotated[list[str] | None, Query()] = None,
) -> Response:
    guideline = gs[gid]
    chosen = None if target == "all" else default_target(guideline, target)
    statuses = [s for s in (status or STATUSES) if s in STATUSES] or list(STATUSES)
    return render_once(
        request,
        "guidelines/matrix.html",
        gs,
        lambda: {
            "title": f"Guideline {guideline.id}",
            "g": guideline,
            "target": chosen,
            "statuses": statuses,
            "all_statuses": STATUSES,
            "matrix": build_matrix(guideline, chosen, statuses),
            "previous": gs.previous(guideline),
        },
    )


def _test_lines(
    guideline: Guideline, target: str, types: list[str] | None, alias: bool, flag: bool
) -> list[str]:
    return guideline.test_list(target, types or None, alias=alias, flag=flag)


@router.get("/guidelines/{gid}/tests", response_class=HTMLResponse, name="web.guideline.tests")
def test_list_page(
    request: Request,
    gid: str,
    gs: GuidelinesDep,
    target: str | None = None,
    type: Annotated[list[str] | None, Query()] = None,
    alias: bool = True,
    flag: bool = False,
) -> Response:
    guideline = gs[gid]
    chosen = default_target(guideline, target)
    types = [t for t in (type or ["required"]) if t in STATUSES]
    params = {
        "target": chosen,
        "type": ",".join(types),
        "alias": str(alias).lower(),
        "flag": str(flag).lower(),
    }
    query = "&".join(f"{k}={v}" for k, v in params.items())
    return render_once(
        request,
        "guidelines/tests.html",
        gs,
        lambda: {
            "title": f"Test list: {guideline.id} {chosen}",
            "g": guideline,
            "target": chosen,
            "types": types,
            "all_statuses": STATUSES,
            "alias": alias,
            "flag": flag,
            "lines": _test_lines(guideline, chosen, types, alias, flag),
            "download": f"/guidelines/{guideline.id}/tests.txt?{query}",
            "refstack_url": f"/v1/guidelines/{guideline.id}.json/tests?{query}",
        },
    )


@router.get(
    "/guidelines/{gid}/tests.txt", response_class=PlainTextResponse, name="web.guideline.tests_txt"
)
def test_list_text(
    gid: str,
    gs: GuidelinesDep,
    target: str | None = None,
    type: str | None = None,
    alias: bool = True,
    flag: bool = True,
) -> PlainTextResponse:
    """The list as a file (one ``name[id-...]`` a line), as ``refcore test``/tempest take it."""
    guideline = gs[gid]
    chosen = default_target(guideline, target)
    types = [t for t in (type or "").split(",") if t in STATUSES] or None
    body = "\n".join(_test_lines(guideline, chosen, types, alias, flag)) + "\n"
    name = f"{guideline.id}-{chosen}-test-list.txt"
    return PlainTextResponse(
        body, headers={"Content-Disposition": f'attachment; filename="{name}"'}
    )


@router.get(
    "/guidelines/{gid}/sections", response_class=HTMLResponse, name="web.guideline.sections"
)
def sections_page(
    request: Request, gid: str, gs: GuidelinesDep, target: str | None = None
) -> Response:
    guideline = gs[gid]
    chosen = default_target(guideline, target)
    return render_once(
        request,
        "guidelines/sections.html",
        gs,
        lambda: {
            "title": f"Designated sections: {guideline.id}",
            "g": guideline,
            "target": chosen,
            "projects": [(p, guideline.sections_for(p)) for p in section_projects(guideline)],
            "requirements": program_projects(guideline, chosen),
        },
    )
