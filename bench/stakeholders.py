"""Benchmark the stakeholder map (issue 15).

    .venv/bin/python bench/stakeholders.py [--db sqlite|postgresql|both] [--teams 200] [-n 50]

Prints: the time to read Keystone's whole history (8,475 commits: gunzip + parse, cold,
best of 5; target < 5 s), and, over HTTP against ``refcore serve`` on 127.0.0.1 with
``--teams`` registered teams (each on a few capabilities, sections and projects, with
contributor ids), the map page of a Swift and a Keystone capability and a Swift section,
first request (cold) and p50/p95 warm (target < 100 ms). PostgreSQL:
$REFCORE_TEST_DATABASE_URL or the local postgresql+psycopg://postgres@127.0.0.1:5432/test.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
import uuid
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "bench"))
from refcore_testing import start_server, stop_server  # noqa: E402
from server import fresh_db, pct  # noqa: E402

from refcore.readers import contrib  # noqa: E402
from refcore.readers.guidelines import load_guidelines  # noqa: E402
from refcore.services import accounts  # noqa: E402
from refcore.services import stakeholders as teams  # noqa: E402
from refcore.storage.db import Database  # noqa: E402
from refcore.storage.migrate import upgrade  # noqa: E402

SHARED = ROOT.parent / "shared"
PAGES = [
    "/stakeholders/map?capability=objectstore-slo-support",
    "/stakeholders/map?capability=identity-v3-tokens-validate",
    "/stakeholders/map?project=swift&section=proxy%20server",
]


def history_read() -> tuple[float, int]:
    best, size = float("inf"), 0
    for _ in range(5):
        contrib._histories.clear()
        start = time.perf_counter()
        commits = contrib.read_history("keystone", SHARED / "contrib")
        best = min(best, time.perf_counter() - start)
        size = len(commits)
    return best, size


def register(db_url: str, count: int) -> None:
    gs = load_guidelines(SHARED / "interop", use_cache=False)
    caps = sorted(
        c for c in gs["2020.06"].capabilities if c.startswith(("objectstore", "identity"))
    )
    sections = [("swift", "proxy server"), ("swift", "slo"), ("keystone", "auth (v3) api")]
    orgs = ["Red Hat", "NVIDIA", "OVHcloud", "SUSE", "Huawei", "Example Corp"]
    rng = random.Random(15)
    db = Database.from_url(db_url)
    with db.read() as session:
        for i in range(count):
            user = accounts.create_user(session, f"mgr-{i}-{uuid.uuid4().hex[:4]}")
            actor = accounts.actor_for(session, user)
            areas = [{"kind": "capability", "name": c} for c in rng.sample(caps, 3)]
            project, section = rng.choice(sections)
            areas.append({"kind": "section", "project": project, "name": section})
            areas.append({"kind": "project", "project": rng.choice(["swift", "keystone"])})
            teams.register_team(
                session, actor, gs, organisation=rng.choice(orgs), name=f"team {i}",
                role=rng.choice(teams.ROLES), areas=areas,
                contributors=[f"{rng.getrandbits(48):012x}" for _ in range(5)],
            )  # fmt: skip
    db.dispose()


def bench_db(kind: str, args: argparse.Namespace, tmp: Path) -> None:
    url, cleanup = fresh_db(kind, tmp)
    db = Database.from_url(url)
    upgrade(db.engine)
    db.dispose()
    register(url, args.teams)
    process, base = start_server(
        url, SHARED / "interop", env={"REFCORE_CONTRIB": str(SHARED / "contrib")}
    )
    try:
        with httpx.Client(base_url=base, timeout=60) as client:
            for page in PAGES:
                start = time.perf_counter()
                r = client.get(page)
                cold = time.perf_counter() - start
                assert r.status_code == 200, r.text[:300]
                warm = []
                for _ in range(args.n):
                    start = time.perf_counter()
                    client.get(page).raise_for_status()
                    warm.append(time.perf_counter() - start)
                print(
                    f"{kind:10} {page:58} cold {cold * 1000:7.1f} ms   "
                    f"warm p50 {pct(warm, 0.5):6.1f} ms  p95 {pct(warm, 0.95):6.1f} ms"
                )
    finally:
        stop_server(process)
        cleanup()  # type: ignore[operator]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=["sqlite", "postgresql", "both"], default="sqlite")
    parser.add_argument("--teams", type=int, default=200)
    parser.add_argument("-n", type=int, default=50, help="warm requests per page")
    args = parser.parse_args()
    seconds, size = history_read()
    print(f"Keystone history: {size} commits read in {seconds:.3f} s (target < 5 s)")
    kinds = ["sqlite", "postgresql"] if args.db == "both" else [args.db]
    print(f"map pages with {args.teams} registered teams (target: warm < 100 ms)")
    with tempfile.TemporaryDirectory() as tmp:
        for kind in kinds:
            bench_db(kind, args, Path(tmp))


if __name__ == "__main__":
    main()
