"""Does the sandbox's object storage work end to end? ``sandbox up`` asks before it says
yes: a token from Keystone, the object-store endpoint from its catalog, then a container,
two 1 MiB segments, a static large object over them (what Tempest's SLO tests do), a read
of it, and the clean-up. Until all of it works, or the time is up, it tries again: a
cloud that has just started can refuse the first requests."""

from __future__ import annotations

import hashlib
import json
import secrets
import time

import httpx

from refcore.errors import RunnerError
from refcore.runner.cloud import Cloud, preflight

from .identity import Account

__all__ = ["check_object_storage"]

SEGMENT = 1024 * 1024


class _Refused(Exception):
    pass


def check_object_storage(
    keystone_url: str, account: Account, *, timeout: float = 60.0, pause: float = 1.0
) -> str:
    """Return the storage URL once the round trip works; raise RunnerError naming the
    step that kept failing when it does not work within ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    last = "not tried"
    with httpx.Client(timeout=30) as http:
        while True:
            try:
                return _round_trip(http, keystone_url, account)
            except (_Refused, RunnerError, httpx.HTTPError) as exc:
                last = str(exc) or type(exc).__name__
            if time.monotonic() >= deadline:
                raise RunnerError(
                    f"sandbox object storage does not work after {timeout:g} s: {last}"
                )
            time.sleep(pause)


def _round_trip(http: httpx.Client, keystone_url: str, account: Account) -> str:
    cloud = Cloud(
        keystone_url, account.username, account.password, account.project, origin="sandbox"
    )
    session = preflight(cloud)  # the token and the catalog, as `refcore test` gets them
    endpoint = session.endpoint("object-store")
    if endpoint is None:
        raise _Refused("Keystone's catalog has no public object-store endpoint")
    storage = endpoint.url.rstrip("/")
    headers = {"X-Auth-Token": session.token}
    container = f"{storage}/refcore-smoke-{secrets.token_hex(4)}"
    _expect(http.put(container, headers=headers), (201, 202), "PUT container")
    try:
        data = secrets.token_bytes(SEGMENT)
        etag = hashlib.md5(data, usedforsecurity=False).hexdigest()
        manifest = []
        for i in (1, 2):
            segment = f"{container}/segment-{i}"
            _expect(http.put(segment, headers=headers, content=data), (201,), "PUT segment")
            manifest.append(
                {
                    "path": segment[len(storage) :],
                    "etag": etag,
                    "size_bytes": SEGMENT,
                }
            )
        slo = f"{container}/large"
        _expect(
            http.put(
                slo,
                headers=headers,
                params={"multipart-manifest": "put"},
                content=json.dumps(manifest).encode(),
            ),
            (201,),
            "PUT static large object manifest",
        )
        got = http.get(slo, headers=headers)
        _expect(got, (200,), "GET static large object")
        if got.headers.get("x-static-large-object") != "True" or len(got.content) != 2 * SEGMENT:
            raise _Refused(
                f"GET static large object: {len(got.content)} bytes, "
                f"X-Static-Large-Object {got.headers.get('x-static-large-object')!r}"
            )
        _expect(
            http.delete(slo, headers=headers, params={"multipart-manifest": "delete"}),
            (200, 204),
            "DELETE static large object",
        )
    finally:
        _clean(http, container, headers)
    return storage


def _expect(response: httpx.Response, ok: tuple[int, ...], what: str) -> None:
    if response.status_code not in ok:
        text = " ".join(response.text.split())[:160]
        raise _Refused(f"{what} -> {response.status_code} {text}".rstrip())


def _clean(http: httpx.Client, container: str, headers: dict[str, str]) -> None:
    try:
        listing = http.get(container, headers=headers, params={"format": "json"})
        names = [o["name"] for o in listing.json()] if listing.status_code == 200 else []
        for name in names:
            http.delete(f"{container}/{name}", headers=headers)
        http.delete(container, headers=headers)
    except (httpx.HTTPError, ValueError):
        pass  # best effort: a failed smoke test may leave a container behind
