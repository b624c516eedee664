"""The services' report cache: keyed by the guideline source (and the evaluation
code), so a changed source is never answered from rows computed for another."""

from __future__ import annotations

import json

from sqlalchemy import select

from refcore.core.guidelines import GuidelineSet
from refcore.services import accounts, reports, runs
from refcore.services.guidelines import FixedSource
from refcore.storage.models import RunReport


def passed_list(guidelines, guideline: str, target: str) -> bytes:  # type: ignore[no-untyped-def]
    return "\n".join(t.name for _, t in guidelines[guideline].tests(target)).encode()


def stored_key(session, run_id: str, guideline: str, target: str) -> str:  # type: ignore[no-untyped-def]
    return str(
        session.scalar(
            select(RunReport.fingerprint).where(
                RunReport.run_id == run_id,
                RunReport.guideline == guideline,
                RunReport.target == target,
            )
        )
    )


def test_meets_is_recomputed_for_another_guideline_source(db_session, guidelines) -> None:  # type: ignore[no-untyped-def]
    run = runs.submit_v2(
        db_session,
        runs.Upload(passed_list(guidelines, "2020.06", "platform")),
        accounts.ANONYMOUS,
        allow_anonymous=True,
    )
    full = FixedSource(guidelines)
    only = FixedSource(GuidelineSet([guidelines["2020.06"], guidelines["dns.2020.06"]]))
    assert reports.cache_key(full) != reports.cache_key(only)

    everything = json.loads(reports.meets(db_session, accounts.ANONYMOUS, run.id, full))
    kinds = {guidelines[r["guideline"]].kind for r in everything["all"]}
    assert kinds == set(reports.MEETS_KINDS)  # verticals are checked too, as the page did
    assert stored_key(db_session, run.id, "*", "*") == reports.cache_key(full)

    fewer = json.loads(reports.meets(db_session, accounts.ANONYMOUS, run.id, only))
    assert {r["guideline"] for r in fewer["all"]} == {"2020.06", "dns.2020.06"}
    assert [(r["guideline"], r["target"]) for r in fewer["meets"]] == [
        (r["guideline"], r["target"]) for r in everything["meets"] if r["guideline"] == "2020.06"
    ]
    assert stored_key(db_session, run.id, "*", "*") == reports.cache_key(only)
    again = reports.meets(db_session, accounts.ANONYMOUS, run.id, full)
    assert json.loads(again) == everything


def test_a_row_with_a_stale_key_is_recomputed(db_session, guidelines) -> None:  # type: ignore[no-untyped-def]
    run = runs.submit_v2(
        db_session,
        runs.Upload(passed_list(guidelines, "2020.06", "object")),
        accounts.ANONYMOUS,
        allow_anonymous=True,
    )
    source = FixedSource(guidelines)
    first = reports.report(db_session, accounts.ANONYMOUS, run.id, source, "2020.06", "object")
    row = db_session.get(RunReport, (run.id, "2020.06", "object"))
    row.fingerprint, row.body = "0" * 64, "{}"  # as left by an older evaluator or source
    db_session.commit()
    assert (
        reports.report(db_session, accounts.ANONYMOUS, run.id, source, "2020.06", "object") == first
    )
    assert stored_key(db_session, run.id, "2020.06", "object") == reports.cache_key(source)
