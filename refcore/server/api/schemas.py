"""Wire models of the v2 API (kept apart from the tables in ``storage.models``)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

__all__ = ["ErrorBody", "ProductVersionLink", "RunCounts", "RunCreated", "RunList"]


class ErrorBody(BaseModel):
    """Every v2 error: built by :func:`refcore.server.errors.error_body`."""

    ok: bool = False
    error: str
    errors: list[str] = Field(default_factory=list)
    status: int


class RunCounts(BaseModel):
    total: int
    # "pass" is a keyword: aliased
    passed: int = Field(alias="pass")
    fail: int
    skip: int

    model_config = {"populate_by_name": True, "serialize_by_alias": True}


class RunCreated(BaseModel):
    id: str
    url: str
    format: str
    counts: RunCounts


class RunList(BaseModel):
    items: list[dict[str, Any]]
    page: int
    pages: int
    total: int


class ProductVersionLink(BaseModel):
    product_version_id: str | None
