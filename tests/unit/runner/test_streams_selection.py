"""The run directory's streams (re-runs tagged, an interrupted stream cut back for
--resume) and --tests / --regex, on Tempest 47's real listing and real subunit v2."""

from __future__ import annotations

import pytest

from refcore.core.results import attempt_of, parse_run
from refcore.core.runs import Outcome, split_test_id
from refcore.core.testmap import parse_listing
from refcore.errors import RunnerError
from refcore.runner.streams import finished_tests, keep_finished, tag_attempt
from refcore.runner.testrun import read_tests_file, select_tests
from tests.subunit_streams import stream


@pytest.fixture(scope="module")
def ids(samples_dir) -> list[str]:
    listing = (samples_dir / "tempest" / "tempest-47.0.0-list.txt").read_text().split()
    assert len(parse_listing("\n".join(listing)))
    return [i for i in listing if ".object_storage." in i]


def test_interrupted_stream_keeps_only_finished_tests(ids):
    data = stream([(ids[0], "success"), (ids[1], "fail")], unfinished=(ids[2],))
    cut = data + stream([(ids[3], "success")])[:-7]  # Ctrl-C in the middle of a packet
    assert finished_tests(cut) == {ids[0], ids[1]}
    kept = keep_finished(cut)
    run = parse_run(kept)
    assert {r.name: r.outcome for r in run} == {
        split_test_id(ids[0])[0]: Outcome.PASS,
        split_test_id(ids[1])[0]: Outcome.FAIL,
    }
    assert run.get(split_test_id(ids[1])[0]).reason == "Exception: boom"
    # and the resumed attempt's stream follows it cleanly
    resumed = parse_run(kept + stream([(ids[2], "success"), (ids[3], "success")]))
    assert len(resumed) == 4 and resumed.counts()["pass"] == 3


def test_tag_attempt_marks_every_packet(ids):
    tagged = tag_attempt(stream([(ids[0], "success")]), 3)
    import io

    import subunit
    import testtools

    seen: list[set[str]] = []

    class Tags(testtools.StreamResult):
        def status(self, test_tags=None, **_):  # type: ignore[no-untyped-def,override]
            seen.append(set(test_tags or ()))

    subunit.ByteStreamToStreamResult(io.BytesIO(tagged)).run(Tags())
    assert seen and all("refcore-attempt-3" in t and "worker-0" in t for t in seen)
    assert attempt_of(seen[0]) == 3 and attempt_of({"worker-1"}) == 1


def test_select_by_names_file(ids, tmp_path):
    f = tmp_path / "tests.txt"
    names = [split_test_id(ids[0])[0], ids[1], "tempest.api.compute.NotInTheList.test_x"]
    f.write_text("# a subset\n\n" + "\n".join(names) + "  # trailing comment\n")
    chosen, record = select_tests(ids, read_tests_file(f))
    assert chosen == ids[:2]
    assert record == {
        "tests": 3,
        "not_in_list": ["tempest.api.compute.NotInTheList.test_x"],
        "selected": 2,
        "of": len(ids),
    }


def test_select_by_regex_and_both(ids):
    chosen, record = select_tests(ids, regex=r"test_container_services\.")
    assert chosen and all("test_container_services." in i for i in chosen)
    assert record["regex"] == r"test_container_services\." and record["selected"] == len(chosen)
    both, _ = select_tests(
        ids, [split_test_id(chosen[0])[0], split_test_id(ids[0])[0]], "container"
    )
    assert both == [chosen[0]]
    assert select_tests(ids) == (ids, {})


def test_bad_selection_input(tmp_path):
    with pytest.raises(RunnerError, match="not a valid regular expression"):
        select_tests(["a.b.test_c"], regex="(")
    empty = tmp_path / "empty.txt"
    empty.write_text("# nothing\n")
    with pytest.raises(RunnerError, match="names no test"):
        read_tests_file(empty)
    with pytest.raises(RunnerError, match="cannot read"):
        read_tests_file(tmp_path / "missing.txt")
