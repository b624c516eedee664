"""Jinja2 for the web pages: one environment, one ``render`` and the context every page gets.

Views build a plain dict and call :func:`render`; the layout reads ``actor``,
``nav`` and the flash messages from the context added here, so no view repeats them.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape

__all__ = ["NAV", "env", "error_page", "flash", "render"]

TEMPLATES = Path(__file__).parent / "templates"

#: the navigation: (label, path, who sees it: "all" | "user" | "foundation")
NAV: tuple[tuple[str, str, str], ...] = (
    ("Guidelines", "/guidelines", "all"),
    ("Community results", "/results", "all"),
    ("Vendors", "/vendors", "all"),
    ("Products", "/products", "all"),
    ("Scoring", "/scoring", "all"),
    ("Drafts", "/drafts", "all"),
    ("Verdicts", "/verdicts", "all"),
    ("Certified", "/certified", "all"),
    ("Stakeholders", "/stakeholders", "all"),
    ("My results", "/results/mine", "user"),
    ("My vendors", "/vendors/mine", "user"),
    ("My products", "/products/mine", "user"),
    ("Certification requests", "/certification/requests", "user"),
    ("Review", "/review", "foundation"),
    ("Audit", "/audit", "user"),
    ("Upload", "/results/upload", "all"),
)


def _query(request: Request, **changes: Any) -> str:
    """The current query string with some parameters replaced (None removes one)."""
    params = [(k, v) for k, v in request.query_params.multi_items() if k not in changes]
    for key, value in changes.items():
        if value is None:
            continue
        if isinstance(value, list | tuple):
            params += [(key, str(v)) for v in value]
        else:
            params.append((key, str(value)))
    return "?" + urlencode(params) if params else "?"


def _date(value: datetime | str | None) -> str:
    """A time as stored (always UTC), with its time zone said."""
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        return value[:19].replace("T", " ") + " UTC"
    return value.strftime("%Y-%m-%d %H:%M") + " UTC"


def _duration(seconds: float | int | None) -> str:
    """``5105`` -> ``1 h 25 min``; ``185`` -> ``3 min 5 s``; ``42`` -> ``42 s``."""
    if seconds is None:
        return ""
    total = int(round(seconds))
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours} h {minutes} min" if minutes else f"{hours} h"
    if minutes:
        return f"{minutes} min {secs} s" if secs else f"{minutes} min"
    return f"{secs} s"


def _percent(value: float | int | None) -> str:
    if value is None:
        return "-"
    return f"{value:.1f}".removesuffix(".0") + "%"


env = Environment(
    loader=FileSystemLoader(TEMPLATES),
    autoescape=select_autoescape(["html"]),
    trim_blocks=True,
    lstrip_blocks=True,
)
env.filters["date"] = _date
env.filters["percent"] = _percent
env.filters["duration"] = _duration
env.filters["tojson_pretty"] = lambda v: json.dumps(v, indent=2, sort_keys=True)
env.globals["query"] = _query


def flash(request: Request, message: str, kind: str = "info") -> None:
    """A message shown once on the next page (kept in the session cookie)."""
    if "session" in request.scope:
        request.session.setdefault("flash", []).append([kind, message])


def _take_flashes(request: Request) -> list[list[str]]:
    if "session" not in request.scope:
        return []
    return request.session.pop("flash", None) or []


def render(request: Request, name: str, context: dict[str, Any], status: int = 200) -> HTMLResponse:
    """Render ``name`` with the layout's context (actor, navigation, flashes, CSRF token)."""
    from refcore.server.auth import csrf_token
    from refcore.server.deps import peek_actor

    actor = peek_actor(request)
    base = {
        "request": request,
        "actor": actor,
        "nav": [
            (label, path)
            for label, path, who in NAV
            if who == "all"
            or (who == "user" and actor.authenticated)
            or (who == "foundation" and actor.is_foundation)
        ],
        "path": request.url.path,
        "flashes": _take_flashes(request),
        "csrf": csrf_token(request),
        "login": getattr(request.app.state, "web_login", {}),
    }
    html = env.get_template(name).render({**base, **context})
    return HTMLResponse(html, status_code=status)


_TITLES = {
    400: "That did not work",
    401: "Please log in",
    403: "Not allowed",
    404: "Not found",
    409: "Already exists",
    413: "Too large",
    415: "Not a format refcore reads",
    422: "That did not work",
    429: "Too many requests",
    503: "Busy, try again",
}


def _back(request: Request) -> str:
    """Where the user came from, when that is a page of this site."""
    from urllib.parse import urlsplit

    referer = urlsplit(request.headers.get("referer", ""))
    if referer.netloc and referer.netloc == request.url.netloc and referer.path.startswith("/"):
        return referer.path + (f"?{referer.query}" if referer.query else "")
    return ""


#: what the error page repeats of a query: at most this many values, each this long
_TYPED_VALUES, _TYPED_CHARS = 20, 200


def _typed(request: Request) -> list[dict[str, str]]:
    """What the user asked for in a GET's query (each value as typed, cut short), with
    the same page's address without that one value: a way to try again with the rest."""
    if request.method not in ("GET", "HEAD"):
        return []
    items = request.query_params.multi_items()
    out: list[dict[str, str]] = []
    for i, (key, value) in enumerate(items):
        if not value.strip():  # an empty field of the form: nothing was typed
            continue
        if len(out) == _TYPED_VALUES:
            break
        rest = [kv for j, kv in enumerate(items) if j != i]
        again = request.url.path + ("?" + urlencode(rest) if rest else "")
        shown = value if len(value) <= _TYPED_CHARS else value[:_TYPED_CHARS] + "…"
        out.append({"name": key[:_TYPED_CHARS], "value": shown, "without": again})
    return out


def error_page(
    request: Request, status: int, message: str, errors: list[str] | None = None
) -> HTMLResponse:
    """The error page: what went wrong, the details, what the user asked for (a GET's
    query, each value with a link to try again without it), and the way back: "Back"
    goes back in the browser's history when it came from this site, so the form the user
    filled in comes back with what was typed (a link to the referring page otherwise)."""
    title = _TITLES.get(status, "Something went wrong")
    context = {
        "title": title,
        "status": status,
        "message": message,
        "errors": errors or [],
        "back": _back(request),
        "typed": _typed(request),
    }
    return render(request, "error.html", context, status=status)
