"""Draft guidelines on the server: read one a user uploads (to diff it, check it, or ask what
it would do to stored runs) and the drafts the Foundation publishes for everyone to see.

An uploaded draft is a guideline document (JSON object); it is parsed by the core, named by
its ``metadata.id`` and, when the server's guideline source carries the published schemas,
validated against them (errors refuse it). A published draft keeps its document in
``guideline_drafts``; its id cannot be one the source already has.

``resolve`` answers "which guideline is ``ref``?" for every endpoint that takes a guideline:
the source's first, then the published drafts.
"""

from __future__ import annotations

import json
import re
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from refcore.core.diff import diff_guidelines
from refcore.core.guidelines import Guideline, GuidelineSet
from refcore.core.parsing import parse_guideline
from refcore.core.validation import schema_version, validate_document
from refcore.errors import (
    Conflict,
    Forbidden,
    GuidelineNotFound,
    InvalidGuideline,
    InvalidInput,
    NotFound,
)
from refcore.services.accounts import Actor
from refcore.services.guidelines import GuidelineSource
from refcore.storage.models import GuidelineDraft, User, utcnow

__all__ = [
    "MAX_DRAFT_BYTES",
    "delete",
    "diff_against",
    "get",
    "list_drafts",
    "parse_upload",
    "publish",
    "readiness",
    "resolve",
]

#: a draft larger than this is refused (the biggest real guideline, next.json, is ~270 KB)
MAX_DRAFT_BYTES = 2 * 1024 * 1024
_ID = re.compile(r"^(?:[a-z_]{1,32}\.)?(?:\d{4}\.\d{2}|next)$")


def parse_upload(body: bytes | str | dict[str, Any], source: GuidelineSource) -> Guideline:
    """A draft from what a user sent: a guideline JSON document. 400 with the reasons when it
    is not one, or when it breaks the published schema of its version."""
    if isinstance(body, dict):
        doc: Any = body
    else:
        raw = body.encode("utf-8", "replace") if isinstance(body, str) else body
        if len(raw) > MAX_DRAFT_BYTES:
            raise InvalidInput(f"A draft is at most {MAX_DRAFT_BYTES // 1024} KB")
        try:
            doc = json.loads(raw)
        except (ValueError, RecursionError) as exc:
            raise InvalidInput(f"The draft is not JSON: {exc}") from None
    if not isinstance(doc, dict):
        raise InvalidInput("The draft must be a guideline: a JSON object")
    meta = doc.get("metadata")
    draft_id = meta.get("id") if isinstance(meta, dict) else None
    if not isinstance(draft_id, str) or not _ID.match(draft_id):
        raise InvalidInput(
            "The draft needs metadata.id, a guideline id such as 2021.01 or dns.2021.01",
            errors=[f"metadata.id: {draft_id!r}"],
        )
    try:
        guideline = parse_guideline(doc, file=f"{draft_id}.json")
    except InvalidGuideline as exc:
        raise InvalidInput(f"The draft is not a usable guideline: {exc}") from None
    schema = source.schema(schema_version(doc) or "")
    if schema is not None:
        problems = validate_document(
            doc, schema, file=f"{draft_id}.json", schema_name=f"{guideline.schema}.json"
        )
        errors = [str(p) for p in problems if p.severity == "error"]
        if errors:
            raise InvalidInput("The draft breaks the published schema", errors=errors[:20])
    return guideline


def _row_guideline(row: GuidelineDraft) -> Guideline:
    return parse_guideline(json.loads(row.document), file=f"{row.id}.json")


def resolve(session: Session, gs: GuidelineSet, ref: str) -> tuple[Guideline, GuidelineSet]:
    """``ref`` from the source, else a published draft (joined to the set it extends)."""
    if ref in gs:
        return gs[ref], gs
    row = session.get(GuidelineDraft, ref.removesuffix(".json"))
    if row is None:
        raise GuidelineNotFound(f"Guideline not found: {ref}")
    guideline = _row_guideline(row)
    return guideline, gs.including(guideline)


def _summary(row: GuidelineDraft, guideline: Guideline, who: str | None) -> dict[str, Any]:
    return {
        "id": row.id,
        "replaces": guideline.replaces,
        "releases": list(guideline.releases),
        "capabilities": len(guideline.capabilities),
        "published_by": who,
        "published_at": row.published_at.isoformat(timespec="seconds") + "Z",
        "updated_at": row.updated_at.isoformat(timespec="seconds") + "Z",
    }


def list_drafts(session: Session) -> list[dict[str, Any]]:
    rows = session.execute(
        select(GuidelineDraft, User.openid)
        .outerjoin(User, User.id == GuidelineDraft.published_by)
        .order_by(GuidelineDraft.id.desc())
    ).all()
    return [_summary(row, _row_guideline(row), who) for row, who in rows]


def get(session: Session, draft_id: str) -> dict[str, Any]:
    row = session.get(GuidelineDraft, draft_id)
    if row is None:
        raise NotFound(f"No published draft {draft_id}")
    return json.loads(row.document)  # type: ignore[no-any-return]


def publish(
    session: Session, actor: Actor, gs: GuidelineSet, guideline: Guideline
) -> dict[str, Any]:
    """Publish (or replace) a draft; the Foundation only."""
    actor.require_login()
    if not actor.is_foundation:
        raise Forbidden("Only the Foundation publishes draft guidelines")
    if guideline.id in gs:
        raise Conflict(
            f"{guideline.id} is a guideline of the source already; give the draft its own id"
        )
    row = session.get(GuidelineDraft, guideline.id)
    document = json.dumps(guideline.raw, ensure_ascii=False)
    if row is None:
        row = GuidelineDraft(id=guideline.id, document=document, published_by=actor.user_id)
        session.add(row)
    else:
        row.document, row.updated_at, row.published_by = document, utcnow(), actor.user_id
    session.commit()
    return _summary(row, guideline, actor.openid)


def delete(session: Session, actor: Actor, draft_id: str) -> None:
    actor.require_login()
    if not actor.is_foundation:
        raise Forbidden("Only the Foundation withdraws draft guidelines")
    row = session.get(GuidelineDraft, draft_id)
    if row is None:
        raise NotFound(f"No published draft {draft_id}")
    session.delete(row)
    session.commit()


def readiness(draft: Guideline, listing: str | None) -> dict[str, Any]:
    """The draft's readiness (:mod:`refcore.core.readiness`): required capabilities against
    the cut-off always; its tests against a Tempest listing when one is given (the text of
    ``tempest run --list-tests``)."""
    from refcore.core.readiness import check_readiness
    from refcore.core.testmap import parse_listing
    from refcore.services.scoring import recorded_marks

    parsed = parse_listing(listing or "")
    if listing is not None and not len(parsed):
        raise InvalidInput("The Tempest listing holds no test ids (one test id per line)")
    result = check_readiness(draft, parsed, recorded_marks(draft), tempest="listing")
    body = result.to_dict()
    if listing is None:  # without a listing, the test check was not made
        body.update(tempest=None, missing=None, missing_flagged=None, renamed=None)
        body["ready"] = not result.below_cutoff
    return body


def diff_against(gs: GuidelineSet, base: str | None, draft: Guideline) -> dict[str, Any]:
    """The draft's diff against ``base`` (default: the guideline it replaces)."""
    base_id = base or draft.replaces
    if not base_id:
        raise InvalidInput("The draft names no guideline it replaces: say which to compare with")
    return diff_guidelines(gs[base_id], draft).to_dict()
