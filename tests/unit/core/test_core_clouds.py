"""Registered clouds, the pure part: clouds.yaml entries checked and masked, schedules,
the guideline/targets to test (real guidelines), log redaction."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest

from refcore.core import clouds
from refcore.errors import InvalidInput

ENTRY = {
    "auth": {
        "auth_url": "http://127.0.0.1:5000/v3",
        "username": "interop-tester",
        "password": "pa55-w0rd-xyz",
        "project_name": "interop",
        "user_domain_name": "Default",
        "project_domain_name": "Default",
    },
    "region_name": "RegionOne",
}


def test_an_entry_a_clouds_yaml_or_its_text_gives_the_same_entry() -> None:
    as_yaml = """
clouds:
  mine:
    auth:
      auth_url: http://127.0.0.1:5000/v3
      username: interop-tester
      password: pa55-w0rd-xyz
      project_name: interop
      user_domain_name: Default
      project_domain_name: Default
    region_name: RegionOne
"""
    assert clouds.parse_entry(ENTRY) == ENTRY
    assert clouds.parse_entry({"clouds": {"mine": ENTRY}}) == ENTRY
    assert clouds.parse_entry(as_yaml) == ENTRY


def test_every_problem_is_listed_and_no_value_is_echoed() -> None:
    bad = {
        "auth": {"auth_url": "ftp://x", "username": "", "password": "s3cret-value", "token": "t"},
        "verify": False,
    }
    with pytest.raises(InvalidInput) as err:
        clouds.parse_entry(bad)
    text = str(err.value) + " ".join(err.value.errors)
    assert "unknown keys: verify" in text
    assert "auth: unknown keys: token" in text
    assert "auth.username: required" in text
    assert "auth.project_name (or auth.project_id): required" in text
    assert "auth.auth_url: an http(s) URL of Keystone" in text
    assert "s3cret-value" not in text


@pytest.mark.parametrize(
    ("data", "words"),
    [
        ("clouds: {a: {}, b: {}}", "holds 2 clouds; give exactly one"),
        ("[unclosed", "not YAML or JSON"),
        (["a list"], "a clouds.yaml entry is required"),
        ({**ENTRY, "auth_type": "v3applicationcredential"}, "only password auth"),
        ({**ENTRY, "identity_api_version": 2}, "only Keystone v3"),
    ],
)
def test_unusable_entries_are_refused(data: Any, words: str) -> None:
    with pytest.raises(InvalidInput) as err:
        clouds.parse_entry(data)
    assert words in str(err.value) + " ".join(err.value.errors)


def test_the_mask_hides_the_password_and_most_of_the_user_name() -> None:
    masked = clouds.mask_entry(ENTRY)
    assert masked["auth"]["password"] == clouds.MASK
    assert masked["auth"]["username"] == "in…"
    assert masked["auth"]["auth_url"] == ENTRY["auth"]["auth_url"]
    assert "pa55-w0rd-xyz" not in repr(masked) and "interop-tester" not in repr(masked)
    assert ENTRY["auth"]["password"] == "pa55-w0rd-xyz"  # the original is untouched


def test_redaction_removes_every_secret_from_a_log() -> None:
    log = "POST /v3/auth/tokens user=interop-tester password=pa55-w0rd-xyz\nok"
    out = clouds.redact(log, clouds.secrets_of(ENTRY))
    assert "pa55-w0rd-xyz" not in out and "interop-tester" not in out
    assert out == f"POST /v3/auth/tokens user={clouds.MASK} password={clouds.MASK}\nok"


@pytest.mark.parametrize(
    ("text", "now", "due"),
    [
        ("daily 03:00", datetime(2026, 12, 3, 2, 59), datetime(2026, 12, 3, 3, 0)),
        ("daily 03:00", datetime(2026, 12, 3, 3, 0), datetime(2026, 12, 4, 3, 0)),
        ("Daily 3:05", datetime(2026, 12, 31, 23, 0), datetime(2027, 1, 1, 3, 5)),
        # 2026-12-03 is a Thursday
        ("weekly thu 03:00", datetime(2026, 12, 3, 2, 0), datetime(2026, 12, 3, 3, 0)),
        ("weekly thu 03:00", datetime(2026, 12, 3, 4, 0), datetime(2026, 12, 10, 3, 0)),
        ("weekly monday 00:00", datetime(2026, 12, 3, 4, 0), datetime(2026, 12, 7, 0, 0)),
        ("manual", datetime(2026, 12, 3, 4, 0), None),
    ],
)
def test_the_next_scheduled_run(text: str, now: datetime, due: datetime | None) -> None:
    assert clouds.parse_schedule(text).next_after(now) == due


def test_schedules_are_normalised_and_described() -> None:
    s = clouds.parse_schedule("  WEEKLY Monday 7:30 ")
    assert str(s) == "weekly mon 07:30" and s.describe() == "every Monday at 07:30 UTC"
    assert clouds.parse_schedule("daily 23:59").describe() == "every day at 23:59 UTC"
    assert clouds.parse_schedule("manual").describe() == "on demand only"


@pytest.mark.parametrize("text", ["daily", "daily 24:00", "weekly 03:00", "hourly", "", 3])
def test_bad_schedules_name_the_grammar(text: Any) -> None:
    with pytest.raises(InvalidInput, match="'daily HH:MM', 'weekly <mon..sun> HH:MM'"):
        clouds.parse_schedule(text)


def test_tests_are_checked_against_the_real_guidelines(guidelines: Any) -> None:
    got = clouds.parse_tests(guidelines, "2020.06 storage\n2020.06/platform\n2020.06 object\n")
    assert got == [
        {"guideline": "2020.06", "target": "object"},
        {"guideline": "2020.06", "target": "platform"},
    ]
    with pytest.raises(InvalidInput) as err:
        clouds.parse_tests(
            guidelines, [{"guideline": "2099.01", "target": "object"}, "2020.06 dns", "x"]
        )
    assert err.value.errors[0] == "tests[0]: no guideline '2099.01'"
    assert err.value.errors[1].startswith("tests[1]: guideline 2020.06 has no target 'dns'")
    assert "tests[2]: a guideline and a target" in err.value.errors[2]
    with pytest.raises(InvalidInput, match="at least one"):
        clouds.parse_tests(guidelines, [])


def test_runner_options() -> None:
    assert clouds.parse_options({"network": "public", "concurrency": 2}) == {
        "network": "public",
        "concurrency": 2,
    }
    with pytest.raises(InvalidInput) as err:
        clouds.parse_options({"concurrency": "2", "image": "x", "rerun_failed": 99})
    assert err.value.errors == [
        "options.concurrency: an integer",
        "options.image: unknown (allowed: network, concurrency, all_statuses, discover, rerun_failed)",
        "options.rerun_failed: between 0 and 64",
    ]
