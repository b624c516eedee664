"""Who is asking, for every route of the server, and the CSRF rule.

Two ways in:

* **An API token** (``Authorization: Bearer <token>``): refstack-client and scripts. No cookie,
  so no CSRF question.
* **A browser login**: the signed session cookie carries the id of a server-side login
  (:func:`refcore.services.accounts.start_login`); logging out ends it server-side, so a copied
  cookie stops working at once.

A request authenticated by the cookie that changes anything (any method but GET, HEAD,
OPTIONS) must prove it comes from this site's own pages: the session's CSRF token in the
``X-CSRF-Token`` header or the ``csrf`` form field, and, when the browser says where it comes
from (``Origin`` / ``Sec-Fetch-Site``), this site. Otherwise it is a 403 before any service runs.
"""

from __future__ import annotations

import secrets
from urllib.parse import urlsplit

from fastapi import Request
from sqlalchemy.orm import Session

from refcore.errors import Forbidden
from refcore.services import accounts
from refcore.storage.models import User

__all__ = [
    "CSRF_FIELD",
    "CSRF_HEADER",
    "SAFE_METHODS",
    "begin_login",
    "check_csrf",
    "csrf_token",
    "end_login",
    "login_id",
]

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
CSRF_FIELD = "csrf"
CSRF_HEADER = "x-csrf-token"
_LOGIN = "login"


def _has_session(request: Request) -> bool:
    return "session" in request.scope


def login_id(request: Request) -> str | None:
    """The server-side login this browser's cookie names, if any."""
    if not _has_session(request):
        return None
    value = request.session.get(_LOGIN)
    return value if isinstance(value, str) and value else None


def begin_login(request: Request, session: Session, user: User) -> None:
    """Log ``user`` in: a fresh cookie session (no fixation) naming a new server-side login.
    The CSRF token of the page that posted the login form carries over."""
    csrf = request.session.get(CSRF_FIELD)
    request.session.clear()
    request.session[_LOGIN] = accounts.start_login(session, user)
    if csrf:
        request.session[CSRF_FIELD] = csrf


def end_login(request: Request, session: Session) -> None:
    """Log out: the server-side login ends, the cookie session is cleared."""
    login = login_id(request)
    if login:
        accounts.end_login(session, login)
    request.session.clear()


def csrf_token(request: Request) -> str:
    """The session's CSRF token (made on first use); every form and script sends it back."""
    if not _has_session(request):
        return ""
    token = request.session.get(CSRF_FIELD)
    if not token:
        token = request.session[CSRF_FIELD] = secrets.token_urlsafe(24)
    return str(token)


async def check_csrf(request: Request) -> None:
    """403 unless an unsafe request carries the session's CSRF token and, when the browser
    names its origin, comes from this site."""
    if request.method in SAFE_METHODS:
        return
    if request.headers.get("sec-fetch-site", "same-origin") not in ("same-origin", "none"):
        raise Forbidden("Cross-site request refused: use this site's own pages or an API token.")
    origin = request.headers.get("origin")
    if origin and origin != "null" and not _same_origin(request, origin):
        raise Forbidden("Cross-site request refused: use this site's own pages or an API token.")
    expected = request.session.get(CSRF_FIELD) if _has_session(request) else None
    sent = request.headers.get(CSRF_HEADER)
    if sent is None and _is_form(request):
        form = await request.form()  # parsed once: FastAPI reuses it for the route's fields
        value = form.get(CSRF_FIELD)
        sent = value if isinstance(value, str) else None
    if not expected or not sent or not secrets.compare_digest(str(expected), sent):
        raise Forbidden("The form expired or came from another site; reload the page and retry.")


def _is_form(request: Request) -> bool:
    kind = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    return kind in ("application/x-www-form-urlencoded", "multipart/form-data")


def _same_origin(request: Request, origin: str) -> bool:
    settings = request.app.state.refcore.settings
    allowed = {_origin(u) for u in (settings.api_url, settings.ui_url) if u}
    allowed.add(_origin(str(request.base_url)))
    return _origin(origin) in allowed


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower()
