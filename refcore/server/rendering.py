"""Jinja2 for the web pages: one environment, one ``render`` and the context every page gets.

Views build a plain dict and call :func:`render`; the layout reads ``actor``,
``nav`` and the flash messages from the context added here, so no view repeats them.
"""

from __future__ import annotations

import contextlib
import json
import threading
import time
import weakref
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from fastapi import Request, Response
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemBytecodeCache, FileSystemLoader, select_autoescape
from jinja2.bccache import Bucket

__all__ = ["NAV", "env", "error_page", "flash", "render", "render_once", "warm_templates"]

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
    ("My clouds", "/clouds", "user"),
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


class _CompiledTemplates(FileSystemBytecodeCache):
    """Compiled templates kept in the cache directory (``$REFCORE_CACHE_DIR``): a server
    process loads them instead of compiling each (~100 ms) on its first use. Keyed by the
    template's source checksum, so an edited template is compiled again; a cache that
    cannot be read or written is no cache, never an error."""

    def load_bytecode(self, bucket: Bucket) -> None:
        with contextlib.suppress(OSError, EOFError, ValueError):
            super().load_bytecode(bucket)

    def dump_bytecode(self, bucket: Bucket) -> None:
        with contextlib.suppress(OSError):
            super().dump_bytecode(bucket)


def _bytecode_cache() -> FileSystemBytecodeCache | None:
    from refcore.readers.guidelines import cache_dir

    folder = cache_dir() / "templates"
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        return None
    return _CompiledTemplates(str(folder))


env = Environment(
    loader=FileSystemLoader(TEMPLATES),
    autoescape=select_autoescape(["html"]),
    trim_blocks=True,
    lstrip_blocks=True,
    bytecode_cache=_bytecode_cache(),
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


def _layout(request: Request, *, personal: bool = True) -> dict[str, Any]:
    """What the layout shows of the visitor: who they are, their navigation, their flash
    messages (taken: shown once) and the CSRF token of their forms. Not ``personal``:
    the layout every anonymous visitor without a message sees alike."""
    from refcore.server.auth import csrf_token
    from refcore.server.deps import peek_actor

    if not personal:
        return {
            "request": request,
            "actor": peek_actor(request),
            "nav": [(label, path) for label, path, who in NAV if who == "all"],
            "path": request.url.path,
            "flashes": [],
            "csrf": "",
            "login": getattr(request.app.state, "web_login", {}),
        }
    actor = peek_actor(request)
    return {
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


def render(request: Request, name: str, context: dict[str, Any], status: int = 200) -> HTMLResponse:
    """Render ``name`` with the layout's context (actor, navigation, flashes, CSRF token)."""
    html = env.get_template(name).render({**_layout(request), **context})
    return HTMLResponse(html, status_code=status)


@dataclass(frozen=True)
class _Rendered:
    of: weakref.ref[Any]  # the guideline set it was rendered from
    html: bytes
    at: float  # when (its Last-Modified)


_ONCE: OrderedDict[tuple[object, ...], _Rendered] = OrderedDict()
_ONCE_LOCK = threading.Lock()
#: pages kept (every guideline x target x query asked for; the least recently used go)
ONCE_MAX = 512


def render_once(
    request: Request, name: str, guidelines: Any, build: Callable[[], dict[str, Any]]
) -> Response:
    """A page that shows ``guidelines`` (a GuidelineSet) and nothing else that changes:
    rendered once per guideline set and URL for every anonymous visitor (``build`` gives
    the page's context; it runs only when the page is not kept), and answered with an
    ``ETag`` and a ``Last-Modified``: 304 to a client that has it
    (:mod:`refcore.server.conditional`). A logged-in visitor, or one with a message to
    see, gets the page rendered for them, with an ``ETag`` of its own."""
    from refcore.server.conditional import conditional
    from refcore.server.deps import peek_actor

    flashes = "session" in request.scope and request.session.get("flash")
    if peek_actor(request).authenticated or flashes:
        html = env.get_template(name).render({**_layout(request), **build()}).encode()
        return conditional(request, html, "text/html; charset=utf-8")
    key = (
        id(request.app),
        id(guidelines),
        getattr(guidelines, "fingerprint", ""),
        name,
        str(request.base_url),
        request.url.path,
        request.url.query,
    )
    with _ONCE_LOCK:
        kept = _ONCE.get(key)
        if kept is not None and kept.of() is guidelines:
            _ONCE.move_to_end(key)
        else:
            kept = None
    if kept is None:
        layout = _layout(request, personal=False)
        html = env.get_template(name).render({**layout, **build()}).encode()
        kept = _Rendered(weakref.ref(guidelines), html, time.time())
        with _ONCE_LOCK:
            _ONCE[key] = kept
            while len(_ONCE) > ONCE_MAX:
                _ONCE.popitem(last=False)
    return conditional(request, kept.html, "text/html; charset=utf-8", last_modified=kept.at)


def warm_templates() -> threading.Thread:
    """Compile every template in a background thread (the server's start), so the first
    visitor of a page does not wait for Jinja to compile it (~100 ms a template)."""

    first = ("base.html", "guidelines/", "results/report.html", "home.html")

    def compile_all() -> None:
        names = env.list_templates(extensions=["html"])
        # the most visited first: a visitor arriving meanwhile finds them compiled
        ordered = sorted(
            names, key=lambda n: next((i for i, f in enumerate(first) if n.startswith(f)), 9)
        )
        for name in ordered:
            env.get_template(name)

    thread = threading.Thread(target=compile_all, name="refcore-templates", daemon=True)
    thread.start()
    return thread


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
