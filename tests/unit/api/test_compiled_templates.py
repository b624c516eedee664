"""Compiled templates are kept in the cache directory; a cache that cannot be written or
read is no cache, never an error."""

from __future__ import annotations

from pathlib import Path

from jinja2 import DictLoader, Environment

from refcore.server.rendering import _CompiledTemplates


def _env(folder: Path) -> Environment:
    return Environment(
        loader=DictLoader({"t.html": "Hello {{ name }}"}),
        bytecode_cache=_CompiledTemplates(str(folder)),
    )


def test_a_second_process_loads_what_the_first_compiled(tmp_path: Path) -> None:
    assert _env(tmp_path).get_template("t.html").render(name="a") == "Hello a"
    kept = list(tmp_path.iterdir())
    assert len(kept) == 1
    assert _env(tmp_path).get_template("t.html").render(name="b") == "Hello b"
    kept[0].write_bytes(b"not bytecode")  # damaged: compiled again
    assert _env(tmp_path).get_template("t.html").render(name="c") == "Hello c"


def test_an_unusable_cache_is_no_cache(tmp_path: Path) -> None:
    gone = tmp_path / "gone"  # never created: nothing can be written there
    assert _env(gone).get_template("t.html").render(name="x") == "Hello x"
    assert not gone.exists()
