"""Registered clouds' pages (continuous compliance): a vendor's clouds, the registration
form, one cloud with its jobs, its edit form and deletion. The same service calls as
``/v2/clouds``; the credentials are never put in a page (the form's credentials field starts
empty: leaving it empty keeps them)."""

from __future__ import annotations

from typing import Annotated, Any

import yaml
from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from refcore.server.deps import (
    CsrfDep,
    GuidelinesDep,
    SessionDep,
    SettingsDep,
    UserDep,
    VaultDep,
)
from refcore.server.rendering import flash, render
from refcore.server.routing import Route
from refcore.services import clouds, jobs

router = APIRouter(route_class=Route)
CSRF = [CsrfDep]

#: what the registration form starts with
EXAMPLE_CREDENTIALS = """auth:
  auth_url: https://keystone.example.org/v3
  username: interop-tester
  password:
  project_name: interop
  user_domain_name: Default
  project_domain_name: Default
region_name: RegionOne
"""


def _tests_text(tests: list[dict[str, str]]) -> str:
    return "\n".join(f"{t['guideline']} {t['target']}" for t in tests)


def _form(name: str, credentials: str, tests: str, schedule: str, enabled: bool) -> dict[str, Any]:
    body: dict[str, Any] = {"name": name, "tests": tests, "schedule": schedule, "enabled": enabled}
    if credentials.strip():
        try:
            body["credentials"] = yaml.safe_load(credentials)
        except yaml.YAMLError:
            body["credentials"] = credentials  # the service words the error
    return body


@router.get("/clouds", response_class=HTMLResponse, name="web.clouds")
def clouds_page(request: Request, session: SessionDep, actor: UserDep) -> HTMLResponse:
    return render(
        request,
        "clouds/list.html",
        {"title": "Registered clouds", "clouds": clouds.list_clouds(session, actor)},
    )


@router.get("/clouds/new", response_class=HTMLResponse, name="web.clouds.new")
def new_cloud(request: Request, session: SessionDep, actor: UserDep) -> HTMLResponse:
    return render(
        request,
        "clouds/new.html",
        {
            "title": "Register a cloud",
            "versions": clouds.registrable_versions(session, actor),
            "credentials": EXAMPLE_CREDENTIALS,
        },
    )


@router.post("/clouds/new", dependencies=CSRF, name="web.clouds.create")
def create_cloud(
    request: Request,
    session: SessionDep,
    actor: UserDep,
    vault: VaultDep,
    gs: GuidelinesDep,
    product_version_id: Annotated[str, Form()],
    name: Annotated[str, Form(max_length=200)],
    credentials: Annotated[str, Form(max_length=20_000)],
    tests: Annotated[str, Form(max_length=4000)],
    schedule: Annotated[str, Form(max_length=64)],
) -> RedirectResponse:
    body = _form(name, credentials, tests, schedule, True)
    made = clouds.register(
        session, actor, vault, gs, {**body, "product_version_id": product_version_id}
    )
    flash(request, f"Cloud {made['name']} registered: {made['schedule_text']}.", "success")
    return RedirectResponse(f"/clouds/{made['id']}", status_code=303)


@router.get("/clouds/{cloud_id}", response_class=HTMLResponse, name="web.cloud")
def cloud_page(
    request: Request, cloud_id: str, session: SessionDep, actor: UserDep
) -> HTMLResponse:
    cloud = clouds.get_cloud(session, actor, cloud_id)
    return render(
        request,
        "clouds/cloud.html",
        {
            "title": f"Cloud {cloud['name']}",
            "c": cloud,
            "tests_text": _tests_text(cloud["tests"]),
            "jobs": clouds.list_jobs(session, actor, cloud_id, limit=50),
        },
    )


@router.post("/clouds/{cloud_id}/edit", dependencies=CSRF, name="web.cloud.edit")
def edit_cloud(
    request: Request,
    cloud_id: str,
    session: SessionDep,
    actor: UserDep,
    vault: VaultDep,
    gs: GuidelinesDep,
    name: Annotated[str, Form(max_length=200)],
    tests: Annotated[str, Form(max_length=4000)],
    schedule: Annotated[str, Form(max_length=64)],
    credentials: Annotated[str, Form(max_length=20_000)] = "",
    enabled: Annotated[str, Form()] = "",
) -> RedirectResponse:
    body = _form(name, credentials, tests, schedule, enabled == "on")
    done = clouds.update_cloud(session, actor, vault, gs, cloud_id, body)
    what = "enabled" if done["enabled"] else "disabled: no scheduled runs"
    flash(request, f"Cloud {done['name']} saved ({what}).", "success")
    return RedirectResponse(f"/clouds/{cloud_id}", status_code=303)


@router.post("/clouds/{cloud_id}/delete", dependencies=CSRF, name="web.cloud.delete")
def delete_cloud(
    request: Request, cloud_id: str, session: SessionDep, actor: UserDep
) -> RedirectResponse:
    name = clouds.get_cloud(session, actor, cloud_id)["name"]
    clouds.delete_cloud(session, actor, cloud_id)
    flash(request, f"Cloud {name} deleted; its runs stay in your results.", "success")
    return RedirectResponse("/clouds", status_code=303)


@router.post("/clouds/{cloud_id}/run", dependencies=CSRF, name="web.cloud.run")
def run_now(
    request: Request, cloud_id: str, session: SessionDep, actor: UserDep, settings: SettingsDep
) -> RedirectResponse:
    made = jobs.request_runs(session, actor, cloud_id, None, max_attempts=settings.job_max_attempts)
    flash(
        request,
        f"{len(made)} job(s) queued; a worker starts within "
        f"{settings.scheduler_interval_seconds:g} s when the scheduler runs.",
        "success",
    )
    return RedirectResponse(f"/clouds/{cloud_id}", status_code=303)


@router.get("/clouds/{cloud_id}/jobs/{job_id}", response_class=HTMLResponse, name="web.cloud.job")
def job_page(
    request: Request, cloud_id: str, job_id: str, session: SessionDep, actor: UserDep
) -> HTMLResponse:
    cloud = clouds.get_cloud(session, actor, cloud_id)
    job = jobs.get_job(session, actor, cloud_id, job_id)
    return render(
        request,
        "clouds/job.html",
        {
            "title": f"Job {job['guideline']} {job['target']} of {cloud['name']}",
            "c": cloud,
            "j": job,
        },
    )
