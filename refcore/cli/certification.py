"""``refcore certification request|status|approve|deny|revoke|list``: the same services as
the pages and ``/v2/certifications``, on the server's database directly (like ``refcore
admin``), acting as the user ``--as`` names (their rights apply: a vendor's admin asks, the
Foundation decides)."""

from __future__ import annotations

import sys
from typing import IO, Any

import click

from refcore.cli._common import console, guidelines_option, json_option, load, print_json
from refcore.cli.admin import _database, _db_option, _settings
from refcore.errors import NotFound

__all__ = ["certification"]


def _as_option(f: Any) -> Any:
    return click.option(
        "--as",
        "as_user",
        required=True,
        metavar="USER",
        help="Act as this user (their OpenID): their rights apply.",
    )(f)


def _actor(session: Any, name: str) -> Any:
    from refcore.services import accounts

    user = accounts.user_by_openid(session, name)
    if user is None:
        raise NotFound(f"no user {name}")
    return accounts.actor_for(session, user)


def _terms(db_url: str | None) -> Any:
    from refcore.services.certificates import Terms

    return Terms.from_settings(_settings(db_url))


def _show_request(r: dict[str, Any]) -> None:
    out = console()
    version = r["product_version"]["version"] or "(default)"
    out.print(
        f"[bold]{r['product']['name']} {version}[/]: {r['program']} of {r['guideline']} "
        f"— [bold]{r['state']}[/]  (request {r['id']})"
    )
    for c in r["checks"]:
        mark = "[green]✓ passed[/]" if c["passed"] else "[red]✗ failed[/]"
        out.print(f"  {mark} {c['name']}: {c['reason']}", highlight=False)
    if r["reason"]:
        out.print(f"  reason: {r['reason']}", highlight=False)
    if r["override"]:
        out.print(f"  override: {r['override']}", highlight=False)
    if r["certificate_id"]:
        out.print(f"  certificate: {r['certificate_id']}")


@click.group()
def certification() -> None:
    """Certification: request a program, follow it, decide (the Foundation), list."""


@certification.command()
@_as_option
@click.option("--version", "version_id", required=True, help="The product version's id.")
@click.option("--program", required=True, help="Program: platform, compute, storage, dns, ...")
@click.option("--guideline", required=True, help="Guideline id, e.g. 2020.06 or dns.2020.06.")
@click.option(
    "--run", "run_ids", multiple=True, help="A stored run's id (repeat: the first proves it)."
)
@click.option(
    "--declaration",
    "declaration_file",
    type=click.File("r"),
    help="Sections declaration (YAML/JSON: release, projects, obligations); default: the "
    "version's latest.",
)
@_db_option
@guidelines_option
@json_option
def request(
    as_user: str,
    version_id: str,
    program: str,
    guideline: str,
    run_ids: tuple[str, ...],
    declaration_file: IO[str] | None,
    db_url: str | None,
    guidelines_source: str | None,
    as_json: bool,
) -> None:
    """Ask for a certification; prints the pre-checks. Exit 1 when one failed."""
    from refcore.services import certification as service

    gs = load(guidelines_source)
    database = _database(db_url)
    body = {
        "product_version_id": version_id,
        "program": program,
        "guideline": guideline,
        "run_ids": list(run_ids),
        "declaration": declaration_file.read() if declaration_file else None,
    }
    with database.read() as session:
        made = service.request(session, _actor(session, as_user), gs, _terms(db_url), body)
    if as_json:
        print_json(made)
    else:
        _show_request(made)
    sys.exit(0 if made["checks_passed"] else 1)


@certification.command()
@click.argument("request_id")
@_as_option
@_db_option
@json_option
def status(request_id: str, as_user: str, db_url: str | None, as_json: bool) -> None:
    """A request's state, pre-checks and decision."""
    from refcore.services import certification as service

    database = _database(db_url)
    with database.read() as session:
        item = service.get_request(session, _actor(session, as_user), request_id)
    if as_json:
        print_json(item)
    else:
        _show_request(item)


@certification.command()
@click.argument("request_id")
@_as_option
@click.option("--reason", default=None, help="Why (the vendor sees it).")
@click.option("--override", default=None, help="Required when a pre-check failed: why anyway.")
@click.option("--valid-until", default=None, metavar="YYYY-MM-DD", help="An end date.")
@_db_option
def approve(
    request_id: str,
    as_user: str,
    reason: str | None,
    override: str | None,
    valid_until: str | None,
    db_url: str | None,
) -> None:
    """Approve a request and issue its certificate (the Foundation)."""
    from refcore.services import certification as service

    database = _database(db_url)
    with database.read() as session:
        done = service.approve(
            session,
            _actor(session, as_user),
            _terms(db_url),
            request_id,
            reason=reason,
            override=override,
            valid_until=valid_until,
        )
    click.echo(f"approved; certificate {done['certificate_id']}")


@certification.command()
@click.argument("request_id")
@_as_option
@click.option("--reason", required=True, help="Why (the vendor sees it).")
@_db_option
def deny(request_id: str, as_user: str, reason: str, db_url: str | None) -> None:
    """Deny a request with a reason (the Foundation)."""
    from refcore.services import certification as service

    database = _database(db_url)
    with database.read() as session:
        service.deny(session, _actor(session, as_user), _terms(db_url), request_id, reason=reason)
    click.echo("denied")


@certification.command()
@click.argument("certificate_id")
@_as_option
@click.option("--reason", required=True, help="Why (shown publicly).")
@_db_option
def revoke(certificate_id: str, as_user: str, reason: str, db_url: str | None) -> None:
    """Revoke a certificate (the Foundation)."""
    from refcore.services import certification as service

    database = _database(db_url)
    with database.read() as session:
        service.revoke(
            session, _actor(session, as_user), _terms(db_url), certificate_id, reason=reason
        )
    click.echo(f"revoked {certificate_id}")


@certification.command("list")
@click.option(
    "--status",
    type=click.Choice(["valid", "expiring", "at-risk", "lapsed", "expired", "revoked"]),
    default=None,
)
@click.option("--program", default=None)
@click.option("--guideline", default=None)
@click.option("--vendor", default=None, help="Vendor id or name.")
@click.option("--release", default=None)
@click.option("--csv", "as_csv", is_flag=True, help="CSV, as /v2/certifications.csv.")
@_db_option
@guidelines_option
@json_option
def list_(
    status: str | None,
    program: str | None,
    guideline: str | None,
    vendor: str | None,
    release: str | None,
    as_csv: bool,
    db_url: str | None,
    guidelines_source: str | None,
    as_json: bool,
) -> None:
    """The certificates (the public record), statuses as of now."""
    from refcore.services import certificates

    gs = load(guidelines_source)
    database = _database(db_url)
    filters = {
        "status": status,
        "program": program,
        "guideline": guideline,
        "vendor": vendor,
        "release": release,
    }
    with database.read() as session:
        items = certificates.list_certificates(session, gs, _terms(db_url), filters)
    if as_json:
        print_json(items)
        return
    if as_csv:
        click.echo(certificates.certificates_csv(items), nl=False)
        return
    out = console()
    if not items:
        out.print("no certificate matches")
        return
    for c in items:
        version = c["version"]["version"] or ""
        out.print(
            f"{c['id']}  {c['status']:<8}  {c['vendor']['name']}: {c['product']['name']} "
            f"{version}  {c['program_title']} {c['guideline']}",
            highlight=False,
        )
