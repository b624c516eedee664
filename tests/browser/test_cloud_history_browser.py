"""A registered cloud's history in a real Chromium, at 1280 and 375 px, on both databases:
the vendor's admin logs in, opens the history, sees the chart, the runs, the regression of
the last run and follows its link to the failing run's report; the page fits a phone, axe-core
finds nothing serious; the certificate page shows "at-risk" to anyone."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

from browser_helpers import axe_violations, horizontal_overflow, login, shot, wide_elements
from continuous_data import SECRET, certify, required_tests, seed

from refcore.storage.db import Database
from refcore.storage.models import utcnow


def _seed(server: Any, guidelines: Any) -> Any:
    a = required_tests(guidelines)[0][0]
    start = utcnow() - timedelta(days=4)
    db = Database.from_url(server.db_url)
    try:
        with db.read() as session:
            h = seed(
                session,
                guidelines,
                start=start,
                plan=[
                    (0, "schedule", set()),
                    (1, "schedule", {a}),
                    (2, "schedule", set()),
                    (3, "schedule", {a}),
                ],
            )
            h.certificate = certify(session, guidelines, h, start + timedelta(minutes=30))  # type: ignore[attr-defined]
    finally:
        db.dispose()
    h.a = a  # type: ignore[attr-defined]
    return h


def test_history_in_the_browser(new_page: Any, server: Any, shots: Path, guidelines: Any) -> None:
    h = _seed(server, guidelines)
    for width in (1280, 375):
        page = new_page(width=width)
        login(page, h.admin)
        page.goto(f"/clouds/{h.cloud_id}/history")
        assert page.get_by_role("heading", level=1).inner_text().startswith("History of lab-")
        chart = page.get_by_role("img", name="Required pass % of 2020.06 object per run")
        assert chart.is_visible()
        assert "4 runs, 2 meet" in (chart.get_attribute("aria-label") or "")
        section = page.locator("section.series")
        assert section.locator("[data-freshness]").inner_text() == "at-risk"
        assert section.locator("table.runs tbody tr").count() == 4
        regressions = section.locator("table.regressions tbody tr")
        assert regressions.count() == 2
        assert h.a in regressions.first.inner_text()
        assert horizontal_overflow(page) == 0, wide_elements(page)
        assert axe_violations(page) == []
        assert SECRET not in page.content()
        shot(page, shots, f"cloud-history-{width}")
        if width == 1280:
            # the regression's "not passed in" link opens the failing run's report
            regressions.first.get_by_role("link", name=h.runs[3][:8]).click()
            page.wait_for_url(f"**/results/{h.runs[3]}?guideline=2020.06&target=object")
            assert "2020.06" in page.content()

    # anyone: the certificate shows at-risk
    visitor = new_page(width=375)
    visitor.goto(f"/certified/{h.certificate}")
    assert visitor.locator("#cert-status").inner_text() == "at-risk"
    assert "failed; it lapses on" in visitor.locator("#freshness").inner_text()
    assert horizontal_overflow(visitor) == 0, wide_elements(visitor)
    assert axe_violations(visitor) == []
    shot(visitor, shots, "certificate-at-risk-375")
