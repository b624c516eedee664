"""refcore: OpenStack interop (DefCore) guidelines, results, scoring and verdicts.

The public library API::

    guidelines = refcore.load_guidelines("path/to/interop")
    run = refcore.read_run("tempest.subunit")
    report = refcore.evaluate(run, guidelines["2020.06"], "platform")

Names are imported on first use, so ``import refcore`` stays cheap.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from refcore.version import __version__

_EXPORTS = {
    "ComplianceReport": "refcore.core.compliance",
    "Guideline": "refcore.core.guidelines",
    "GuidelineSet": "refcore.core.guidelines",
    "Outcome": "refcore.core.runs",
    "RefcoreError": "refcore.errors",
    "TestResult": "refcore.core.runs",
    "TestRun": "refcore.core.runs",
    "evaluate": "refcore.core.compliance",
    "evaluate_all": "refcore.core.compliance",
    "load_guidelines": "refcore.readers.guidelines",
    "parse_run": "refcore.core.results",
    "read_run": "refcore.readers.runs",
}

__all__ = [
    "ComplianceReport",
    "evaluate",
    "evaluate_all",
    "Guideline",
    "GuidelineSet",
    "load_guidelines",
    "Outcome",
    "parse_run",
    "read_run",
    "RefcoreError",
    "TestResult",
    "TestRun",
    "__version__",
]

if TYPE_CHECKING:  # pragma: no cover
    from refcore.core.compliance import ComplianceReport, evaluate, evaluate_all
    from refcore.core.guidelines import Guideline, GuidelineSet
    from refcore.core.results import parse_run
    from refcore.core.runs import Outcome, TestResult, TestRun
    from refcore.errors import RefcoreError
    from refcore.readers.guidelines import load_guidelines
    from refcore.readers.runs import read_run


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'refcore' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value
