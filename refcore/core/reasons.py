"""Why a verdict decided as it did: machine-readable reasons (code, severity,
message, data), shared by the verdict engine's parts."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

__all__ = ["Reason", "Severity"]


class Severity(StrEnum):
    REFUSAL = "refusal"
    WARNING = "warning"
    INFO = "info"


@dataclass(frozen=True, slots=True)
class Reason:
    code: str
    severity: Severity
    message: str
    data: Mapping[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "severity": self.severity.value,
            "message": self.message,
            "data": dict(self.data),
        }
