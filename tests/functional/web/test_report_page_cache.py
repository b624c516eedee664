"""The report page reads the services' cached reports: it shows the same figures as
``/v2/runs/{id}/report`` and ``/meets``, and a second view computes nothing."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from xml.sax.saxutils import quoteattr

from sqlalchemy import event, func, select

from refcore.storage.models import RunReport

GUIDELINE, TARGET = "2020.06", "platform"


def junit_run(guidelines) -> bytes:  # type: ignore[no-untyped-def]
    """2020.06's platform tests: most passed, some failed, some skipped with a reason,
    some not run at all, so every figure of the report is non-trivial."""
    cases = []
    for i, (_, test) in enumerate(guidelines[GUIDELINE].tests(TARGET)):
        name = quoteattr(test.name)
        if i % 9 == 1:
            cases.append(f'<testcase name={name}><failure message="boom"/></testcase>')
        elif i % 9 == 2:
            cases.append(f'<testcase name={name}><skipped message="no extension {i}"/></testcase>')
        elif i % 9 != 3:  # i % 9 == 3: not run
            cases.append(f"<testcase name={name}/>")
    return ("<testsuite>" + "".join(cases) + "</testsuite>").encode()


def upload(visitor, guidelines) -> str:  # type: ignore[no-untyped-def]
    r = visitor.post(
        "/v2/runs", content=junit_run(guidelines), headers={"Content-Type": "application/xml"}
    )
    assert r.status_code == 201, r.text
    return str(r.json()["id"])


def percent(value: float) -> str:
    """What the page's ``percent`` filter prints."""
    return f"{value:.1f}".removesuffix(".0") + "%"


def shown(page: str, element_id: str) -> str:
    found = re.search(rf'id="{element_id}">([^<]*)<', page)
    assert found, f"no #{element_id} on the page"
    return found.group(1)


@contextmanager
def report_writes(engine: Any) -> Iterator[list[str]]:
    """Every SQL statement that writes ``run_reports`` while the block runs."""
    seen: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany) -> None:  # type: ignore[no-untyped-def]
        words = statement.lstrip().split(None, 1)
        if words and words[0].upper() in ("INSERT", "UPDATE") and "run_reports" in statement:
            seen.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)


def test_page_and_v2_report_give_the_same_figures(visit, guidelines) -> None:  # type: ignore[no-untyped-def]
    v = visit()
    run_id = upload(v, guidelines)
    page = v.get(f"/results/{run_id}?guideline={GUIDELINE}&target={TARGET}").text
    api = v.get(f"/v2/runs/{run_id}/report", params={"guideline": GUIDELINE, "target": TARGET})
    assert api.status_code == 200
    report = api.json()
    fig = report["summary"]
    assert 0 < fig["nonFlagPassCount"] < fig["totalNonFlagCount"]  # a report worth comparing
    assert report["meets"] is False and f"does not meet {GUIDELINE} {TARGET}" in page

    assert (
        shown(page, "nonflag-counts") == f"{fig['nonFlagPassCount']} of {fig['totalNonFlagCount']}"
    )
    assert shown(page, "nonflag-percent") == percent(fig["nonFlagRequiredPassPercent"])
    assert shown(page, "required-percent") == percent(fig["requiredPassPercent"])
    rows = re.findall(
        r'<span class="status (\w+)">\w+</span></th><td class="num">(\d+)</td>'
        r'<td class="num">(\d+)</td><td class="num">(\d+)</td>',
        page,
    )
    assert rows and {s: (int(n), int(p), int(f)) for s, n, p, f in rows} == {
        s: (b["count"], b["passedCount"], b["flagPassCount"] + b["flagFailCount"])
        for s, b in report["by_status"].items()
        if b["count"]
    }
    # per capability: met or not, passed of total; per test: its state
    caps = dict(
        re.findall(
            r'<details class="cap (?:met|unmet)" id="cap-([^"]+)">.*?(\d+/\d+) passed',
            page,
            re.S,
        )
    )
    met = {
        name: cls == "met"
        for cls, name in re.findall(r'<details class="cap (met|unmet)" id="cap-([^"]+)"', page)
    }
    assert caps == {
        c["name"]: f"{c['counts']['passed']}/{c['counts']['total']}" for c in report["capabilities"]
    }
    assert met == {c["name"]: c["met"] for c in report["capabilities"]}
    states = Counter(re.findall(r'<li data-state="(\w+)"', page))
    expected = Counter(t["state"] for c in report["capabilities"] for t in c["tests"])
    assert states == expected and set(expected) >= {"passed", "failed", "skipped", "not_run"}
    every_cap = page[page.index('id="caps-h"') :]
    assert every_cap.count("Skipped: no extension") == expected["skipped"]
    # the verdict comes first: every required capability not met, with its failing
    # tests and their reasons
    failing = page[page.index('<ul id="failing"') : page.index('id="caps-h"')]
    unmet = [c for c in report["capabilities"] if c["status"] == "required" and not c["met"]]
    assert unmet and all(f'href="#cap-{c["name"]}"' in failing for c in unmet)
    missing = [t for c in unmet for t in c["tests"] if t["state"] != "passed" and not t["flagged"]]
    assert failing.count('<span class="state ') == len(missing)
    assert failing.count("Skipped: no extension") == sum(
        1 for t in missing if t["state"] == "skipped"
    )
    rc = report["required_capabilities"]
    assert f"<strong>{rc['met']} of {rc['total']}</strong> required capabilities met" in page

    meets = v.get(f"/v2/runs/{run_id}/meets").json()
    assert meets["meets"] == [] and "Meets none of the" in page


def test_page_lists_what_v2_meets_lists(visit, guidelines) -> None:  # type: ignore[no-untyped-def]
    v = visit()
    every = "\n".join(t.name for _, t in guidelines[GUIDELINE].tests(TARGET)).encode()
    r = v.post("/v2/runs", content=every, headers={"Content-Type": "text/plain"})
    assert r.status_code == 201, r.text
    run_id = r.json()["id"]
    page = v.get(f"/results/{run_id}").text
    cells = re.findall(
        r'<td class="(yes|no)[^"]*" data-meets="\w+"><a href="\?guideline=([^&]+)&amp;target=(\w+)"',
        page,
    )
    meets = v.get(f"/v2/runs/{run_id}/meets").json()
    # the grid holds every guideline x target of /meets once, marked as /meets says
    assert sorted((g, t, m == "yes") for m, g, t in cells) == sorted(
        (row["guideline"], row["target"], row["meets"]) for row in meets["all"]
    )
    on_page = [(g, t) for m, g, t in cells if m == "yes"]
    assert sorted(on_page) == sorted((m["guideline"], m["target"]) for m in meets["meets"])
    assert f"Meets <strong>{len(meets['meets'])}</strong> of {len(meets['all'])}" in page
    assert (GUIDELINE, TARGET) in on_page and len(on_page) < len(meets["all"])


def stored_reports(web, run_id: str) -> list[tuple[str, str]]:  # type: ignore[no-untyped-def]
    with web.db.read() as session:
        rows = session.execute(
            select(RunReport.guideline, RunReport.target).where(RunReport.run_id == run_id)
        )
        return sorted((guideline, target) for guideline, target in rows)


def test_first_view_was_prepared_at_upload(web, visit, guidelines) -> None:  # type: ignore[no-untyped-def]
    """After an upload the server prepares, off the request path, what the first view of
    the report page reads: the meets summary and the latest approved guideline's reports
    (every target); that first view then writes nothing, like every later one."""
    v = visit()
    run_id = upload(v, guidelines)
    web.app.state.refcore.preparer.join()
    latest = guidelines.latest_approved()
    assert latest.id == GUIDELINE  # the page's default guideline in the shared data
    assert stored_reports(web, run_id) == sorted(
        [("*", "*"), *((latest.id, t) for t in latest.targets)]
    )
    with report_writes(web.db.engine) as writes:
        first = v.get(f"/results/{run_id}").text
        by_target = {t: v.get(f"/results/{run_id}?target={t}").text for t in latest.targets}
    assert writes == []
    assert f"does not meet {GUIDELINE} {TARGET}" in first
    assert by_target[TARGET] == first and "does not meet 2020.06 object" in by_target["object"]


def test_prepared_reports_are_what_the_first_view_would_compute(web, visit, guidelines) -> None:  # type: ignore[no-untyped-def]
    """The same run uploaded to an app that prepares nothing: its first view computes
    reports equal to the prepared ones (one computation, two moments)."""
    from web_client import Visitor

    from refcore.server.app import create_app
    from refcore.services.guidelines import FixedSource

    prepared = upload(visit(), guidelines)
    web.app.state.refcore.preparer.join()
    settings = web.app.state.refcore.settings.model_copy(update={"prepare_reports": False})
    lazy_app = create_app(settings, db=web.db, guidelines=FixedSource(guidelines))
    lazy = Visitor(lazy_app)
    try:
        computed = upload(lazy, guidelines)
        assert stored_reports(web, computed) == []  # nothing prepared
        with report_writes(web.db.engine) as writes:
            assert lazy.get(f"/results/{computed}").status_code == 200
        assert len(writes) == 2  # the report and the meets summary, on the first view
        for path in ("meets", f"report?guideline={GUIDELINE}&target={TARGET}"):
            a = lazy.get(f"/v2/runs/{prepared}/{path}").json()
            b = lazy.get(f"/v2/runs/{computed}/{path}").json()
            assert a.pop("run_id") == prepared and b.pop("run_id") == computed
            assert a == b
    finally:
        lazy.close()


def test_second_view_reads_the_cache(web, visit, guidelines) -> None:  # type: ignore[no-untyped-def]
    """A report that was not prepared (not the latest guideline) is computed on its
    first view and stored; the second view and the API read that row."""
    v = visit()
    run_id = upload(v, guidelines)
    web.app.state.refcore.preparer.join()
    other = "2019.11"
    url = f"/results/{run_id}?guideline={other}&target={TARGET}"
    assert (other, TARGET) not in stored_reports(web, run_id)
    with report_writes(web.db.engine) as first_writes:
        first = v.get(url).text
    # the report is computed and stored once (the meets summary was prepared)
    assert (other, TARGET) in stored_reports(web, run_id)
    assert len(first_writes) == 1

    with report_writes(web.db.engine) as later_writes:
        again = v.get(url).text
        api = v.get(f"/v2/runs/{run_id}/report", params={"guideline": other, "target": TARGET})
        v.get(f"/v2/runs/{run_id}/meets")
    assert later_writes == []  # nothing recomputed: page and API read the same rows
    assert again == first
    with web.db.read() as session:
        body = session.scalar(
            select(RunReport.body).where(
                RunReport.run_id == run_id,
                RunReport.guideline == other,
                RunReport.target == TARGET,
            )
        )
        count = session.scalar(
            select(func.count()).select_from(RunReport).where(RunReport.run_id == run_id)
        )
    assert api.content == body.encode() and count == 5
