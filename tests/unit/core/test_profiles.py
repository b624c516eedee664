"""Product profiles: the published schema, precise errors, the model."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

import refcore.core
from refcore.core.profiles import KINDS, PROGRAMS, Profile, profile_schema, validate_profile
from refcore.core.tc_rules import Property
from refcore.errors import ProfileError


def minimal(**over: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "vendor": "ACME",
        "product": "ACME Cloud",
        "kind": "public-cloud",
        "release": "victoria",
        "programs": ["platform"],
    }
    data.update(over)
    return data


def errors_of(data: Any) -> list[str]:
    with pytest.raises(ProfileError) as info:
        Profile.from_dict(data, source="p.yaml")
    assert str(info.value).startswith("p.yaml: invalid product profile")
    return info.value.errors


def test_schema_is_published_package_data() -> None:
    path = Path(refcore.core.__file__).parent / "schemas" / "product-profile.schema.json"
    assert json.loads(path.read_text()) == profile_schema()
    assert profile_schema()["properties"]["kind"]["enum"] == list(KINDS)
    assert set(profile_schema()["properties"]["programs"]["items"]["enum"]) == set(PROGRAMS)


def test_minimal_profile_and_defaults() -> None:
    p = Profile.from_dict(minimal(programs=["platform", "storage", "object"]))
    assert p.targets == ("platform", "object")  # storage is object, deduplicated
    assert p.projects == {} and p.evidence is None and p.obligations == {}
    assert not p.is_client
    assert validate_profile(p.to_dict()) == []


def test_full_profile_round_trips() -> None:
    data = minimal(
        projects={
            "nova": {
                "deployed": True,
                "sections": {
                    "scheduler driver": "replaced",
                    "hyper-v": {
                        "state": "replaced",
                        "properties": ["vendor-specific-interface"],
                        "note": "ours",
                    },
                },
            },
            "swift": {"deployed": False, "replacement": "own store"},
        },
        evidence={"run": "runs/x.subunit"},
        obligations={"foundation_member": True, "trademark_agreement": False},
    )
    p = Profile.from_dict(data)
    nova = p.project("nova")
    assert nova is not None
    assert nova.sections["hyper-v"].properties == {Property.VENDOR_SPECIFIC}
    assert nova.section_state("Scheduler Driver") == ("replaced", True)
    assert nova.section_state("compute driver") == ("included", False)  # deployed: included
    swift = p.project("swift")
    assert swift is not None and swift.section_state("proxy server") == ("absent", False)
    assert p.evidence is not None and p.evidence.run == "runs/x.subunit"
    assert Profile.from_dict(p.to_dict()) == p


def test_client_library_needs_no_release_and_takes_a_usage_declaration() -> None:
    p = Profile.from_dict(
        {
            "vendor": "Mist",
            "product": "Mist",
            "kind": "client-library",
            "usage": {"name": "mist", "kind": "client", "capabilities": ["compute-servers"]},
        }
    )
    assert p.is_client and p.usage is not None and p.usage.uses() == {"compute-servers"}
    assert (
        Profile.from_dict({**p.to_dict(), "usage": "mist.usage.yaml"}).usage_file
        == "mist.usage.yaml"
    )


def test_every_error_is_listed_with_its_json_pointer() -> None:
    errors = errors_of(
        {
            "vendor": "",
            "kind": "cloud",
            "programs": ["platform", "storage-plus"],
            "projects": {"nova": {"sections": {"api": "replace"}}},
            "evidence": {},
            "colour": "red",
        }
    )
    assert errors == [
        "/: 'product' is a required property",
        "/: 'release' is a required property",  # kind is not client-library
        "/: Additional properties are not allowed ('colour' was unexpected); allowed: "
        "description, evidence, kind, obligations, product, profile_version, programs, "
        "projects, release, usage, vendor",
        "/evidence: {} should be non-empty",
        "/kind: 'cloud' is not one of: public-cloud, distribution, appliance, client-library, hosted-private-cloud",
        "/programs/1: 'storage-plus' is not one of: platform, compute, object, storage, dns, orchestration, nfv",
        "/projects/nova: 'deployed' is a required property",
        "/projects/nova/sections/api: 'replace' is not one of: included, replaced, absent",
        "/vendor: '' should be non-empty",
    ]


def test_products_must_name_release_and_programs() -> None:
    data = minimal()
    del data["release"], data["programs"]
    assert errors_of(data) == [
        "/: 'programs' is a required property",
        "/: 'release' is a required property",
    ]


def test_section_object_errors_point_inside_it() -> None:
    errors = errors_of(
        minimal(
            projects={
                "swift": {
                    "deployed": True,
                    "sections": {"diskfile": {"state": "gone", "properties": ["cheap"]}, "x/y": 3},
                }
            }
        )
    )
    assert errors[0].startswith(
        "/projects/swift/sections/diskfile/properties/0: 'cheap' is not one of: provides-external-rest-api"
    )
    assert (
        errors[1]
        == "/projects/swift/sections/diskfile/state: 'gone' is not one of: included, replaced, absent"
    )
    # "/" in a key is escaped as ~1 (RFC 6901)
    assert errors[2].startswith("/projects/swift/sections/x~1y: 3 is not one of")


def test_bad_types_and_not_an_object() -> None:
    assert errors_of([]) == ["/: [] is not of type 'object'"]
    errors = errors_of(minimal(release="Havana 2013.2", obligations={"foundation_member": "yes"}))
    assert errors == [
        "/obligations/foundation_member: 'yes' is not of type 'boolean'",
        "/release: 'Havana 2013.2' does not match '^[a-z]+$'",
    ]


def test_invalid_inline_usage_declaration() -> None:
    with pytest.raises(ProfileError, match="invalid usage declaration") as info:
        Profile.from_dict(
            {
                "vendor": "M",
                "product": "M",
                "kind": "client-library",
                "usage": {"name": "m", "kind": "sdk"},
            }
        )
    assert info.value.errors and all(e.startswith("/usage") for e in info.value.errors)
