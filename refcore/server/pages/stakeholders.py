"""Stakeholder pages: who works on the code behind each capability, who directs them, who is
not in the room; registering a team, confirming membership, initiatives, a draft's impact
and the Foundation's mappings. The same service calls as ``/v2/stakeholders``."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from refcore.core.sections import capability_project
from refcore.errors import InvalidInput
from refcore.server.deps import ActorDep, CsrfDep, GuidelinesDep, SessionDep, SettingsDep, UserDep
from refcore.server.rendering import flash, render
from refcore.server.routing import Route
from refcore.services import draft_impact, stakeholder_map
from refcore.services import stakeholders as teams

router = APIRouter(route_class=Route)

Text = Annotated[str, Form(max_length=4000)]


def _capabilities(gs: Any) -> dict[str, list[str]]:
    """project -> capabilities of the latest approved guideline (the map's index)."""
    latest = gs.latest_approved()
    out: dict[str, list[str]] = {}
    for name, cap in sorted(latest.capabilities.items()) if latest else ():
        out.setdefault(capability_project(cap) or "other", []).append(name)
    return dict(sorted(out.items()))


@router.get("/stakeholders", response_class=HTMLResponse, name="web.stakeholders")
def index(
    request: Request, session: SessionDep, actor: ActorDep, gs: GuidelinesDep
) -> HTMLResponse:
    mine = teams.contributor_id(session, actor)
    all_teams = teams.list_teams(session, actor)
    return render(
        request,
        "stakeholders/index.html",
        {
            "title": "Stakeholders",
            "capabilities": _capabilities(gs),
            "teams": all_teams,
            "mine": [t for t in all_teams if t["yours"]],
            "listing_me": [t for t in all_teams if t["lists_you"]],
            "contributor": mine,
            "roles": teams.ROLES,
            "initiatives": teams.initiatives(session, actor),
        },
    )


@router.get("/stakeholders/map", response_class=HTMLResponse, name="web.stakeholder_map")
def map_page(
    request: Request,
    session: SessionDep,
    actor: ActorDep,
    gs: GuidelinesDep,
    settings: SettingsDep,
    capability: Annotated[str | None, Query(max_length=128)] = None,
    project: Annotated[str | None, Query(max_length=64)] = None,
    section: Annotated[str | None, Query(max_length=128)] = None,
    since: Annotated[str | None, Query(max_length=10)] = None,
    until: Annotated[str | None, Query(max_length=10)] = None,
) -> HTMLResponse:
    body = stakeholder_map.stakeholder_map(
        session, actor, gs, settings.contrib, capability=capability or None,
        project=project or None, section=section or None, since=since or None,
        until=until or None,
    )  # fmt: skip
    subject = body["subject"]
    label = (
        f"section {subject['name']} of {subject['project']}"
        if subject["kind"] == "section"
        else subject["name"]
    )
    return render(
        request,
        "stakeholders/map.html",
        {
            "title": f"Who works on {label}",
            "label": label,
            "m": body,
            "mine": teams.my_teams(session, actor),
        },
    )


def _areas(capabilities: str, sections: str, projects: str) -> list[dict[str, str]]:
    areas: list[dict[str, str]] = []
    for line in capabilities.split():
        areas.append({"kind": "capability", "name": line})
    for line in sections.splitlines():
        if not line.strip():
            continue
        project, sep, name = line.partition(":")
        if not sep:
            raise InvalidInput(
                f"Write a section as PROJECT: SECTION (e.g. swift: slo), not {line!r}"
            )
        areas.append({"kind": "section", "project": project.strip(), "name": name.strip()})
    for name in projects.replace(",", " ").split():
        areas.append({"kind": "project", "project": name})
    return areas


@router.post("/stakeholders/teams", dependencies=[CsrfDep])
def register(
    request: Request,
    session: SessionDep,
    actor: UserDep,
    gs: GuidelinesDep,
    organisation: Annotated[str, Form(max_length=200)],
    name: Annotated[str, Form(max_length=200)],
    role: Annotated[str, Form(max_length=32)],
    capabilities: Text = "",
    sections: Text = "",
    projects: Text = "",
    contributors: Text = "",
    contact: Annotated[str, Form(max_length=255)] = "",
) -> RedirectResponse:
    team = teams.register_team(
        session, actor, gs, organisation=organisation, name=name, role=role,
        areas=_areas(capabilities, sections, projects),
        contributors=contributors.replace(",", " ").split(), contact=contact or None,
    )  # fmt: skip
    flash(request, f"Registered {team['name']} at {team['organisation']}.", "success")
    return RedirectResponse("/stakeholders#mine", status_code=303)


@router.post("/stakeholders/teams/{team_id}/confirm", dependencies=[CsrfDep])
def confirm(
    request: Request, team_id: int, session: SessionDep, actor: UserDep
) -> RedirectResponse:
    team = teams.confirm(session, actor, team_id)
    flash(request, f"You confirmed you are on {team['name']} ({team['organisation']}).", "success")
    return RedirectResponse("/stakeholders#listed", status_code=303)


@router.post("/stakeholders/teams/{team_id}/leave", dependencies=[CsrfDep])
def leave(request: Request, team_id: int, session: SessionDep, actor: UserDep) -> RedirectResponse:
    teams.leave(session, actor, team_id)
    flash(request, "You are no longer listed on that team.", "success")
    return RedirectResponse("/stakeholders#listed", status_code=303)


@router.post("/stakeholders/teams/{team_id}/delete", dependencies=[CsrfDep])
def delete(request: Request, team_id: int, session: SessionDep, actor: UserDep) -> RedirectResponse:
    teams.delete_team(session, actor, team_id)
    flash(request, "Team deleted.", "success")
    return RedirectResponse("/stakeholders#mine", status_code=303)


def _back(kind: str, subject: str, project: str | None) -> str:
    from urllib.parse import urlencode

    if kind == "section":
        return "/stakeholders/map?" + urlencode({"project": project or "", "section": subject})
    return "/stakeholders/map?" + urlencode({"capability": subject})


@router.post("/stakeholders/initiatives", dependencies=[CsrfDep])
def open_initiative(
    request: Request,
    session: SessionDep,
    actor: UserDep,
    gs: GuidelinesDep,
    team_id: Annotated[int, Form()],
    kind: Annotated[str, Form(max_length=16)],
    subject: Annotated[str, Form(max_length=128)],
    title: Annotated[str, Form(max_length=400)],
    project: Annotated[str, Form(max_length=64)] = "",
    description: Text = "",
) -> RedirectResponse:
    item = teams.open_initiative(
        session, actor, gs, team_id=team_id, kind=kind, subject=subject, title=title,
        project=project or None, description=description or None,
    )  # fmt: skip
    flash(request, f"Initiative opened: {item['title']}.", "success")
    return RedirectResponse(
        _back(item["kind"], item["subject"], item["project"]) + f"#initiative-{item['id']}",
        status_code=303,
    )


@router.post("/stakeholders/initiatives/{initiative_id}/commit", dependencies=[CsrfDep])
def commit(
    request: Request,
    initiative_id: int,
    session: SessionDep,
    actor: UserDep,
    team_id: Annotated[int, Form()],
    headcount: Annotated[int, Form()] = 0,
    review_hours: Annotated[int, Form()] = 0,
    note: Text = "",
) -> RedirectResponse:
    item = teams.commit(
        session, actor, initiative_id, team_id=team_id, headcount=headcount,
        review_hours=review_hours, note=note or None,
    )  # fmt: skip
    flash(request, f"Your team's commitment to “{item['title']}” is recorded.", "success")
    return RedirectResponse(
        _back(item["kind"], item["subject"], item["project"]) + f"#initiative-{item['id']}",
        status_code=303,
    )


@router.get("/stakeholders/impact/{draft}", response_class=HTMLResponse, name="web.impact")
def impact_page(
    request: Request,
    draft: str,
    session: SessionDep,
    actor: ActorDep,
    gs: GuidelinesDep,
    settings: SettingsDep,
) -> HTMLResponse:
    body = draft_impact.impact(session, actor, gs, settings.contrib, draft)
    sent = draft_impact.notices(session, actor, draft) if actor.is_foundation else None
    return render(
        request,
        "stakeholders/impact.html",
        {"title": f"Who needs to hear about {body['draft']}", "i": body, "sent": sent},
    )


@router.get("/stakeholders/mappings", response_class=HTMLResponse, name="web.mappings")
def mappings(request: Request, session: SessionDep, actor: ActorDep) -> HTMLResponse:
    aff = teams.affiliation(session)
    return render(
        request,
        "stakeholders/mappings.html",
        {
            "title": "Affiliation and code mappings",
            "organisations": sorted(aff.organisations.items()),
            "free_mail": sorted(aff.free_mail),
            "sections": sorted(teams.section_mapping(session).items()),
            "editable": actor.is_foundation,
        },
    )


@router.post("/stakeholders/mappings/domains", dependencies=[CsrfDep])
def set_domain(
    request: Request,
    session: SessionDep,
    actor: UserDep,
    domain: Annotated[str, Form(max_length=255)],
    kind: Annotated[str, Form(max_length=16)],
    organisation: Annotated[str, Form(max_length=200)] = "",
) -> RedirectResponse:
    done = teams.set_domain(session, actor, domain, kind, organisation or None)
    flash(request, f"{done['domain']} is now {done['organisation'] or done['kind']}.", "success")
    return RedirectResponse("/stakeholders/mappings", status_code=303)


@router.post("/stakeholders/mappings/sections", dependencies=[CsrfDep])
def set_section(
    request: Request,
    session: SessionDep,
    actor: UserDep,
    gs: GuidelinesDep,
    project: Annotated[str, Form(max_length=64)],
    section: Annotated[str, Form(max_length=128)],
    patterns: Text = "",
) -> RedirectResponse:
    done = teams.set_section_paths(session, actor, gs, project, section, patterns.splitlines())
    flash(request, f"Paths of {done['section']} ({done['project']}) saved.", "success")
    return RedirectResponse(f"/stakeholders/mappings#{done['project']}", status_code=303)
