"""What if guideline B replaced A? Which runs meet A, which would meet B, and
what each would miss (required, non-flagged tests of B that did not pass)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from .compliance import RunIndex, evaluate
from .guidelines import Guideline
from .runs import TestRun

__all__ = ["WhatIf", "WhatIfRow", "what_if"]


@dataclass(slots=True)
class WhatIfRow:
    label: str
    meets_a: bool
    meets_b: bool
    #: (capability, test name) required by B, not flagged, not passed
    missing_b: list[tuple[str, str]] = field(default_factory=list)
    missing_a: list[tuple[str, str]] = field(default_factory=list)

    @property
    def change(self) -> str:
        """``kept`` / ``lost`` / ``gained`` / ``never``."""
        if self.meets_a:
            return "kept" if self.meets_b else "lost"
        return "gained" if self.meets_b else "never"

    def to_dict(self) -> dict[str, Any]:
        return {
            "run": self.label,
            "meets_a": self.meets_a,
            "meets_b": self.meets_b,
            "change": self.change,
            "missing_a": [{"capability": c, "test": t} for c, t in self.missing_a],
            "missing_b": [{"capability": c, "test": t} for c, t in self.missing_b],
        }


@dataclass(slots=True)
class WhatIf:
    a: str
    b: str
    target: str
    rows: list[WhatIfRow]

    def to_dict(self) -> dict[str, Any]:
        return {
            "a": self.a,
            "b": self.b,
            "target": self.target,
            "counts": {
                c: sum(1 for r in self.rows if r.change == c)
                for c in ("kept", "lost", "gained", "never")
            },
            "runs": [r.to_dict() for r in self.rows],
        }


def what_if(
    runs: Mapping[str, TestRun], a: Guideline, b: Guideline, target: str = "platform"
) -> WhatIf:
    """Evaluate every run (labelled: a product, a cloud, a file) against A and B."""
    rows = []
    for label, run in runs.items():
        index = RunIndex(run)
        ra, rb = evaluate(index, a, target), evaluate(index, b, target)
        rows.append(
            WhatIfRow(
                label,
                ra.meets,
                rb.meets,
                missing_b=[(c, t.test.name) for c, t in rb.required_missing],
                missing_a=[(c, t.test.name) for c, t in ra.required_missing],
            )
        )
    return WhatIf(a.id, b.id, target, rows)
