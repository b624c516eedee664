"""Guideline pages and v1 guideline answers are kept and revalidated: an ``ETag`` (and,
for a page everyone sees alike, a ``Last-Modified``), a 304 to a client that has the
answer, a new tag when the guideline set changes; a page is rendered once per set."""

from __future__ import annotations

import json
import shutil
import uuid
from pathlib import Path

import pytest
from web_client import Visitor

from refcore.server.app import create_app
from refcore.services.guidelines import LoadedSource

PATHS = (
    "/guidelines",
    "/guidelines/2020.06",
    "/guidelines/2020.06/tests?target=object",
    "/guidelines/2020.06/sections",
    "/guidelines/diff?from=2019.11&to=2020.06",
    "/v1/guidelines",
    "/v1/guidelines/2020.06.json",
    "/v1/guidelines/2020.06.json/tests?target=platform",
)


@pytest.mark.parametrize("path", PATHS)
def test_revalidation_answers_304(visit, path: str) -> None:  # type: ignore[no-untyped-def]
    v = visit()
    first = v.get(path)
    assert first.status_code == 200 and first.content
    etag = first.headers["etag"]
    assert etag.startswith('"') and first.headers["cache-control"] == "no-cache"

    again = v.get(path, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b""
    assert again.headers["etag"] == etag
    assert v.get(path, headers={"If-None-Match": f'"x", W/{etag}'}).status_code == 304
    other = v.get(path, headers={"If-None-Match": '"something-else"'})
    assert other.status_code == 200 and other.content == first.content
    if path.startswith("/guidelines"):  # a page: the same for every anonymous visitor
        since = first.headers["last-modified"]
        assert v.get(path, headers={"If-Modified-Since": since}).status_code == 304
        old = "Mon, 01 Jan 2001 00:00:00 GMT"
        assert v.get(path, headers={"If-Modified-Since": old}).status_code == 200
        # If-None-Match decides when both are sent
        both = {"If-None-Match": '"something-else"', "If-Modified-Since": since}
        assert v.get(path, headers=both).status_code == 200
        assert visit().get(path).headers["etag"] == etag  # another visitor, the same page


def test_changed_guideline_set_changes_the_etag(web, interop_dir: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """The same files give the same tags; an edited guideline file, another tag, and a
    client holding the old one gets the new page."""
    copy = tmp_path / "interop"
    shutil.copytree(interop_dir, copy)

    def tags(paths: tuple[str, ...]) -> dict[str, tuple[str, str]]:
        app = create_app(
            web.app.state.refcore.settings, db=web.db, guidelines=LoadedSource(str(copy))
        )
        v = Visitor(app)
        try:
            answers = {p: v.get(p) for p in paths}
            assert all(r.status_code == 200 for r in answers.values())
            return {p: (r.headers["etag"], r.text) for p, r in answers.items()}
        finally:
            v.close()

    paths = ("/guidelines/2020.06", "/v1/guidelines/2020.06.json")
    before = tags(paths)
    assert tags(paths) == before  # a new app over the same files: the same answers and tags
    doc = json.loads((copy / "2020.06.json").read_text())
    doc["capabilities"]["compute-list-api-versions"]["description"] = "Edited for the test."
    (copy / "2020.06.json").write_text(json.dumps(doc))
    after = tags(paths)
    for path in paths:
        assert after[path][0] != before[path][0]
        assert "Edited for the test." in after[path][1]
        assert "Edited for the test." not in before[path][1]


def test_a_page_is_rendered_once(visit, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from refcore.server.pages import guidelines as pages

    built = []
    real = pages.build_matrix
    monkeypatch.setattr(pages, "build_matrix", lambda *a: built.append(a) or real(*a))
    path = f"/guidelines/2020.06?target=object&seen={uuid.uuid4().hex}"  # a URL nobody asked
    first, second = visit().get(path), visit().get(path)
    assert first.status_code == second.status_code == 200
    assert second.content == first.content and len(built) == 1


def test_a_logged_in_visitor_gets_a_page_of_their_own(web, visit) -> None:  # type: ignore[no-untyped-def]
    anonymous = visit().get("/guidelines/2020.06")
    name, _ = web.user("cache")
    v = visit()
    v.login(name)
    mine = v.get("/guidelines/2020.06")
    assert mine.status_code == 200 and name in mine.text and name not in anonymous.text
    assert mine.headers["etag"] != anonymous.headers["etag"]
    assert "last-modified" not in mine.headers
    # what the anonymous page said is no answer for them
    since = {"If-Modified-Since": anonymous.headers["last-modified"]}
    assert v.get("/guidelines/2020.06", headers=since).status_code == 200
    stale = {"If-None-Match": anonymous.headers["etag"]}
    assert v.get("/guidelines/2020.06", headers=stale).status_code == 200
    fresh = {"If-None-Match": mine.headers["etag"]}
    assert v.get("/guidelines/2020.06", headers=fresh).status_code == 304
