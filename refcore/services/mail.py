"""Where e-mail goes: the SMTP settings the services send with (built by the server from
``REFCORE_SMTP_*``). Its own module so that every service that mails imports only this."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

__all__ = ["MailSettings", "mail_settings"]


@dataclass(frozen=True)
class MailSettings:
    """Where e-mail goes (built by the server from its settings)."""

    host: str
    port: int = 25
    username: str | None = None
    password: str | None = None
    starttls: bool = False
    sender: str = "refcore@localhost"

    def __repr__(self) -> str:  # never show the password
        return f"MailSettings(host={self.host!r}, port={self.port}, sender={self.sender!r})"


def mail_settings(settings: Any) -> MailSettings | None:
    """From the server's settings (``smtp_*``, ``mail_from``); None without an SMTP host."""
    if not settings.smtp_host:
        return None
    return MailSettings(
        host=settings.smtp_host,
        port=settings.smtp_port,
        username=settings.smtp_username,
        password=settings.smtp_password,
        starttls=settings.smtp_starttls,
        sender=settings.mail_from,
    )
