"""JSON and CSV downloads of what a page shows: the page's service result, formatted.

A page takes ``?format=json`` or ``?format=csv`` (its HTML otherwise) and hands the
service's data here; nothing is computed again, so a download and its page agree.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable
from typing import Any

from fastapi.responses import Response

from refcore.errors import InvalidInput

__all__ = ["FORMATS", "answer", "csv_response", "dict_rows", "json_response", "wanted"]

FORMATS = ("html", "json", "csv")


def wanted(value: str | None) -> str:
    """The format a page was asked for: "html" (the default), "json" or "csv"."""
    fmt = (value or "html").strip().lower()
    if fmt not in FORMATS:
        raise InvalidInput(f"Unknown format {(value or '')[:20]!r}: use html, json or csv")
    return fmt


def _attachment(name: str) -> dict[str, str]:
    safe = "".join(ch if ch.isalnum() or ch in "-._" else "-" for ch in name)
    return {"Content-Disposition": f'attachment; filename="{safe}"'}


def json_response(data: Any, name: str) -> Response:
    """``data`` as an indented JSON attachment ``name`` (with its ``.json``)."""
    body = json.dumps(data, indent=2, sort_keys=False, default=str)
    return Response(body, media_type="application/json", headers=_attachment(name))


def csv_response(rows: Iterable[Iterable[Any]], name: str) -> Response:
    """``rows`` (header first) as a CSV attachment ``name`` (with its ``.csv``)."""
    out = io.StringIO()
    writer = csv.writer(out)
    for row in rows:
        writer.writerow(["" if v is None else v for v in row])
    return Response(out.getvalue(), media_type="text/csv; charset=utf-8", headers=_attachment(name))


def dict_rows(items: list[dict[str, Any]], columns: tuple[str, ...]) -> list[list[Any]]:
    """A list of flat dicts as CSV rows (header first), ``columns`` in order."""
    return [list(columns)] + [[item.get(c) for c in columns] for item in items]


def answer(fmt: str, name: str, data: Any, rows: list[list[Any]]) -> Response | None:
    """The download for ``fmt`` ("json": ``data``; "csv": ``rows``), None for HTML."""
    if fmt == "json":
        return json_response(data, name + ".json")
    if fmt == "csv":
        return csv_response(rows, name + ".csv")
    return None
