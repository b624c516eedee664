"""``refcore certification`` on a server's database (both kinds): the vendor asks from the
command line with a declaration file, follows the request, the Foundation approves and
revokes, the list shows it — the same services as the API, which sees the same record."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any

import httpx
import yaml


def refcore(*args: str, db: str, interop: Path, code: int = 0) -> subprocess.CompletedProcess[str]:
    exe = Path(sys.executable).with_name("refcore")
    done = subprocess.run(
        [str(exe), "certification", *args, "--db", db],
        capture_output=True,
        text=True,
        timeout=180,
        env={**os.environ, "REFCORE_GUIDELINES": str(interop)},
    )
    assert done.returncode == code, (args, done.stdout, done.stderr)
    return done


def test_request_to_revocation_from_the_command_line(
    live_server: Any, http: httpx.Client, samples_dir: Path, interop_dir: Path, tmp_path: Path
) -> None:
    tag = uuid.uuid4().hex[:6]
    vendor, found = f"cli-v-{tag}", f"cli-f-{tag}"
    token = live_server.user(vendor)
    live_server.user(found, foundation=True)
    auth = {"Authorization": f"Bearer {token}"}
    pid = http.post(
        "/v1/products",
        json={"name": f"CLI Cloud {tag}", "product_type": 1, "version": "7"},
        headers=auth,
    ).json()["id"]
    version = next(
        v["id"]
        for v in http.get(f"/v1/products/{pid}/versions", headers=auth).json()
        if v["version"] == "7"
    )
    body = (samples_dir / "refstack-client" / "upload-body.json").read_bytes()
    run = http.post("/v2/runs", content=body, headers=auth).json()["id"]
    template = http.get(
        "/v2/certifications/template", params={"guideline": "2020.06", "program": "storage"}
    ).json()
    declaration = tmp_path / "declaration.yaml"
    incomplete = json.loads(json.dumps(template["projects"]))
    incomplete["swift"]["sections"].pop("tempurl")
    declaration.write_text(
        yaml.safe_dump(
            {"release": "victoria", "projects": incomplete, "obligations": template["obligations"]}
        )
    )
    db = live_server.db_url
    common = ("--version", version, "--program", "storage", "--guideline", "2020.06", "--run", run)

    # an incomplete declaration: exit 1, the named pre-check says what is missing
    out = refcore(
        "request",
        "--as",
        vendor,
        *common,
        "--declaration",
        str(declaration),
        db=db,
        interop=interop_dir,
        code=1,
    )
    assert "✗ failed declaration_complete" in out.stdout and "swift / tempurl" in out.stdout
    # the Foundation cannot approve it without an override
    blocked = json.loads(
        refcore(
            "request", "--as", vendor, *common, "--json", db=db, interop=interop_dir, code=1
        ).stdout
    )
    err = refcore(
        "approve", blocked["id"], "--as", found, db=db, interop=interop_dir, code=2
    ).stderr
    assert "declaration_complete" in err and "override" in err

    declaration.write_text(
        yaml.safe_dump(
            {
                "release": "victoria",
                "projects": template["projects"],
                "obligations": template["obligations"],
            }
        )
    )
    made = json.loads(
        refcore(
            "request",
            "--as",
            vendor,
            *common,
            "--declaration",
            str(declaration),
            "--json",
            db=db,
            interop=interop_dir,
        ).stdout
    )
    assert made["state"] == "pending" and made["declaration"]["number"] == 2
    shown = refcore("status", made["id"], "--as", vendor, db=db, interop=interop_dir).stdout
    assert shown.count("✓ passed") == 8 and "pending" in shown
    # a vendor cannot decide; the Foundation can
    refcore("approve", made["id"], "--as", vendor, db=db, interop=interop_dir, code=2)
    approved = refcore(
        "approve", made["id"], "--as", found, "--reason", "ok", db=db, interop=interop_dir
    ).stdout
    cert = approved.split()[-1]
    listed = refcore("list", "--vendor", f"vendor_{vendor}", db=db, interop=interop_dir).stdout
    assert cert in listed and "valid" in listed and "OpenStack Powered Storage 2020.06" in listed
    assert http.get(f"/v2/certifications/{cert}").json()["status"] == "valid"  # the same record
    refcore("revoke", cert, "--as", found, "--reason", "lapsed", db=db, interop=interop_dir)
    csv_text = refcore("list", "--status", "revoked", "--csv", db=db, interop=interop_dir).stdout
    assert cert in csv_text and "lapsed" in csv_text
    assert http.get(f"/v2/certifications/{cert}").json()["status"] == "revoked"
    refcore(
        "deny",
        blocked["id"],
        "--as",
        found,
        "--reason",
        "declare tempurl",
        db=db,
        interop=interop_dir,
    )
    assert (
        "denied"
        in refcore("status", blocked["id"], "--as", vendor, db=db, interop=interop_dir).stdout
    )
