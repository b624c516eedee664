"""A user's own API tokens: list, create (the clear token is returned once), revoke.

The admin CLI creates tokens for anyone (:func:`refcore.services.accounts.create_token`);
these use cases are the self-service ones the profile page offers.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from refcore.errors import InvalidInput, NotFound, Unauthorized
from refcore.services.accounts import Actor, create_token
from refcore.storage.models import ApiToken, User

__all__ = ["issue_token", "list_tokens", "revoke_token"]

MAX_NAME = 128


def list_tokens(session: Session, actor: Actor) -> list[dict[str, Any]]:
    """The caller's tokens (id, name, created_at), oldest first; never the token itself."""
    actor.require_login()
    rows = session.scalars(
        select(ApiToken)
        .where(ApiToken.user_id == actor.user_id)
        .order_by(ApiToken.created_at, ApiToken.id)
    )
    return [{"id": t.id, "name": t.name, "created_at": t.created_at} for t in rows]


def issue_token(session: Session, actor: Actor, name: str | None = None) -> str:
    """A new token for the caller. Commits; the clear token exists only in the return value."""
    actor.require_login()
    name = (name or "").strip() or None
    if name is not None and len(name) > MAX_NAME:
        raise InvalidInput(f"A token name is at most {MAX_NAME} characters")
    user = session.get(User, actor.user_id)
    if user is None:
        raise Unauthorized("")
    return create_token(session, user, name=name)


def revoke_token(session: Session, actor: Actor, token_id: int) -> None:
    """Delete one of the caller's tokens; someone else's is 404, as if it did not exist."""
    actor.require_login()
    done = session.execute(
        delete(ApiToken).where(ApiToken.id == token_id, ApiToken.user_id == actor.user_id)
    )
    if not done.rowcount:  # type: ignore[attr-defined]
        raise NotFound(f"Token {token_id} not found")
    session.commit()
