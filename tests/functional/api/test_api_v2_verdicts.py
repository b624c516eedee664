"""``POST /v2/verdicts`` over real HTTP: the seed's advisory cases (examples/advisory-cases)
with their evidence uploaded as stored runs decide as the core decides on the files;
bad profiles are 422 with every problem listed; stored evidence keeps its privacy."""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from refcore.core.verdicts import VerdictOptions, decide_verdict
from refcore.readers.profiles import read_evidence, read_profile

CASES = Path(__file__).resolve().parents[3] / "examples" / "advisory-cases"


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def case(name: str) -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((CASES / f"{name}.yaml").read_text())
    return data


def upload_evidence(http: httpx.Client, name: str, headers: dict[str, str] | None = None) -> str:
    """Store the case's evidence file as a run; return its id."""
    path = CASES / case(name)["evidence"]["run"]
    r = http.post("/v2/runs", content=path.read_bytes(), headers=headers or {})
    assert r.status_code == 201, r.text
    return str(r.json()["id"])


def with_run_id(profile: dict[str, Any], run_id: str) -> dict[str, Any]:
    return {**profile, "evidence": {"run_id": run_id}}


def core_verdict(guidelines, name: str, options: VerdictOptions) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    profile = read_profile(CASES / f"{name}.yaml")
    run = None if profile.is_client else read_evidence(profile)
    result = decide_verdict(profile, guidelines["havana"], run, options=options)
    return json.loads(json.dumps(result.to_dict()))


def test_bananacloud_is_allowed_with_stored_evidence(http: httpx.Client, guidelines) -> None:  # type: ignore[no-untyped-def]
    run_id = upload_evidence(http, "bananacloud")
    r = http.post(
        "/v2/verdicts",
        json={
            "profile": with_run_id(case("bananacloud"), run_id),
            "guideline": "havana",
            "enforce_advisory": True,
        },
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["outcome"] == "allowed" and body["exit_code"] == 0
    assert body["evidence"] == {"run_id": run_id, "file": None, "tests": body["evidence"]["tests"]}
    assert body["evidence"]["tests"] > 0
    platform = body["programs"][0]
    assert platform["outcome"] == "allowed"
    assert platform["summary"]["nonFlagPassCount"] == platform["summary"]["totalNonFlagCount"]
    # exactly what the core decides from the evidence file
    expected = core_verdict(guidelines, "bananacloud", VerdictOptions(enforce_advisory=True))
    assert {k: v for k, v in body.items() if k not in ("evidence", "exit_code")} == expected


def test_sprocket_before_is_refused_and_yaml_text_is_accepted(
    http: httpx.Client, guidelines
) -> None:  # type: ignore[no-untyped-def]
    run_id = upload_evidence(http, "sprocket-before")
    text = (CASES / "sprocket-before.yaml").read_text()
    r = http.post(
        "/v2/verdicts",
        json={
            "profile": text,  # YAML text; evidence.run is a file, so run_id names the evidence
            "run_id": run_id,
            "guideline": "havana",
            "enforce_advisory": True,
            "assume": {"swift": "none"},
        },
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["outcome"] == "refused" and body["exit_code"] == 1
    refusals = [x for x in body["programs"][0]["reasons"] if x["severity"] == "refusal"]
    assert [x["code"] for x in refusals] == ["capability_not_met"]
    assert refusals[0]["data"]["capability"] == "compute-keypairs"
    expected = core_verdict(
        guidelines,
        "sprocket-before",
        VerdictOptions(enforce_advisory=True, assume={"swift": "none"}),
    )
    assert body["programs"] == expected["programs"]


def test_mist_is_not_applicable_with_inline_usage(http: httpx.Client, guidelines) -> None:  # type: ignore[no-untyped-def]
    profile = case("mist")
    profile["usage"] = yaml.safe_load((CASES / "mist.usage.yaml").read_text())
    r = http.post("/v2/verdicts", json={"profile": profile, "guideline": "havana"})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["outcome"] == "not_applicable" and body["evidence"] == {
        "run_id": None,
        "file": None,
        "tests": None,
    }
    assert body["usage"] == core_verdict(guidelines, "mist", VerdictOptions())["usage"]
    # a usage file name cannot be read by the server
    r = http.post("/v2/verdicts", json={"profile": case("mist"), "guideline": "havana"})
    assert r.status_code == 422 and "mist.usage.yaml" in r.json()["error"]


def test_bad_profiles_list_every_problem(http: httpx.Client) -> None:
    profile = case("bananacloud")
    profile["kind"] = "spaceship"
    profile["projects"]["nova"]["sections"]["scheduler driver"] = "replace"
    del profile["vendor"]
    r = http.post("/v2/verdicts", json={"profile": profile, "guideline": "havana"})
    assert r.status_code == 422
    body = r.json()
    assert set(body) == {"ok", "error", "errors", "status"} and body["status"] == 422
    errors = body["errors"]
    assert len(errors) == 3, errors
    assert any(e.startswith("/kind:") for e in errors)
    assert any(e.startswith("/projects/nova/sections/scheduler driver") for e in errors)
    assert any("vendor" in e for e in errors)
    # not YAML at all
    r = http.post("/v2/verdicts", json={"profile": "vendor: [unclosed", "guideline": "havana"})
    assert r.status_code == 422 and "not YAML or JSON" in r.json()["error"]
    # a file the server cannot read, and no stored run given
    r = http.post("/v2/verdicts", json={"profile": case("bananacloud"), "guideline": "havana"})
    assert r.status_code == 422
    assert "POST /v2/runs" in r.json()["error"] and r.json()["errors"]
    # an unknown policy is a bad request listing the allowed values
    r = http.post(
        "/v2/verdicts",
        json={"profile": case("bananacloud"), "guideline": "havana", "policy": "maybe"},
    )
    assert r.status_code == 400 and "approved-text" in r.text


@pytest.mark.parametrize("who", ["anonymous", "other"])
def test_stored_evidence_keeps_its_privacy(http: httpx.Client, live_server, who: str) -> None:  # type: ignore[no-untyped-def]
    owner = live_server.user("vd-owner-" + uuid.uuid4().hex[:6])
    run_id = upload_evidence(http, "bananacloud", bearer(owner))
    body = {
        "profile": with_run_id(case("bananacloud"), run_id),
        "guideline": "havana",
        "enforce_advisory": True,
    }
    headers = {} if who == "anonymous" else bearer(live_server.user("vd-" + uuid.uuid4().hex[:6]))
    r = http.post("/v2/verdicts", json=body, headers=headers)
    assert r.status_code == 401 and r.json()["status"] == 401
    mine = http.post("/v2/verdicts", json=body, headers=bearer(owner))
    assert mine.status_code == 200 and mine.json()["outcome"] == "allowed"
    missing = http.post("/v2/verdicts", json={**body, "run_id": "no-such-run"})
    assert missing.status_code == 404 and "no-such-run" in missing.json()["error"]


def test_profile_yaml_aliases_and_depth_refused(http: httpx.Client) -> None:
    """Anyone may ask for a verdict: a pasted profile must not be an alias bomb or
    nested deep enough to exhaust the parser's stack (a 500 before)."""
    levels = ["x0: &x0 [a, a, a, a, a, a, a, a, a, a]"]
    levels += [f"x{i}: &x{i} [{', '.join([f'*x{i - 1}'] * 10)}]" for i in range(1, 6)]
    bomb = "\n".join([*levels, "vendor: *x5"])
    r = http.post("/v2/verdicts", json={"profile": bomb, "guideline": "havana"})
    assert r.status_code == 422 and len(r.content) < 2000, r.text[:300]
    assert r.json()["error"].endswith("aliases (*name) are not accepted")
    deep = "vendor: " + "[" * 5000 + "]" * 5000
    r = http.post("/v2/verdicts", json={"profile": deep, "guideline": "havana"})
    assert r.status_code == 422, r.text[:300]
    assert r.json()["error"].endswith("nested deeper than 64 levels")
