"""Checks of the free-form JSON bodies the v1 vendor and product endpoints take.

RefStack validated them with JSON schemas; without a check here a number or an
object where text belongs reached the database driver and came back as a 500.
"""

from __future__ import annotations

from typing import Any

from refcore.errors import InvalidInput

__all__ = ["SCHEMA_ERROR", "local_path", "optional_text", "required_text"]

SCHEMA_ERROR = "Request doesnt correspond to schema"  # RefStack's words (sic)


def optional_text(body: dict[str, Any], key: str) -> str | None:
    """``body[key]`` when it is a string or null (absent: None)."""
    value = body.get(key)
    if value is not None and not isinstance(value, str):
        raise InvalidInput(SCHEMA_ERROR, errors=[f"{key} must be a string or null"])
    return value


def required_text(body: dict[str, Any], key: str) -> str:
    """``body[key]`` stripped, which must be a non-empty string."""
    value = body.get(key)
    if not isinstance(value, str) or not value.strip():
        raise InvalidInput(SCHEMA_ERROR, errors=[f"{key} must be a non-empty string"])
    return value.strip()


def local_path(target: str | None) -> str:
    """A redirect target after login: only a path on this site (``next=https://evil``,
    ``//evil`` or ``/\\evil`` must not send anyone off it); anything else is ``/``."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target
