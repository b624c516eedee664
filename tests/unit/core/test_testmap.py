"""Guideline tests mapped onto the real Tempest 47.0.0 listing (shared/samples/tempest)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from refcore.core.testmap import TempestListing, map_tests, parse_listing


@pytest.fixture(scope="module")
def listing(samples_dir: Path) -> TempestListing:
    text = (samples_dir / "tempest" / "tempest-47.0.0-list.txt").read_text()
    return parse_listing(text)


def test_listing_holds_every_tempest_47_test(listing: TempestListing, samples_dir: Path) -> None:
    text = (samples_dir / "tempest" / "tempest-47.0.0-list.txt").read_text()
    assert len(listing) == len(text.splitlines()) == 1575
    uuids = {u.lower() for u in re.findall(r"\bid-([0-9a-fA-F-]{36})", text)}
    assert set(listing.by_uuid) == uuids
    full = listing.by_name["tempest.api.identity.v3.test_tokens.TokensV3Test.test_create_token"]
    assert full.endswith("[id-6f8e4436-fc96-4282-8122-e41df57197a9]")


def test_2017_01_renamed_tests_are_found_by_idempotent_id(guidelines, listing) -> None:
    mapping = map_tests(guidelines["2017.01"], listing)
    assert len(mapping.entries) == 380
    assert len(mapping.by_name) == 237
    # 137 renamed tests: the guideline's aliases name 125 of them, 12 only the id finds
    renamed = mapping.by_alias + mapping.by_idempotent_id
    assert (len(mapping.by_alias), len(mapping.by_idempotent_id)) == (125, 12)
    assert len(renamed) == 137
    for entry in renamed:
        assert entry.tempest_name != entry.test.name
        # the Tempest test found carries the guideline test's idempotent id
        assert entry.test.uuid in listing.by_uuid
        assert f"id-{entry.test.uuid}" in entry.tempest_id
    assert len(mapping.missing) == 6


def test_2020_06(guidelines, listing) -> None:
    mapping = map_tests(guidelines["2020.06"], listing)
    assert len(mapping.entries) == 289
    assert len(mapping.by_name) == 287
    assert len(mapping.by_alias) + len(mapping.by_idempotent_id) == 1
    assert len(mapping.missing) == 1


def test_2020_06_storage_program_runs_58_tests(guidelines, listing) -> None:
    mapping = map_tests(guidelines["2020.06"], listing, "object", ("required",))
    load_list = mapping.load_list()
    assert len(load_list) == 58
    assert not mapping.missing
    assert all("[id-" in line for line in load_list)
    per_cap = mapping.tests_per_capability()
    assert per_cap["objectstore-account-list"] == 12
    caps = mapping.capabilities_by_test()
    name = "tempest.api.identity.v3.test_tokens.TokensV3Test.test_create_token"
    assert caps[name] == ["identity-v3-tokens-create"]


def test_listing_skips_noise_lines() -> None:
    text = (
        "some log line here\n\ntempest.a.B.test_c[id-0146f675-ffbd-4208-b3a4-60eb628dbc5e,smoke]\n"
    )
    listing = parse_listing(text)
    assert list(listing.by_name) == ["tempest.a.B.test_c"]
    assert listing.by_uuid["0146f675-ffbd-4208-b3a4-60eb628dbc5e"].endswith(",smoke]")
