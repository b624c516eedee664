"""``refcore upload`` and ``refcore sign``: what refstack-client's ``upload`` /
``upload-subunit`` and ``sign`` do, for a run file you already have."""

from __future__ import annotations

from pathlib import Path

import click

from ._common import console, print_json

PATH = click.Path(dir_okay=False, path_type=Path)


@click.command()
@click.argument("run_file", metavar="RUN", type=PATH)
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
    run_file: Path,
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
    """
    from refcore.client import RefcoreClient
    from refcore.client.body import load_private_key, refstack_body, refstack_results, sign_body
    from refcore.readers.runs import read_run

    if key is not None and v2:
        raise click.UsageError("--key signs a v1 upload; v2 uploads are not signed")
    run = read_run(run_file, format=fmt)
    cpid = cpid or run.cpid
    duration = duration_seconds if duration_seconds is not None else run.duration_seconds
    with RefcoreClient(server_url) as client:
        if v2:
            done = client.post_run_v2(run_file.read_bytes(), cpid=cpid, duration_seconds=duration)
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
