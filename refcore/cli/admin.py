"""``refcore serve``, ``refcore db upgrade|check``, ``refcore admin ...``.

The only CLI module that touches the API and storage layers, and only inside
command bodies, so the rest of the CLI starts fast.
"""

from __future__ import annotations

import socket
import sys
from collections.abc import Callable
from typing import IO, Any, TypeVar

import click

from refcore.errors import RefcoreError

__all__ = ["admin", "db", "serve"]


F = TypeVar("F", bound=Callable[..., Any])


def _db_option(f: F) -> F:
    return click.option(
        "--db",
        "db_url",
        envvar="REFCORE_DATABASE_URL",
        metavar="URL",
        help="SQLAlchemy URL: sqlite:///path.db or postgresql+psycopg://user@host/db "
        "(default: SQLite in your data directory). Env: REFCORE_DATABASE_URL.",
    )(f)


def _settings(db_url: str | None, **extra: object):  # type: ignore[no-untyped-def]
    from refcore.config import Settings

    values = {k: v for k, v in extra.items() if v is not None}
    if db_url:
        values["database_url"] = db_url
    return Settings.model_validate(values)


def _database(db_url: str | None):  # type: ignore[no-untyped-def]
    from sqlalchemy.exc import SQLAlchemyError

    from refcore.storage.db import Database
    from refcore.storage.migrate import upgrade

    settings = _settings(db_url)
    database = Database.from_url(settings.database_url)
    try:
        upgrade(database.engine)
    except SQLAlchemyError as exc:
        raise RefcoreError(f"cannot open the database: {_first_line(exc)}") from None
    return database


def _first_line(exc: BaseException) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__


def _bind(host: str, port: int) -> socket.socket:
    """Bind before uvicorn starts, so a taken port is one clear line, not a traceback."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    # accepted connections inherit this; without it a small response sent as two
    # writes (head, body) waits ~40 ms for the client's delayed ACK (Nagle)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise RefcoreError(f"cannot listen on {host}:{port}: {exc.strerror}") from None
    sock.set_inheritable(True)
    return sock


def _local_url(host: str, port: int) -> str:
    """``http://HOST:PORT`` of a listening address; a wildcard address is ``localhost``
    (set ``REFCORE_API_URL`` to the name others reach the server by)."""
    name = "localhost" if host in ("", "0.0.0.0", "::") else host
    return f"http://[{name}]:{port}" if ":" in name else f"http://{name}:{port}"


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8000, show_default=True, type=int, help="Port to listen on.")
@_db_option
@click.option(
    "--guidelines",
    "guidelines_source",
    envvar="REFCORE_GUIDELINES",
    metavar="PATH|URL",
    help="Directory laid out like the interop repository, or its URL. Env: REFCORE_GUIDELINES.",
)
@click.option("--log-level", default="info", show_default=True)
@click.option("--access-log/--no-access-log", default=True, show_default=True)
@click.option(
    "--workers",
    default=1,
    show_default=True,
    type=click.IntRange(1, 64),
    help="Worker processes sharing the port (each with its own connection pool).",
)
def serve(
    host: str,
    port: int,
    db_url: str | None,
    guidelines_source: str | None,
    log_level: str,
    access_log: bool,
    workers: int,
) -> None:
    """Run the results server (RefStack v1 API, refcore v2 API, OpenAPI docs at /docs)."""
    import os

    import uvicorn

    from refcore.server.app import create_app

    sock = _bind(host, port)
    settings = _settings(db_url, guidelines=guidelines_source)
    if settings.api_url is None:  # absolute URLs name where this listens, never a request's Host
        settings = _settings(
            db_url, guidelines=guidelines_source, api_url=_local_url(host, sock.getsockname()[1])
        )
    database = _database(settings.database_url)  # migrated to head here, once
    click.echo(
        f"refcore serving on http://{host}:{port} (database {settings.database_url.split('://')[0]}"
        f", {workers} worker{'s' if workers > 1 else ''})\n"
        f"public URL {settings.public_url} (REFCORE_API_URL); answers Host "
        f"{', '.join(settings.trusted_hosts)} (REFCORE_ALLOWED_HOSTS)",
        err=True,
    )
    if workers == 1:
        app = create_app(settings, db=database)
        config = uvicorn.Config(app, log_level=log_level, access_log=access_log)
        uvicorn.Server(config).run(sockets=[sock])
        return
    from uvicorn.supervisors import Multiprocess

    database.dispose()
    # spawned workers build their own app from the environment (Settings reads REFCORE_*)
    os.environ["REFCORE_DATABASE_URL"] = settings.database_url
    if settings.guidelines:
        os.environ["REFCORE_GUIDELINES"] = settings.guidelines
    os.environ["REFCORE_API_URL"] = settings.public_url
    # one session-cookie key for all workers (else each signs with its own random one
    # and a login, its OIDC state and CSRF tokens only work on the worker that made them)
    os.environ["REFCORE_SECRET_KEY"] = settings.secret_key
    config = uvicorn.Config(
        "refcore.server.app:create_app",
        factory=True,
        workers=workers,
        log_level=log_level,
        access_log=access_log,
    )
    Multiprocess(config, sockets=[sock]).run()


@click.group()
def db() -> None:
    """Database schema: apply or check the migrations."""


@db.command()
@_db_option
def upgrade(db_url: str | None) -> None:
    """Apply every migration (also done by `refcore serve` on start)."""
    from refcore.storage.migrate import current

    database = _database(db_url)
    click.echo(f"database at revision {current(database.engine)}")


@db.command()
@_db_option
def check(db_url: str | None) -> None:
    """Exit 1 when the database is not at head or differs from the models."""
    from refcore.storage.db import Database
    from refcore.storage.migrate import check as diff
    from refcore.storage.migrate import current, head

    database = Database.from_url(_settings(db_url).database_url)
    at, want = current(database.engine), head()
    if at != want:
        click.echo(f"database at revision {at}, head is {want}: run `refcore db upgrade`")
        sys.exit(1)
    problems = diff(database.engine)
    for problem in problems:
        click.echo(f"differs from the models: {problem}")
    if problems:
        sys.exit(1)
    click.echo(f"database at head ({want}) and matches the models")


@click.group()
def admin() -> None:
    """Accounts: bootstrap users, tokens and keys."""


@admin.command("create-user")
@click.argument("name")
@click.option("--foundation", is_flag=True, help="Make the user a foundation admin.")
@click.option("--token", "with_token", is_flag=True, help="Create an API token; print only it.")
@click.option("--email", default=None)
@click.option("--fullname", default=None)
@_db_option
def create_user(
    name: str,
    foundation: bool,
    with_token: bool,
    email: str | None,
    fullname: str | None,
    db_url: str | None,
) -> None:
    """Create user NAME (its OpenID). With --token, stdout is only the new token."""
    from refcore.services import accounts

    database = _database(db_url)
    with database.read() as session:
        user = accounts.create_user(
            session, name, email=email, fullname=fullname, foundation=foundation
        )
        if with_token:
            click.echo(accounts.create_token(session, user, name="created by refcore admin"))
        else:
            role = "foundation admin" if foundation else "member"
            click.echo(f"created user {user.openid} ({role})")


@admin.command("create-token")
@click.argument("name")
@_db_option
def create_token(name: str, db_url: str | None) -> None:
    """Print a new API token for user NAME (and nothing else)."""
    from refcore.errors import NotFound
    from refcore.services import accounts

    database = _database(db_url)
    with database.read() as session:
        user = accounts.user_by_openid(session, name)
        if user is None:
            raise NotFound(f"no user {name}")
        click.echo(accounts.create_token(session, user, name="created by refcore admin"))


@admin.command("add-key")
@click.argument("name")
@click.argument("key_file", type=click.File("r"))
@_db_option
def add_key(name: str, key_file: IO[str], db_url: str | None) -> None:
    """Register the OpenSSH public key in KEY_FILE ("-": stdin) to user NAME, trusted
    (no self-signature needed: the admin vouches for it). Prints the key id."""
    from refcore.errors import NotFound
    from refcore.services import accounts

    database = _database(db_url)
    with database.read() as session:
        user = accounts.user_by_openid(session, name)
        if user is None:
            raise NotFound(f"no user {name}")
        actor = accounts.actor_for(session, user)
        click.echo(accounts.add_public_key(session, actor, key_file.read(), None, trusted=True))
