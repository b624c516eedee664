"""RefStack v1 guideline endpoints over real HTTP; the test lists are Guideline.test_list's."""

from __future__ import annotations

import httpx
import pytest


def test_list_groups_powered_and_add_ons(http: httpx.Client, guidelines) -> None:  # type: ignore[no-untyped-def]
    body = http.get("/v1/guidelines").json()
    assert list(body) == ["dns", "orchestration", "powered"]  # RefStack's verified shape
    assert {"name": "2020.06.json", "file": "2020.06.json"} in body["powered"]
    assert {"name": "next.json", "file": "next.json"} in body["powered"]
    powered = list(guidelines.of_kind("powered"))
    assert len(body["powered"]) == len(powered)
    assert {"name": "2020.06.json", "file": "dns.2020.06.json"} in body["dns"]
    assert http.get("/v1/guidelines/").json() == body


def test_raw_file(http: httpx.Client, guidelines) -> None:  # type: ignore[no-untyped-def]
    assert http.get("/v1/guidelines/2020.06.json").json() == guidelines["2020.06"].raw
    assert http.get("/v1/guidelines/2020.06").json() == guidelines["2020.06"].raw
    assert http.get("/v1/guidelines/dns.2020.06.json").json() == guidelines["dns.2020.06"].raw
    missing = http.get("/v1/guidelines/1999.01.json")
    assert missing.status_code == 404
    assert missing.json()["title"] == (
        "The server was unable to get the JSON content for the specified guideline file."
    )


@pytest.mark.parametrize(
    ("version", "params", "kwargs"),
    [
        (
            "2020.06",
            {"target": "platform", "type": "required", "alias": "true", "flag": "false"},
            {"target": "platform", "types": ["required"], "alias": True, "flag": False},
        ),
        ("2020.06", {}, {"target": "platform"}),
        (
            "2019.11",
            {"target": "object", "type": "required,advisory"},
            {"target": "object", "types": ["required", "advisory"]},
        ),
        ("2015.03", {"target": "compute", "flag": "0"}, {"target": "compute", "flag": False}),
        ("dns.2020.06", {"target": "dns", "alias": "no"}, {"target": "dns", "alias": False}),
    ],
)
def test_test_lists_match_the_core(http: httpx.Client, guidelines, version, params, kwargs) -> None:  # type: ignore[no-untyped-def]
    r = http.get(f"/v1/guidelines/{version}/tests", params=params)
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/plain")
    expected = guidelines[version].test_list(**kwargs)
    assert expected and r.text.split("\n") == expected


def test_test_list_errors_are_200_text(http: httpx.Client) -> None:
    r = http.get("/v1/guidelines/2020.06/tests", params={"target": "nope"})
    assert (r.status_code, r.text) == (200, "Invalid target: nope")
    r = http.get("/v1/guidelines/1999.01/tests")
    assert (r.status_code, r.text) == (200, "Error getting JSON content for version: 1999.01")
