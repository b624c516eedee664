"""Parse a test-run file (bytes) into a :class:`~refcore.core.runs.TestRun`.

Pure: no file or network I/O (:mod:`refcore.readers.runs` reads files). The formats are in
:data:`FORMATS`: ``subunit2`` (``tempest run --subunit``) and ``subunit1`` (stestr's
repository, what refstack-client reads), both read with python-subunit; ``refstack-json``
(the upload body, or the v1 API's ``{"results": ["name", ...]}``; every test in it passed);
``junit`` (JUnit XML); ``passed-list`` (one passed test id per line, ``#`` comments).

Subunit statuses: ``success`` -> PASS, ``fail`` -> FAIL, ``skip`` -> SKIP (the ``reason``
attachment is the reason), v1 ``error:`` -> ERROR (v2 has no error status). ``xfail`` and
``uxsuccess`` -> FAIL with the reason "expected failure" / "unexpected success": neither is a
clean pass (refstack-client uploads only ``success``; testtools counts ``uxsuccess`` as
unsuccessful). A v2 test seen only as ``exists``/``inprogress`` is ignored; a v1 stream cut
inside a test gives it ERROR ("lost connection ...", as python-subunit reports it).

Re-runs in one v2 stream: packets tagged ``refcore-attempt-N`` (N >= 2, what
``refcore test --rerun-failed`` writes) are later attempts of the same tests, combined by
the rule of :mod:`refcore.core.reruns` (a pass on any attempt wins, every outcome kept);
an untagged name seen twice keeps its worse outcome.

An input that parses but holds no test result is refused: refstack-client's silent
``results: []`` upload of a v2 file is the mistake this prevents.
"""

from __future__ import annotations

import io
import json
import math
import re
import xml.etree.ElementTree as ET
import xml.parsers.expat
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from typing import Any

import subunit
import testtools
from testtools.content import Content

from refcore.core.reruns import drop_recovered_fixtures
from refcore.core.runs import Outcome, TestResult, TestRun, normalize_uuid, split_test_id
from refcore.errors import ResultsParseError

__all__ = ["ATTEMPT_TAG", "FORMATS", "attempt_of", "detect_format", "parse_run"]

#: Every format name ``parse_run(format=...)`` accepts and ``detect_format`` returns.
FORMATS: tuple[str, ...] = ("subunit2", "subunit1", "refstack-json", "junit", "passed-list")

_EXPECTED = "expected subunit v1/v2, RefStack JSON, JUnit XML or a list of test ids"
_V2_SIGNATURE = 0xB3
_REASON_MAX = 1000  # characters kept of a skip reason / failure line
_ATTACHMENT_MAX = 64 * 1024  # bytes kept of one reason/traceback attachment

# A subunit v1 test or outcome directive ("test: x", "successful: x", "skip x [", ...).
_V1_LINE = re.compile(
    rb"^(?:test|testing|success|successful|failure|error|skip|xfail|uxsuccess):? \S", re.M
)
# One line of a passed-list: a dotted id, optional [attrs], optional trailing (...).
_LIST_LINE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z0-9_]+)+(?:\[[^\]]*\])?(?:\(.*\))?")
_DTD = re.compile(r"<!\s*(?:DOCTYPE|ENTITY)", re.I)


def parse_run(data: bytes, *, source: str = "<input>", format: str | None = None) -> TestRun:
    """Parse a test-run file's bytes; ``format=None`` detects the format.

    Raises :class:`ResultsParseError` (naming ``source``) for empty, corrupt or unknown
    input and for input holding no test result.
    """
    if format is None:
        format = detect_format(data, source=source)
    elif format not in _PARSERS:
        raise ResultsParseError(
            f"{source}: unknown results format {format!r}; expected one of {', '.join(FORMATS)}"
        )
    elif not data.strip():
        raise ResultsParseError(f"{source}: empty input; expected {format}")
    run = TestRun(format=format, source=source)
    _PARSERS[format](data, source, run)
    if not run.results:
        raise ResultsParseError(f"{source}: no test results in this {format} input")
    return run


def detect_format(data: bytes, *, source: str = "<input>") -> str:
    """Name the format of ``data`` (one of :data:`FORMATS`) or raise ResultsParseError."""
    if not data.strip():
        raise ResultsParseError(f"{source}: empty input; {_EXPECTED}")
    if data[0] == _V2_SIGNATURE:
        return "subunit2"
    head = data.removeprefix(b"\xef\xbb\xbf").lstrip()[:1]
    if head == b"{":
        return "refstack-json"
    if head == b"<":
        return "junit"
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        # Not text: v2 packets after some non-subunit output, or a v1 stream with binary
        # attachments; otherwise nothing we know.
        if _V2_SIGNATURE in data and _looks_like_subunit2(data):
            return "subunit2"
        if _V1_LINE.search(data):
            return "subunit1"
        raise ResultsParseError(
            f"{source}: not a test run and not UTF-8 text ({_where(data, exc)}); {_EXPECTED}"
        ) from None
    if _V1_LINE.search(data):
        return "subunit1"
    lines = _list_lines(text)
    if lines and all(_LIST_LINE.fullmatch(line) for _, line in lines):
        return "passed-list"
    raise ResultsParseError(f"{source}: not a test run: {_EXPECTED}")


# --------------------------------------------------------------------------- subunit v2


_UNFINISHED = (
    "started but never finished: the process running it stopped (crashed or was killed) "
    "or the stream was cut"
)


class _CorruptStream(Exception):
    """Raised by the collector at the first packet python-subunit cannot parse."""


#: the subunit tag refcore puts on every packet of a re-run: ``refcore-attempt-2``, ...
ATTEMPT_TAG = "refcore-attempt-"


def attempt_of(tags: Iterable[str]) -> int:
    """Which attempt a packet's tags say it belongs to (1 without a tag)."""
    for tag in tags:
        if tag.startswith(ATTEMPT_TAG) and tag[len(ATTEMPT_TAG) :].isdigit():
            return int(tag[len(ATTEMPT_TAG) :])
    return 1


class _Collected:
    """What both subunit collectors gather: results and the first/last timestamps seen."""

    def __init__(self) -> None:
        super().__init__()
        self.results: list[TestResult] = []
        self.first: datetime | None = None
        self.last: datetime | None = None

    def _saw(self, timestamp: datetime | None) -> None:
        if timestamp is not None:
            self.first = timestamp if self.first is None else min(self.first, timestamp)
            self.last = timestamp if self.last is None else max(self.last, timestamp)

    def finish(self, run: TestRun, source: str, what: str) -> None:
        if not self.results:
            raise ResultsParseError(f"{source}: no test results in this {what} stream")
        for result in self.results:
            run.add(result)
        run.duration_seconds = _run_seconds(self.first, self.last)


class _StreamCollector(_Collected, testtools.StreamResult):
    """Collect final test statuses from a v2 event stream (a StreamToDict-style collector
    that keeps only what a TestResult needs: status, reason/traceback, timestamps)."""

    _FINAL: Mapping[str, tuple[Outcome, str | None]] = {
        "success": (Outcome.PASS, None),
        "fail": (Outcome.FAIL, None),
        "skip": (Outcome.SKIP, None),
        "xfail": (Outcome.FAIL, "expected failure"),
        "uxsuccess": (Outcome.FAIL, "unexpected success"),
    }
    _KEPT_FILES = frozenset({"reason", "traceback"})

    def __init__(self) -> None:
        super().__init__()
        self._start: dict[tuple[str, str | None], datetime | None] = {}
        #: tests reported in progress and not (yet) finished
        self._running: set[tuple[str, str | None]] = set()
        self._files: dict[tuple[str, str | None], dict[str, bytearray]] = {}
        #: the attempt each test id's result belongs to (``refcore-attempt-N`` tags)
        self._attempt: dict[tuple[str, str | None], int] = {}
        #: results of re-runs: (attempt, result), applied after the first attempt's
        self.reruns: list[tuple[int, TestResult]] = []

    def status(
        self,
        test_id: str | None = None,
        test_status: str | None = None,
        test_tags: set[str] | None = None,
        runnable: bool = True,
        file_name: str | None = None,
        file_bytes: bytes | memoryview | None = None,
        eof: bool = False,
        mime_type: str | None = None,
        route_code: str | None = None,
        timestamp: datetime | None = None,
    ) -> None:
        self._saw(timestamp)
        if test_id is None:  # non-subunit bytes or run-level attachments
            return
        if test_id == "subunit.parser" and file_name == "Parser Error":
            message = bytes(file_bytes or b"").decode("utf-8", "replace")
            raise _CorruptStream(message)  # stop at the first bad packet
        key = (test_id, route_code)
        if test_status == "inprogress" or (key not in self._start and test_status != "exists"):
            self._start[key] = timestamp
        if test_status == "inprogress":
            self._running.add(key)
        if test_tags:
            attempt = attempt_of(test_tags)
            if attempt > 1:
                self._attempt[key] = attempt
        if file_name in self._KEPT_FILES and file_bytes:
            buf = self._files.setdefault(key, {}).setdefault(file_name, bytearray())
            buf += bytes(file_bytes[: max(0, _ATTACHMENT_MAX - len(buf))])
        final = self._FINAL.get(test_status or "")
        if final is None:
            return
        outcome, label = final
        self._running.discard(key)
        files = self._files.pop(key, {})
        start = self._start.pop(key, None)
        if outcome is Outcome.SKIP:
            reason = _clip(files.get("reason", b"").decode("utf-8", "replace"))
        else:
            traceback = files.get("traceback", b"").decode("utf-8", "replace")
            reason = _join(label, _last_line(traceback))
        result = _result(test_id, outcome, reason, _duration(start, timestamp))
        attempt = self._attempt.pop(key, 1)
        if attempt > 1:
            self.reruns.append((attempt, result))
        else:
            self.results.append(result)

    def finish(self, run: TestRun, source: str, what: str) -> None:
        super().finish(run, source, what)
        for _attempt, result in sorted(self.reruns, key=lambda pair: pair[0]):
            run.add(result, retry=True)
        drop_recovered_fixtures(run, [r for _, r in self.reruns])

    def stopTestRun(self) -> None:
        """A test that started and never finished: its worker died (crashed, killed,
        out of memory) or the stream was cut. It did not pass; say so."""
        for key in sorted(self._running, key=lambda k: (k[0], k[1] or "")):
            result = _result(key[0], Outcome.ERROR, _UNFINISHED, None)
            attempt = self._attempt.pop(key, 1)
            if attempt > 1:
                self.reruns.append((attempt, result))
            else:
                self.results.append(result)
        self._running.clear()
        super().stopTestRun()


def _parse_subunit2(data: bytes, source: str, run: TestRun) -> None:
    collector = _StreamCollector()
    collector.startTestRun()
    try:
        subunit.ByteStreamToStreamResult(io.BytesIO(data), non_subunit_name="stdout").run(collector)
    except Exception as exc:  # _CorruptStream, or a bare error on some malformed packets
        cause = None if isinstance(exc, _CorruptStream) else exc
        raise ResultsParseError(f"{source}: corrupt subunit v2 stream: {exc}") from cause
    collector.stopTestRun()
    collector.finish(run, source, "subunit v2")


def _looks_like_subunit2(data: bytes) -> bool:
    try:
        _parse_subunit2(data, "", TestRun())
    except ResultsParseError:
        return False
    return True


# --------------------------------------------------------------------------- subunit v1


class _V1Collector(_Collected, testtools.TestResult):
    """A unittest-protocol result fed by python-subunit's v1 parser (TestProtocolServer)."""

    def __init__(self) -> None:
        super().__init__()
        self._clock: datetime | None = None
        self._test_start: datetime | None = None

    def time(self, a_datetime: datetime | None) -> None:
        self._clock = a_datetime
        self._saw(a_datetime)

    def startTest(self, test: Any) -> None:
        self._test_start = self._clock

    def stopTest(self, test: Any) -> None:
        self._test_start = None

    def _add(self, test: Any, outcome: Outcome, reason: str | None) -> None:
        duration = _duration(self._test_start, self._clock)
        self.results.append(_result(test.id(), outcome, reason, duration))

    def addSuccess(self, test: Any, details: dict[str, Content] | None = None) -> None:
        self._add(test, Outcome.PASS, None)

    def addFailure(self, test: Any, err: Any = None, details: Any = None) -> None:
        self._add(test, Outcome.FAIL, _failure_line(err, details))

    def addError(self, test: Any, err: Any = None, details: Any = None) -> None:
        self._add(test, Outcome.ERROR, _failure_line(err, details))

    def addSkip(self, test: Any, reason: str | None = None, details: Any = None) -> None:
        if details and "reason" in details:
            reason = details["reason"].as_text()
        self._add(test, Outcome.SKIP, _clip(reason))

    def addExpectedFailure(self, test: Any, err: Any = None, details: Any = None) -> None:
        self._add(test, Outcome.FAIL, _join("expected failure", _failure_line(err, details)))

    def addUnexpectedSuccess(self, test: Any, details: Any = None) -> None:
        self._add(test, Outcome.FAIL, "unexpected success")


def _failure_line(err: Any, details: Mapping[str, Content] | None) -> str | None:
    if details and "traceback" in details:
        return _last_line(details["traceback"].as_text())
    if isinstance(err, tuple) and len(err) == 3:  # (type, value, tb), e.g. lost connection
        return _clip(str(err[1]))
    return None


class _OutsideTest(subunit._OutSideTest):  # type: ignore[misc]
    """python-subunit's parser state between tests, also reading a ``skip:`` that has no
    ``test:`` line before it as that test's start and end. Python 3.12's unittest skips a
    decorated test without calling ``startTest``, so subunit's own v1 writer then emits a
    bare ``skip:`` line, which subunit's parser takes for stray output: the test was lost
    on 3.12 and found on 3.11. Only a label that can be a test id (no spaces) opens a test,
    so ``skip: the whole run`` stays output. Other outcomes outside a test stay output too
    (``uxsuccess:`` there crashed subunit's parser)."""

    def addSkip(self, offset: int, line: bytes) -> None:
        label = line[offset:-1]  # as subunit reads it: the line without its newline
        for marker in (b" [ multipart", b" ["):
            if label.endswith(marker):
                label = label[: -len(marker)]
                break
        if not label or label.split() != [label]:
            self.parser.stdOutLineReceived(line)
            return
        self.startTest(offset, line[:offset] + label + b"\n")
        self.parser._in_test.addSkip(offset, line)

    def addUnexpectedSuccess(self, offset: int, line: bytes) -> None:
        self.parser.stdOutLineReceived(line)


def _parse_subunit1(data: bytes, source: str, run: TestRun) -> None:
    collector = _V1Collector()
    collector.startTestRun()
    server = subunit.TestProtocolServer(collector, stream=subunit.DiscardStream())
    server._outside_test = server._state = _OutsideTest(server)
    try:
        server.readFrom(io.BytesIO(data))
    except Exception as exc:  # bad time:/progress: values, undecodable test names, ...
        raise ResultsParseError(f"{source}: corrupt subunit v1 stream: {exc}") from exc
    collector.stopTestRun()
    collector.finish(run, source, "subunit v1")


# --------------------------------------------------------------------------- RefStack JSON


def _parse_json(data: bytes, source: str, run: TestRun) -> None:
    text = _decode(data, source, "RefStack JSON")
    try:
        doc = json.loads(text)
    except (json.JSONDecodeError, RecursionError) as exc:
        raise ResultsParseError(f"{source}: invalid JSON: {exc}; expected RefStack JSON") from None
    if not isinstance(doc, dict):
        raise ResultsParseError(f"{source}: expected a JSON object with a 'results' list")
    if "results" not in doc:
        raise ResultsParseError(f"{source}: 'results' is missing")
    items = doc["results"]
    if not isinstance(items, list):
        raise ResultsParseError(f"{source}: 'results' must be a list")
    cpid = doc.get("cpid")
    if cpid is not None and not isinstance(cpid, str):
        raise ResultsParseError(f"{source}: 'cpid' must be a string")
    seconds = doc.get("duration_seconds")
    if seconds is not None and (
        isinstance(seconds, bool)
        or not isinstance(seconds, int | float)
        or not math.isfinite(seconds)
        or seconds < 0
    ):
        raise ResultsParseError(f"{source}: 'duration_seconds' must be a non-negative number")
    run.cpid = cpid or None
    run.duration_seconds = None if seconds is None else round(seconds)
    for i, item in enumerate(items):
        raw_uuid: object = None
        if isinstance(item, dict):
            name, raw_uuid = item.get("name"), item.get("uuid")
        else:
            name = item
        if not isinstance(name, str) or not name.strip():
            what = f"'results[{i}].name'" if isinstance(item, dict) else f"'results[{i}]'"
            raise ResultsParseError(f"{source}: {what} must be a non-empty string")
        if raw_uuid is not None and not isinstance(raw_uuid, str):
            raise ResultsParseError(f"{source}: 'results[{i}].uuid' must be a string")
        base, attrs, attr_uuid = split_test_id(name)
        uuid = normalize_uuid(raw_uuid) or attr_uuid
        run.add(TestResult(base or name.strip(), Outcome.PASS, uuid, attrs=attrs))


# --------------------------------------------------------------------------- JUnit XML


def _parse_junit(data: bytes, source: str, run: TestRun) -> None:
    text = _decode(data, source, "JUnit XML")
    if _DTD.search(text) or _declares_dtd(data):
        raise ResultsParseError(
            f"{source}: XML with a DOCTYPE or ENTITY declaration is refused "
            "(entity expansion); expected plain JUnit XML"
        )
    try:
        root = ET.fromstring(data)
    except (ET.ParseError, LookupError) as exc:  # LookupError: unknown declared encoding
        raise ResultsParseError(f"{source}: invalid XML: {exc}; expected JUnit XML") from None
    if _local(root.tag) not in ("testsuite", "testsuites"):
        raise ResultsParseError(
            f"{source}: expected a JUnit <testsuite> or <testsuites> root element, "
            f"found <{_local(root.tag)}>"
        )
    for n, case in enumerate(e for e in root.iter() if _local(e.tag) == "testcase"):
        name = (case.get("name") or "").strip()
        if not name:
            raise ResultsParseError(f"{source}: <testcase> #{n + 1} has no name attribute")
        classname = (case.get("classname") or "").strip()
        test_id = name
        if classname and not name.startswith(classname + "."):
            test_id = f"{classname}.{name}"
        outcome, reason = _junit_outcome(case)
        run.add(_result(test_id, outcome, reason, _float(case.get("time"))))


class _Doctype(Exception):
    """Raised from expat's handler: the document has a DOCTYPE."""


def _refuse(*_: object) -> None:
    raise _Doctype


def _declares_dtd(data: bytes) -> bool:
    """Whether expat meets a DOCTYPE or an entity declaration, in whatever encoding the
    document declares. The text check alone misses UTF-16: those bytes are valid UTF-8
    too (ASCII interleaved with NULs), so ``<!DOCTYPE`` never appears in the decoded
    text, yet expat reads the UTF-16 and expands the entities."""
    parser = xml.parsers.expat.ParserCreate()
    parser.StartDoctypeDeclHandler = _refuse
    parser.EntityDeclHandler = _refuse
    try:
        parser.Parse(data, True)
    except _Doctype:
        return True
    except (xml.parsers.expat.ExpatError, LookupError, ValueError):
        return False  # not well-formed: ElementTree reports it with its position
    return False


def _junit_outcome(case: ET.Element) -> tuple[Outcome, str | None]:
    found = {_local(child.tag): child for child in reversed(case)}  # the first of each wins
    for tag, outcome in (("error", Outcome.ERROR), ("failure", Outcome.FAIL)):
        if (element := found.get(tag)) is not None:
            return outcome, _clip(element.get("message")) or _last_line(element.text)
    if (element := found.get("skipped")) is not None:
        return Outcome.SKIP, _clip(element.get("message") or element.text)
    return Outcome.PASS, None


def _local(tag: str) -> str:
    return tag.rpartition("}")[2]


def _float(value: str | None) -> float | None:
    try:
        seconds = float(value or "nan")
    except ValueError:
        return None
    return seconds if math.isfinite(seconds) and seconds >= 0 else None


# --------------------------------------------------------------------------- passed list


def _parse_list(data: bytes, source: str, run: TestRun) -> None:
    text = _decode(data, source, "a list of test ids")
    for number, line in _list_lines(text):
        if not _LIST_LINE.fullmatch(line):
            raise ResultsParseError(
                f"{source}: line {number}: not a test id: {line[:80]!r}; "
                "expected a list of test ids"
            )
        run.add(_result(line, Outcome.PASS, None, None))


def _list_lines(text: str) -> list[tuple[int, str]]:
    """The (line number, stripped line) pairs that are neither blank nor comments."""
    return [
        (number, stripped)
        for number, line in enumerate(text.splitlines(), 1)
        if (stripped := line.strip()) and not stripped.startswith("#")
    ]


# --------------------------------------------------------------------------- helpers


def _result(
    test_id: str, outcome: Outcome, reason: str | None, duration: float | None
) -> TestResult:
    name, attrs, uuid = split_test_id(test_id)
    return TestResult(name or test_id.strip(), outcome, uuid, reason, duration, attrs)


def _duration(start: datetime | None, end: datetime | None) -> float | None:
    if start is None or end is None:
        return None
    try:
        seconds = (end - start).total_seconds()
    except TypeError:  # naive vs aware timestamps
        return None
    return seconds if seconds >= 0 else None


def _run_seconds(first: datetime | None, last: datetime | None) -> int | None:
    seconds = _duration(first, last)
    return None if seconds is None else round(seconds)


def _decode(data: bytes, source: str, expected: str) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ResultsParseError(
            f"{source}: not UTF-8 text ({_where(data, exc)}); expected {expected}"
        ) from None


def _where(data: bytes, exc: UnicodeDecodeError) -> str:
    return f"invalid byte 0x{data[exc.start]:02x} at offset {exc.start}"


def _clip(text: str | None) -> str | None:
    text = (text or "").strip()
    return text[:_REASON_MAX] or None


def _last_line(text: str | None) -> str | None:
    """The last non-blank line of a traceback: ``AssertionError: 1 != 2``."""
    lines = [line for line in (text or "").splitlines() if line.strip()]
    return _clip(lines[-1]) if lines else None


def _join(label: str | None, detail: str | None) -> str | None:
    if label and detail:
        return f"{label}: {detail}"
    return label or detail


_PARSERS: dict[str, Callable[[bytes, str, TestRun], None]] = {
    "subunit2": _parse_subunit2,
    "subunit1": _parse_subunit1,
    "refstack-json": _parse_json,
    "junit": _parse_junit,
    "passed-list": _parse_list,
}
