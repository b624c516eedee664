"""The guideline source the server reads, and RefStack's three guideline views.

:class:`GuidelineSource` is the contract (``get()`` -> a GuidelineSet and its
fingerprint); :class:`LoadedSource` loads from a directory or URL once (via
:func:`refcore.readers.guidelines.load_guidelines`) and :class:`FixedSource` wraps a set
already in memory (tests, the web UI's previews).
"""

from __future__ import annotations

import hashlib
import re
import threading
from pathlib import PurePosixPath
from typing import Any, Protocol

from refcore.core.guidelines import STATUSES, GuidelineSet
from refcore.errors import GuidelineNotFound, UnknownTarget

__all__ = [
    "FixedSource",
    "GuidelineSource",
    "LoadedSource",
    "guideline_file",
    "list_v1",
    "str_to_bool",
    "test_list_text",
]

_V1_FILE = re.compile(r"([0-9]{4}\.[0-9]{2}|next)\.json$")


class GuidelineSource(Protocol):
    def get(self) -> GuidelineSet: ...

    @property
    def fingerprint(self) -> str: ...

    def schema(self, version: str) -> dict[str, Any] | None:
        """The published JSON schema of guideline ``version`` ("2.0"), if the source has it."""
        ...


class LoadedSource:
    """Guidelines from a path or URL (None: $REFCORE_GUIDELINES / upstream), loaded once."""

    def __init__(self, source: str | None) -> None:
        self.source = source
        self._set: GuidelineSet | None = None
        self._lock = threading.Lock()

    def get(self) -> GuidelineSet:
        if self._set is None:
            with self._lock:
                if self._set is None:
                    from refcore.readers.guidelines import load_guidelines

                    self._set = load_guidelines(self.source)
        return self._set

    @property
    def fingerprint(self) -> str:
        gs = self.get()
        return gs.fingerprint or _digest(gs)

    def schema(self, version: str) -> dict[str, Any] | None:
        if self._schemas is None:
            from refcore.readers.guidelines import resolve_source, schemas_in

            self.get()  # a URL source is fetched (and its failures handled) by get()
            self._schemas = schemas_in(resolve_source(self.source))
        return self._schemas.get(version)

    _schemas: dict[str, dict[str, Any]] | None = None


class FixedSource:
    def __init__(
        self, guidelines: GuidelineSet, schemas: dict[str, dict[str, Any]] | None = None
    ) -> None:
        self._set = guidelines
        self._schemas = schemas or {}
        self.fingerprint = _digest(guidelines)

    def get(self) -> GuidelineSet:
        return self._set

    def schema(self, version: str) -> dict[str, Any] | None:
        return self._schemas.get(version)


def _digest(gs: GuidelineSet) -> str:
    return hashlib.sha256("\0".join(f"{g.id}:{g.file}" for g in gs.values()).encode()).hexdigest()


def list_v1(gs: GuidelineSet) -> dict[str, list[dict[str, str]]]:
    """RefStack's ``GET /v1/guidelines``: ``powered`` plus one list per add-on."""
    out: dict[str, list[dict[str, str]]] = {}
    for g in gs.values():
        base = PurePosixPath(g.file).name
        if g.kind == "powered" and _V1_FILE.fullmatch(base):
            out.setdefault("powered", []).append({"name": base, "file": base})
        elif g.kind == "add-on" and _V1_FILE.search(base):
            group, _, rest = base.partition(".")
            out.setdefault(group, []).append({"name": rest, "file": base})
    # RefStack answers with the groups in key order (dns, orchestration, powered)
    return dict(sorted(out.items()))


def guideline_file(gs: GuidelineSet, name: str) -> dict[str, Any]:
    """The raw JSON of a guideline file (``2020.06``, ``2020.06.json``, ``dns.2020.06.json``)."""
    key = name.removesuffix(".json")
    if key not in gs:
        raise GuidelineNotFound(
            "The server was unable to get the JSON content for the specified guideline file."
        )
    return gs[key].raw


def str_to_bool(value: str | None, default: bool = True) -> bool:
    if value is None:
        return default
    return value.strip().lower() in ("true", "yes", "1")


def test_list_text(
    gs: GuidelineSet,
    version: str,
    *,
    target: str | None = None,
    types: str | None = None,
    alias: str | None = None,
    flag: str | None = None,
) -> str:
    """RefStack's ``/v1/guidelines/<v>/tests`` body, errors included (RefStack answers
    them with 200 text too, and refstack-client only reads the lines)."""
    target = target or "platform"
    key = version.removesuffix(".json")
    if key not in gs:
        return f"Error getting JSON content for version: {version}"
    guideline = gs[key]
    wanted = None
    if types:
        wanted = [t for t in (s.strip() for s in types.split(",")) if t in STATUSES]
    try:
        lines = guideline.test_list(
            target, wanted, alias=str_to_bool(alias), flag=str_to_bool(flag)
        )
    except UnknownTarget:
        return f"Invalid target: {target}"
    return "\n".join(lines)
