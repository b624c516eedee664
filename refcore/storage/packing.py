"""Pack a run's tests into two byte strings: uint32 name ids and uint8 outcome codes.

Little-endian on every machine, so a database can move between hosts.
"""

from __future__ import annotations

import sys
from array import array
from collections.abc import Sequence

from refcore.core.runs import Outcome

__all__ = ["OUTCOME_CODES", "CODE_OUTCOMES", "pack_ids", "pack_outcomes", "unpack"]

OUTCOME_CODES: dict[Outcome, int] = {
    Outcome.PASS: 0,
    Outcome.FAIL: 1,
    Outcome.SKIP: 2,
    Outcome.ERROR: 3,
}
CODE_OUTCOMES: dict[int, Outcome] = {v: k for k, v in OUTCOME_CODES.items()}


def pack_ids(ids: Sequence[int]) -> bytes:
    packed = array("I", ids)
    if packed.itemsize != 4:  # pragma: no cover - every platform refcore runs on has 4
        packed = array("L", ids)
    if sys.byteorder == "big":  # pragma: no cover
        packed.byteswap()
    return packed.tobytes()


def pack_outcomes(outcomes: Sequence[Outcome]) -> bytes:
    return bytes(OUTCOME_CODES[o] for o in outcomes)


def unpack(name_ids: bytes, outcomes: bytes) -> list[tuple[int, Outcome]]:
    ids = array("I")
    ids.frombytes(name_ids)
    if sys.byteorder == "big":  # pragma: no cover
        ids.byteswap()
    if len(ids) != len(outcomes):
        raise ValueError(f"corrupt run_tests row: {len(ids)} ids, {len(outcomes)} outcomes")
    return [(i, CODE_OUTCOMES[c]) for i, c in zip(ids, outcomes, strict=True)]
