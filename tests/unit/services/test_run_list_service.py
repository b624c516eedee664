"""Run lists with each run's evaluation and the filters, on a real database and the
real guidelines (each test inside a rolled-back transaction)."""

from __future__ import annotations

import json
import uuid

import pytest

from refcore.errors import (
    Forbidden,
    GuidelineNotFound,
    InvalidInput,
    Unauthorized,
    UnknownTarget,
)
from refcore.services import accounts, products, reports, run_lists, runs, runs_edit, vendors
from refcore.services.guidelines import FixedSource
from refcore.storage.models import User

GUIDELINE = "2020.06"


def required(guidelines, target: str = "platform") -> list[str]:  # type: ignore[no-untyped-def]
    g = guidelines[GUIDELINE]
    statuses = g.capability_statuses(target)
    names = [t.name for cap, t in g.tests(target) if statuses.get(cap.name) == "required"]
    return list(dict.fromkeys(names))


def upload(session, actor, names: list[str]) -> str:  # type: ignore[no-untyped-def]
    body = {"cpid": "cpid-" + uuid.uuid4().hex, "duration_seconds": 3, "results": []}
    body["results"] = [{"name": n} for n in names]
    run = runs.submit_v1(
        session, runs.Upload(json.dumps(body).encode()), actor, allow_anonymous=False
    )
    return run.id


@pytest.fixture
def owner(db_session):  # type: ignore[no-untyped-def]
    user = accounts.create_user(db_session, "lists-" + uuid.uuid4().hex[:8])
    return accounts.actor_for(db_session, user)


def test_rows_carry_the_reports_figures(db_session, guidelines, owner) -> None:  # type: ignore[no-untyped-def]
    source = FixedSource(guidelines)
    names = required(guidelines)
    full = upload(db_session, owner, names)
    short = upload(db_session, owner, names[3:])
    runs_edit.set_meta(
        db_session, owner, short, "guideline", GUIDELINE + ".json", guidelines=guidelines
    )
    runs_edit.set_meta(db_session, owner, short, "target", "platform", guidelines=guidelines)
    listing = run_lists.browse(db_session, owner, source, run_lists.RunListQuery(scope="mine"))
    assert listing.total == 2 and listing.notes == []
    rows = {item["id"]: item for item in listing.items}
    assert [i["id"] for i in listing.items] == [short, full]  # newest first
    for run_id, row in rows.items():
        report = reports.report_data(db_session, owner, run_id, source, GUIDELINE, "platform")
        ev = row["evaluation"]
        assert (ev["guideline"], ev["target"]) == (GUIDELINE, "platform")
        assert ev["meets"] is report["meets"]
        assert ev["pass_percent"] == report["summary"]["nonFlagRequiredPassPercent"]
        assert row["counts"]["total"] == row["counts"]["pass"]
        assert row["cpid"].startswith("cpid-")  # the owner sees the cpid
    assert rows[full]["evaluation"]["meets"] and not rows[short]["evaluation"]["meets"]
    assert rows[short]["claims"] == {"guideline": GUIDELINE, "target": "platform"}
    assert rows[full]["claims"] == {"guideline": None, "target": None}
    ev = rows[short]["evaluation"]
    assert ev["required_total"] - ev["required_passed"] == 3
    csv_rows = run_lists.csv_rows(listing)
    assert csv_rows[0][:3] == ["id", "uploaded_utc", "product"]
    assert [r[0] for r in csv_rows[1:]] == [short, full]
    assert csv_rows[1][csv_rows[0].index("meets")] == "no"

    # a chosen guideline and target evaluates every run against it
    chosen = run_lists.RunListQuery(scope="mine", guideline="2020.06", target="object")
    listing = run_lists.browse(db_session, owner, source, chosen)
    assert {(i["evaluation"]["guideline"], i["evaluation"]["target"]) for i in listing.items} == {
        ("2020.06", "object")
    }
    assert all(i["evaluation"]["chosen"] for i in listing.items)
    # only the runs claiming it
    claims = run_lists.RunListQuery(scope="mine", guideline="2020.06", claims="1")
    assert [i["id"] for i in run_lists.browse(db_session, owner, source, claims).items] == [short]
    claims.target = "object"
    assert run_lists.browse(db_session, owner, source, claims).total == 0


def test_pages_past_the_end_and_bad_filters(db_session, guidelines, owner) -> None:  # type: ignore[no-untyped-def]
    source = FixedSource(guidelines)
    names = required(guidelines)[:5]
    ids = [upload(db_session, owner, names) for _ in range(3)]
    q = run_lists.RunListQuery(scope="mine", page="99999999999")
    listing = run_lists.browse(db_session, owner, source, q, per_page=2)
    assert (listing.current_page, listing.total_pages, listing.total) == (2, 2, 3)
    assert listing.notes == ["Page 99999999999 is past the end; this is the last page, 2."]
    assert [i["id"] for i in listing.items] == ids[:1]
    q.page = "0"
    assert run_lists.browse(db_session, owner, source, q, per_page=2).current_page == 1
    for field, value, error, match in (
        ("page", "-1", InvalidInput, "not a page number"),
        ("page", "1e3", InvalidInput, "not a page number"),
        ("verified", "maybe", InvalidInput, "Verified must be yes, no or empty"),
        ("start", "31/12/2020", InvalidInput, "use YYYY-MM-DD"),
        ("end", "2021-01-01junk", InvalidInput, "use YYYY-MM-DD"),
        ("guideline", "1999.01", GuidelineNotFound, "1999.01"),
        ("claims", "1", InvalidInput, "Choose the guideline"),
    ):
        bad = run_lists.RunListQuery(scope="mine", **{field: value})
        with pytest.raises(error, match=match):
            run_lists.browse(db_session, owner, source, bad)
    with pytest.raises(UnknownTarget, match="defines: "):
        q = run_lists.RunListQuery(scope="mine", guideline="dns.2020.06", target="platform")
        run_lists.browse(db_session, owner, source, q)
    backwards = run_lists.RunListQuery(scope="mine", start="2021-01-02", end="2021-01-01")
    with pytest.raises(InvalidInput, match="From date is after the To date"):
        run_lists.browse(db_session, owner, source, backwards)
    with pytest.raises(Unauthorized):
        run_lists.browse(db_session, accounts.ANONYMOUS, source, run_lists.RunListQuery("mine"))


def test_product_vendor_and_verified_filters(db_session, guidelines, owner) -> None:  # type: ignore[no-untyped-def]
    source = FixedSource(guidelines)
    vendor_id = vendors.create_vendor(db_session, owner, "Lists vendor " + uuid.uuid4().hex[:6])
    owner = accounts.actor_for(db_session, db_session.get(User, owner.user_id))
    product_id = products.create_product(
        db_session,
        owner,
        {"name": "Cloud " + uuid.uuid4().hex[:6], "organization_id": vendor_id, "product_type": 0},
    )
    version = products.list_versions(db_session, owner, product_id)[0]["id"]
    names = required(guidelines)[:5]
    with_product = upload(db_session, owner, names)
    upload(db_session, owner, names)
    runs_edit.update_run(db_session, owner, with_product, {"product_version_id": version})
    mine = run_lists.RunListQuery(scope="mine")
    for field, value in (("product", product_id), ("vendor", vendor_id)):
        q = run_lists.RunListQuery(scope="mine", **{field: value})
        listing = run_lists.browse(db_session, owner, source, q)
        assert [i["id"] for i in listing.items] == [with_product], field
        assert listing.items[0]["product_version"]["product_info"]["id"] == product_id
    q = run_lists.RunListQuery(scope="product", product=product_id)
    assert [i["id"] for i in run_lists.browse(db_session, owner, source, q).items] == [with_product]
    # the product is private: a stranger may not list its runs
    stranger = accounts.actor_for(
        db_session, accounts.create_user(db_session, "stranger-" + uuid.uuid4().hex[:6])
    )
    with pytest.raises(Forbidden, match="private"):
        run_lists.browse(db_session, stranger, source, q)
    mine.verified = "yes"
    assert run_lists.browse(db_session, owner, source, mine).total == 0
    mine.verified = "no"
    assert run_lists.browse(db_session, owner, source, mine).total == 2


def test_version_trend_takes_each_versions_newest_run(db_session, guidelines, owner) -> None:  # type: ignore[no-untyped-def]
    source = FixedSource(guidelines)
    vendor_id = vendors.create_vendor(db_session, owner, "Trend vendor " + uuid.uuid4().hex[:6])
    owner = accounts.actor_for(db_session, db_session.get(User, owner.user_id))
    product_id = products.create_product(
        db_session,
        owner,
        {"name": "Trend " + uuid.uuid4().hex[:6], "organization_id": vendor_id, "product_type": 1},
    )
    products.create_version(db_session, owner, product_id, {"version": "v2"})
    products.create_version(db_session, owner, product_id, {"version": "v3"})
    default, v2, v3 = (v["id"] for v in products.list_versions(db_session, owner, product_id))
    names = required(guidelines)
    old = upload(db_session, owner, names[10:])
    new = upload(db_session, owner, names)
    runs_edit.update_run(db_session, owner, old, {"product_version_id": v2})
    runs_edit.update_run(db_session, owner, new, {"product_version_id": v3})
    trend = run_lists.version_trend(db_session, owner, source, product_id)
    assert [(t["version"], t["run"]["id"] if t["run"] else None) for t in trend] == [
        (None, None),
        ("v2", old),
        ("v3", new),
    ]
    assert (
        trend[2]["run"]["evaluation"]["meets"]
        and trend[2]["run"]["evaluation"]["pass_percent"] == 100
    )
    assert not trend[1]["run"]["evaluation"]["meets"]
    assert trend[1]["run"]["evaluation"]["pass_percent"] < 100
    assert default == trend[0]["version_id"]
