"""HTTP client for a RefStack-compatible server (refcore's own, or RefStack itself).

``post_refstack_v1`` sends the body refstack-client sends (``POST /v1/results/``,
optionally signed); ``post_run_v2`` sends a whole test run (subunit bytes with every
outcome and skip reason) to refcore's v2 API. The transport is injectable for tests.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx

from refcore.errors import RefcoreError

__all__ = ["UploadError", "Uploaded", "RefcoreClient"]


class UploadError(RefcoreError):
    """The server refused the upload or could not be reached."""

    status = 502


@dataclass(frozen=True, slots=True)
class Uploaded:
    """What the server answered: the run's id and URL (when it gave them)."""

    status_code: int
    id: str | None
    url: str | None
    body: dict[str, Any]


class RefcoreClient:
    def __init__(
        self,
        base_url: str,
        *,
        timeout: float = 60.0,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self._http = httpx.Client(base_url=self.base_url, timeout=timeout, transport=transport)

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> RefcoreClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def post_refstack_v1(self, body: bytes, headers: dict[str, str] | None = None) -> Uploaded:
        """``POST /v1/results/`` as refstack-client does; success is 201 with a ``url``."""
        all_headers = {"Content-Type": "application/json", **(headers or {})}
        return self._post("/v1/results/", body, all_headers, expect=(201,))

    def post_run_v2(
        self, data: bytes, *, cpid: str | None = None, duration_seconds: int | None = None
    ) -> Uploaded:
        """``POST /v2/runs`` with the raw run bytes (subunit v2 from ``tempest run``)."""
        headers = {"Content-Type": "application/octet-stream"}
        params = {"cpid": cpid} if cpid else {}
        if duration_seconds is not None:
            params["duration_seconds"] = str(duration_seconds)
        return self._post("/v2/runs", data, headers, expect=(200, 201), params=params or None)

    def get_report(self, run_id: str, guideline: str, target: str) -> Any:
        """The server's compliance report of a stored run (``GET /v2/runs/ID/report``)."""
        return self.get_json(f"/v2/runs/{run_id}/report?guideline={guideline}&target={target}")

    def get_json(self, path: str) -> Any:
        try:
            response = self._http.get(path)
        except httpx.HTTPError as exc:
            raise UploadError(f"{self.base_url}{path}: {exc}") from None
        if response.status_code != 200:
            raise UploadError(f"GET {self.base_url}{path}: {_reason(response)}")
        return response.json()

    def _post(
        self,
        path: str,
        content: bytes,
        headers: dict[str, str],
        *,
        expect: tuple[int, ...],
        params: dict[str, str] | None = None,
    ) -> Uploaded:
        try:
            response = self._http.post(path, content=content, headers=headers, params=params)
        except httpx.HTTPError as exc:
            raise UploadError(f"upload to {self.base_url} failed: {exc}") from None
        if response.status_code not in expect:
            raise UploadError(f"POST {self.base_url}{path}: {_reason(response)}")
        try:
            body = response.json()
        except ValueError:
            body = {}
        body = body if isinstance(body, dict) else {"data": body}
        run_id = body.get("id") or body.get("test_id")
        return Uploaded(response.status_code, run_id and str(run_id), body.get("url"), body)


def _reason(response: httpx.Response) -> str:
    detail = ""
    try:
        data = response.json()
        if isinstance(data, dict):
            detail = str(data.get("error") or data.get("message") or data.get("detail") or "")
    except ValueError:
        detail = response.text[:200]
    return f"{response.status_code} {detail}".strip()
