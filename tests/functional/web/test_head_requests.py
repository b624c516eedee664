"""``HEAD`` is ``GET`` without the body on every readable page and endpoint (monitors and
link checkers use it); unsafe routes stay what they are."""

from __future__ import annotations

from functools import partial
from typing import Any

import httpx
import pytest


def send_head(visitor: Any, path: str) -> httpx.Response:
    return visitor._portal.call(partial(visitor._client.head, path))  # type: ignore[no-any-return]


@pytest.mark.parametrize(
    "path", ["/", "/guidelines", "/guidelines/2020.06", "/v1/guidelines", "/v2/certifications"]
)
def test_head_is_get_without_the_body(visit: Any, path: str) -> None:
    v = visit()
    got = v.get(path)
    head = send_head(v, path)
    assert got.status_code == head.status_code == 200
    assert head.content == b""
    assert head.headers["content-type"] == got.headers["content-type"]
    assert int(head.headers["content-length"]) == len(got.content)
    assert "content-security-policy" in head.headers


def test_head_of_a_missing_page_is_404_and_a_post_only_route_405(visit: Any) -> None:
    v = visit()
    assert send_head(v, "/nope").status_code == 404
    assert send_head(v, "/logout").status_code == 405
