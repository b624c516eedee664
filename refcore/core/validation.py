"""Check a guideline document against the published JSON schema of its version.

The interop repository publishes schemas for 1.5, 1.6 and 2.0
(``doc/source/schema``). The real data violates them in known ways (spec §7),
so every violation is reported as a warning with its JSON pointer; only a
document that cannot be read at all is an error (raised by the parser).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import jsonschema
from jsonschema.exceptions import SchemaError

from refcore.errors import InvalidGuideline

from .guidelines import Issue

__all__ = ["SCHEMA_FILES", "schema_version", "validate_document"]

#: schema version -> file name under doc/source/schema
SCHEMA_FILES: Mapping[str, str] = {"1.5": "1.5.json", "1.6": "1.6.json", "2.0": "2.0.json"}


def schema_version(doc: Any) -> str | None:
    if not isinstance(doc, dict):
        return None
    if isinstance(doc.get("metadata"), dict):
        return str(doc["metadata"].get("schema"))
    return str(doc["schema"]) if "schema" in doc else None


def _pointer(path: Any) -> str:
    return "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in path)


def usable_schema(schema: Mapping[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """A copy of ``schema`` without the ``pattern``s Python cannot compile.

    The published 1.5 and 1.6 schemas carry ``[^$|^\\d{4}-\\d{2}-\\d{2}$]`` for
    flag dates, which is not a valid regular expression; those checks are
    dropped (and reported) instead of refusing the whole schema.
    """
    dropped: list[str] = []

    def clean(node: Any, path: str) -> Any:
        if isinstance(node, dict):
            out = {}
            for key, value in node.items():
                if key == "pattern" and isinstance(value, str):
                    try:
                        re.compile(value)
                    except re.error:
                        dropped.append(f"{path}/pattern")
                        continue
                out[key] = clean(value, f"{path}/{key}")
            return out
        if isinstance(node, list):
            return [clean(v, f"{path}/{i}") for i, v in enumerate(node)]
        return node

    return clean(schema, ""), dropped


def validate_document(
    doc: Any, schema: Mapping[str, Any], *, file: str, schema_name: str = "schema"
) -> list[Issue]:
    """Every violation of ``schema`` in ``doc``, sorted by pointer, as warnings."""
    cleaned, dropped = usable_schema(schema)
    try:
        cls = jsonschema.validators.validator_for(cleaned)
        cls.check_schema(cleaned)
    except SchemaError as exc:
        raise InvalidGuideline(f"{file}: the JSON schema itself is invalid: {exc.message}") from exc
    validator = cls(cleaned)
    issues = [
        Issue(file=file, pointer=_pointer(err.absolute_path), message=err.message)
        for err in validator.iter_errors(doc)
    ]
    issues.sort(key=lambda i: i.pointer)
    issues += [
        Issue(
            file,
            "",
            f"{schema_name}{p}: invalid regular expression in the published "
            "schema; that check is skipped",
        )
        for p in dropped
    ]
    return issues
