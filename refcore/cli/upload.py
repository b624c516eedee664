"""``refcore upload`` and ``refcore sign``: what refstack-client's ``upload`` /
``upload-subunit`` and ``sign`` do, for a run file you already have."""

from __future__ import annotations

from pathlib import Path

import click

from ._common import console, print_json

PATH = click.Path(dir_okay=False, path_type=Path)


@click.command()
@click.argument("run_files", metavar="RUN...", type=PATH, nargs=-1, required=True)
@click.option(
    "--server", "server_url", required=True, metavar="URL", help="The refcore/RefStack server."
)
@click.option("--cpid", default=None, help="The cloud's id (v1 needs one unless RUN carries it).")
@click.option("--duration", "duration_seconds", type=int, default=None, help="Run time in seconds.")
@click.option("--key", type=PATH, default=None, help="Sign the v1 upload with this RSA key.")
@click.option("--v2", is_flag=True, help="Send the whole run (every outcome) to refcore's v2 API.")
@click.option("--format", "fmt", default=None, help="Force the results format (default: detect).")
@click.option("--json", "as_json", is_flag=True, help="Print the server's answer as JSON.")
def upload(
    run_files: tuple[Path, ...],
    server_url: str,
    cpid: str | None,
    duration_seconds: int | None,
    key: Path | None,
    v2: bool,
    fmt: str | None,
    as_json: bool,
) -> None:
    """Upload RUN (subunit v1/v2, RefStack JSON, JUnit XML or a passed list).

    v1 (default) sends the passed tests exactly as refstack-client does, signed
    with --key (register the key on your profile first: `refcore sign KEY`).
    --v2 sends the file itself, so failures and skips are kept.

    Several RUNs of one cloud are merged first, as `refcore report RUN1 RUN2`
    does (a test passed in any run counts as passed, every outcome kept); with
    --v2 they must be subunit v2 streams, sent as one with the later runs
    tagged as re-runs.
    """
    from refcore.client import RefcoreClient
    from refcore.client.body import load_private_key, refstack_body, refstack_results, sign_body
    from refcore.readers.runs import read_run

    if key is not None and v2:
        raise click.UsageError("--key signs a v1 upload; v2 uploads are not signed")
    from refcore.core.reruns import merge_runs

    runs = [read_run(f, format=fmt) for f in run_files]
    run = merge_runs(runs)
    run_file = " + ".join(str(f) for f in run_files)
    cpid = cpid or run.cpid
    duration = duration_seconds if duration_seconds is not None else run.duration_seconds
    payload = run_files[0].read_bytes() if v2 and len(runs) == 1 else b""
    if v2 and len(runs) > 1:
        from refcore.runner.streams import chain_runs

        others = [str(f) for f, r in zip(run_files, runs, strict=True) if r.format != "subunit2"]
        if others:
            raise click.UsageError(
                f"--v2 with several runs sends one subunit v2 stream: {', '.join(others)} "
                "is not subunit v2"
            )
        payload = chain_runs([f.read_bytes() for f in run_files])
    with RefcoreClient(server_url) as client:
        if v2:
            done = client.post_run_v2(payload, cpid=cpid, duration_seconds=duration)
        else:
            if not cpid:
                raise click.UsageError(f"{run_file} names no cloud: give --cpid")
            body = refstack_body(cpid, duration or 0, refstack_results(run))
            headers = sign_body(body, load_private_key(key)) if key else None
            done = client.post_refstack_v1(body, headers)
    if as_json:
        print_json(done.body)
    else:
        console().print(done.url or f"stored as {done.id}")


@click.command()
@click.argument("key", type=PATH)
def sign(key: Path) -> None:
    """Print KEY's public key and its self-signature, to import on your profile
    (what `refstack-client sign` prints)."""
    from refcore.client.body import load_private_key, self_signature

    public, signature = self_signature(load_private_key(key))
    click.echo(f"Public key:\n{public}\n\nSelf signature:\n{signature}")
