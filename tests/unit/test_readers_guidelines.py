"""Guideline sources: a directory, the repository's URL (fetched once), the parsed cache."""

from __future__ import annotations

import http.server
import io
import shutil
import tarfile
import threading
from pathlib import Path

import pytest

from refcore.errors import GuidelineSourceError
from refcore.readers.guidelines import load_guidelines, resolve_source


@pytest.fixture
def small_repo(tmp_path: Path, interop_dir: Path) -> Path:
    """A copy of a few real files in the newer upstream layout (guidelines/, add-ons/guidelines/)."""
    root = tmp_path / "interop"
    (root / "guidelines").mkdir(parents=True)
    (root / "add-ons" / "guidelines").mkdir(parents=True)
    shutil.copy(interop_dir / "2020.06.json", root / "guidelines")
    shutil.copy(interop_dir / "add-ons" / "dns.2020.06.json", root / "add-ons" / "guidelines")
    shutil.copytree(interop_dir / "doc", root / "doc")
    return root


def test_newer_layout(small_repo):
    gs = load_guidelines(small_repo, use_cache=False)
    assert list(gs) == ["2020.06", "dns.2020.06"]


def test_missing_directory(tmp_path):
    with pytest.raises(GuidelineSourceError, match="not a directory of guidelines"):
        resolve_source(tmp_path / "nope")


def test_empty_directory(tmp_path):
    with pytest.raises(GuidelineSourceError, match="no guideline files found"):
        load_guidelines(tmp_path)


def test_unusable_file_is_reported_not_fatal(small_repo):
    (small_repo / "guidelines" / "2099.01.json").write_text("{not json")
    gs = load_guidelines(small_repo, use_cache=False)
    assert "2099.01" not in gs
    assert [i.file for i in gs.issues] == ["guidelines/2099.01.json"]
    assert "not valid JSON" in gs.issues[0].message


def test_cache_is_used_and_invalidated(small_repo, monkeypatch, tmp_path):
    monkeypatch.setenv("REFCORE_CACHE_DIR", str(tmp_path / "cache"))
    first = load_guidelines(small_repo)
    assert list((tmp_path / "cache" / "parsed").glob("*.pickle"))
    assert load_guidelines(small_repo) is first  # in-process memo
    from refcore.readers import guidelines as sources

    sources._memo.clear()
    again = load_guidelines(small_repo)  # from the pickle
    assert again is not first and list(again) == list(first)
    path = small_repo / "guidelines" / "2020.06.json"
    path.write_text(path.read_text().replace('"approved"', '"superseded"', 1))
    changed = load_guidelines(small_repo)
    assert changed["2020.06"].status == "superseded"


@pytest.fixture
def archive_server(small_repo):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tf:
        tf.add(small_repo, arcname="interop")
    payload = buf.getvalue()
    hits: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            hits.append(self.path)
            if self.path == "/openinfra/interop/archive/master.tar.gz":
                self.send_response(200)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)
            else:
                self.send_error(404)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}", hits
    server.shutdown()
    server.server_close()


def test_url_is_fetched_once(archive_server, monkeypatch, tmp_path):
    base, hits = archive_server
    monkeypatch.setenv("REFCORE_CACHE_DIR", str(tmp_path / "c"))
    gs = load_guidelines(f"{base}/openinfra/interop")
    assert list(gs) == ["2020.06", "dns.2020.06"]
    load_guidelines(f"{base}/openinfra/interop", use_cache=False)
    assert hits == ["/openinfra/interop/archive/master.tar.gz"]


def test_url_that_fails(archive_server, monkeypatch, tmp_path):
    base, _ = archive_server
    monkeypatch.setenv("REFCORE_CACHE_DIR", str(tmp_path / "c"))
    with pytest.raises(GuidelineSourceError, match="cannot fetch guidelines"):
        load_guidelines(f"{base}/other/repo")
