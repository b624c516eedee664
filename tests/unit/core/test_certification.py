"""The pure parts of certification on the real guideline data: programs from the data,
when a guideline stops being current, and a certificate's status at a given moment."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from refcore.core.certification import (
    Status,
    certificate_status,
    guideline_out_date,
    platform_targets,
    programs,
    resolve_program,
)


def test_programs_come_from_the_guideline_data(guidelines) -> None:  # type: ignore[no-untyped-def]
    found = {(p.line, p.name): p for p in programs(guidelines)}
    assert set(found) == {
        (None, "platform"),
        (None, "compute"),
        (None, "object"),
        ("dns", "dns"),
        ("orchestration", "orchestration"),
    }
    assert found[(None, "object")].guidelines == ("2019.11", "2020.06")
    assert found[("dns", "dns")].requires == ("os_powered_compute",)
    assert resolve_program(guidelines["2020.06"], "Storage") == "object"
    assert platform_targets("os_powered_compute") == ("compute", "platform")


def test_a_guideline_goes_out_with_the_second_approved_after_it(guidelines) -> None:  # type: ignore[no-untyped-def]
    assert guideline_out_date(guidelines, guidelines["2020.06"]) is None
    assert guideline_out_date(guidelines, guidelines["2019.11"]) is None
    assert guideline_out_date(guidelines, guidelines["2019.06"]) == date(2020, 6, 1)
    assert guideline_out_date(guidelines, guidelines["dns.2019.06"]) == date(2020, 6, 1)


def test_status_at_a_moment() -> None:
    out = date(2020, 6, 1)

    def at(now: datetime, **kw):  # type: ignore[no-untyped-def]
        args = {"valid_until": None, "guideline_out": out, "grace_days": 180, "expiring_days": 60}
        args["revoked_at"] = None
        args.update(kw)
        return certificate_status(now=now, **args)

    end = datetime(2020, 6, 1) + timedelta(days=180)
    assert at(end - timedelta(days=61)) == (Status.VALID, end)
    assert at(end - timedelta(days=60)) == (Status.EXPIRING, end)
    assert at(end) == (Status.EXPIRED, end)
    # an explicit date ends it earlier; a later one does not extend it
    early = datetime(2020, 7, 1)
    assert at(datetime(2020, 7, 2), valid_until=early) == (Status.EXPIRED, early)
    assert at(end + timedelta(1), valid_until=end + timedelta(400))[0] is Status.EXPIRED
    # revoked from the moment of revocation, whatever the dates say
    revoked = datetime(2020, 3, 1)
    assert at(datetime(2020, 2, 1), revoked_at=revoked)[0] is Status.VALID
    assert at(datetime(2020, 3, 1), revoked_at=revoked)[0] is Status.REVOKED
    # a current guideline and no date: open-ended
    assert at(datetime(2090, 1, 1), guideline_out=None) == (Status.VALID, None)


def test_recent_and_signed_follow_the_foundations_rules(guidelines, samples_dir) -> None:  # type: ignore[no-untyped-def]
    from refcore.core.certification import Evidence, Rules, pre_checks
    from refcore.core.profiles import Profile
    from refcore.core.results import parse_run

    run = parse_run((samples_dir / "refstack-client" / "upload-body.json").read_bytes(), source="s")
    profile = Profile.from_dict(
        {
            "vendor": "V",
            "product": "P",
            "kind": "public-cloud",
            "release": "victoria",
            "programs": ["object"],
            "obligations": {"foundation_member": True, "trademark_agreement": True},
        }
    )
    now = datetime(2026, 12, 1)

    def check(created: datetime, signed: bool, rules: Rules) -> dict[str, bool]:
        checks, _ = pre_checks(
            guidelines,
            guidelines["2020.06"],
            "object",
            profile,
            [Evidence("r", run, created, signed)],
            certified_targets=(),
            now=now,
            rules=rules,
        )
        return {c.name: c.passed for c in checks}

    fresh = check(now - timedelta(days=30), False, Rules(365, False))
    assert fresh["run_meets_claim"] and fresh["run_recent"] and fresh["run_signed"]
    assert not fresh["declaration_complete"]  # keystone and swift not declared
    assert not check(now - timedelta(days=366), False, Rules(365, False))["run_recent"]
    assert not check(now, False, Rules(365, True))["run_signed"]
    assert check(now, True, Rules(365, True))["run_signed"]
