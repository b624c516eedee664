"""refcore.core.results: every format, on the real samples and on streams made with
python-subunit's own writers."""

from __future__ import annotations

import io
import json
import unittest
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import subunit  # type: ignore[import-untyped]
from hypothesis import given, settings
from hypothesis import strategies as st
from testtools import PlaceHolder
from testtools.content import text_content

from refcore.core.results import FORMATS, detect_format, parse_run
from refcore.core.runs import Outcome, TestRun
from refcore.errors import ResultsParseError

UUID_A = "0146f675-ffbd-4208-b3a4-60eb628dbc5e"
UUID_B = "6f8e4436-fc96-4282-8122-e41df57197a9"
T0 = datetime(2024, 5, 1, 12, 0, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def refstack_samples() -> Path:
    """``shared/samples/refstack-client`` beside the repository root."""
    path = (Path(__file__).resolve().parents[3] / ".." / "shared").resolve()
    samples = path / "samples" / "refstack-client"
    assert samples.is_dir(), f"samples not found at {samples}"
    return samples


def _sample(samples: Path, name: str) -> TestRun:
    return parse_run((samples / name).read_bytes(), source=name)


# --------------------------------------------------------------------------- writers


def v2_test(
    writer: subunit.StreamResultToBytes,
    test_id: str,
    status: str,
    *,
    start: datetime | None = T0,
    seconds: float = 1.0,
    reason: str | None = None,
    traceback: str | None = None,
    tags: set[str] | None = None,
) -> None:
    """Write one test the way testtools' StreamResult runners do."""
    end = start + timedelta(seconds=seconds) if start else None
    writer.status(test_id=test_id, test_status="inprogress", test_tags=tags, timestamp=start)
    for name, text in (("reason", reason), ("traceback", traceback)):
        if text is not None:
            writer.status(
                test_id=test_id,
                file_name=name,
                file_bytes=text.encode(),
                mime_type="text/plain; charset=utf8",
                eof=True,
                timestamp=end,
            )
    writer.status(test_id=test_id, test_status=status, test_tags=tags, timestamp=end)


def v2_bytes(*tests: tuple[str, str], **kwargs: object) -> bytes:
    out = io.BytesIO()
    writer = subunit.StreamResultToBytes(out)
    for test_id, status in tests:
        v2_test(writer, test_id, status, **kwargs)  # type: ignore[arg-type]
    return out.getvalue()


def v1_bytes(cases: Iterable[unittest.TestCase | PlaceHolder]) -> bytes:
    """Run test cases into python-subunit's v1 writer (TestProtocolClient)."""
    out = io.BytesIO()
    client = subunit.TestProtocolClient(out)
    for case in cases:
        case.run(client)
    return out.getvalue()


# --------------------------------------------------------------------------- subunit v2


def test_identity_sample_v2(refstack_samples: Path) -> None:
    # subunit2csv on the sample: 2 tests, both 'success', 19:28:27.254607 -> .781625 and
    # 19:28:27.795592 -> 29.554088; events span 19:28:23.681840 .. 29.554088.
    run = _sample(refstack_samples, "identity-2020.06.subunit")
    assert run.format == "subunit2"
    assert run.source == "identity-2020.06.subunit"
    assert run.counts() == {"pass": 2, "fail": 0, "skip": 0, "error": 0}
    token = run.get("tempest.api.identity.v3.test_tokens.TokensV3Test.test_create_token")
    assert token is not None
    assert token.uuid == "6f8e4436-fc96-4282-8122-e41df57197a9"
    assert token.attrs == ("id-6f8e4436-fc96-4282-8122-e41df57197a9",)
    assert token.duration == pytest.approx(0.527018)
    other = run.get(
        "tempest.api.identity.v3.test_tokens.TokensV3Test"
        ".test_token_auth_creation_existence_deletion"
    )
    assert other is not None
    assert other.uuid == "0f9f5a5f-d5cd-4a86-8a5b-c5ded151f212"
    assert other.duration == pytest.approx(1.758496)
    assert run.duration_seconds == 6
    assert run.cpid is None


def test_v2_every_outcome() -> None:
    out = io.BytesIO()
    w = subunit.StreamResultToBytes(out)
    v2_test(w, f"tempest.a.B.test_pass[id-{UUID_A},smoke]", "success", seconds=1.5, tags={"w-0"})
    v2_test(w, "tempest.a.B.test_fail", "fail", traceback="Traceback ...\nAssertionError: 1 != 2\n")
    v2_test(w, f"tempest.a.B.test_skip[id-{UUID_B}]", "skip", reason="Skipped because of bug#1\n")
    v2_test(w, "tempest.a.B.test_xfail", "xfail")
    v2_test(w, "tempest.a.B.test_uxsuccess", "uxsuccess")
    w.status(test_id="tempest.a.B.test_listed_only", test_status="exists", timestamp=T0)
    w.status(test_id="tempest.a.B.test_hung", test_status="inprogress", timestamp=T0)
    run = parse_run(out.getvalue(), source="made.subunit")

    assert run.format == "subunit2"
    assert sorted(run.results) == [
        "tempest.a.B.test_fail",
        "tempest.a.B.test_hung",
        "tempest.a.B.test_pass",
        "tempest.a.B.test_skip",
        "tempest.a.B.test_uxsuccess",
        "tempest.a.B.test_xfail",
    ]
    assert run.results["tempest.a.B.test_hung"].outcome is Outcome.ERROR
    passed = run.results["tempest.a.B.test_pass"]
    assert (passed.outcome, passed.uuid, passed.attrs) == (
        Outcome.PASS,
        UUID_A,
        (f"id-{UUID_A}", "smoke"),
    )
    assert passed.duration == pytest.approx(1.5)
    failed = run.results["tempest.a.B.test_fail"]
    assert (failed.outcome, failed.reason) == (Outcome.FAIL, "AssertionError: 1 != 2")
    skipped = run.results["tempest.a.B.test_skip"]
    assert (skipped.outcome, skipped.reason, skipped.uuid) == (
        Outcome.SKIP,
        "Skipped because of bug#1",
        UUID_B,
    )
    assert run.results["tempest.a.B.test_xfail"].outcome is Outcome.FAIL
    assert run.results["tempest.a.B.test_xfail"].reason == "expected failure"
    assert run.results["tempest.a.B.test_uxsuccess"].outcome is Outcome.FAIL
    assert run.results["tempest.a.B.test_uxsuccess"].reason == "unexpected success"


def test_v2_reason_split_over_packets_and_no_timestamps() -> None:
    out = io.BytesIO()
    w = subunit.StreamResultToBytes(out)
    tid = "tempest.a.B.test_skip"
    w.status(test_id=tid, file_name="reason", file_bytes=b"no ", mime_type="text/plain")
    w.status(test_id=tid, file_name="reason", file_bytes=b"swift", eof=True)
    w.status(test_id=tid, test_status="skip")
    run = parse_run(out.getvalue())
    result = run.results[tid]
    assert (result.outcome, result.reason, result.duration) == (Outcome.SKIP, "no swift", None)
    assert run.duration_seconds is None


def test_v2_worst_outcome_wins_when_a_test_is_reported_twice() -> None:
    # A retried test: TestRun keeps the worse outcome and the uuid seen first.
    data = v2_bytes((f"tempest.a.B.test_c[id-{UUID_A}]", "success"), ("tempest.a.B.test_c", "fail"))
    result = parse_run(data).results["tempest.a.B.test_c"]
    assert (result.outcome, result.uuid) == (Outcome.FAIL, UUID_A)


def test_v2_interleaved_non_subunit_bytes_are_ignored() -> None:
    one = v2_bytes((f"tempest.a.B.test_one[id-{UUID_A}]", "success"))
    two = v2_bytes(("tempest.a.B.test_two", "fail"))
    data = b"Running tempest...\n" + one + b"some stdout\xff\xfe noise\n" + two + b"bye\n"
    assert detect_format(data) == "subunit2"
    run = parse_run(data)
    assert run.format == "subunit2"
    assert {r.name: r.outcome for r in run} == {
        "tempest.a.B.test_one": Outcome.PASS,
        "tempest.a.B.test_two": Outcome.FAIL,
    }


def test_v2_truncated_packet_is_an_error(refstack_samples: Path) -> None:
    data = (refstack_samples / "identity-2020.06.subunit").read_bytes()
    with pytest.raises(ResultsParseError, match=r"^run\.subunit: corrupt subunit v2 stream: "):
        parse_run(data[:-7], source="run.subunit")


def test_v2_corrupt_packet_is_an_error(refstack_samples: Path) -> None:
    data = bytearray((refstack_samples / "identity-2020.06.subunit").read_bytes())
    data[40] ^= 0xFF  # inside the first packet: its CRC no longer matches
    with pytest.raises(ResultsParseError, match="corrupt subunit v2 stream: Bad checksum"):
        parse_run(bytes(data), source="run.subunit")


def test_v2_signature_then_garbage_is_an_error() -> None:
    with pytest.raises(ResultsParseError, match="run.bin: corrupt subunit v2 stream"):
        parse_run(b"\xb3garbage that is not a packet", source="run.bin")


def test_v2_test_list_without_results_is_an_error() -> None:
    out = io.BytesIO()
    w = subunit.StreamResultToBytes(out)
    w.status(test_id="tempest.a.B.test_c", test_status="exists")
    w.status(test_id="tempest.a.B.test_d", test_status="exists")
    with pytest.raises(ResultsParseError, match="list.subunit: no test results in this subunit v2"):
        parse_run(out.getvalue(), source="list.subunit")


def test_v2_test_started_and_never_finished_is_an_error_result() -> None:
    """What stestr's stream holds when a worker dies mid-test: the test is listed,
    reported in progress, and never finished; the tests after it are only listed."""
    out = io.BytesIO()
    w = subunit.StreamResultToBytes(out)
    for name in ("test_a", "test_b", "test_c"):
        w.status(test_id=f"tempest.x.Y.{name}[id-{UUID_A}]", test_status="exists", route_code="1")
    v2_test(w, "tempest.x.Y.test_a", "success")
    w.status(test_id="tempest.x.Y.test_b", test_status="inprogress", route_code="1", timestamp=T0)
    run = parse_run(out.getvalue(), source="crash.subunit")
    assert run.counts() == {"pass": 1, "fail": 0, "skip": 0, "error": 1}
    lost = run.get("tempest.x.Y.test_b")
    assert lost is not None and lost.outcome is Outcome.ERROR
    assert lost.reason is not None and "never finished" in lost.reason
    assert "tempest.x.Y.test_c" not in run  # listed only: not run


def test_forcing_subunit2_on_text_is_an_error() -> None:
    with pytest.raises(ResultsParseError, match="no test results in this subunit v2 stream"):
        parse_run(b"tempest.a.B.test_c\n", format="subunit2")


# --------------------------------------------------------------------------- subunit v1


def test_refstack_client_v1_sample(refstack_samples: Path) -> None:
    run = _sample(refstack_samples, "0.subunit")
    assert run.format == "subunit1"
    assert run.counts() == {"pass": 2, "fail": 0, "skip": 0, "error": 0}
    plain = run.results["tempest.passed.test"]
    assert (plain.uuid, plain.attrs) == (None, ())
    assert plain.duration == pytest.approx(2.010092)
    tagged = run.results["tempest.tagged_passed.test"]
    assert tagged.uuid == UUID_A
    assert tagged.attrs == ("gate", f"id-{UUID_A}")
    assert tagged.duration == pytest.approx(0.010092)
    assert run.duration_seconds == 10  # 10:34:49.01 .. 10:34:58.54


def _v1_cases() -> list[unittest.TestCase]:
    """Real unittest cases (built here so pytest does not collect them)."""

    class Sample(unittest.TestCase):
        def test_ok(self) -> None:
            pass

        def test_fail(self) -> None:
            self.assertEqual(1, 2)

        def test_error(self) -> None:
            raise RuntimeError("boom")

        @unittest.skip("Skipped because of bug#2147232")
        def test_skip(self) -> None:
            pass

        @unittest.expectedFailure
        def test_xfail(self) -> None:
            self.fail("known bug")

        @unittest.expectedFailure
        def test_uxsuccess(self) -> None:
            pass

    return [Sample(name) for name in unittest.defaultTestLoader.getTestCaseNames(Sample)]


def test_v1_every_outcome_from_test_protocol_client() -> None:
    cases = _v1_cases()
    prefix = cases[0].id().rsplit(".", 1)[0]
    run = parse_run(v1_bytes(cases), source="made.v1")
    assert run.format == "subunit1"
    got = {r.name.removeprefix(prefix + "."): (r.outcome, r.reason) for r in run}
    assert got == {
        "test_ok": (Outcome.PASS, None),
        "test_fail": (Outcome.FAIL, "AssertionError: 1 != 2"),
        "test_error": (Outcome.ERROR, "RuntimeError: boom"),
        "test_skip": (Outcome.SKIP, "Skipped because of bug#2147232"),
        "test_xfail": (Outcome.FAIL, "expected failure: AssertionError: known bug"),
        "test_uxsuccess": (Outcome.FAIL, "unexpected success"),
    }


def test_v1_ids_with_attributes_and_skip_details() -> None:
    skip_id = f"tempest.a.B.test_skip[id-{UUID_B},negative]"
    cases = [
        PlaceHolder(f"tempest.a.B.test_ok[id-{UUID_A},smoke]"),
        PlaceHolder(skip_id, outcome="addSkip", details={"reason": text_content("no swift")}),
    ]
    run = parse_run(v1_bytes(cases))
    ok, skip = run.results["tempest.a.B.test_ok"], run.results["tempest.a.B.test_skip"]
    assert (ok.outcome, ok.uuid, ok.attrs) == (Outcome.PASS, UUID_A, (f"id-{UUID_A}", "smoke"))
    assert (skip.outcome, skip.reason, skip.uuid) == (Outcome.SKIP, "no swift", UUID_B)


def test_v1_text_protocol_with_stdout_noise_and_times() -> None:
    data = (
        b"some tempest output\n"
        b"time: 2024-05-01 12:00:00.000000Z\n"
        b"tags: worker-0\n"
        b"test: tempest.a.B.test_c[id-" + UUID_A.encode() + b"]\n"
        b"time: 2024-05-01 12:00:02.500000Z\n"
        b"success: tempest.a.B.test_c[id-" + UUID_A.encode() + b"]\n"
        b"test: tempest.a.B.test_d\n"
        b"skip: tempest.a.B.test_d [\n"
        b"not configured\n"
        b"]\n"
    )
    run = parse_run(data)
    assert run.format == "subunit1"
    c, d = run.results["tempest.a.B.test_c"], run.results["tempest.a.B.test_d"]
    assert (c.outcome, c.uuid, c.duration) == (Outcome.PASS, UUID_A, pytest.approx(2.5))
    assert (d.outcome, d.reason) == (Outcome.SKIP, "not configured")


def test_v1_stream_cut_inside_a_test_reports_an_error() -> None:
    run = parse_run(
        b"test: tempest.a.B.test_c\nsuccess: tempest.a.B.test_c\ntest: tempest.a.B.test_d\n"
    )
    assert run.results["tempest.a.B.test_c"].outcome is Outcome.PASS
    cut = run.results["tempest.a.B.test_d"]
    assert cut.outcome is Outcome.ERROR
    assert cut.reason is not None and "lost connection" in cut.reason


def test_v1_without_tests_is_an_error() -> None:
    with pytest.raises(ResultsParseError, match="log.txt: no test results in this subunit v1"):
        parse_run(b"error: the cloud is down\n", source="log.txt")


def test_v1_skip_without_a_test_line_is_that_tests_skip() -> None:
    """What subunit's v1 writer emits for a decorated skip on Python 3.12 (no ``test:``
    line): read the same on every interpreter."""
    run = parse_run(
        b"skip: tempest.a.B.test_x[id-" + UUID_A.encode() + b",smoke] [\n"
        b"Skipped because of bug#2147232\n"
        b"]\n"
        b"skip: tempest.a.B.test_y\n"
        b"skip: the whole run\n"
        b"uxsuccess: tempest.a.B.test_z\n"
        b"test: tempest.a.B.test_ok\n"
        b"success: tempest.a.B.test_ok\n"
    )
    got = {r.name: (r.outcome, r.reason, r.uuid) for r in run}
    assert got == {
        "tempest.a.B.test_x": (Outcome.SKIP, "Skipped because of bug#2147232", UUID_A),
        "tempest.a.B.test_y": (Outcome.SKIP, None, None),
        "tempest.a.B.test_ok": (Outcome.PASS, None, None),
    }


# --------------------------------------------------------------------------- RefStack JSON


def test_refstack_client_json_sample(refstack_samples: Path) -> None:
    run = _sample(refstack_samples, "0.json")
    assert (run.format, run.cpid, run.duration_seconds) == ("refstack-json", "test-id", 0)
    assert {r.name: (r.outcome, r.uuid) for r in run} == {
        "tempest.passed.test": (Outcome.PASS, None),
        "tempest.tagged_passed.test": (Outcome.PASS, UUID_A),
    }


def test_upload_body_sample(refstack_samples: Path) -> None:
    body = json.loads((refstack_samples / "upload-body.json").read_bytes())
    run = _sample(refstack_samples, "upload-body.json")
    assert run.format == "refstack-json"
    assert run.cpid == "f528764d624db129b32c21fbca0cb8d6"
    assert run.duration_seconds == 0
    assert len(run) == 58
    assert run.counts()["pass"] == 58
    assert {r.name: r.uuid for r in run} == {i["name"]: i.get("uuid") for i in body["results"]}


def test_json_get_detail_shape_and_uuid_normalisation() -> None:
    doc = {
        "id": "1da3cea0",
        "duration_seconds": 12,
        "results": [f"tempest.a.B.test_c[id-{UUID_A},smoke]", "tempest.x.y"],
        "user_role": "user",
    }
    run = parse_run(json.dumps(doc).encode())
    assert (run.cpid, run.duration_seconds) == (None, 12)
    assert run.results["tempest.a.B.test_c"].uuid == UUID_A
    assert run.results["tempest.x.y"].uuid is None
    upload = {
        "cpid": "c",
        "duration_seconds": 1,
        "results": [{"name": "a.b", "uuid": f"ID-{UUID_A.upper()}"}],
    }
    assert parse_run(json.dumps(upload).encode()).results["a.b"].uuid == UUID_A


@pytest.mark.parametrize(
    ("doc", "message"),
    [
        ("[]", "expected a JSON object with a 'results' list"),
        ('{"cpid": "x"}', "'results' is missing"),
        ('{"results": {"name": "a.b"}}', "'results' must be a list"),
        ('{"results": [1]}', r"'results\[0\]' must be a non-empty string"),
        ('{"results": ["a.b", {"uuid": "u"}]}', r"'results\[1\]\.name' must be a non-empty string"),
        ('{"results": [{"name": "a.b", "uuid": 5}]}', r"'results\[0\]\.uuid' must be a string"),
        ('{"cpid": 5, "results": ["a.b"]}', "'cpid' must be a string"),
        ('{"duration_seconds": "5", "results": ["a.b"]}', "'duration_seconds' must be"),
        ('{"results": []}', "no test results"),
        ('{"results": [', "invalid JSON"),
        ('{"results": ' + "[" * 100_000 + "]" * 100_000 + "}", "invalid JSON"),
    ],
)
def test_json_of_the_wrong_shape(doc: str, message: str) -> None:
    with pytest.raises(ResultsParseError, match=f"^upload.json: {message}"):
        parse_run(doc.encode(), source="upload.json", format="refstack-json")
    if doc.startswith("{"):  # detected as RefStack JSON: the same message
        with pytest.raises(ResultsParseError, match=f"^upload.json: {message}"):
            parse_run(doc.encode(), source="upload.json")


# --------------------------------------------------------------------------- JUnit XML

JUNIT = f"""<?xml version="1.0" encoding="UTF-8"?>
<testsuites>
  <testsuite name="tempest" tests="5">
    <testcase classname="tempest.a.B" name="test_ok[id-{UUID_A},smoke]" time="1.250"/>
    <testcase classname="tempest.a.B" name="tempest.a.B.test_full_id" time="oops"/>
    <testcase classname="tempest.a.B" name="test_fail" time="0.1">
      <failure message="AssertionError: 1 != 2" type="AssertionError">Traceback...</failure>
    </testcase>
    <testcase classname="tempest.a.B" name="test_error">
      <error type="RuntimeError">Traceback (most recent call last):
RuntimeError: boom</error>
    </testcase>
    <testcase classname="tempest.a.C" name="test_skip">
      <skipped message="Skipped because of bug#2147232"/>
    </testcase>
  </testsuite>
</testsuites>
"""


def test_junit_outcomes_and_ids() -> None:
    run = parse_run(JUNIT.encode(), source="run.xml")
    assert run.format == "junit"
    got = {r.name: (r.outcome, r.reason, r.duration) for r in run}
    assert got == {
        "tempest.a.B.test_ok": (Outcome.PASS, None, 1.25),
        "tempest.a.B.test_full_id": (Outcome.PASS, None, None),
        "tempest.a.B.test_fail": (Outcome.FAIL, "AssertionError: 1 != 2", 0.1),
        "tempest.a.B.test_error": (Outcome.ERROR, "RuntimeError: boom", None),
        "tempest.a.C.test_skip": (Outcome.SKIP, "Skipped because of bug#2147232", None),
    }
    assert run.results["tempest.a.B.test_ok"].uuid == UUID_A


def test_junit_single_testsuite_root() -> None:
    xml = b'<testsuite><testcase classname="x.Y" name="test_z"/></testsuite>'
    assert list(parse_run(xml).results) == ["x.Y.test_z"]


@pytest.mark.parametrize(
    ("xml", "message"),
    [
        (
            '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">]>'
            '<testsuite><testcase name="a.b">&lol;</testcase></testsuite>',
            "XML with a DOCTYPE or ENTITY declaration is refused",
        ),
        ("<html><body/></html>", "expected a JUnit <testsuite> or <testsuites> root element"),
        ("<testsuite><testcase name='a.b'>", "invalid XML"),
        ('<?xml version="1.0" encoding="nope"?><testsuite/>', "invalid XML"),
        ("<testsuite><testcase classname='a.B'/></testsuite>", "<testcase> #1 has no name"),
        ("<testsuite tests='0'/>", "no test results"),
    ],
)
def test_bad_junit(xml: str, message: str) -> None:
    with pytest.raises(ResultsParseError, match=f"^run.xml: {message}"):
        parse_run(xml.encode(), source="run.xml")


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be"])
@pytest.mark.parametrize("format", ["junit", None])
def test_junit_entities_refused_in_utf16(encoding: str, format: str | None) -> None:
    """UTF-16 bytes are valid UTF-8 too (NULs between the letters), so a check of the
    decoded text never sees ``<!DOCTYPE``; expat does, and would expand the entities."""
    xml = (
        '<?xml version="1.0" encoding="UTF-16"?>'
        '<!DOCTYPE t [<!ENTITY a "AAAAAAAAAA"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]>'
        '<testsuite><testcase classname="x" name="&b;"/></testsuite>'
    )
    try:
        parse_run(xml.encode(encoding), source="run.xml", format=format)
    except ResultsParseError as exc:
        assert "AAAA" not in str(exc)
        if format == "junit" or encoding == "utf-16-le":  # big-endian is not detected as XML
            assert "DOCTYPE or ENTITY declaration is refused" in str(exc)
    else:
        pytest.fail("an XML document with entity declarations was parsed")


# --------------------------------------------------------------------------- passed list


def test_test_list_sample(refstack_samples: Path) -> None:
    run = _sample(refstack_samples, "test-list.txt")
    assert run.format == "passed-list"
    assert [(r.name, r.outcome, r.attrs) for r in run] == [
        ("tempest.api.test1", Outcome.PASS, ("gate",)),
        ("tempest.api.test2", Outcome.PASS, ()),
        ("tempest.api.test3", Outcome.PASS, ("foo", "bar")),
    ]


def test_stestr_list_of_tempest_47(refstack_samples: Path) -> None:
    path = refstack_samples.parent / "tempest" / "tempest-47.0.0-list.txt"
    run = parse_run(path.read_bytes())
    assert run.format == "passed-list"
    assert len(run) == 1575
    assert all(r.uuid for r in run)
    assert len(run.by_uuid()) == 1445  # 120 idempotent ids are shared by two tests


def test_passed_list_comments_blank_lines_and_crlf() -> None:
    data = f"# passed\r\n\r\n  tempest.a.B.test_c[id-{UUID_A}]  \r\ntempest.a.B.test_d[gate](x)\r\n"
    run = parse_run(data.encode())
    assert [(r.name, r.uuid) for r in run] == [
        ("tempest.a.B.test_c", UUID_A),
        ("tempest.a.B.test_d", None),
    ]


def test_passed_list_not_utf8() -> None:
    data = b"tempest.a.B.test_c\ntempest.a.B.test_\xe9\n"
    with pytest.raises(ResultsParseError, match=r"^list.txt: not a test run and not UTF-8 text"):
        parse_run(data, source="list.txt")
    with pytest.raises(ResultsParseError, match=r"^list.txt: not UTF-8 text \(invalid byte 0xe9"):
        parse_run(data, source="list.txt", format="passed-list")


def test_forced_passed_list_names_the_bad_line() -> None:
    with pytest.raises(ResultsParseError, match=r"line 2: not a test id: 'hello world'"):
        parse_run(b"tempest.a.b\nhello world\n", format="passed-list")


# --------------------------------------------------------------------------- detection, errors


@pytest.mark.parametrize(
    ("name", "fmt"),
    [
        ("identity-2020.06.subunit", "subunit2"),
        ("0.subunit", "subunit1"),
        ("0.json", "refstack-json"),
        ("upload-body.json", "refstack-json"),
        ("test-list.txt", "passed-list"),
    ],
)
def test_detect_format_on_samples(refstack_samples: Path, name: str, fmt: str) -> None:
    data = (refstack_samples / name).read_bytes()
    assert detect_format(data) == fmt
    assert parse_run(data, format=fmt).format == fmt


def test_detect_junit() -> None:
    assert detect_format(b"\xef\xbb\xbf  " + JUNIT.encode()) == "junit"


@pytest.mark.parametrize("data", [b"", b" \n\t\r\n"])
def test_empty_input(data: bytes) -> None:
    with pytest.raises(ResultsParseError, match=r"^run.bin: empty input; expected subunit v1/v2"):
        parse_run(data, source="run.bin")
    with pytest.raises(ResultsParseError, match="empty input; expected junit"):
        parse_run(data, format="junit")


@pytest.mark.parametrize(
    "data", [b"hello world\n", b"\x00\x01\x02\x03binary\xff\xfe", b"tempest.a.b\n-oops-\n"]
)
def test_garbage(data: bytes) -> None:
    with pytest.raises(
        ResultsParseError,
        match=r"^run.bin: not a test run.*expected subunit v1/v2, RefStack JSON, JUnit XML or a list of test ids$",
    ):
        parse_run(data, source="run.bin")


def test_unknown_format_name() -> None:
    with pytest.raises(ResultsParseError, match="unknown results format 'csv'"):
        parse_run(b"a.b\n", format="csv")
    assert "csv" not in FORMATS


# --------------------------------------------------------------------------- properties

_NAMES = st.from_regex(r"\A[a-z_][a-z0-9_]{0,8}(\.[a-z_][a-z0-9_]{0,8}){1,3}\Z")
_REASONS = st.text(st.characters(exclude_categories=["Cs"]), min_size=1, max_size=40).filter(
    str.strip
)
_STATUS = {
    "success": Outcome.PASS,
    "fail": Outcome.FAIL,
    "skip": Outcome.SKIP,
    "xfail": Outcome.FAIL,
    "uxsuccess": Outcome.FAIL,
}


@settings(max_examples=75, deadline=None)
@given(
    st.lists(
        st.tuples(_NAMES, st.sampled_from(sorted(_STATUS)), st.none() | st.uuids(), _REASONS),
        min_size=1,
        max_size=15,
        unique_by=lambda t: t[0],
    )
)
def test_v2_round_trip(tests: list[tuple[str, str, object, str]]) -> None:
    out = io.BytesIO()
    writer = subunit.StreamResultToBytes(out)
    for name, status, uuid, reason in tests:
        test_id = f"{name}[id-{uuid},smoke]" if uuid else name
        skip_reason = reason if status == "skip" else None
        v2_test(writer, test_id, status, reason=skip_reason, tags={"worker-0"})
    run = parse_run(out.getvalue())
    assert run.format == "subunit2"
    assert {r.name: (r.outcome, r.uuid) for r in run} == {
        name: (_STATUS[status], str(uuid) if uuid else None) for name, status, uuid, _ in tests
    }
    for name, status, _, reason in tests:
        if status == "skip":
            assert run.results[name].reason == reason.strip()


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=300), st.sampled_from([b"", b"\xb3", b"{", b"<", b"test: "]))
def test_any_bytes_parse_or_raise_results_parse_error(data: bytes, prefix: bytes) -> None:
    try:
        run = parse_run(prefix + data)
    except ResultsParseError as exc:
        assert str(exc).startswith("<input>: ")
    else:
        assert len(run) > 0 and run.format in FORMATS
