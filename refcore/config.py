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

from pydantic import Field, field_validator
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

    @field_validator("database_url")
    @classmethod
    def _normalise_url(cls, value: str) -> str:
        """``postgres://`` and ``postgresql://`` mean the psycopg 3 driver."""
        for prefix in ("postgres://", "postgresql://"):
            if value.startswith(prefix):
                return "postgresql+psycopg://" + value[len(prefix) :]
        return value

    @field_validator("allowed_hosts", mode="before")
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
    def oidc_enabled(self) -> bool:
        return bool(self.oidc_server_metadata_url and self.oidc_client_id)
