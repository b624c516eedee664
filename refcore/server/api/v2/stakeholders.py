"""refcore v2 ``/v2/stakeholders``: contributions by organisation, the stakeholder map, teams
registered by managers, initiatives and commitments, the Foundation's mappings, and the
impact of a draft. See :mod:`refcore.services.stakeholders`,
:mod:`refcore.services.stakeholder_map` and :mod:`refcore.services.draft_impact`."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Path, Query, Response

from refcore.server.api.schemas import ErrorBody
from refcore.server.deps import ActorDep, GuidelinesDep, SessionDep, SettingsDep
from refcore.server.routing import Route
from refcore.services import draft_impact, stakeholder_map
from refcore.services import stakeholders as teams

#: a row id (32-bit on every database): larger ones are a 400, not an overflow
RowId = Annotated[int, Path(ge=1, le=2**31 - 1)]

router = APIRouter(
    prefix="/v2/stakeholders",
    tags=["v2 stakeholders"],
    responses={
        400: {"model": ErrorBody},
        401: {"model": ErrorBody},
        403: {"model": ErrorBody},
        404: {"model": ErrorBody},
        409: {"model": ErrorBody},
        422: {"model": ErrorBody},
    },
    route_class=Route,
)

Day = Annotated[str | None, Query(description="YYYY-MM-DD, included", max_length=10)]


@router.get("/contributions")
def contributions(
    session: SessionDep,
    gs: GuidelinesDep,
    settings: SettingsDep,
    project: Annotated[str | None, Query(max_length=64)] = None,
    capability: Annotated[str | None, Query(max_length=128)] = None,
    section: Annotated[str | None, Query(max_length=128)] = None,
    since: Day = None,
    until: Day = None,
    by: Annotated[str, Query(description="organisation or domain")] = "organisation",
) -> dict[str, Any]:
    """Commits and distinct authors per organisation (or raw domain), most commits first;
    free-mail and unmapped domains are rows of their own."""
    return stakeholder_map.contributions(
        session, gs, settings.contrib, project=project, capability=capability,
        section=section, since=since, until=until, by=by,
    ).to_dict()  # fmt: skip


@router.get("/map")
def stakeholder_map_(
    session: SessionDep,
    actor: ActorDep,
    gs: GuidelinesDep,
    settings: SettingsDep,
    capability: Annotated[str | None, Query(max_length=128)] = None,
    project: Annotated[str | None, Query(max_length=64)] = None,
    section: Annotated[str | None, Query(max_length=128)] = None,
    since: Day = None,
    until: Day = None,
) -> dict[str, Any]:
    """Per capability (or project, or section): organisations and shares, registered teams,
    governance leaders and liaisons, who is not in the room, initiatives."""
    return stakeholder_map.stakeholder_map(
        session, actor, gs, settings.contrib, capability=capability, project=project,
        section=section, since=since, until=until,
    )  # fmt: skip


@router.get("/me")
def me(session: SessionDep, actor: ActorDep) -> dict[str, Any]:
    """Your contributor id (from your account's e-mail) and the teams listing it."""
    actor.require_login()
    mine = teams.contributor_id(session, actor)
    listed = [t for t in teams.list_teams(session, actor) if t["lists_you"] or t["yours"]]
    return {"contributor": mine, "teams": listed}


@router.get("/teams")
def list_teams(session: SessionDep, actor: ActorDep) -> list[dict[str, Any]]:
    return teams.list_teams(session, actor)


@router.post("/teams", status_code=201)
def register_team(
    session: SessionDep,
    actor: ActorDep,
    gs: GuidelinesDep,
    organisation: Annotated[str, Body(embed=True, max_length=200)],
    name: Annotated[str, Body(embed=True, max_length=200)],
    role: Annotated[str, Body(embed=True, description="manager or product-manager")],
    areas: Annotated[
        list[dict[str, str]],
        Body(
            embed=True,
            description='[{"kind": "capability", "name": "objectstore-slo-support"}, '
            '{"kind": "section", "project": "swift", "name": "slo"}, '
            '{"kind": "project", "project": "swift"}]',
        ),
    ],
    contributors: Annotated[list[str], Body(embed=True)] = [],  # noqa: B006
    contact: Annotated[str | None, Body(embed=True, max_length=255)] = None,
) -> dict[str, Any]:
    """Register a team you manage (logged-in members)."""
    return teams.register_team(
        session, actor, gs, organisation=organisation, name=name, role=role, areas=areas,
        contributors=contributors, contact=contact,
    )  # fmt: skip


@router.get("/teams/{team_id}")
def get_team(team_id: RowId, session: SessionDep, actor: ActorDep) -> dict[str, Any]:
    return teams.team(session, actor, team_id)


@router.delete("/teams/{team_id}", status_code=204)
def delete_team(team_id: RowId, session: SessionDep, actor: ActorDep) -> Response:
    teams.delete_team(session, actor, team_id)
    return Response(status_code=204)


@router.post("/teams/{team_id}/contributors")
def add_contributors(
    team_id: RowId,
    session: SessionDep,
    actor: ActorDep,
    contributors: Annotated[list[str], Body(embed=True)],
) -> dict[str, Any]:
    return teams.add_contributors(session, actor, team_id, contributors)


@router.put("/teams/{team_id}/membership")
def confirm(team_id: RowId, session: SessionDep, actor: ActorDep) -> dict[str, Any]:
    """Confirm you are on a team that lists your contributor id."""
    return teams.confirm(session, actor, team_id)


@router.delete("/teams/{team_id}/membership", status_code=204)
def leave(team_id: RowId, session: SessionDep, actor: ActorDep) -> Response:
    """Remove yourself from a team that lists your contributor id."""
    teams.leave(session, actor, team_id)
    return Response(status_code=204)


@router.get("/initiatives")
def initiatives(
    session: SessionDep,
    actor: ActorDep,
    project: Annotated[str | None, Query(max_length=64)] = None,
    subject: Annotated[str | None, Query(max_length=128)] = None,
) -> list[dict[str, Any]]:
    return teams.initiatives(session, actor, project=project, subject=subject)


@router.post("/initiatives", status_code=201)
def open_initiative(
    session: SessionDep,
    actor: ActorDep,
    gs: GuidelinesDep,
    team_id: Annotated[int, Body(embed=True, ge=1, le=2**31 - 1)],
    kind: Annotated[str, Body(embed=True, description="capability or section")],
    subject: Annotated[str, Body(embed=True, max_length=128)],
    title: Annotated[str, Body(embed=True, max_length=400)],
    project: Annotated[str | None, Body(embed=True, max_length=64)] = None,
    description: Annotated[str | None, Body(embed=True, max_length=8000)] = None,
) -> dict[str, Any]:
    """Open an initiative on a capability or section (as one of your teams)."""
    return teams.open_initiative(
        session, actor, gs, team_id=team_id, kind=kind, subject=subject, title=title,
        project=project, description=description,
    )  # fmt: skip


@router.get("/initiatives/{initiative_id}")
def get_initiative(initiative_id: RowId, session: SessionDep, actor: ActorDep) -> dict[str, Any]:
    return teams.initiatives(session, actor, initiative_id=initiative_id)[0]


@router.put("/initiatives/{initiative_id}/commitments/{team_id}")
def commit(
    initiative_id: RowId,
    team_id: RowId,
    session: SessionDep,
    actor: ActorDep,
    headcount: Annotated[int, Body(embed=True)] = 0,
    review_hours: Annotated[int, Body(embed=True, description="hours a week")] = 0,
    note: Annotated[str | None, Body(embed=True, max_length=2000)] = None,
) -> dict[str, Any]:
    """Join an initiative with one of your teams, or change what it commits."""
    return teams.commit(
        session, actor, initiative_id, team_id=team_id, headcount=headcount,
        review_hours=review_hours, note=note,
    )  # fmt: skip


@router.delete("/initiatives/{initiative_id}/commitments/{team_id}", status_code=204)
def withdraw(
    initiative_id: RowId, team_id: RowId, session: SessionDep, actor: ActorDep
) -> Response:
    teams.withdraw_commitment(session, actor, initiative_id, team_id)
    return Response(status_code=204)


@router.get("/mappings/domains")
def domains(session: SessionDep) -> dict[str, Any]:
    """The domain -> organisation mapping and the free-mail domains in force."""
    aff = teams.affiliation(session)
    return {
        "organisations": dict(sorted(aff.organisations.items())),
        "free_mail": sorted(aff.free_mail),
    }


@router.put("/mappings/domains/{domain}")
def set_domain(
    domain: str,
    session: SessionDep,
    actor: ActorDep,
    kind: Annotated[str, Body(embed=True, description="organisation, free-mail or unmapped")],
    organisation: Annotated[str | None, Body(embed=True, max_length=200)] = None,
) -> dict[str, Any]:
    """The Foundation maps a domain (or marks it free-mail, or unmapped)."""
    return teams.set_domain(session, actor, domain, kind, organisation)


@router.get("/mappings/sections")
def sections(session: SessionDep) -> dict[str, dict[str, list[str]]]:
    """Project -> designated section -> path patterns in force."""
    return {
        p: {s: list(v) for s, v in sorted(secs.items())}
        for p, secs in sorted(teams.section_mapping(session).items())
    }


@router.put("/mappings/sections/{project}/{section}")
def set_section(
    project: str,
    section: str,
    session: SessionDep,
    actor: ActorDep,
    gs: GuidelinesDep,
    patterns: Annotated[list[str], Body(embed=True)],
) -> dict[str, Any]:
    """The Foundation sets where a section's code lives (``dir/`` or an fnmatch glob)."""
    return teams.set_section_paths(session, actor, gs, project, section, patterns)


@router.delete("/mappings/sections/{project}/{section}", status_code=204)
def reset_section(project: str, section: str, session: SessionDep, actor: ActorDep) -> Response:
    teams.reset_section_paths(session, actor, project, section)
    return Response(status_code=204)


@router.get("/impact/{draft}")
def impact(
    draft: str,
    session: SessionDep,
    actor: ActorDep,
    gs: GuidelinesDep,
    settings: SettingsDep,
    base: Annotated[str | None, Query(max_length=64)] = None,
) -> dict[str, Any]:
    """A draft's changed capabilities and sections: affected products (stored runs you may
    see), organisations and registered teams behind each."""
    return draft_impact.impact(session, actor, gs, settings.contrib, draft, base=base)


@router.get("/notices/{draft}")
def notices(draft: str, session: SessionDep, actor: ActorDep) -> list[dict[str, Any]]:
    """The e-mails sent when the draft was published (the Foundation only)."""
    return draft_impact.notices(session, actor, draft)
