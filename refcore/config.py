"""Server settings: one pydantic-settings class, read from ``REFCORE_*`` env vars.

Every knob of ``refcore serve`` lives here, so the API, the services and the CLI
agree on one source of truth. ``docs/server.md`` documents each field and a test
checks that it does.
"""

from __future__ import annotations

import json
import secrets
from datetime import datetime
from pathlib import Path
from typing import Annotated
from urllib.parse import urlsplit

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

__all__ = ["LOCAL_HOSTS", "Settings", "default_database_url"]

#: names of this machine, always accepted in ``Host`` when ``allowed_hosts`` is not set
LOCAL_HOSTS = ("localhost", "127.0.0.1", "::1")


def default_database_url() -> str:
    """SQLite in the user's data directory (created on demand)."""
    import platformdirs

    folder = Path(platformdirs.user_data_dir("refcore"))
    folder.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{folder / 'refcore.db'}"


class Settings(BaseSettings):
    """Settings of the results server (env prefix ``REFCORE_``)."""

    model_config = SettingsConfigDict(env_prefix="REFCORE_", extra="ignore")

    #: SQLAlchemy URL: ``sqlite:///path.db`` or ``postgresql+psycopg://user@host/db``
    database_url: str = Field(default_factory=default_database_url)
    #: where guidelines come from: a directory like the interop repository, or its URL
    guidelines: str | None = None
    #: request bodies larger than this are refused with 413
    max_body_bytes: int = 20 * 1024 * 1024
    #: JSON bodies of the v1 edits (vendors, products, pubkeys, run changes, meta values)
    max_json_bytes: int = 256 * 1024
    #: a usage declaration (``POST /v2/usage``)
    max_usage_bytes: int = 256 * 1024
    #: the verdict page's form (profile and run file, ``POST /verdicts``)
    max_verdict_form_bytes: int = 10 * 1024 * 1024
    #: seconds a request waits for a database lock before it is answered 503
    lock_timeout_seconds: float = Field(default=5.0, gt=0, le=600)
    #: RefStack's ``[api] enable_anonymous_upload``
    enable_anonymous_upload: bool = True
    #: after an upload, compute what the first view of its report reads in a background
    #: thread, in quiet moments (off: computed on the first view)
    prepare_reports: bool = True
    #: base of the result links returned by uploads (``<ui_url>/#/results/<id>``);
    #: None means ``api_url``
    ui_url: str | None = None
    #: public base URL of this server: every absolute URL it writes (OIDC redirect URI,
    #: result links, sign-out) starts with it, never with the request's ``Host``.
    #: None: ``http://localhost`` (``refcore serve`` sets ``http://HOST:PORT``)
    api_url: str | None = None
    #: ``Host`` names the server answers to (``*.example.org`` and ``*`` allowed), others
    #: get 400; None: the hosts of ``api_url`` and ``ui_url``, and ``localhost``,
    #: ``127.0.0.1``, ``::1``. In the environment: comma-separated, or a JSON list
    allowed_hosts: Annotated[list[str] | None, NoDecode] = None
    #: RefStack's ``results_per_page``
    results_per_page: int = 20
    #: signs the web session cookie; a random one per process when unset
    secret_key: str = Field(default_factory=lambda: secrets.token_urlsafe(32))
    #: OpenID Connect login (the web); disabled unless issuer/metadata and client id are set
    oidc_server_metadata_url: str | None = None
    oidc_client_id: str | None = None
    oidc_client_secret: str | None = None
    oidc_scope: str = "openid email profile"
    #: development only: the web page /login logs in any existing user by name, no password
    dev_login: bool = False
    #: send the session cookie only over HTTPS (its ``Secure`` flag); None: when
    #: ``api_url`` or ``ui_url`` is an https:// URL
    secure_cookies: bool | None = None
    #: certification: a run older than this many days cannot prove a new request
    certification_run_max_age_days: int = Field(default=365, ge=1)
    #: certification: the Foundation requires signed uploads as evidence
    certification_require_signed: bool = False
    #: certification: days a certificate stays valid after its guideline stopped being one
    #: of the two latest approved of its line
    certification_grace_days: int = Field(default=180, ge=0)
    #: certification: a certificate ending within this many days is "expiring"
    certification_expiring_days: int = Field(default=60, ge=0)
    #: certification: the moment certificate statuses are computed at (ISO date-time, UTC);
    #: unset: the real clock. For previews and tests ("what if it were 2031?")
    certification_clock: datetime | None = None
    #: stakeholders: directory of ``<project>.gitlog.gz`` histories and
    #: ``governance-projects.yaml``; None: ``shared/contrib`` or ``../shared/contrib``
    contrib: str | None = None
    #: e-mail to managers when the Foundation publishes a draft; none is sent without a host
    smtp_host: str | None = None
    smtp_port: int = 25
    smtp_username: str | None = None
    smtp_password: str | None = None
    #: upgrade the SMTP connection with STARTTLS before logging in
    smtp_starttls: bool = False
    mail_from: str = "refcore@localhost"
    #: continuous compliance: Fernet keys that encrypt registered clouds' credentials at
    #: rest; the first encrypts, every one decrypts (rotation: put a new key first, run
    #: ``refcore clouds rotate-keys``, then drop the old one). Comma-separated or a JSON
    #: list. None: one key kept in ``credentials.key`` in refcore's data directory
    #: (created on first use, mode 0600)
    credentials_keys: Annotated[list[str] | None, NoDecode] = Field(default=None, repr=False)
    #: continuous compliance: the task engine's broker (Celery): ``amqp://`` (RabbitMQ),
    #: ``redis://``, or ``sqla+<SQLAlchemy URL>``. None: the embedded one, a SQLite file
    #: beside the database (one machine, no other service)
    task_broker_url: str | None = Field(default=None, repr=False)
    #: the prefix of the task engine's queues (``<prefix>.jobs``, ``<prefix>.ticks``): two
    #: refcore sites sharing one broker use two prefixes
    task_queue: str = Field(default="refcore", pattern=r"^[A-Za-z0-9_.-]{1,64}$")
    #: seconds between the scheduler's ticks (queue due runs, re-queue lost jobs, dispatch)
    scheduler_interval_seconds: float = Field(default=30.0, gt=0, le=3600)
    #: a running job whose worker has not beaten for this long is lost: retried or failed
    job_lease_seconds: float = Field(default=120.0, ge=5, le=86400)
    #: deliveries of one job before it fails (a worker killed mid-run counts one)
    job_max_attempts: int = Field(default=3, ge=1, le=20)
    #: a job's `refcore test` is stopped after this long and the job fails
    job_timeout_seconds: int = Field(default=4 * 3600, ge=10)
    #: the workers' Tempest: an executable or a venv holding one (None: `refcore test`'s
    #: own search: the workspace, then PATH)
    worker_tempest: str | None = None
    #: where workers keep each cloud's workspace; None: ``worker`` in refcore's data directory
    worker_workspace: str | None = None
    #: continuous compliance: a certificate lapses after this many days without a passing run
    #: of its product version's registered cloud (a failing scheduled run puts it at risk)
    continuous_lapse_days: int = Field(default=30, ge=1, le=3650)
    #: continuous compliance: a required test is flaky when its outcome flips this many times
    continuous_flaky_flips: int = Field(default=2, ge=1, le=100)
    #: continuous compliance: runs a cloud's history shows (newest kept)
    continuous_history_runs: int = Field(default=90, ge=2, le=1000)
    #: continuous compliance: POSTed a JSON body on each regression or lapse (never logged)
    continuous_webhook_url: SecretStr | None = None
    #: signs the webhook's body (``X-Refcore-Signature: sha256=<HMAC>``); never logged
    continuous_webhook_secret: SecretStr | None = None

    @field_validator("database_url")
    @classmethod
    def _normalise_url(cls, value: str) -> str:
        """``postgres://`` and ``postgresql://`` mean the psycopg 3 driver."""
        for prefix in ("postgres://", "postgresql://"):
            if value.startswith(prefix):
                return "postgresql+psycopg://" + value[len(prefix) :]
        return value

    @field_validator("allowed_hosts", "credentials_keys", mode="before")
    @classmethod
    def _split_hosts(cls, value: object) -> object:
        """``a.example,b.example`` or ``["a.example", "b.example"]`` from the environment."""
        if isinstance(value, str):
            text = value.strip()
            if text.startswith("["):
                return json.loads(text)
            return [h.strip() for h in text.split(",") if h.strip()]
        return value

    @field_validator("api_url", "ui_url")
    @classmethod
    def _absolute_url(cls, value: str | None) -> str | None:
        """A public URL is absolute (``https://name[:port][/prefix]``), kept without the
        trailing slash."""
        if value is None:
            return None
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"{value!r} is not an absolute http(s) URL")
        return value.rstrip("/")

    @property
    def public_url(self) -> str:
        """The base of every absolute URL the server writes (``api_url``)."""
        return self.api_url or "http://localhost"

    @property
    def results_ui_url(self) -> str:
        """The base of RefStack's result links (``ui_url``, else ``api_url``)."""
        return self.ui_url or self.public_url

    @property
    def trusted_hosts(self) -> list[str]:
        """The ``Host`` names accepted (see ``allowed_hosts``), lower case."""
        if self.allowed_hosts is not None:
            return [h.lower() for h in self.allowed_hosts]
        hosts = [urlsplit(u).hostname or "" for u in (self.public_url, self.results_ui_url)]
        return list(dict.fromkeys(h.lower() for h in (*hosts, *LOCAL_HOSTS) if h))

    @property
    def cookies_https_only(self) -> bool:
        """Whether the session cookie carries ``Secure`` (see ``secure_cookies``)."""
        if self.secure_cookies is not None:
            return self.secure_cookies
        return any((url or "").startswith("https://") for url in (self.api_url, self.ui_url))

    @property
    def broker_url(self) -> str:
        """``task_broker_url``, else the embedded broker: a SQLite file beside a SQLite
        database, or in refcore's data directory."""
        if self.task_broker_url:
            return self.task_broker_url
        if self.database_url.startswith("sqlite:///") and self.database_url != "sqlite:///":
            path = Path(self.database_url.removeprefix("sqlite:///").split("?")[0])
            return f"sqla+sqlite:///{path.with_name(path.stem + '-broker.sqlite')}"
        return f"sqla+sqlite:///{Path(default_database_url().removeprefix('sqlite:///')).with_name('broker.sqlite')}"

    @property
    def oidc_enabled(self) -> bool:
        return bool(self.oidc_server_metadata_url and self.oidc_client_id)
