"""The test-run model: what a Tempest run produced, whatever file it came in.

A :class:`TestRun` keeps every outcome (pass, fail, skip with its reason,
error); parsers in :mod:`refcore.core.results` build it, compliance reads it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from enum import StrEnum

__all__ = [
    "Outcome",
    "TestResult",
    "TestRun",
    "fixture_scope",
    "normalize_uuid",
    "split_test_id",
]

_ATTRS = re.compile(r"^(?P<name>[^\[]*)(?:\[(?P<attrs>[^\]]*)\])?(?P<rest>.*)$")
_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")


class Outcome(StrEnum):
    PASS = "pass"
    FAIL = "fail"
    SKIP = "skip"
    ERROR = "error"

    @property
    def passed(self) -> bool:
        return self is Outcome.PASS


def normalize_uuid(value: str | None) -> str | None:
    """``id-<UUID>``, ``<UUID>`` or ``""`` -> the bare lower-case UUID, or None."""
    if not value:
        return None
    match = _UUID.search(value)
    return match.group(0).lower() if match else None


def split_test_id(test_id: str) -> tuple[str, tuple[str, ...], str | None]:
    """Split a runner's test id into (name, attributes, idempotent uuid).

    ``tempest.a.B.test_c[id-0146f675-...,smoke]`` ->
    ``("tempest.a.B.test_c", ("id-0146f675-...", "smoke"), "0146f675-...")``.
    Anything after the brackets (``(scenario)`` suffixes) is dropped, as
    refstack-client does.
    """
    test_id = test_id.strip()
    match = _ATTRS.match(test_id)
    assert match is not None  # the pattern matches every string
    name = match.group("name").strip()
    raw_attrs = match.group("attrs")
    attrs = tuple(a.strip() for a in raw_attrs.split(",") if a.strip()) if raw_attrs else ()
    uuid = None
    for attr in attrs:
        if attr.startswith("id-"):
            uuid = normalize_uuid(attr)
            if uuid:
                break
    return name, attrs, uuid


_FIXTURE = re.compile(r"^(?:setUpClass|setUpModule) \(([\w.]+)\)$")
_FAILED_LOAD = "unittest.loader._FailedTest."


def fixture_scope(name: str) -> str | None:
    """What a result that is no test stands for, else None: the class or module of a
    ``setUpClass (pkg.mod.Class)`` / ``setUpModule (pkg.mod)`` result (unittest's names
    for a class or module fixture), or the module or test that could not be loaded
    (``unittest.loader._FailedTest.pkg.mod``: an import error)."""
    if name.startswith(_FAILED_LOAD):
        return name[len(_FAILED_LOAD) :] or None
    match = _FIXTURE.match(name)
    return match.group(1) if match else None


@dataclass(slots=True, unsafe_hash=True)
class TestResult:
    """One test's outcome. ``name`` has its ``[...]`` attributes stripped.

    Read-only by convention, hashable like a frozen one: not frozen, because a frozen
    dataclass's ``__init__`` sets each field through ``object.__setattr__`` and a stored
    run of 1,500 tests is built again for each of its reports (``load_testrun``: 4.0 ->
    2.4 ms, bench/core.py --only prepare)."""

    __test__ = False  # not a pytest class

    name: str
    outcome: Outcome
    uuid: str | None = None
    reason: str | None = None
    duration: float | None = None
    attrs: tuple[str, ...] = ()
    #: every outcome this test had, in order, when it ran more than once (re-runs of
    #: failures, merged runs); empty when it ran once
    attempts: tuple[Outcome, ...] = ()

    @property
    def passed_after_retry(self) -> bool:
        """Passed, and did not pass on some other attempt (a flaky test or cloud)."""
        return self.outcome is Outcome.PASS and any(a is not Outcome.PASS for a in self.attempts)


@dataclass(slots=True)
class TestRun:
    """A test run: results by normalised test name, plus what the file said of the cloud."""

    __test__ = False

    results: dict[str, TestResult] = field(default_factory=dict)
    format: str = "unknown"
    cpid: str | None = None
    duration_seconds: int | None = None
    source: str | None = None

    @classmethod
    def from_results(cls, results: Iterable[TestResult], **kwargs: object) -> TestRun:
        """Build a run; when a name occurs twice, the worse outcome wins
        (a test that failed once in a run did not pass)."""
        run = cls(**kwargs)  # type: ignore[arg-type]
        for result in results:
            run.add(result)
        return run

    def add(self, result: TestResult, *, retry: bool = False) -> None:
        """Add one result. A name seen twice in one run: the worse outcome wins. With
        ``retry`` the result is a re-run's (see :func:`refcore.core.reruns.apply_rerun`):
        a pass on any attempt wins, else the latest outcome; every attempt is kept."""
        if retry:
            self._add_retry(result)
            return
        previous = self.results.get(result.name)
        if previous is None or _RANK[result.outcome] > _RANK[previous.outcome]:
            if previous is not None and result.uuid is None and previous.uuid:
                result = TestResult(
                    result.name,
                    result.outcome,
                    previous.uuid,
                    result.reason,
                    result.duration,
                    result.attrs,
                )
            self.results[result.name] = result

    def _add_retry(self, result: TestResult) -> None:
        previous = self.results.get(result.name)
        if previous is None:
            fixture = self.fixture_failure(result.name)
            if fixture is None:
                self.results[result.name] = result
                return
            # it did not run before because its class or module fixture failed
            previous = TestResult(result.name, fixture.outcome, result.uuid, fixture.reason)
        attempts = (previous.attempts or (previous.outcome,)) + (result.outcome,)
        keep = previous if previous.outcome is Outcome.PASS else result
        reason = keep.reason
        if keep.outcome is Outcome.PASS and not reason:
            failed = previous if keep is result else result
            reason = f"{failed.outcome.value} on another attempt" + (
                f": {failed.reason}" if failed.reason else ""
            )
        self.results[result.name] = TestResult(
            keep.name,
            keep.outcome,
            keep.uuid or previous.uuid or result.uuid,
            reason,
            keep.duration,
            keep.attrs,
            attempts,
        )

    def fixture_failure(self, name: str) -> TestResult | None:
        """The failed ``setUpClass``/``setUpModule`` (or unloadable module) result that
        covers the test ``name``, if any."""
        failures = {
            scope: r
            for r in self.results.values()
            if r.outcome in (Outcome.FAIL, Outcome.ERROR)
            and (scope := fixture_scope(r.name)) is not None
        }
        scope = name
        while scope and failures:
            found = failures.get(scope)
            if found is not None:
                return found
            scope = scope.rpartition(".")[0]
        return None

    def __len__(self) -> int:
        return len(self.results)

    def __iter__(self) -> Iterator[TestResult]:
        return iter(self.results.values())

    def __contains__(self, name: object) -> bool:
        return name in self.results

    def get(self, name: str) -> TestResult | None:
        return self.results.get(name)

    def passed(self) -> list[TestResult]:
        return [r for r in self.results.values() if r.outcome is Outcome.PASS]

    def passed_names(self) -> frozenset[str]:
        return frozenset(r.name for r in self.results.values() if r.outcome is Outcome.PASS)

    def by_uuid(self) -> Mapping[str, TestResult]:
        """Results keyed by idempotent uuid (worst outcome wins on a clash)."""
        index: dict[str, TestResult] = {}
        for result in self.results.values():
            if result.uuid:
                prev = index.get(result.uuid)
                if prev is None or _RANK[result.outcome] > _RANK[prev.outcome]:
                    index[result.uuid] = result
        return index

    def counts(self) -> dict[str, int]:
        counts = {o.value: 0 for o in Outcome}
        for result in self.results.values():
            counts[result.outcome.value] += 1
        return counts


# Which outcome wins when one name is reported twice in a run.
_RANK = {Outcome.PASS: 0, Outcome.SKIP: 1, Outcome.FAIL: 2, Outcome.ERROR: 3}
