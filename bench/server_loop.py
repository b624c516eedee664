"""How long the server's event loop stalls: a heartbeat GET while slow requests run.

    .venv/bin/python bench/server_loop.py [--db sqlite|postgresql|both] [--rounds 20]

Against a real ``refcore serve`` on 127.0.0.1, per database, each scenario runs while a
heartbeat thread sends ``GET /v1/guidelines`` every 50 ms; printed: the scenario's own
time, the heartbeat's median and worst answer time during it, and wrong answers:

* ``race``: another user's refused ``DELETE /v1/results/{id}`` with the owner's
  ``POST .../meta/shared`` and ``PUT /v1/products/{id}``, ``--rounds`` times, 8 at once
  (issue 10: 500s after 60 s on SQLite);
* ``upload+meta``: a 100k-test v1 upload and, during it, the owner's meta POST;
* ``usage``: a 240 KB usage YAML (``POST /v2/usage``; parsing it takes seconds);
* ``verdict``: a 7 MB run file to the verdict page (``POST /verdicts``).

Run it on two checkouts (``PYTHONPATH=<checkout>``) to compare before and after.
PostgreSQL: $REFCORE_TEST_DATABASE_URL or postgresql+psycopg://postgres@127.0.0.1:5432/test.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
from refcore_testing import start_server, stop_server  # noqa: E402

from refcore.services import accounts  # noqa: E402
from refcore.storage.db import Database  # noqa: E402

PG = os.environ.get(
    "REFCORE_TEST_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
INTEROP = Path(os.environ.get("REFCORE_SHARED", ROOT.parent / "shared")) / "interop"
PROFILE = (ROOT / "examples" / "advisory-cases" / "bananacloud.yaml").read_text()


class Heartbeat:
    """GET /v1/guidelines every 50 ms from a thread; answer times in seconds."""

    def __init__(self, url: str) -> None:
        self.url, self.times, self._stop = url, [], threading.Event()
        self._thread = threading.Thread(target=self._beat, daemon=True)

    def _beat(self) -> None:
        with httpx.Client(base_url=self.url, timeout=300) as client:
            while not self._stop.is_set():
                start = time.perf_counter()
                client.get("/v1/guidelines")
                self.times.append(time.perf_counter() - start)
                self._stop.wait(0.05)

    def __enter__(self) -> Heartbeat:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()


def fresh_db(kind: str, tmp: Path) -> tuple[str, Callable[[], None]]:
    if kind == "sqlite":
        return f"sqlite:///{tmp / f'loop-{uuid.uuid4().hex[:6]}.db'}", lambda: None
    from sqlalchemy import create_engine, text

    schema = f"refcore_loop_{uuid.uuid4().hex[:6]}"
    admin = create_engine(PG)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))

    def cleanup() -> None:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()

    sep = "&" if "?" in PG else "?"
    return f"{PG}{sep}options=-csearch_path%3D{schema}", cleanup


def user(db: Database) -> dict[str, str]:
    with db.read() as session:
        created = accounts.create_user(session, f"bench-{uuid.uuid4().hex[:8]}")
        return {"Authorization": f"Bearer {accounts.create_token(session, created)}"}


def run_body(n: int) -> bytes:
    results = [{"name": f"tempest.api.bench.T{i // 100}.test_{i}"} for i in range(n)]
    return json.dumps(
        {"cpid": uuid.uuid4().hex, "duration_seconds": 1, "results": results}
    ).encode()


def usage_yaml(size: int) -> bytes:
    lines = [f"name: bench-{uuid.uuid4().hex[:6]}", "kind: client", "api_calls:"]
    i = 0
    while sum(len(line) + 1 for line in lines) < size:
        lines.append(f"  - {{method: GET, path: /v2/servers/{i}, service: compute}}")
        i += 1
    return "\n".join(lines).encode()


def scenarios(url: str, db: Database, rounds: int) -> dict[str, Callable[[], list[str]]]:
    owner, other = user(db), user(db)
    json_ct = {"Content-Type": "application/json"}
    with httpx.Client(base_url=url, timeout=300) as c:
        run_id = c.post("/v1/results", content=run_body(5), headers={**json_ct, **owner}).json()[
            "test_id"
        ]
        product_id = c.post(
            "/v1/products", json={"name": "bench", "product_type": 0}, headers=owner
        ).json()["id"]

    def race() -> list[str]:
        def one(job: tuple[str, int]) -> str | None:
            kind, i = job
            with httpx.Client(base_url=url, timeout=300) as c:
                if kind == "delete":
                    r, want = c.delete(f"/v1/results/{run_id}", headers=other), 403
                elif kind == "meta":
                    r = c.post(f"/v1/results/{run_id}/meta/shared", content=b"true", headers=owner)
                    want = 201
                else:
                    r = c.put(
                        f"/v1/products/{product_id}", json={"description": str(i)}, headers=owner
                    )
                    want = 200
            return None if r.status_code == want else f"{kind} {r.status_code}"

        jobs = [(k, i) for i in range(rounds) for k in ("delete", "meta", "product")]
        with ThreadPoolExecutor(8) as pool:
            return [w for w in pool.map(one, jobs) if w]

    def upload_meta() -> list[str]:
        body = run_body(100_000)
        with ThreadPoolExecutor(2) as pool, httpx.Client(base_url=url, timeout=300) as c:
            up = pool.submit(c.post, "/v1/results", content=body, headers={**json_ct, **owner})
            time.sleep(1)
            meta = c.post(f"/v1/results/{run_id}/meta/guideline", content=b"2020.11", headers=owner)
            codes = [(up.result().status_code, 201), (meta.status_code, 201)]
        return [f"{got} (want {want})" for got, want in codes if got != want]

    def usage() -> list[str]:
        headers = {"Content-Type": "application/yaml", **owner}
        with httpx.Client(base_url=url, timeout=300) as c:
            r = c.post("/v2/usage", content=usage_yaml(240 * 1024), headers=headers)
        return [] if r.status_code == 201 else [f"usage {r.status_code}"]

    def verdict() -> list[str]:
        names = "\n".join(f"tempest.api.compute.test_{i}.T.test_{i}" for i in range(100_000))
        with httpx.Client(base_url=url, timeout=300) as c:
            r = c.post(
                "/verdicts",
                data={"profile": PROFILE, "guideline": "havana"},
                files={"run_file": ("run.passed", names[: 7 * 1024 * 1024].encode(), "text/plain")},
                headers={"Accept": "text/html"},
            )
        return [] if r.status_code == 200 else [f"verdict {r.status_code}"]

    return {"race": race, "upload+meta": upload_meta, "usage": usage, "verdict": verdict}


def bench(kind: str, rounds: int, tmp: Path) -> None:
    url_db, cleanup = fresh_db(kind, tmp)
    process, url = start_server(url_db, INTEROP)
    db = Database.from_url(url_db)
    try:
        for name, scenario in scenarios(url, db, rounds).items():
            with Heartbeat(url) as beat:
                start = time.perf_counter()
                wrong = scenario()
                took = time.perf_counter() - start
            times = beat.times or [0.0]
            print(
                f"{kind:10} {name:12} took {took:6.2f} s   heartbeat median "
                f"{statistics.median(times) * 1000:7.1f} ms  worst {max(times) * 1000:8.1f} ms"
                f"   wrong answers: {', '.join(wrong) or 'none'}",
                flush=True,
            )
    finally:
        db.dispose()
        stop_server(process)
        cleanup()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--rounds", type=int, default=20)
    args = parser.parse_args()
    kinds = ["sqlite", "postgresql"] if args.db == "both" else [args.db]
    with tempfile.TemporaryDirectory() as tmp:
        for kind in kinds:
            bench(kind, args.rounds, Path(tmp))


if __name__ == "__main__":
    main()
