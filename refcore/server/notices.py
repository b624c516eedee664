"""After the Foundation publishes a draft: e-mail the managers it concerns.

Shared by ``POST /v2/drafts`` and the draft page's publish button (the API and the pages
never import each other). The mail settings come from ``REFCORE_SMTP_*``; the history and
governance data from ``REFCORE_CONTRIB``. A failed e-mail never undoes the publication.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from refcore.config import Settings
from refcore.core.guidelines import GuidelineSet
from refcore.services.draft_impact import notify
from refcore.services.mail import mail_settings

__all__ = ["mail_settings", "notify_published"]


def notify_published(
    session: Session, settings: Settings, gs: GuidelineSet, draft_id: str
) -> dict[str, Any]:
    """Notify, and say how it went (sent / failed / without an address)."""
    return notify(session, mail_settings(settings), gs, settings.contrib, draft_id)
