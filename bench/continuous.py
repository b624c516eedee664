"""Benchmark a registered cloud's history, the certificate listing with freshness and
/metrics' rows; prints figures, asserts nothing.

    .venv/bin/python bench/continuous.py [--runs 90] [--clouds 20] [--db URL]

One cloud with ``--runs`` runs of 2020.06 object (one required test failing in every
fifth) and ``--clouds`` more clouds of their own product versions with 10 runs each, each
version certified for Storage (seeding computes and stores each run's report, as the first
view of a run does). Figures: the history (its reports read back and parsed), the public listing of every certificate (freshness
for each, one query), the /metrics rows of the first vendor.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))


def timed(fn, repeat: int) -> list[float]:  # type: ignore[no-untyped-def]
    out = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        out.append((time.perf_counter() - t) * 1000)
    return out


def show(label: str, ms: list[float]) -> None:
    print(f"{label:<52} median {statistics.median(ms):9.2f} ms  min {min(ms):9.2f} ms  n={len(ms)}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--guidelines", default=str(ROOT.parent / "shared" / "interop"))
    parser.add_argument("--runs", type=int, default=90)
    parser.add_argument("--clouds", type=int, default=20)
    parser.add_argument("--db", default=None, help="SQLAlchemy URL (default: a new SQLite file)")
    args = parser.parse_args()

    from continuous_data import certify, required_tests, seed

    from refcore.readers.guidelines import load_guidelines
    from refcore.services import accounts, certificates, cloud_history
    from refcore.services.guidelines import FixedSource
    from refcore.storage.db import Database
    from refcore.storage.migrate import upgrade
    from refcore.storage.models import utcnow

    gs = load_guidelines(args.guidelines)
    source = FixedSource(gs)
    url = args.db or f"sqlite:///{tempfile.mkdtemp()}/bench.db"
    db = Database.from_url(url)
    upgrade(db.engine)
    a = required_tests(gs)[0][0]
    now = utcnow()
    t = time.perf_counter()
    with db.read() as session:
        plan = [(i, "schedule", {a} if i % 5 == 4 else set()) for i in range(args.runs)]
        main_cloud = seed(session, gs, start=now - timedelta(days=args.runs), plan=plan)
        certify(session, gs, main_cloud, now - timedelta(days=args.runs) + timedelta(minutes=30))
        for _ in range(args.clouds):
            small = [(i, "schedule", set()) for i in range(10)]
            h = seed(session, gs, start=now - timedelta(days=10), plan=small)
            certify(session, gs, h, now - timedelta(days=10) + timedelta(minutes=30))
    print(f"seeded {args.runs} + {args.clouds} x 10 runs in {time.perf_counter() - t:.1f} s ({db.engine.dialect.name})")  # fmt: skip

    policy = cloud_history.Policy(now, runs=args.runs)
    with db.read() as session:
        user = accounts.user_by_openid(session, main_cloud.admin)
        assert user is not None
        actor = accounts.actor_for(session, user)

    def history() -> None:
        with db.read() as session:
            cloud_history.cloud_history(session, actor, source, policy, main_cloud.cloud_id)

    show(f"history of {args.runs} runs, first read", timed(history, 1))
    show(f"history of {args.runs} runs, again", timed(history, 5))

    def listing() -> None:
        with db.read() as session:
            certificates.list_certificates(session, gs, certificates.Terms(now), {})

    show(f"public listing of {args.clouds + 1} certificates with freshness", timed(listing, 5))

    def metrics() -> None:
        with db.read() as session:
            cloud_history.metrics_rows(session, actor, source, policy)

    show("/metrics rows of one vendor", timed(metrics, 5))
    db.dispose()


if __name__ == "__main__":
    main()
