"""The guideline source the server reads, and RefStack's three guideline views.

:class:`GuidelineSource` is the contract (``get()`` -> a GuidelineSet and its
fingerprint); :class:`LoadedSource` loads from a directory or URL once (via
:func:`refcore.readers.guidelines.load_guidelines`) and :class:`FixedSource` wraps a set
already in memory (tests, the web UI's previews).
"""

from __future__ import annotations

import hashlib
import logging
import math
import re
import threading
import time
from collections.abc import Callable
from pathlib import PurePosixPath
from typing import Any, Protocol

from refcore.core.guidelines import STATUSES, GuidelineSet
from refcore.errors import GuidelineError, GuidelineNotFound, GuidelinesUnavailable, UnknownTarget

__all__ = [
    "FixedSource",
    "GuidelineSource",
    "LoadedSource",
    "guideline_file",
    "list_v1",
    "str_to_bool",
    "test_list_text",
]

log = logging.getLogger("refcore.guidelines")

_V1_FILE = re.compile(r"([0-9]{4}\.[0-9]{2}|next)\.json$")


class GuidelineSource(Protocol):
    def get(self) -> GuidelineSet: ...

    @property
    def fingerprint(self) -> str: ...

    def schema(self, version: str) -> dict[str, Any] | None:
        """The published JSON schema of guideline ``version`` ("2.0"), if the source has it."""
        ...


class LoadedSource:
    """Guidelines from a path or URL (None: $REFCORE_GUIDELINES / upstream), loaded once.

    A failed load is remembered: until the next attempt is due, :meth:`get` raises
    :class:`~refcore.errors.GuidelinesUnavailable` (503, ``Retry-After``) at once, without
    touching the source; the wait doubles after each failure, from ``retry_first`` to
    ``retry_max`` seconds. What went wrong is logged, never shown to the asker.
    """

    def __init__(
        self,
        source: str | None,
        *,
        retry_first: float = 30.0,
        retry_max: float = 3600.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.source = source
        self._set: GuidelineSet | None = None
        self._lock = threading.Lock()
        self._retry_first = retry_first
        self._retry_max = retry_max
        self._clock = clock
        self._failures = 0
        self._retry_at = 0.0

    def get(self) -> GuidelineSet:
        if self._set is None:
            with self._lock:
                if self._set is None:
                    self._set = self._load()
        return self._set

    def _load(self) -> GuidelineSet:
        from refcore.readers.guidelines import load_guidelines

        now = self._clock()
        if self._failures and now < self._retry_at:
            raise GuidelinesUnavailable(math.ceil(self._retry_at - now))
        try:
            loaded = load_guidelines(self.source)
        except GuidelineError as exc:
            wait = min(self._retry_first * 2**self._failures, self._retry_max)
            self._failures += 1
            self._retry_at = now + wait
            log.error(
                "guidelines could not be loaded (failure %d, next attempt in %d s): %s",
                self._failures,
                wait,
                exc,
            )
            raise GuidelinesUnavailable(math.ceil(wait)) from None
        self._failures = 0
        return loaded

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
