"""Record a cloud's answers for the unit tests (what python-tempestconf reads of each
service): the token's catalog, and per service its versions, extensions, microversions
and the resources the discovery looks at (flavors, images, networks).

    OS_CLIENT_CONFIG_FILE=<sandbox>/clouds.yaml \\
        .venv/bin/python tests/unit/runner/recorded/record.py refcore-sandbox OUT_DIR [STEM ...]

Writes ``<project>-<major version>-<what>.json``, each ``{"request": "GET /path", "status": N,
"body": ...}``. The token itself is never written (Keystone sends it in a header), and
neither is anything named like a password or secret.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx

from refcore.runner.cloud import load_cloud

#: (file stem, service type, path under the endpoint; "/" + path: from the host's root)
WANTED = [
    ("nova-34-versions", "compute", "//"),
    ("nova-34-version", "compute", ""),
    ("nova-34-extensions", "compute", "/extensions"),
    ("nova-34-flavors", "compute", "/flavors/detail"),
    ("nova-34-services", "compute", "/os-services"),
    ("nova-34-hosts", "compute", "/os-hosts"),
    ("neutron-29-versions", "network", "//"),
    ("neutron-29-extensions", "network", "/v2.0/extensions"),
    ("neutron-29-networks", "network", "/v2.0/networks"),
    ("glance-33-versions", "image", "/versions"),
    ("glance-33-images", "image", "/v2/images"),
    ("glance-33-stores", "image", "/v2/info/stores"),
    ("glance-33-import", "image", "/v2/info/import"),
    ("cinder-29-versions", "volumev3", "//"),
    ("cinder-29-extensions", "volumev3", "/extensions"),
    ("cinder-29-types", "volumev3", "/types"),
    ("cinder-29-pools", "volumev3", "/scheduler-stats/get_pools"),
    ("cinder-29-backup-services", "volumev3", "/os-services?binary=cinder-backup"),
    ("placement-16-versions", "placement", "//"),
]
_SECRET_KEYS = ("password", "secret")


def _scrub(value: Any) -> Any:
    if isinstance(value, dict):
        return {
            k: "***" if any(s in k.lower() for s in _SECRET_KEYS) else _scrub(v)
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [_scrub(v) for v in value]
    return value


def main(cloud_name: str, out: Path, only: list[str]) -> None:
    cloud = load_cloud(cloud_name)
    answer = httpx.post(f"{cloud.v3_url}/auth/tokens", json=cloud.auth_body(), timeout=30)
    answer.raise_for_status()
    token = answer.headers["X-Subject-Token"]
    body = answer.json()
    out.mkdir(parents=True, exist_ok=True)
    catalog = {
        e["type"]: next(p["url"] for p in e["endpoints"] if p["interface"] == "public")
        for e in body["token"]["catalog"]
    }
    text = json.dumps(_scrub(body), indent=1)
    assert token not in text
    (out / "keystone-30-platform-token.json").write_text(text + "\n")
    headers = {"X-Auth-Token": token}  # each API's default microversion, as tempestconf asks
    for stem, service, path in WANTED:
        if only and stem not in only:
            continue
        base = catalog[service]
        if path == "//":
            parts = urlsplit(base)
            url = f"{parts.scheme}://{parts.netloc}/"
        else:
            url = base.rstrip("/") + path
        got = httpx.get(url, headers=headers, timeout=30)
        try:
            data: Any = got.json()
        except ValueError:
            data = got.text
        parts = urlsplit(url)
        request = f"GET {parts.path}" + (f"?{parts.query}" if parts.query else "")
        record = {"request": request, "status": got.status_code, "body": _scrub(data)}
        text = json.dumps(record, indent=1)
        assert token not in text
        (out / f"{stem}.json").write_text(text + "\n")
        print(f"{stem}: {request} -> {got.status_code}")


if __name__ == "__main__":
    main(sys.argv[1], Path(sys.argv[2]), sys.argv[3:])
