"""Benchmark the results server over HTTP on 127.0.0.1 against `refcore serve`.

    .venv/bin/python bench/server.py [--db sqlite|postgresql|both|none] [--uploads 400]
                                     [--workers 2] [--profile DIR] [--million N]

Per database, against a fresh ``refcore serve --workers N``:

* guideline pages: the first answer after the start (cold) and the next ones (warm)
  of ``/guidelines/2020.06`` and ``/guidelines``, and their 304s;
* uploads of 1,500-test runs from 4 client processes (as the issue measured RefStack;
  threads in this process would share its GIL): a burst with every second upload
  signed (as refstack-client signs), then, once the server has prepared its reports,
  an anonymous burst: uploads/s, p50/p95, the server's CPU time per upload over the
  burst (all its processes; user + system, system apart) and the clients' CPU;
* the report page of a fresh run: its first view and its second view;
* GET one run (v1 detail) and its cached v2 report, p50/p95; list page
  (GET /v1/results?page=N) p50/p95 with 10k and 100k stored runs (bulk-inserted);
* ``--million N``: PostgreSQL with N runs (default 1,000,000): build time and size, the
  community list and a run's report (see docs/performance.md).

The load average (``os.getloadavg``) is printed beside every figure: the machine may be
shared. ``--profile DIR`` records the server with py-spy (``pip install py-spy``)
during each burst and the first views: DIR/<db>-upload-anonymous.svg,
DIR/<db>-upload-half-signed.svg, DIR/<db>-first-view.svg (flame graphs) and the same as
collapsed stacks (.txt).
PostgreSQL: $REFCORE_TEST_DATABASE_URL or the local
postgresql+psycopg://postgres@127.0.0.1:5432/test (a fresh schema, dropped after).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import multiprocessing
import multiprocessing.queues
import multiprocessing.synchronize
import os
import random
import secrets
import shutil
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from datetime import timedelta
from pathlib import Path

import httpx
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from sqlalchemy import create_engine, make_url, text

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
from refcore_testing import run_row, start_server, stop_server  # noqa: E402

from refcore.services import accounts  # noqa: E402
from refcore.storage.db import Database  # noqa: E402
from refcore.storage.models import Run, utcnow  # noqa: E402

PG = os.environ.get(
    "REFCORE_TEST_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)


def pct(values: list[float], q: float) -> float:
    if not values:  # nothing was timed (e.g. --uploads no more than --views)
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))] * 1000


def fresh_db(kind: str, tmp: Path) -> tuple[str, object]:
    if kind == "sqlite":
        path = tmp / f"bench-{secrets.token_hex(3)}.db"
        return f"sqlite:///{path}", lambda: [p.unlink() for p in tmp.glob(path.name + "*")]
    schema = f"refcore_bench_{secrets.token_hex(3)}"
    admin = create_engine(PG)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))

    def cleanup() -> None:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))

    sep = "&" if "?" in PG else "?"
    return f"{PG}{sep}options=-csearch_path%3D{schema}", cleanup


def load() -> str:
    """The machine's load average over the last minute, as printed beside each figure."""
    return f"load {os.getloadavg()[0]:.1f}"


def guideline_names(guidelines: str) -> list[str]:
    """Every test name of the guidelines (a run that passes some of them has a report
    worth the name)."""
    from refcore.readers.guidelines import load_guidelines

    gs = load_guidelines(guidelines)
    return sorted({t.name for g in gs.values() for c in g.capabilities.values() for t in c.tests})


def make_bodies(
    n: int, tests: int, key: rsa.RSAPrivateKey, pub: str, real: list[str], *, signed: bool = True
) -> list[tuple[bytes, dict[str, str]]]:
    """``n`` upload bodies of ``tests`` tests, a third of them guideline tests; every
    second one signed when ``signed``."""
    pool = [f"tempest.api.bench.mod{i % 40}.Test{i % 97}.test_{i}" for i in range(int(tests * 1.3))]
    out = []
    for i in range(n):
        known = random.sample(real, min(len(real), tests // 3))
        names = known + random.sample(pool, tests - len(known))
        content = {
            "cpid": uuid.uuid4().hex,
            "duration_seconds": 3000,
            "results": [{"name": x, "uuid": str(uuid.uuid5(uuid.NAMESPACE_DNS, x))} for x in names],
        }
        body = json.dumps(content).encode()
        headers = {"Content-type": "application/json"}
        if signed and i % 2:
            sig = key.sign(body, padding.PKCS1v15(), hashes.SHA256()).hex()
            headers.update({"X-Signature": sig, "X-Public-Key": pub})
        out.append((body, headers))
    return out


def server_pids(pid: int) -> list[int]:
    """The server process and its children (``--workers`` spawns them)."""
    pids = [pid]
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rpartition(")")[2].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            pids.append(int(stat.parent.name))
    return pids


def cpu_seconds(pids: Iterable[int]) -> tuple[float, float]:
    """(user, system) CPU time of ``pids`` so far, in seconds."""
    tick = os.sysconf("SC_CLK_TCK")
    user = system = 0
    for pid in pids:
        with contextlib.suppress(OSError):
            fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
            user += int(fields[11])
            system += int(fields[12])
    return user / tick, system / tick


@contextlib.contextmanager
def profiled(pid: int, out: Path | None, name: str) -> Iterator[None]:
    """py-spy records ``pid`` and its children while the block runs: out/name.svg + .txt."""
    if out is None:
        yield
        return
    out.mkdir(parents=True, exist_ok=True)
    spy = shutil.which("py-spy", path=str(Path(sys.executable).parent)) or "py-spy"
    common = ["record", "--pid", str(pid), "--subprocesses", "--rate", "250", "--nonblocking"]
    procs = [
        subprocess.Popen(
            [spy, *common, "--format", fmt, "-o", str(out / f"{name}.{ext}")],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for fmt, ext in (("flamegraph", "svg"), ("raw", "txt"))
    ]
    time.sleep(1.0)  # attached
    try:
        yield
    finally:
        for proc in procs:
            proc.send_signal(signal.SIGINT)
        for proc in procs:
            proc.wait(timeout=60)


def _upload_client(
    url: str,
    chunk: list[tuple[bytes, dict[str, str]]],
    ready: multiprocessing.synchronize.Barrier,
    out: multiprocessing.queues.Queue[tuple[list[tuple[str, float]], float]],
) -> None:
    """One client process: waits at ``ready`` with the others, then uploads its chunk
    one after the other and puts (test_id or "" when signed, seconds) of each."""
    done: list[tuple[str, float]] = []
    cpu = 0.0
    try:
        with httpx.Client(base_url=url, timeout=120) as client:
            client.get("/v1/guidelines").raise_for_status()  # connected
            ready.wait()
            cpu = time.process_time()
            for body, headers in chunk:
                t = time.perf_counter()
                r = client.post("/v1/results/", content=body, headers=headers)
                r.raise_for_status()
                test_id = r.json()["test_id"]
                signed = "X-Signature" in headers
                done.append(("" if signed else test_id, time.perf_counter() - t))
            cpu = time.process_time() - cpu
    finally:
        out.put((done, cpu))  # short when an upload failed: the parent says so


def bench_uploads(
    url: str, bodies: list[tuple[bytes, dict[str, str]]], clients: int, pids: tuple[int, ...] = ()
) -> tuple[list[str], dict[str, float]]:
    """``clients`` client processes (as the issue measured RefStack and refcore: clients
    in one process would share its GIL and measure themselves) upload ``bodies``;
    the clock runs from when every one of them is connected and ready."""
    ctx = multiprocessing.get_context("spawn")
    ready = ctx.Barrier(clients + 1)
    out: multiprocessing.queues.Queue[tuple[list[tuple[str, float]], float]] = ctx.Queue()
    procs = [
        ctx.Process(target=_upload_client, args=(url, bodies[i::clients], ready, out))
        for i in range(clients)
    ]
    for proc in procs:
        proc.start()
    ready.wait(timeout=120)
    start, cpu = time.perf_counter(), cpu_seconds(pids)
    answers = [out.get(timeout=600) for _ in procs]
    wall = time.perf_counter() - start
    results = [x for done, _ in answers for x in done]
    client_cpu = sum(cpu for _, cpu in answers)
    # the server's CPU during the burst, not after it (its background work then)
    user, system = (b - a for a, b in zip(cpu, cpu_seconds(pids), strict=True))
    for proc in procs:
        proc.join(timeout=60)
    if len(results) != len(bodies):
        raise SystemExit(f"{len(bodies) - len(results)} uploads failed")
    lat = [d for _, d in results]
    figures = {"uploads/s": len(results) / wall, "p50 ms": pct(lat, 0.5), "p95 ms": pct(lat, 0.95)}
    if pids:
        figures["server CPU ms/upload"] = (user + system) / len(results) * 1000
        figures["of which system"] = system / len(results) * 1000
    figures["client CPU ms/upload"] = client_cpu / len(results) * 1000
    return [i for i, _ in results if i], figures


def timed(client: httpx.Client, path: str, n: int, **params: object) -> list[float]:
    out = []
    for _ in range(n):
        t = time.perf_counter()
        client.get(path, params=params).raise_for_status()
        out.append(time.perf_counter() - t)
    return out


def bulk_runs(db: Database, total: int) -> None:
    """Insert plain run rows (no tests) until the store holds ``total`` runs."""
    with db.write() as session:  # SQLite: BEGIN IMMEDIATE (the server may be writing)
        conn = session.connection()
        have = conn.execute(text("SELECT count(*) FROM runs")).scalar_one()
        now = utcnow()
        rows = []
        for i in range(total - have):
            rows.append(
                run_row(
                    cpid=uuid.uuid4().hex,
                    duration_seconds=10,
                    created_at=now - timedelta(seconds=have + i + 1),
                )
            )
            if len(rows) == 5000:
                conn.execute(Run.__table__.insert(), rows)
                rows = []
        if rows:
            conn.execute(Run.__table__.insert(), rows)
    if db.engine.dialect.name == "postgresql":
        # what autovacuum does to a table in steady state: statistics and the
        # visibility map (so the page count can be an index-only scan)
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE runs"))


def summary(values: list[float]) -> dict[str, object]:
    return {"p50 ms": pct(values, 0.5), "p95 ms": pct(values, 0.95), "": load()}


def bench_guideline_pages(client: httpx.Client) -> dict[str, dict[str, object]]:
    """The first answer of each page after the start, then 20 more; then revalidations
    with the validators the page gave (304 when it sends any)."""
    figures: dict[str, dict[str, object]] = {}
    for path in ("/guidelines/2020.06", "/guidelines"):
        cold = timed(client, path, 1)[0]
        warm = timed(client, path, 20)
        first = client.get(path)
        validators = {
            k: v
            for k, v in (
                ("If-None-Match", first.headers.get("etag")),
                ("If-Modified-Since", first.headers.get("last-modified")),
            )
            if v
        }
        shown: dict[str, object] = {"cold ms": cold * 1000, **summary(warm)}
        if validators:
            again = []
            for _ in range(20):
                t = time.perf_counter()
                r = client.get(path, headers=validators)
                again.append(time.perf_counter() - t)
                assert r.status_code == 304, r.status_code
            shown["304 p50 ms"] = pct(again, 0.5)
        figures[f"page {path}"] = shown
    return figures


def prepared(db: Database) -> tuple[int, int]:
    """(runs whose first view the server has prepared, runs)."""
    with db.read() as session:
        done = session.execute(
            text("SELECT count(*) FROM run_reports WHERE guideline = '*'")
        ).scalar_one()
        runs = session.execute(text("SELECT count(*) FROM runs")).scalar_one()
    return done, runs


def wait_prepared(db: Database, settle: float) -> str:
    """Wait (at most ``settle`` seconds) until the server has prepared every run's first
    view; say how far it got."""
    start = time.monotonic()
    while time.monotonic() - start < settle:
        done, runs = prepared(db)
        if done >= runs:
            break
        time.sleep(0.5)
    done, runs = prepared(db)
    return f"{done} of {runs} runs after {time.monotonic() - start:.1f} s"


def bench_report_views(
    client: httpx.Client, db: Database, ids: list[str], settle: float
) -> dict[str, dict[str, object]]:
    """The report page of runs nobody has viewed yet (first view), then again (second),
    once the server has prepared what it prepares after the uploads (at most ``settle``
    seconds of waiting: what is not prepared by then is computed on its first view)."""
    waited = {"prepared": wait_prepared(db, settle)}
    first = [timed(client, f"/results/{rid}", 1)[0] for rid in ids]
    second = [timed(client, f"/results/{rid}", 1)[0] for rid in ids]
    return {
        "report first view": {**summary(first), **waited},
        "report second view": summary(second),
    }


def bench_db(kind: str, args: argparse.Namespace, tmp: Path) -> dict[str, dict[str, object]]:
    url, cleanup = fresh_db(kind, tmp)
    process, base = start_server(url, Path(args.guidelines), "--workers", str(args.workers))
    pids = server_pids(process.pid)
    figures: dict[str, dict[str, object]] = {}
    profile = Path(args.profile) if args.profile else None
    try:
        db = Database.from_url(url)
        with httpx.Client(base_url=base, timeout=60) as client:
            figures.update(bench_guideline_pages(client))
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        pub = (
            key.public_key()
            .public_bytes(serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH)
            .decode()
        )
        with db.read() as session:
            user = accounts.create_user(session, "bench")
            accounts.add_public_key(
                session, accounts.actor_for(session, user), pub, None, trusted=True
            )
        real = guideline_names(args.guidelines)

        def burst(name: str, bodies: list[tuple[bytes, dict[str, str]]]) -> list[str]:
            with profiled(process.pid, profile, f"{kind}-{name.replace(' ', '-')}"):
                ids, up = bench_uploads(base, bodies, args.clients, tuple(pids))
            figures[name] = {**up, "": load()}
            return ids

        burst("upload half signed", make_bodies(args.uploads, args.tests, key, pub, real))
        # the first burst's reports prepared before the second (anonymous, as the issue
        # measured RefStack) starts
        wait_prepared(db, args.settle)
        ids = burst(
            "upload anonymous",
            make_bodies(args.uploads, args.tests, key, pub, real, signed=False),
        )
        fresh, ids = ids[: args.views], ids[args.views :]
        with httpx.Client(base_url=base, timeout=60) as client:
            with profiled(process.pid, profile, f"{kind}-first-view"):
                figures.update(bench_report_views(client, db, fresh, args.settle))
            anon = ids[:50]  # the unsigned runs: readable by anyone
            for rid in anon:  # compute the reports once (they are then cached)
                client.get(
                    f"/v2/runs/{rid}/report", params={"guideline": "2020.06"}
                ).raise_for_status()
            get_one, report, both = [], [], []
            for _ in range(4):
                for rid in anon:
                    a = timed(client, f"/v1/results/{rid}", 1)[0]
                    b = timed(client, f"/v2/runs/{rid}/report", 1, guideline="2020.06")[0]
                    get_one.append(a), report.append(b), both.append(a + b)
            figures["get one run"] = summary(get_one)
            figures["cached report"] = summary(report)
            figures["run + report"] = summary(both)
            for size in args.list_sizes:
                bulk_runs(db, size)
                pages = size // 20
                lat = []
                for _ in range(args.list_requests):
                    lat += timed(client, "/v1/results", 1, page=random.randint(1, min(pages, 50)))
                lat_deep = timed(client, "/v1/results", 20, page=pages // 2)
                figures[f"list page @{size}"] = {
                    **summary(lat),
                    f"page {pages // 2} p50 ms": pct(lat_deep, 0.5),
                }
        db.dispose()
    finally:
        stop_server(process)
        cleanup()  # type: ignore[operator]
    return figures


MILLION_SQL = """
INSERT INTO runs (id, cpid, duration_seconds, created_at, owner_id, shared, listed,
                  verification_status, api, format, test_count, passed_count,
                  failed_count, skipped_count, signed)
SELECT md5('run' || g)::uuid::text, md5('cpid' || (g % 5000)), 3000 + g % 600,
       TIMESTAMP '2026-12-01' - make_interval(secs => g * 30),
       CASE WHEN g % 20 = 0 THEN CAST(:first_user AS integer) + g % 100 END, false, g % 20 <> 0,
       CASE WHEN g % 50 = 0 THEN 1 ELSE 0 END, 'v1', 'refstack-json', 1500, 1500, 0, 0,
       g % 2 = 0
FROM generate_series(CAST(:start AS integer), CAST(:stop AS integer)) AS g
"""


def million_db(size: int) -> tuple[str, Callable[[], None]]:
    """A database of its own (``refcore_bench`` on the PostgreSQL server of
    $REFCORE_TEST_DATABASE_URL, never that database itself), created empty."""
    base = make_url(PG)
    name = "refcore_bench"
    assert base.database != name
    admin = create_engine(base.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        conn.execute(text(f"CREATE DATABASE {name}"))

    def drop() -> None:
        with admin.connect() as conn:
            conn.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        admin.dispose()

    return base.set(database=name).render_as_string(hide_password=False), drop


def build_million(db: Database, size: int) -> dict[str, object]:
    """``size`` runs by set-based INSERT ... SELECT generate_series (the tally triggers
    run as for any insert): 95 % anonymous and listed, 5 % owned by 100 users and
    private, created every 30 s back from 2026-12-01, then VACUUM ANALYZE."""
    from refcore.storage.migrate import upgrade

    start = time.perf_counter()
    upgrade(db.engine)
    with db.read() as session:  # create_user commits
        owners = [accounts.create_user(session, f"bench-owner-{i}").id for i in range(100)]
    first = min(owners)
    assert owners == list(range(first, first + 100))
    # the tally trigger updates one of 16 rows per inserted run: a million updates of
    # 16 rows in a few transactions (each update walks the row's versions) is the slow
    # part of a bulk load; it is off for the load and the tally counted after it
    step = 100_000
    with db.write() as session:
        session.execute(text("ALTER TABLE runs DISABLE TRIGGER runs_tally"))
    for lo in range(1, size + 1, step):
        with db.write() as session:
            session.execute(
                text(MILLION_SQL),
                {"first_user": first, "start": lo, "stop": min(size, lo + step - 1)},
            )
    with db.write() as session:
        session.execute(text("ALTER TABLE runs ENABLE TRIGGER runs_tally"))
        session.execute(
            text(
                "UPDATE run_tally SET listed = (SELECT count(*) FROM runs "
                "WHERE listed AND (hashtext(id) & 15) = run_tally.shard)"
            )
        )
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE runs"))
        size_bytes = conn.execute(text("SELECT pg_database_size(current_database())")).scalar_one()
        runs_bytes = conn.execute(text("SELECT pg_total_relation_size('runs')")).scalar_one()
    return {
        "runs": size,
        "build s": time.perf_counter() - start,
        "database MB": size_bytes / 2**20,
        "runs table + indexes MB": runs_bytes / 2**20,
        "": load(),
    }


def _million_list(
    client: httpx.Client, pids: list[int], path: str, pages: list[int]
) -> dict[str, object]:
    """Each of ``pages`` of ``path`` once: p50/p95 and the server's CPU per request."""
    before = sum(cpu_seconds(pids))
    times = [timed(client, path, 1, page=page)[0] for page in pages]
    cpu = sum(cpu_seconds(pids)) - before
    return {**summary(times), "cpu/req ms": cpu / len(times) * 1000}


def bench_million(args: argparse.Namespace) -> dict[str, dict[str, object]]:
    """The community list and a run's report with ``--million`` runs stored: pages 1-50
    at random (``/v1/results``, ``/results`` once their rows' reports are stored, as
    the server prepares them after each upload, and v2's ``/v2/runs``), the middle and
    the last page, and the fresh runs' prepared reports."""
    url, drop = million_db(args.million)
    figures: dict[str, dict[str, object]] = {}
    db = Database.from_url(url)
    try:
        figures["build"] = build_million(db, args.million)
        process, base = start_server(url, Path(args.guidelines), "--workers", str(args.workers))
        pids = server_pids(process.pid)
        try:
            key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
            bodies = make_bodies(100, args.tests, key, "", guideline_names(args.guidelines))
            ids, _ = bench_uploads(
                base, [(b, {"Content-type": "application/json"}) for b, _ in bodies], 2
            )
            start = time.monotonic()
            while time.monotonic() - start < args.settle and prepared(db)[0] < len(ids):
                time.sleep(0.5)
            with httpx.Client(base_url=base, timeout=60) as client:
                pages = client.get("/v1/results").json()["pagination"]["total_pages"]
                # the bulk rows have no stored report: their first view on /results
                # computes it (the server prepares an uploaded run's reports at once)
                first = _million_list(client, pids, "/results", list(range(1, 51)))
                figures["list /results first view"] = first
                chosen = [random.randint(1, 50) for _ in range(args.list_requests)]
                figures["list /v1/results p1-50"] = {
                    **_million_list(client, pids, "/v1/results", chosen),
                    "pages": pages,
                }
                figures["list /results p1-50"] = _million_list(client, pids, "/results", chosen)
                figures["list /v2/runs p1-50"] = _million_list(client, pids, "/v2/runs", chosen)
                for number in (pages // 2, pages):
                    figures[f"list page {number}"] = _million_list(
                        client, pids, "/v1/results", [number] * 10
                    )
                latest = client.get("/v1/guidelines").json()  # warm
                del latest
                report, page = [], []
                for _ in range(3):
                    for rid in ids:
                        report += timed(client, f"/v2/runs/{rid}/report", 1, guideline="2020.06")
                        page += timed(client, f"/results/{rid}", 1)
                figures["run report /v2 (prepared)"] = {
                    **summary(report),
                    "prepared": "{} of {}".format(*prepared(db)),
                }
                figures["run report page"] = summary(page)
        finally:
            stop_server(process)
    finally:
        db.dispose()
        if not args.keep:
            drop()
    return figures


def show(values: dict[str, object]) -> str:
    return ", ".join(
        f"{k} {v:.1f}" if isinstance(v, float) else f"{k} {v}".strip() for k, v in values.items()
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--db",
        choices=["sqlite", "postgresql", "both", "none"],
        default="both",
        help="none: only the --million figures",
    )
    parser.add_argument("--uploads", type=int, default=400)
    parser.add_argument("--tests", type=int, default=1500)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument(
        "--list-sizes",
        type=lambda s: [int(x) for x in s.split(",") if x],
        default=[10_000, 100_000],
    )
    parser.add_argument("--list-requests", type=int, default=200)
    parser.add_argument("--workers", type=int, default=2, help="refcore serve --workers")
    parser.add_argument("--guidelines", default=str(ROOT.parent / "shared" / "interop"))
    parser.add_argument("--views", type=int, default=40, help="fresh runs whose report is viewed")
    parser.add_argument(
        "--settle",
        type=float,
        default=60.0,
        help="seconds to wait for the server to prepare the fresh runs' reports",
    )
    parser.add_argument("--profile", metavar="DIR", help="py-spy flame graphs into DIR")
    parser.add_argument(
        "--million",
        type=int,
        default=1_000_000,
        help="runs in the PostgreSQL scale database (refcore_bench); 0: skip",
    )
    parser.add_argument("--keep", action="store_true", help="keep the refcore_bench database")
    args = parser.parse_args()
    import tempfile

    kinds = {"both": ["sqlite", "postgresql"], "none": []}.get(args.db, [args.db])
    with tempfile.TemporaryDirectory() as tmp:
        for kind in kinds:
            figures = bench_db(kind, args, Path(tmp))
            print(
                f"== {kind}: {args.uploads} uploads x {args.tests} tests, {args.clients} clients, "
                f"{args.workers} server worker(s)"
            )
            for name, values in figures.items():
                print(f"  {name:<26} {show(values)}")
            sys.stdout.flush()
    if args.million and args.db in ("postgresql", "both", "none"):
        print(f"== postgresql at {args.million:,} runs ({args.workers} server worker(s))")
        for name, values in bench_million(args).items():
            print(f"  {name:<26} {show(values)}")


if __name__ == "__main__":
    main()
