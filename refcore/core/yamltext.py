"""YAML read from text someone else wrote (uploads, pasted profiles).

``yaml.safe_load`` constructs only plain types, but it still honours aliases: a few
hundred bytes of nested ``*name`` references build a tree that is gigabytes big the
moment anything walks it (schema validation, JSON encoding, error messages). Nothing
refcore reads needs aliases, so they are refused, as is nesting deeper than
:data:`MAX_DEPTH` (the composer recurses once per level: a deep document would end
in a ``RecursionError``, not in an error message).
"""

from __future__ import annotations

from typing import Any

import yaml
from yaml.composer import ComposerError
from yaml.nodes import Node

__all__ = ["MAX_DEPTH", "safe_load"]

#: deepest nesting accepted; real declarations and profiles use fewer than 10 levels
MAX_DEPTH = 64


class _StrictLoader(yaml.SafeLoader):
    """SafeLoader without aliases and with bounded nesting."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._depth = 0

    def compose_node(self, parent: Node | None, index: int) -> Node | None:
        event = self.peek_event()  # type: ignore[no-untyped-call]
        mark = event.start_mark
        if isinstance(event, yaml.AliasEvent):
            raise ComposerError(None, None, "aliases (*name) are not accepted", mark)
        if self._depth >= MAX_DEPTH:
            raise ComposerError(None, None, f"nested deeper than {MAX_DEPTH} levels", mark)
        self._depth += 1
        try:
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


def safe_load(text: str) -> Any:
    """Like ``yaml.safe_load``; raises ``yaml.YAMLError`` (with ``problem`` and
    ``problem_mark``) for aliases and excessive nesting as for any syntax error."""
    return yaml.load(text, Loader=_StrictLoader)  # noqa: S506 - a SafeLoader subclass
