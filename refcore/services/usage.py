"""Client and tool usage declarations kept on the server, for "Used by Clients" and
"Used by Tools".

A declaration (the format of :mod:`refcore.core.usage`, YAML or JSON) is stored
once per (kind, name): its owner may upload it again to replace it (a new
version), nobody else may (409). Anyone may read them: they are published
statements of which capabilities a client or tool uses, and the scoring
suggestions count them per capability.
"""

from __future__ import annotations

import json
import uuid
from collections import Counter
from dataclasses import dataclass
from typing import Any

import yaml
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from refcore.core import yamltext
from refcore.core.usage import UsageDeclaration, parse_usage
from refcore.errors import Conflict, Forbidden, NotFound, ScoringError
from refcore.services.accounts import Actor
from refcore.storage.models import UsageDeclarationRow, utcnow

__all__ = [
    "Stored",
    "counts",
    "declarations",
    "delete",
    "item",
    "list_declarations",
    "store",
]

_MAX_NAME, _MAX_VERSION = 128, 64


@dataclass(frozen=True)
class Stored:
    """What :func:`store` did: the row, and whether it was new (201) or replaced (200)."""

    row: UsageDeclarationRow
    created: bool


def _parse(text: str) -> tuple[UsageDeclaration, dict[str, Any]]:
    try:
        doc = yamltext.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or "syntax error"
        raise ScoringError(f"usage declaration: not YAML or JSON{where}: {problem}") from None
    declaration = parse_usage(doc, source="usage declaration")
    if len(declaration.name) > _MAX_NAME:
        raise ScoringError(f"usage declaration: name longer than {_MAX_NAME} characters")
    if declaration.version is not None and len(declaration.version) > _MAX_VERSION:
        raise ScoringError(f"usage declaration: version longer than {_MAX_VERSION} characters")
    # YAML may hold dates and the like; the schema has already said what is allowed
    return declaration, json.loads(json.dumps(doc, default=str))


def store(session: Session, actor: Actor, text: str) -> Stored:
    """Validate and store a declaration for a logged-in user; raises ScoringError
    (invalid, every schema problem in ``errors``), Unauthorized, Conflict."""
    actor.require_login()
    declaration, doc = _parse(text)
    row = session.scalar(
        select(UsageDeclarationRow).where(
            UsageDeclarationRow.kind == declaration.kind,
            UsageDeclarationRow.name == declaration.name,
        )
    )
    created = row is None
    if row is None:
        row = UsageDeclarationRow(
            id=str(uuid.uuid4()), kind=declaration.kind, name=declaration.name
        )
        row.owner_id = actor.user_id
        session.add(row)
    elif row.owner_id != actor.user_id and not actor.is_foundation:
        raise Conflict(
            f"A {declaration.kind} usage declaration named {declaration.name!r} "
            "already exists and belongs to another user"
        )
    else:
        row.updated_at = utcnow()
    row.version = declaration.version
    row.document = json.dumps(doc, sort_keys=True)
    try:
        session.commit()
    except IntegrityError:  # the same (kind, name) stored concurrently
        session.rollback()
        raise Conflict(
            f"A {declaration.kind} usage declaration named {declaration.name!r} already exists"
        ) from None
    return Stored(row, created)


def delete(session: Session, actor: Actor, declaration_id: str) -> None:
    """Delete a declaration: its owner or the Foundation. Its capabilities stop counting
    toward "Used by Clients"/"Used by Tools" at once."""
    actor.require_login()
    row = session.get(UsageDeclarationRow, declaration_id)
    if row is None:
        raise NotFound(f"No usage declaration {declaration_id}")
    if row.owner_id != actor.user_id and not actor.is_foundation:
        raise Forbidden("This usage declaration belongs to another user")
    session.delete(row)
    session.commit()


def _rows(session: Session) -> list[UsageDeclarationRow]:
    query = select(UsageDeclarationRow).order_by(UsageDeclarationRow.kind, UsageDeclarationRow.name)
    return list(session.scalars(query))


def _declaration(row: UsageDeclarationRow) -> UsageDeclaration:
    return parse_usage(json.loads(row.document), source=f"{row.kind} {row.name}")


def declarations(session: Session) -> list[UsageDeclaration]:
    """Every stored declaration, as the core's :class:`UsageDeclaration`."""
    return [_declaration(r) for r in _rows(session)]


def counts(decls: list[UsageDeclaration]) -> dict[str, dict[str, int]]:
    """capability -> {"clients": n, "tools": n}: how many declarations of each kind use it."""
    per_kind = {"client": Counter[str](), "tool": Counter[str]()}
    for d in decls:
        per_kind[d.kind].update(d.uses())
    names = sorted(set(per_kind["client"]) | set(per_kind["tool"]))
    return {n: {"clients": per_kind["client"][n], "tools": per_kind["tool"][n]} for n in names}


def item(row: UsageDeclarationRow) -> dict[str, Any]:
    """The public view of one stored declaration (no owner)."""
    return {
        "id": row.id,
        **_declaration(row).to_dict(),
        "created_at": row.created_at.isoformat(timespec="seconds"),
        "updated_at": row.updated_at.isoformat(timespec="seconds") if row.updated_at else None,
    }


def list_declarations(session: Session) -> dict[str, Any]:
    """Every declaration, and per capability how many clients and tools use it."""
    rows = _rows(session)
    return {
        "declarations": [item(r) for r in rows],
        "counts": counts([_declaration(r) for r in rows]),
    }
