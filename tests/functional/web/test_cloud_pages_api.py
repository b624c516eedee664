"""Registered clouds (issue 18, slice 1) through the real app on both databases: a vendor's
admin registers, lists, edits, disables and deletes a cloud by the v2 API and by the pages;
anyone else gets 404 (the Foundation too), anonymous callers 401; cookie changes need the
CSRF token; bad input is a specific 400/409. The credentials are stored encrypted (the
column holds a Fernet token that the server's key opens), shown back masked, and the
password appears in no answer, page or audit event."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from refcore_testing import _fresh_database
from sqlalchemy import select, text, update
from web_client import WebApp

KEY = "m0Y4Wq0ZkYw1H2C3l5oQ9m1Zt0u5Ue1w4d1Q7d6l5s8="  # a fixed Fernet key for the tests
PASSWORD = "Zq-very-secret-0x51"
USERNAME = "interop-tester-7"


def entry(password: str = PASSWORD, url: str = "http://127.0.0.1:5000/v3") -> dict[str, Any]:
    return {
        "auth": {
            "auth_url": url,
            "username": USERNAME,
            "password": password,
            "project_name": "interop",
            "user_domain_name": "Default",
            "project_domain_name": "Default",
        },
        "region_name": "RegionOne",
    }


@pytest.fixture(scope="module")
def app(
    guidelines: Any, db_kind: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[WebApp]:
    from refcore.config import Settings
    from refcore.server.app import create_app
    from refcore.services.guidelines import FixedSource
    from refcore.storage.db import Database
    from refcore.storage.migrate import upgrade

    url, cleanup = _fresh_database(db_kind, "clouds", tmp_path_factory)
    settings = Settings(
        database_url=url, dev_login=True, secret_key="test-secret", credentials_keys=[KEY]
    )
    db = Database.from_url(settings.database_url)
    upgrade(db.engine)
    web = WebApp(create_app(settings, db=db, guidelines=FixedSource(guidelines)), db)
    yield web
    web.close_visitors()
    db.dispose()
    cleanup()


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def version_of(client: Any, token: str, name: str) -> str:
    r = client.post(
        "/v1/products",
        json={"name": name, "product_type": 1, "version": "1.0"},
        headers=bearer(token),
    )
    assert r.status_code == 201, r.text
    versions = client.get(f"/v1/products/{r.json()['id']}/versions", headers=bearer(token)).json()
    return str(next(v["id"] for v in versions if v["version"] == "1.0"))


def no_secret(body: str) -> None:
    assert PASSWORD not in body and USERNAME not in body


def test_register_list_edit_disable_delete_by_the_api(app: WebApp) -> None:
    client = app.visitor()
    tag = uuid.uuid4().hex[:6]
    _, vendor = app.user(f"vendor-{tag}")
    _, stranger = app.user(f"stranger-{tag}")
    _, foundation = app.user(f"found-{tag}", foundation=True)
    version = version_of(client, vendor, f"Swift Cloud {tag}")
    body = {
        "product_version_id": version,
        "name": "production",
        "credentials": entry(),
        "tests": [{"guideline": "2020.06", "target": "storage"}],
        "schedule": "daily 03:00",
    }
    assert client.post("/v2/clouds", json=body).status_code == 401
    # a version of someone else's product: as if it did not exist
    r = client.post("/v2/clouds", json=body, headers=bearer(stranger))
    assert r.status_code == 404 and "not found among your vendors' products" in r.json()["error"]
    r = client.post("/v2/clouds", json=body, headers=bearer(vendor))
    assert r.status_code == 201, r.text
    no_secret(r.text)
    cloud = r.json()
    assert cloud["credentials"]["auth"]["password"] == "********"
    assert cloud["credentials"]["auth"]["username"] == "in…"
    assert cloud["auth_url"] == "http://127.0.0.1:5000/v3"
    assert cloud["tests"] == [{"guideline": "2020.06", "target": "object"}]
    assert cloud["schedule"] == "daily 03:00" and cloud["schedule_text"] == "every day at 03:00 UTC"
    assert cloud["enabled"] is True and cloud["next_run_at"].endswith("T03:00:00Z")
    assert cloud["last_job"] is None
    cid = cloud["id"]

    # the same name twice for one version: 409
    r = client.post("/v2/clouds", json=body, headers=bearer(vendor))
    assert r.status_code == 409 and "already has a cloud named 'production'" in r.json()["error"]

    listing = client.get("/v2/clouds", headers=bearer(vendor)).json()
    assert [c["id"] for c in listing["clouds"]] == [cid] and listing["count"] == 1
    no_secret(json.dumps(listing))
    for who in (stranger, foundation):
        assert client.get("/v2/clouds", headers=bearer(who)).json()["count"] == 0
        for method, url in (
            ("GET", f"/v2/clouds/{cid}"),
            ("PATCH", f"/v2/clouds/{cid}"),
            ("DELETE", f"/v2/clouds/{cid}"),
            ("GET", f"/v2/clouds/{cid}/jobs"),
        ):
            r = client.request(method, url, json={"enabled": False}, headers=bearer(who))
            assert r.status_code == 404, (method, url, r.text)
    assert client.get(f"/v2/clouds/{cid}").status_code == 401

    # stored encrypted: the column is a Fernet token the server's key opens
    from cryptography.fernet import Fernet

    from refcore.storage.models import RegisteredCloud

    with app.db.read() as session:
        row = session.get(RegisteredCloud, cid)
        assert row is not None
        assert PASSWORD not in row.credentials and USERNAME not in row.credentials
        assert row.credentials.startswith("gAAAA")
        assert json.loads(Fernet(KEY).decrypt(row.credentials.encode())) == entry()
        assert PASSWORD not in row.credentials_mask

    # edit: disable (no next run), new credentials (new URL), a weekly schedule
    r = client.request(
        "PATCH", f"/v2/clouds/{cid}", json={"enabled": False}, headers=bearer(vendor)
    )
    assert r.status_code == 200 and r.json()["enabled"] is False and r.json()["next_run_at"] is None
    r = client.request(
        "PATCH",
        f"/v2/clouds/{cid}",
        json={
            "enabled": True,
            "schedule": "weekly sun 05:30",
            "credentials": entry("Another-pass-99", "https://keystone.example.org/v3"),
        },
        headers=bearer(vendor),
    )
    assert r.status_code == 200, r.text
    edited = r.json()
    assert edited["auth_url"] == "https://keystone.example.org/v3"
    assert edited["schedule_text"] == "every Sunday at 05:30 UTC"
    assert edited["next_run_at"].endswith("T05:30:00Z") and "Another-pass-99" not in r.text
    assert client.get(f"/v2/clouds/{cid}/jobs", headers=bearer(vendor)).json() == {
        "jobs": [],
        "count": 0,
    }

    # the audit log has each step, without the credentials
    events = client.get("/v2/audit", params={"object_type": "cloud"}, headers=bearer(vendor))
    assert events.status_code == 200, events.text
    assert [e["action"] for e in events.json() if e["object_id"] == cid][:3] == [
        "update",
        "update",
        "register",
    ]
    assert PASSWORD not in events.text and "Another-pass-99" not in events.text

    # a run the cloud produced stays when the cloud goes, unlinked
    run_id = str(uuid.uuid4())
    with app.db.write() as session:
        session.execute(
            text(
                "INSERT INTO runs (id, created_at, shared, listed, verification_status, api, "
                "format, test_count, passed_count, failed_count, skipped_count, signed, "
                "registered_cloud_id) VALUES (:id, CURRENT_TIMESTAMP, false, false, 0, 'v2', "
                "'subunit', 0, 0, 0, 0, false, :cloud)"
            ),
            {"id": run_id, "cloud": cid},
        )
        session.commit()
    r = client.request("DELETE", f"/v2/clouds/{cid}", headers=bearer(vendor))
    assert r.status_code == 204
    assert client.get(f"/v2/clouds/{cid}", headers=bearer(vendor)).status_code == 404
    from refcore.storage.models import Run

    with app.db.read() as session:
        assert session.scalar(select(Run.registered_cloud_id).where(Run.id == run_id)) is None


@pytest.mark.parametrize(
    ("change", "status", "words"),
    [
        ({"schedule": "hourly"}, 400, "'daily HH:MM', 'weekly <mon..sun> HH:MM' (UTC) or 'manual'"),
        ({"tests": [{"guideline": "2020.06", "target": "dns"}]}, 400, "has no target 'dns'"),
        ({"tests": []}, 400, "at least one guideline and target"),
        (
            {"credentials": {"auth": {"auth_url": "http://k/v3", "password": PASSWORD}}},
            400,
            "auth.username: required",
        ),
        ({"name": ""}, 400, "name: required"),
        ({"name": "x" * 81}, 400, "name: at most 80 characters"),
        ({"colour": "blue"}, 400, "Unknown fields: colour"),
        ({"enabled": "yes"}, 400, "enabled: true or false"),
        ({"options": {"concurrency": 100}}, 400, "options.concurrency: between 0 and 64"),
        ({"product_version_id": None}, 400, "product_version_id: required"),
    ],
)
def test_bad_registrations_say_what_is_wrong(
    app: WebApp, change: dict[str, Any], status: int, words: str
) -> None:
    client = app.visitor()
    _, vendor = app.user("bad")
    version = version_of(client, vendor, f"Bad {uuid.uuid4().hex[:6]}")
    body = {
        "product_version_id": version,
        "name": "prod",
        "credentials": entry(),
        "tests": "2020.06 object",
        "schedule": "manual",
        **change,
    }
    r = client.post("/v2/clouds", json=body, headers=bearer(vendor))
    assert r.status_code == status, r.text
    answer = r.json()
    assert words in answer["error"] + " ".join(answer.get("errors") or [])
    assert PASSWORD not in r.text


def test_the_pages_register_show_masked_edit_and_delete(app: WebApp) -> None:
    browser = app.visitor()
    name, _ = app.user("pages")
    browser.login(name)
    token_client = app.visitor()
    from refcore.services import accounts
    from refcore.storage.models import User

    with app.db.read() as session:
        user = session.scalar(select(User).where(User.openid == name))
        assert user is not None
        token = accounts.create_token(session, user)
    version = version_of(token_client, token, f"Paged {uuid.uuid4().hex[:6]}")

    page = browser.get("/clouds")
    assert page.status_code == 200 and "No cloud registered yet." in page.text
    assert 'href="/clouds"' in page.text  # in the navigation
    form = browser.get("/clouds/new")
    assert form.status_code == 200 and version in form.text
    credentials = (
        "auth:\n  auth_url: http://127.0.0.1:5000/v3\n"
        f"  username: {USERNAME}\n  password: {PASSWORD}\n  project_name: interop\n"
        "  user_domain_name: Default\n  project_domain_name: Default\n"
    )
    data = {
        "product_version_id": version,
        "name": "lab",
        "credentials": credentials,
        "tests": "2020.06 object",
        "schedule": "weekly mon 04:00",
    }
    # a cookie change without the CSRF token changes nothing
    assert browser.post("/clouds/new", data=data).status_code == 403
    assert "No cloud registered yet." in browser.get("/clouds").text
    r = browser.submit("/clouds/new", data, page="/clouds/new")
    assert r.status_code == 303, r.text
    url = r.headers["location"]
    shown = browser.get(url)
    assert shown.status_code == 200
    no_secret(shown.text)
    assert "every Monday at 04:00 UTC" in shown.text and "********" in shown.text
    assert "No job yet." in shown.text
    assert "lab" in browser.get("/clouds").text
    # the edit form starts without credentials; saving it empty keeps them
    r = browser.submit(
        f"{url}/edit",
        {"name": "lab-2", "tests": "2020.06 object\n2020.06 platform", "schedule": "manual"},
        page=url,
    )
    assert r.status_code == 303, r.text
    shown = browser.get(url).text
    assert "lab-2" in shown and "on demand only" in shown and "disabled" in shown
    cid = url.rsplit("/", 1)[1]
    with app.db.read() as session:
        from refcore.storage.models import RegisteredCloud

        row = session.get(RegisteredCloud, cid)
        assert (
            row is not None
            and json.loads(Fernet_open(row.credentials))["auth"]["password"] == PASSWORD
        )

    # a bad form answers with the page's words, nothing stored
    r = browser.submit("/clouds/new", {**data, "schedule": "every day"}, page="/clouds/new")
    assert r.status_code == 400 and "weekly &lt;mon..sun&gt; HH:MM" in r.text

    # others: 404 on the page and on its forms
    other = app.visitor()
    other_name, _ = app.user("other")
    other.login(other_name)
    assert other.get(url).status_code == 404
    assert other.submit(f"{url}/delete", {}, page="/clouds").status_code == 404
    assert app.visitor().get(url).status_code == 401

    r = browser.submit(f"{url}/delete", {}, page=url)
    assert r.status_code == 303 and r.headers["location"] == "/clouds"
    assert browser.get(url).status_code == 404
    assert "No cloud registered yet." in browser.get("/clouds").text


def Fernet_open(token: str) -> bytes:
    from cryptography.fernet import Fernet

    return Fernet(KEY).decrypt(token.encode())


def test_on_demand_runs_are_queued_once_and_shown(app: WebApp) -> None:
    client = app.visitor()
    tag = uuid.uuid4().hex[:6]
    name, vendor = app.user(f"ondemand-{tag}")
    _, stranger = app.user(f"nosy-{tag}")
    version = version_of(client, vendor, f"Demand {tag}")
    r = client.post(
        "/v2/clouds",
        json={
            "product_version_id": version,
            "name": "lab",
            "credentials": entry(),
            "tests": "2020.06 object\n2020.06 platform",
            "schedule": "manual",
        },
        headers=bearer(vendor),
    )
    assert r.status_code == 201, r.text
    cid = r.json()["id"]
    assert r.json()["next_run_at"] is None  # manual: never scheduled
    url = f"/v2/clouds/{cid}/runs"
    assert client.post(url, json={}, headers=bearer(stranger)).status_code == 404
    r = client.post(url, json={"guideline": "2020.06", "target": "object"}, headers=bearer(vendor))
    assert r.status_code == 202, r.text
    (job,) = r.json()["jobs"]
    assert job["state"] == "queued" and job["trigger"] == "manual" and job["attempt"] == 0
    again = client.post(url, json={}, headers=bearer(vendor))
    assert again.status_code == 409
    assert again.json()["error"] == "Already queued or running for this cloud: 2020.06 object"
    r = client.post(url, json={"guideline": "2020.06", "target": "dns"}, headers=bearer(vendor))
    assert (
        r.status_code == 400 and "it tests: 2020.06 object, 2020.06 platform" in r.json()["error"]
    )
    listed = client.get(f"/v2/clouds/{cid}/jobs", headers=bearer(vendor)).json()
    assert [j["id"] for j in listed["jobs"]] == [job["id"]]
    one = client.get(f"/v2/clouds/{cid}/jobs/{job['id']}", headers=bearer(vendor))
    assert one.status_code == 200 and one.json()["log"] == ""
    assert (
        client.get(f"/v2/clouds/{cid}/jobs/{job['id']}", headers=bearer(stranger)).status_code
        == 404
    )
    assert (
        client.get(f"/v2/clouds/{cid}", headers=bearer(vendor)).json()["last_job"]["id"]
        == job["id"]
    )

    # the page's button queues the rest; the job's page shows it
    browser = app.visitor()
    browser.login(name)
    page = f"/clouds/{cid}"
    assert browser.post(f"{page}/run", data={}).status_code == 403  # no CSRF token
    r = browser.submit(f"{page}/run", {}, page=page)
    assert r.status_code == 409 and "Already queued or running" in r.text  # object waits
    from refcore.storage.models import CloudJob

    with app.db.write() as session:  # as if a worker had run it
        session.execute(update(CloudJob).where(CloudJob.id == job["id"]).values(state="passed"))
    r = browser.submit(f"{page}/run", {}, page=page)
    assert r.status_code == 303
    assert "2 job(s) queued" in browser.get(page).text
    shown = browser.get(f"{page}/jobs/{job['id']}")
    assert shown.status_code == 200 and "passed" in shown.text and "No output yet." in shown.text
    no_secret(shown.text)
