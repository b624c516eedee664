"""Users, API tokens, public keys, and the :class:`Actor` every use case checks.

Roles (RefStack's): the *foundation admin* is a member of the organization of
type 0; a *vendor admin* is a member of a vendor organization; any other logged
in user is a *member*; no credentials is *anonymous*. API tokens are random,
shown once, and stored as their sha256.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from refcore.errors import Conflict, InvalidInput, NotFound, Unauthorized
from refcore.services.signatures import (
    KEY_FORMATS,
    key_fingerprint,
    key_md5,
    parse_key_line,
    verify,
)
from refcore.storage import repositories as repo
from refcore.storage.models import (
    ApiToken,
    KeyOwner,
    LoginSession,
    Organization,
    OrgMember,
    PublicKey,
    User,
    utcnow,
)

__all__ = [
    "ANONYMOUS",
    "FOUNDATION",
    "Actor",
    "add_public_key",
    "create_token",
    "create_user",
    "delete_public_key",
    "end_login",
    "ensure_foundation",
    "hash_token",
    "list_public_keys",
    "profile",
    "resolve_actor",
    "start_login",
    "upsert_user",
    "user_by_openid",
]

#: organization types (RefStack's)
FOUNDATION, PRIVATE_VENDOR, PENDING_VENDOR, OFFICIAL_VENDOR = 0, 1, 2, 3


@dataclass(frozen=True)
class Actor:
    """Who is asking. ``org_ids`` are the organizations the user administers."""

    user_id: int | None = None
    openid: str | None = None
    is_foundation: bool = False
    org_ids: frozenset[str] = field(default_factory=frozenset)

    @property
    def authenticated(self) -> bool:
        return self.user_id is not None

    def admin_of(self, org_id: str | None) -> bool:
        return self.is_foundation or (org_id is not None and org_id in self.org_ids)

    def require_login(self) -> Actor:
        if not self.authenticated:
            raise Unauthorized("")
        return self


ANONYMOUS = Actor()


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def actor_for(session: Session, user: User) -> Actor:
    orgs = repo.org_ids_of(session, user.id)
    return Actor(
        user.id,
        user.openid,
        any(t == FOUNDATION for _, t in orgs),
        frozenset(o for o, _ in orgs),
    )


def resolve_actor(session: Session, *, token: str | None = None, login: str | None = None) -> Actor:
    """Who is asking: the browser's login (``login``, the id its cookie carries) first, then the
    bearer ``token``. A token that matches nobody is a 401; a login that has ended (logged out,
    expired, its user deleted) is anonymous."""
    user = None
    if login:
        user = session.scalar(
            select(User)
            .join(LoginSession, LoginSession.user_id == User.id)
            .where(LoginSession.id_hash == hash_token(login), LoginSession.expires_at > utcnow())
        )
    if user is None and token:
        user = session.scalar(
            select(User)
            .join(ApiToken, ApiToken.user_id == User.id)
            .where(ApiToken.token_hash == hash_token(token))
        )
        if user is None:
            raise Unauthorized("Invalid API token")
    return actor_for(session, user) if user is not None else ANONYMOUS


#: how long a browser login lasts (the cookie's max age too)
LOGIN_LIFETIME = timedelta(days=7)


def start_login(session: Session, user: User) -> str:
    """A new server-side login for ``user``; returns the id the browser's cookie carries."""
    login = secrets.token_urlsafe(32)
    now = utcnow()
    session.execute(delete(LoginSession).where(LoginSession.expires_at <= now))
    session.add(
        LoginSession(
            id_hash=hash_token(login),
            user_id=user.id,
            created_at=now,
            expires_at=now + LOGIN_LIFETIME,
        )
    )
    session.commit()
    return login


def end_login(session: Session, login: str) -> None:
    """Log out: the login ends server-side, whatever copies of the cookie exist."""
    session.execute(delete(LoginSession).where(LoginSession.id_hash == hash_token(login)))
    session.commit()


def user_by_openid(session: Session, openid: str) -> User | None:
    return session.scalar(select(User).where(User.openid == openid))


def upsert_user(session: Session, openid: str, *, email: str | None, fullname: str | None) -> User:
    """Create or refresh a user (what a login does); commits."""
    user = user_by_openid(session, openid)
    if user is None:
        user = User(openid=openid, email=email, fullname=fullname)
        session.add(user)
    else:
        user.email, user.fullname = email or user.email, fullname or user.fullname
    session.commit()
    return user


def create_user(
    session: Session,
    name: str,
    *,
    email: str | None = None,
    fullname: str | None = None,
    foundation: bool = False,
) -> User:
    """Bootstrap a user (``refcore admin create-user``); ``name`` is the openid. Commits."""
    if not name.strip():
        raise InvalidInput("A user name must not be empty")
    if user_by_openid(session, name) is not None:
        raise Conflict(f"User {name} already exists")
    user = User(openid=name, email=email, fullname=fullname or name)
    session.add(user)
    session.flush()
    if foundation:
        org = ensure_foundation(session)
        session.add(OrgMember(org_id=org.id, user_id=user.id))
    session.commit()
    return user


def ensure_foundation(session: Session) -> Organization:
    """The Foundation organization, created on first use (no commit)."""
    org = session.scalar(select(Organization).where(Organization.type == FOUNDATION))
    if org is None:
        org = Organization(id=str(uuid.uuid4()), type=FOUNDATION, name="Foundation")
        session.add(org)
        session.flush()
    return org


def create_token(session: Session, user: User, *, name: str | None = None) -> str:
    """A new API token for ``user``; the only time the clear token exists. Commits."""
    token = "rc_" + secrets.token_urlsafe(32)
    session.add(ApiToken(user_id=user.id, token_hash=hash_token(token), name=name))
    session.commit()
    return token


def profile(session: Session, actor: Actor) -> dict[str, object]:
    actor.require_login()
    user = session.get(User, actor.user_id)
    if user is None:
        raise Unauthorized("")
    return {
        "openid": user.openid,
        "email": user.email,
        "fullname": user.fullname,
        "is_admin": actor.is_foundation,
    }


# -- public keys ------------------------------------------------------------------------------
def _key_dict(key: PublicKey, openid: str | None) -> dict[str, object]:
    return {
        "id": key.id,
        "openid": openid,
        "format": key.format,
        "pubkey": key.pubkey,
        "comment": key.comment,
    }


def list_public_keys(session: Session, actor: Actor) -> list[dict[str, object]]:
    actor.require_login()
    keys = session.scalars(
        select(PublicKey).where(PublicKey.user_id == actor.user_id).order_by(PublicKey.created_at)
    )
    return [_key_dict(k, actor.openid) for k in keys]


KEY_TAKEN = (
    "Public key already registered by another account: only that account can register it again."
)


def add_public_key(
    session: Session,
    actor: Actor,
    raw_key: str,
    self_signature: str | None,
    *,
    trusted: bool = False,
) -> str:
    """Register a key (RefStack's POST /v1/profile/pubkeys); returns its id. Commits.

    ``self_signature`` must be hex(sign(b"signature")) by the key's private half, as
    ``refstack-client sign`` prints it. ``trusted=True`` skips that check: the admin
    CLI registers a key it was handed out of band.
    """
    actor.require_login()
    parsed = parse_key_line(raw_key)
    if parsed.format not in KEY_FORMATS:
        raise InvalidInput("Public key has unsupported format")
    if not trusted:
        if not self_signature:
            raise InvalidInput(
                "Request doesnt correspond to schema", errors=["self_signature is required"]
            )
        verify(parsed.line, self_signature, b"signature")
    md5 = key_md5(parsed.pubkey)
    clash = session.scalars(select(PublicKey).where(PublicKey.md5_hash == md5))
    if any(k.pubkey == parsed.pubkey for k in clash):
        raise Conflict("Public key already exists.")
    fingerprint = key_fingerprint(parsed.pubkey)
    bound = session.get(KeyOwner, fingerprint)
    if bound is not None and bound.user_id != actor.user_id:
        raise Conflict(KEY_TAKEN)
    if bound is None:
        assert actor.user_id is not None
        session.add(KeyOwner(fingerprint=fingerprint, user_id=actor.user_id))
    key = PublicKey(
        id=str(uuid.uuid4()),
        user_id=actor.user_id,
        format=parsed.format,
        pubkey=parsed.pubkey,
        comment=parsed.comment,
        md5_hash=md5,
    )
    session.add(key)
    try:
        session.commit()
    except IntegrityError:  # pragma: no cover - a concurrent insert of the same key
        session.rollback()
        raise Conflict("Public key already exists.") from None
    return key.id


def delete_public_key(session: Session, actor: Actor, key_id: str) -> None:
    actor.require_login()
    done = session.execute(
        delete(PublicKey).where(PublicKey.id == key_id, PublicKey.user_id == actor.user_id)
    )
    if not done.rowcount:  # type: ignore[attr-defined]
        raise NotFound(f"Public key {key_id} not found")
    session.commit()


def key_owner(session: Session, public_key_line: str) -> User | None:
    """The user a signing key (``ssh-rsa AAAA...``) is registered to, by RefStack's md5
    rule, and only if that user is the key's first owner (``key_owners``)."""
    parsed = parse_key_line(public_key_line)
    rows = session.execute(
        select(PublicKey.pubkey, User)
        .join(User, User.id == PublicKey.user_id)
        .where(PublicKey.md5_hash == key_md5(parsed.pubkey))
    ).all()
    for pubkey, user in rows:
        if pubkey == parsed.pubkey:
            bound = session.get(KeyOwner, key_fingerprint(pubkey))
            return user if bound is None or bound.user_id == user.id else None
    return None
