"""Issue 10, item 10, at the reader: a guideline URL is fetched from a real local HTTP server;
redirects stay on its host, the download and the extracted archive are capped, and a refused
archive leaves nothing in the cache."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from archive_server import ArchiveServer, tar_bomb, tar_gz, tar_of_empty_files

from refcore.errors import GuidelineSourceError
from refcore.readers import guidelines as reader
from refcore.readers.guidelines import MAX_DOWNLOAD, MAX_EXTRACTED, MAX_MEMBERS, load_guidelines


@pytest.fixture
def origin() -> Iterator[ArchiveServer]:
    server = ArchiveServer("127.0.0.1")
    yield server
    server.close()


@pytest.fixture
def elsewhere() -> Iterator[ArchiveServer]:
    """Another host (127.0.0.2 is loopback too), standing for an internal address."""
    server = ArchiveServer("127.0.0.2")
    yield server
    server.close()


@pytest.fixture(scope="module")
def interop_tgz(interop_dir: Path) -> bytes:
    return tar_gz(interop_dir)


def _sources() -> list[Path]:
    folder = reader.cache_dir() / "sources"
    return sorted(folder.iterdir()) if folder.is_dir() else []


def test_a_repository_url_is_fetched_once(origin: ArchiveServer, interop_tgz: bytes) -> None:
    origin.routes["/repo/archive/master.tar.gz"] = (200, {}, interop_tgz)
    gs = load_guidelines(origin.url + "/repo")
    assert "2020.06" in gs
    load_guidelines(origin.url + "/repo")
    assert origin.hits["/repo/archive/master.tar.gz"] == 1  # then read from the cache


def test_redirects_on_the_same_host_are_followed(origin: ArchiveServer, interop_tgz: bytes) -> None:
    origin.routes["/moved/archive/master.tar.gz"] = (302, {"Location": "/files/interop.tgz"}, b"")
    origin.routes["/files/interop.tgz"] = (200, {}, interop_tgz)
    assert "2020.06" in load_guidelines(origin.url + "/moved")
    assert origin.total == 2


def test_a_redirect_to_another_host_is_not_followed(
    origin: ArchiveServer, elsewhere: ArchiveServer, interop_tgz: bytes
) -> None:
    elsewhere.routes["/secret.tgz"] = (200, {}, interop_tgz)
    target = elsewhere.url + "/secret.tgz"
    origin.routes["/away/archive/master.tar.gz"] = (302, {"Location": target}, b"")
    with pytest.raises(GuidelineSourceError, match="redirected to another host") as caught:
        load_guidelines(origin.url + "/away")
    assert elsewhere.total == 0  # never asked
    assert "127.0.0.2" not in str(caught.value) and "secret" not in str(caught.value)


def test_a_redirect_loop_ends(origin: ArchiveServer) -> None:
    origin.routes["/loop/archive/master.tar.gz"] = (
        302,
        {"Location": "/loop/archive/master.tar.gz"},
        b"",
    )
    with pytest.raises(GuidelineSourceError, match="more than 5 redirects"):
        load_guidelines(origin.url + "/loop")
    assert origin.total == 6


def test_an_archive_that_inflates_past_the_cap_is_refused(origin: ArchiveServer) -> None:
    bomb = tar_bomb(MAX_EXTRACTED + 1024 * 1024)
    assert len(bomb) < 200 * 1024  # small on the wire
    origin.routes["/bomb.tar.gz"] = (200, {}, bomb)
    before = _sources()
    with pytest.raises(GuidelineSourceError, match="holds more than 64 MB"):
        load_guidelines(origin.url + "/bomb.tar.gz")
    assert _sources() == before  # nothing extracted is left behind


def test_an_archive_of_too_many_files_is_refused(origin: ArchiveServer) -> None:
    origin.routes["/many.tar.gz"] = (200, {}, tar_of_empty_files(MAX_MEMBERS + 1))
    with pytest.raises(GuidelineSourceError, match=f"more than {MAX_MEMBERS} files"):
        load_guidelines(origin.url + "/many.tar.gz")


def test_a_download_past_the_cap_is_cut(origin: ArchiveServer) -> None:
    chunk = os.urandom(1024 * 1024)

    def endless(handler) -> None:  # type: ignore[no-untyped-def]
        """No Content-Length: the size shows only while reading."""
        handler.send_response(200)
        handler.send_header("Connection", "close")
        handler.end_headers()
        try:
            for _ in range(MAX_DOWNLOAD // len(chunk) * 4):
                handler.wfile.write(chunk)
        except OSError:
            pass  # the reader hung up: what we want

    origin.routes["/huge.tar.gz"] = endless
    with pytest.raises(GuidelineSourceError, match="larger than 32 MB"):
        load_guidelines(origin.url + "/huge.tar.gz")

    def declared(handler) -> None:  # type: ignore[no-untyped-def]
        """Says how large it is up front: refused before reading."""
        handler.send_response(200)
        handler.send_header("Content-Length", str(MAX_DOWNLOAD + 1))
        handler.send_header("Connection", "close")
        handler.end_headers()

    origin.routes["/declared.tar.gz"] = declared
    with pytest.raises(GuidelineSourceError, match="larger than 32 MB"):
        load_guidelines(origin.url + "/declared.tar.gz")


def test_an_unreachable_or_failing_url_is_one_error(origin: ArchiveServer) -> None:
    origin.routes["/down/archive/master.tar.gz"] = (500, {}, b"boom")
    with pytest.raises(GuidelineSourceError, match="cannot fetch guidelines"):
        load_guidelines(origin.url + "/down")
    with pytest.raises(GuidelineSourceError, match="cannot fetch guidelines"):
        load_guidelines("http://127.0.0.1:1/none")
