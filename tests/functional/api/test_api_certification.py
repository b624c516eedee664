"""Certification (issue 11) over real HTTP, both databases: a vendor requests Storage with
the real 58/58 storage run (../shared/samples/refstack-client/upload-body.json, the real
cloud's run) and a complete declaration, every pre-check passes, the Foundation approves,
the listing, CSV, JSON and the certificate show it; each way a request can fail stops at
its named pre-check; revocation and expiry (a second server on the same database with a
simulated clock) change the status at once; the audit log holds every step and refuses
changes; the seed's advisory cases go through the request flow with the seed's outcomes."""

from __future__ import annotations

import copy
import csv
import io
import json
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from refcore_testing import start_server, stop_server
from sqlalchemy import text

CASES = Path(__file__).resolve().parents[3] / "examples" / "advisory-cases"


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def checks(body: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {c["name"]: c for c in body["checks"]}


def product(http: httpx.Client, token: str, name: str, version: str, product_type: int = 1) -> str:
    """A product with one version; the version's id."""
    r = http.post(
        "/v1/products",
        json={"name": name, "product_type": product_type, "version": version},
        headers=bearer(token),
    )
    assert r.status_code == 201, r.text
    pid = r.json()["id"]
    versions = http.get(f"/v1/products/{pid}/versions", headers=bearer(token)).json()
    return next(v["id"] for v in versions if v["version"] == version)


def upload(http: httpx.Client, token: str, body: bytes) -> str:
    r = http.post(
        "/v2/runs",
        content=body,
        headers={**bearer(token), "Content-Type": "application/octet-stream"},
    )
    assert r.status_code == 201, r.text
    return str(r.json()["id"])


@pytest.fixture
def storage_run(samples_dir: Path) -> bytes:
    return (samples_dir / "refstack-client" / "upload-body.json").read_bytes()


def test_storage_flow_from_request_to_public_record(
    live_server: Any, http: httpx.Client, storage_run: bytes, interop_dir: Path
) -> None:
    tag = uuid.uuid4().hex[:6]
    vendor = live_server.user(f"vendor-{tag}")
    foundation = live_server.user(f"found-{tag}", foundation=True)
    stranger = live_server.user(f"stranger-{tag}")
    version = product(http, vendor, f"Swift Cloud {tag}", "1.0")
    run_id = upload(http, vendor, storage_run)

    # programs come from the guideline data
    programs = http.get("/v2/certifications/programs").json()
    by_name = {(p["line"], p["name"]): p for p in programs}
    assert by_name[(None, "object")]["title"] == "OpenStack Powered Storage"
    assert by_name[(None, "object")]["alias"] == "storage"
    assert by_name[("dns", "dns")]["requires"] == ["os_powered_compute"]
    assert ("orchestration", "orchestration") in by_name

    template = http.get(
        "/v2/certifications/template", params={"guideline": "2020.06", "program": "storage"}
    ).json()
    assert set(template["projects"]) == {"keystone", "swift"}
    assert len(template["projects"]["swift"]["sections"]) == 28
    declaration = {
        "release": "victoria",
        "projects": template["projects"],
        "obligations": template["obligations"],
    }
    body = {
        "product_version_id": version,
        "program": "storage",
        "guideline": "2020.06",
        "run_ids": [run_id],
        "declaration": declaration,
    }
    # only the vendor's admins may ask
    assert http.post("/v2/certifications/requests", json=body).status_code == 401
    r = http.post("/v2/certifications/requests", json=body, headers=bearer(stranger))
    assert r.status_code == 403
    r = http.post("/v2/certifications/requests", json=body, headers=bearer(vendor))
    assert r.status_code == 201, r.text
    req = r.json()
    assert req["state"] == "pending" and req["checks_passed"] is True
    assert [c["name"] for c in req["checks"]] == [
        "run_meets_claim",
        "guideline_current",
        "release_covered",
        "platform_component",
        "declaration_complete",
        "verdict_allows",
        "run_recent",
        "run_signed",
    ]
    meets = checks(req)["run_meets_claim"]
    # the 58 tests of the run cover all 60 must-pass entries (two by alias or idempotent id)
    assert meets["data"]["nonFlagPassCount"] == meets["data"]["totalNonFlagCount"] == 60
    assert "meets object of 2020.06: 60 of 60 must-pass tests passed" in meets["reason"]
    assert req["verdict"]["outcome"] == "allowed" and req["program"] == "object"
    assert req["declaration"]["number"] == 1 and req["requested_by"] == f"vendor-{tag}"

    # the vendor may not approve their own request; the Foundation does
    rid = req["id"]
    r = http.post(f"/v2/certifications/requests/{rid}/approve", json={}, headers=bearer(vendor))
    assert r.status_code == 403
    r = http.post(
        f"/v2/certifications/requests/{rid}/approve",
        json={"reason": "all pre-checks passed"},
        headers=bearer(foundation),
    )
    assert r.status_code == 200, r.text
    cert_id = r.json()["certificate_id"]
    assert r.json()["state"] == "approved" and r.json()["decided_by"] == f"found-{tag}"
    again = http.post(
        f"/v2/certifications/requests/{rid}/approve", json={}, headers=bearer(foundation)
    )
    assert again.status_code == 409 and "already approved" in again.json()["error"]

    # the public record: JSON (with filters), one certificate, CSV
    listing = http.get("/v2/certifications", params={"vendor": f"vendor_vendor-{tag}"}).json()
    assert [c["id"] for c in listing["certificates"]] == [cert_id]
    item = listing["certificates"][0]
    assert item["status"] == "valid" and item["program_title"] == "OpenStack Powered Storage"
    assert (item["guideline"], item["release"], item["version"]["version"]) == (
        "2020.06",
        "victoria",
        "1.0",
    )
    assert item["expires_at"] is None  # 2020.06 is the latest approved: open-ended
    for params, found in (
        ({"program": "storage"}, True),
        ({"program": "compute"}, False),
        ({"guideline": "2020.06"}, True),
        ({"release": "victoria"}, True),
        ({"release": "stein"}, False),
        ({"status": "valid"}, True),
        ({"status": "revoked"}, False),
        ({"product_type": 1}, True),
        ({"product_type": 0}, False),
    ):
        ids = [
            c["id"] for c in http.get("/v2/certifications", params=params).json()["certificates"]
        ]
        assert (cert_id in ids) is found, params
    assert http.get("/v2/certifications", params={"status": "great"}).status_code == 400
    assert http.get(f"/v2/certifications/{cert_id}").json()["status"] == "valid"
    assert http.get("/v2/certifications/nope").status_code == 404
    r = http.get("/v2/certifications.csv", params={"vendor": f"vendor_vendor-{tag}"})
    assert r.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(r.text)))
    assert [(x["id"], x["program_title"], x["status"]) for x in rows] == [
        (cert_id, "OpenStack Powered Storage", "valid")
    ]

    # expiry: the same database read by a server whose clock is set ahead; a certificate
    # valid until a date expires then; the guideline's own expiry is open-ended here
    later = (datetime.now(UTC) + timedelta(days=30)).strftime("%Y-%m-%d")
    run2 = upload(http, vendor, storage_run)
    req2 = http.post(
        "/v2/certifications/requests",
        json={**body, "run_ids": [run2], "declaration": None},
        headers=bearer(vendor),
    ).json()
    assert req2["declaration"]["number"] == 1  # the latest declaration, reused
    cert2 = http.post(
        f"/v2/certifications/requests/{req2['id']}/approve",
        json={"valid_until": later},
        headers=bearer(foundation),
    ).json()["certificate_id"]
    assert http.get(f"/v2/certifications/{cert2}").json()["status"] == "expiring"
    future = (datetime.now(UTC) + timedelta(days=31)).strftime("%Y-%m-%dT%H:%M:%S")
    process, url = start_server(
        live_server.db_url, interop_dir, env={"REFCORE_CERTIFICATION_CLOCK": future}
    )
    try:
        with httpx.Client(base_url=url, timeout=60) as other:
            assert other.get(f"/v2/certifications/{cert2}").json()["status"] == "expired"
            assert other.get(f"/v2/certifications/{cert_id}").json()["status"] == "valid"
            expired = other.get("/v2/certifications", params={"status": "expired"}).json()
            assert cert2 in [c["id"] for c in expired["certificates"]]
    finally:
        stop_server(process)

    # revocation: at once, everywhere
    r = http.post(f"/v2/certifications/{cert_id}/revoke", json={}, headers=bearer(foundation))
    assert r.status_code == 400  # a reason is required
    r = http.post(
        f"/v2/certifications/{cert_id}/revoke", json={"reason": "x"}, headers=bearer(vendor)
    )
    assert r.status_code == 403
    r = http.post(
        f"/v2/certifications/{cert_id}/revoke",
        json={"reason": "trademark agreement lapsed"},
        headers=bearer(foundation),
    )
    assert r.status_code == 200, r.text
    shown = http.get(f"/v2/certifications/{cert_id}").json()
    assert shown["status"] == "revoked" and shown["revoke_reason"] == "trademark agreement lapsed"
    revoked = http.get("/v2/certifications", params={"status": "revoked"}).json()
    assert cert_id in [c["id"] for c in revoked["certificates"]]

    # the audit log: every step, who and when, before and after
    log = http.get("/v2/audit", headers=bearer(foundation)).json()
    mine = [
        (e["action"], e["object_type"], e["actor"])
        for e in reversed(log)
        if e["object_id"] in {rid, req2["id"], cert_id, cert2, str(req["declaration"]["id"])}
    ]
    assert mine == [
        ("declare", "declaration", f"vendor-{tag}"),
        ("request", "request", f"vendor-{tag}"),
        ("approve", "request", f"found-{tag}"),
        ("issue", "certificate", f"found-{tag}"),
        ("request", "request", f"vendor-{tag}"),
        ("approve", "request", f"found-{tag}"),
        ("issue", "certificate", f"found-{tag}"),
        ("revoke", "certificate", f"found-{tag}"),
    ]
    revoke = next(e for e in log if e["action"] == "revoke" and e["object_id"] == cert_id)
    assert revoke["before"] == {"revoked": False}
    assert revoke["after"] == {"revoked": True, "reason": "trademark agreement lapsed"}
    # the vendor sees their own trail, a stranger nothing of it, anonymous nobody's
    # the vendor's own objects: product, version, the run's claim and its association
    pid = http.get(f"/v2/certifications/{cert_id}").json()["product"]["id"]
    assert (
        http.put(
            f"/v1/products/{pid}", json={"description": "object storage"}, headers=bearer(vendor)
        ).status_code
        == 200
    )
    r = http.put(
        f"/v1/results/{run_id}", json={"product_version_id": version}, headers=bearer(vendor)
    )
    assert r.status_code == 201, r.text
    r = http.post(f"/v1/results/{run_id}/meta/guideline", content="2020.06", headers=bearer(vendor))
    assert r.status_code == 201, r.text
    own = http.get("/v2/audit", headers=bearer(vendor)).json()
    assert {e["object_id"] for e in own} >= {rid, cert_id}
    steps = {(e["action"], e["object_type"], e["object_id"]) for e in own}
    assert {
        ("create", "product", pid),
        ("update", "product", pid),
        ("associate", "run", run_id),
        ("set_meta", "run", run_id),
    } <= steps
    claim = next(e for e in own if e["action"] == "set_meta" and e["object_id"] == run_id)
    assert (claim["before"], claim["after"]) == ({"guideline": None}, {"guideline": "2020.06"})
    assert not {e["object_id"] for e in http.get("/v2/audit", headers=bearer(stranger)).json()} & {
        rid,
        cert_id,
    }
    assert http.get("/v2/audit").status_code == 401
    exported = http.get("/v2/audit.csv", headers=bearer(foundation))
    assert exported.status_code == 200 and cert_id in exported.text

    # append-only in the database itself, whatever the application does
    with live_server.db.engine.connect() as conn:
        for statement in ("UPDATE audit_log SET action = 'x'", "DELETE FROM audit_log"):
            with pytest.raises(Exception, match="append-only"):
                conn.execute(text(statement))
            conn.rollback()


def _declaration(http: httpx.Client, guideline: str, program: str, release: str) -> dict[str, Any]:
    template = http.get(
        "/v2/certifications/template", params={"guideline": guideline, "program": program}
    ).json()
    return {
        "release": release,
        "projects": template["projects"],
        "obligations": template["obligations"],
    }


def test_each_failure_stops_at_its_named_pre_check(
    live_server: Any, http: httpx.Client, storage_run: bytes
) -> None:
    tag = uuid.uuid4().hex[:6]
    vendor = live_server.user(f"vendor-{tag}")
    foundation = live_server.user(f"found-{tag}", foundation=True)
    version = product(http, vendor, f"Failing {tag}", "2")
    good = upload(http, vendor, storage_run)
    doc = json.loads(storage_run)
    doc["results"] = doc["results"][3:]  # the same real run, three tests short
    short = upload(http, vendor, json.dumps(doc).encode())
    complete = _declaration(http, "2020.06", "storage", "victoria")
    incomplete = copy.deepcopy(complete)
    dropped = sorted(incomplete["projects"]["swift"]["sections"])[0]
    del incomplete["projects"]["swift"]["sections"][dropped]

    def ask(**changes: Any) -> dict[str, Any]:
        body = {
            "product_version_id": version,
            "program": "storage",
            "guideline": "2020.06",
            "run_ids": [good],
            "declaration": complete,
            **changes,
        }
        r = http.post("/v2/certifications/requests", json=body, headers=bearer(vendor))
        assert r.status_code == 201, r.text
        out: dict[str, Any] = r.json()
        assert out["state"] == "blocked" and not out["checks_passed"]
        return out

    failing = ask(run_ids=[short])
    assert failing["failed_checks"] == ["run_meets_claim", "verdict_allows"]
    assert "does not meet object of 2020.06" in checks(failing)["run_meets_claim"]["reason"]

    superseded = ask(
        guideline="2019.06", declaration=_declaration(http, "2019.06", "storage", "stein")
    )
    assert "guideline_current" in superseded["failed_checks"]
    assert "2019.11, 2020.06" in checks(superseded)["guideline_current"]["reason"]
    old = ask(guideline="2017.09", declaration=_declaration(http, "2017.09", "storage", "pike"))
    assert "superseded" in checks(old)["guideline_current"]["reason"]

    uncovered = ask(declaration={**complete, "release": "queens"})
    assert uncovered["failed_checks"] == ["release_covered", "verdict_allows"]
    assert "queens" in checks(uncovered)["release_covered"]["reason"]

    dns = ask(
        program="dns",
        guideline="dns.2020.06",
        declaration=_declaration(http, "dns.2020.06", "dns", "victoria"),
    )
    assert "platform_component" in dns["failed_checks"]
    assert "os_powered_compute" in checks(dns)["platform_component"]["reason"]

    partial = ask(declaration=incomplete)
    assert partial["failed_checks"] == ["declaration_complete"]
    missing = checks(partial)["declaration_complete"]["data"]["missing"]
    assert missing == [{"project": "swift", "section": dropped}]

    # a blocked request is approved only with an explicit, recorded override
    r = http.post(
        f"/v2/certifications/requests/{failing['id']}/approve", json={}, headers=bearer(foundation)
    )
    assert r.status_code == 409 and "run_meets_claim" in r.json()["error"]
    r = http.post(
        f"/v2/certifications/requests/{partial['id']}/deny",
        json={"reason": "declare every Swift section"},
        headers=bearer(foundation),
    )
    assert r.status_code == 200 and r.json()["state"] == "denied"
    seen = http.get(f"/v2/certifications/requests/{partial['id']}", headers=bearer(vendor)).json()
    assert seen["reason"] == "declare every Swift section"

    # the review queue lists what waits, for the Foundation only
    queue = http.get("/v2/certifications/review", headers=bearer(foundation)).json()
    waiting = {r["id"] for r in queue["requests"]}
    assert failing["id"] in waiting and partial["id"] not in waiting
    assert http.get("/v2/certifications/review", headers=bearer(vendor)).status_code == 403

    # bad input is a specific 4xx
    for body, status in (
        ({"program": "storage", "guideline": "2020.06"}, 400),
        ({"product_version_id": version, "program": "beauty", "guideline": "2020.06"}, 400),
        ({"product_version_id": version, "program": "storage", "guideline": "1999.01"}, 404),
        ({"product_version_id": "nope", "program": "storage", "guideline": "2020.06"}, 404),
        (
            {
                "product_version_id": version,
                "program": "storage",
                "guideline": "2020.06",
                "declaration": {},
            },
            422,
        ),
    ):
        r = http.post("/v2/certifications/requests", json=body, headers=bearer(vendor))
        assert r.status_code == status, (body, r.text)
    empty = http.post(
        "/v2/certifications/requests",
        json={
            "product_version_id": version,
            "program": "storage",
            "guideline": "2020.06",
            "declaration": {},
        },
        headers=bearer(vendor),
    ).json()
    assert "the declaration is empty; it needs" in empty["error"]


def _case_declaration(http: httpx.Client, name: str) -> dict[str, Any]:
    """The seed's profile as a vendor fills the template in: its own statements win, the
    sections it leaves unsaid are upstream ("included", the profile's default)."""
    data: dict[str, Any] = yaml.safe_load((CASES / f"{name}.yaml").read_text())
    if data["kind"] == "client-library":
        return {"kind": data["kind"]}
    template = http.get(
        "/v2/certifications/template", params={"guideline": "havana", "program": "platform"}
    ).json()
    projects = template["projects"]
    for project, block in data.get("projects", {}).items():
        if project in projects and block.get("deployed", True):
            sections = {**projects[project].get("sections", {}), **block.get("sections", {})}
            projects[project] = {**block, "sections": sections}
        else:
            projects[project] = block
    return {
        "kind": data["kind"],
        "release": data["release"],
        "projects": projects,
        "obligations": data["obligations"],
    }


def test_the_seeds_advisory_cases_through_the_request_flow(
    live_server: Any, http: httpx.Client
) -> None:
    tag = uuid.uuid4().hex[:6]
    vendor = live_server.user(f"seed-{tag}")
    foundation = live_server.user(f"seedf-{tag}", foundation=True)
    outcomes = {}
    for name in ("bananacloud", "sprocket-before", "sprocket-after", "sprocket-adapted", "mist"):
        data = yaml.safe_load((CASES / f"{name}.yaml").read_text())
        version = product(http, vendor, f"{data['product']} {tag}", name)
        runs = []
        if "evidence" in data:
            runs = [upload(http, vendor, (CASES / data["evidence"]["run"]).read_bytes())]
        r = http.post(
            "/v2/certifications/requests",
            json={
                "product_version_id": version,
                "program": "platform",
                "guideline": "havana",
                "run_ids": runs,
                "declaration": _case_declaration(http, name),
            },
            headers=bearer(vendor),
        )
        assert r.status_code == 201, r.text
        outcomes[name] = r.json()
    # Havana is advisory: no new certification starts from it, whatever the case
    for body in outcomes.values():
        assert "guideline_current" in body["failed_checks"]
    by = {n: checks(b)["verdict_allows"] for n, b in outcomes.items()}
    # the seed: BananaCloud allowed; SpRocket refused before the key store and with its own
    # object store under a partly designated Swift, allowed once adapted; Mist: DefCore
    # does not apply to a client library
    assert by["bananacloud"]["passed"] and by["sprocket-adapted"]["passed"]
    assert outcomes["bananacloud"]["verdict"]["outcome"] == "allowed"
    assert not by["sprocket-before"]["passed"]
    assert "capability_not_met" in by["sprocket-before"]["data"]["codes"]
    assert "compute-keypairs" in by["sprocket-before"]["reason"]
    assert not by["sprocket-after"]["passed"]
    assert by["sprocket-after"]["data"]["codes"] == ["designated_sections_missing"]
    assert not by["mist"]["passed"] and "does not apply" in by["mist"]["reason"]
    assert outcomes["mist"]["verdict"]["outcome"] == "not_applicable"
    # the Foundation decides as the seed does: BananaCloud only with a recorded override
    # (Havana is not open for certification), SpRocket-before denied with the reason
    banana = outcomes["bananacloud"]["id"]
    r = http.post(
        f"/v2/certifications/requests/{banana}/approve",
        json={"override": "seed exercise: Havana judged as binding"},
        headers=bearer(foundation),
    )
    assert (
        r.status_code == 200 and r.json()["override"] == "seed exercise: Havana judged as binding"
    )
    r = http.post(
        f"/v2/certifications/requests/{outcomes['sprocket-before']['id']}/deny",
        json={"reason": "the key store (compute-keypairs) is required"},
        headers=bearer(foundation),
    )
    assert r.status_code == 200
    log = http.get("/v2/audit", params={"object_id": banana}, headers=bearer(foundation)).json()
    assert [e["action"] for e in reversed(log)] == ["request", "approve"]
    assert log[0]["after"]["override"] == "seed exercise: Havana judged as binding"


def test_an_empty_verdict_profile_says_what_it_needs(http: httpx.Client) -> None:
    for profile in ("", {}, None):
        r = http.post("/v2/verdicts", json={"profile": profile, "guideline": "2020.06"})
        assert r.status_code == 422, (profile, r.text)
        assert "the profile is empty; it needs vendor, product and kind" in r.json()["error"]
