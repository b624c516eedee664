"""Where guidelines come from: a directory laid out like the interop
repository, or the repository's URL, fetched once into a local cache.

This module does the I/O; parsing and validation are in :mod:`refcore.core`.
A parsed set is cached on disk (pickle keyed by every file's size and mtime
and refcore's version), so a warm load does not re-parse or re-validate.
"""

from __future__ import annotations

import hashlib
import io
import os
import pickle
import re
import tarfile
import zipfile
from pathlib import Path
from typing import Any

from refcore.core.guidelines import Guideline, GuidelineSet, Issue
from refcore.core.parsing import loads_lenient, parse_guideline, parse_legacy_sections
from refcore.core.validation import SCHEMA_FILES, schema_version, validate_document
from refcore.errors import GuidelineNotFound, GuidelineSourceError, InvalidGuideline
from refcore.version import __version__

__all__ = [
    "DEFAULT_SOURCE",
    "cache_dir",
    "guideline_files",
    "guideline_ref",
    "load_file",
    "load_guidelines",
    "resolve_source",
    "schemas_in",
]

#: the upstream interop repository (its archive is fetched when no directory is given)
DEFAULT_SOURCE = "https://opendev.org/openinfra/interop"
_DATED = re.compile(r"^(\d{4}\.\d{2}|next)\.json$")
_ADDON = re.compile(r"^[a-z_]+\.(\d{4}\.\d{2}|next)\.json$")
_memo: dict[tuple[str, bool], GuidelineSet] = {}


def cache_dir() -> Path:
    """``$REFCORE_CACHE_DIR`` or the user's cache directory."""
    env = os.environ.get("REFCORE_CACHE_DIR")
    if env:
        return Path(env)
    import platformdirs

    return Path(platformdirs.user_cache_dir("refcore"))


def resolve_source(source: str | os.PathLike[str] | None = None, *, refresh: bool = False) -> Path:
    """A local directory for ``source`` (a path, a URL, or $REFCORE_GUIDELINES)."""
    text = os.fspath(source) if source is not None else os.environ.get("REFCORE_GUIDELINES")
    text = text or DEFAULT_SOURCE
    if re.match(r"^https?://", text):
        return _fetch(text, refresh=refresh)
    path = Path(text).expanduser()
    if not path.is_dir():
        raise GuidelineSourceError(f"{text}: not a directory of guidelines")
    return path.resolve()


def guideline_files(root: Path) -> list[Path]:
    """Every guideline document under ``root``, in either repository layout
    (2020: dated files at the top; later: under ``guidelines/``)."""
    found: list[Path] = []
    for folder in (root, root / "guidelines"):
        found += sorted(p for p in folder.glob("*.json") if _DATED.match(p.name))
    for folder in (root / "add-ons", root / "add-ons" / "guidelines"):
        found += sorted(p for p in folder.glob("*.json") if _ADDON.match(p.name))
    found += sorted((root / "verticals").glob("*.json"))
    found += sorted((root / "legacy").glob("*core.json"))
    found += sorted((root / "drafts").glob("*core.json"))
    return found


def load_guidelines(
    source: str | os.PathLike[str] | None = None,
    *,
    validate: bool = True,
    use_cache: bool = True,
    refresh: bool = False,
) -> GuidelineSet:
    """Load every guideline of a source into a :class:`GuidelineSet`.

    A file that cannot be used at all is left out and reported in
    ``GuidelineSet.issues``; schema violations are warnings on each guideline.
    """
    root = resolve_source(source, refresh=refresh)
    files = guideline_files(root)
    if not files:
        raise GuidelineSourceError(f"{root}: no guideline files found")
    key = (str(root), validate)
    fingerprint = _fingerprint(root, files)
    if use_cache:
        memo = _memo.get(key)
        if memo is not None and memo.fingerprint == fingerprint:
            return memo
        cached = _read_cache(fingerprint)
        if cached is not None:
            _memo[key] = cached
            return cached
    guidelines: list[Guideline] = []
    problems: list[Issue] = []
    schemas = schemas_in(root) if validate else {}
    for path in files:
        rel = path.relative_to(root).as_posix()
        try:
            guidelines.append(load_file(path, rel=rel, schemas=schemas))
        except InvalidGuideline as exc:
            problems.append(Issue(rel, "", str(exc), "error"))
    _attach_legacy_sections(root, guidelines, problems)
    result = GuidelineSet(guidelines, problems, fingerprint=fingerprint)
    if use_cache:
        _memo[key] = result
        _write_cache(fingerprint, result)
    return result


def guideline_ref(
    ref: str, source: str | os.PathLike[str] | None = None, *, validate: bool = True
) -> tuple[Guideline, GuidelineSet]:
    """A guideline by id from ``source``, or a guideline **file** (a draft, or any guideline JSON
    outside the source), read, validated against the source's published schemas and joined to
    the set. Returns the guideline and the set it belongs to (with it)."""
    gs = load_guidelines(source, validate=validate)
    if ref in gs:
        return gs[ref], gs
    path = Path(ref).expanduser()
    if path.is_file():
        schemas = schemas_in(resolve_source(source)) if validate else {}
        guideline = load_file(path.resolve(), rel=path.name, schemas=schemas)
        return guideline, gs.including(guideline)
    hint = " (no such file either)" if path.suffix == ".json" or "/" in ref else ""
    raise GuidelineNotFound(f"Guideline not found: {ref}{hint}")


def load_file(
    path: Path, *, rel: str | None = None, schemas: dict[str, dict[str, Any]] | None = None
) -> Guideline:
    """Read, parse and (when a schema is given for its version) validate one file."""
    rel = rel or path.name
    doc = _read_json(path, rel)
    guideline = parse_guideline(doc, file=rel)
    version = schema_version(doc) or ""
    schema = (schemas or {}).get(version)
    if schema is not None:
        guideline.issues[:0] = validate_document(
            doc, schema, file=rel, schema_name=SCHEMA_FILES[version]
        )
    return guideline


def _read_json(path: Path, rel: str) -> Any:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InvalidGuideline(f"{rel}: cannot be read: {exc}") from exc
    try:
        return loads_lenient(text)
    except ValueError as exc:
        raise InvalidGuideline(f"{rel}: not valid JSON: {exc}") from exc


def schemas_in(root: Path) -> dict[str, dict[str, Any]]:
    schemas = {}
    for version, name in SCHEMA_FILES.items():
        path = root / "doc" / "source" / "schema" / name
        if path.is_file():
            schemas[version] = _read_json(path, f"doc/source/schema/{name}")
    return schemas


def _attach_legacy_sections(root: Path, guidelines: list[Guideline], problems: list[Issue]) -> None:
    for path in sorted((root / "legacy").glob("*sections.json")):
        rel = path.relative_to(root).as_posix()
        try:
            doc = _read_json(path, rel)
            groups = parse_legacy_sections(doc, file=rel)
        except InvalidGuideline as exc:
            problems.append(Issue(rel, "", str(exc), "error"))
            continue
        release = doc.get("release") or path.name.removesuffix("sections.json")
        for g in guidelines:
            if g.kind == "legacy" and g.id == release:
                g.designated_sections = groups
                g.issues.append(
                    Issue(
                        rel,
                        "",
                        "not strict JSON (comment lines, raw newlines in strings); read leniently",
                    )
                )


# -- caching --------------------------------------------------------------------------------
def _fingerprint(root: Path, files: list[Path]) -> str:
    h = hashlib.sha256(f"{__version__}\0{root}".encode())
    # the parsing code is part of the key: a changed model never reads an old pickle
    import refcore.core.guidelines as model
    import refcore.core.parsing as parsing

    for module in (model, parsing):
        st = Path(module.__file__ or "").stat()
        h.update(f"{module.__name__}\0{st.st_size}\0{st.st_mtime_ns}\n".encode())
    extra = list((root / "legacy").glob("*sections.json"))
    extra += list((root / "doc" / "source" / "schema").glob("*.json"))
    for path in [*files, *sorted(extra)]:
        st = path.stat()
        h.update(f"{path}\0{st.st_size}\0{st.st_mtime_ns}\n".encode())
    return h.hexdigest()


def _read_cache(fingerprint: str) -> GuidelineSet | None:
    path = cache_dir() / "parsed" / f"{fingerprint}.pickle"
    try:
        with path.open("rb") as fh:
            # our own cache file, written by _write_cache below
            result = pickle.load(fh)  # noqa: S301
    except (OSError, pickle.PickleError, EOFError, AttributeError, ImportError):
        return None
    return result if isinstance(result, GuidelineSet) else None


def _write_cache(fingerprint: str, result: GuidelineSet) -> None:
    folder = cache_dir() / "parsed"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        tmp = folder / f".{fingerprint}.{os.getpid()}.tmp"
        tmp.write_bytes(pickle.dumps(result, protocol=pickle.HIGHEST_PROTOCOL))
        tmp.replace(folder / f"{fingerprint}.pickle")
    except OSError:
        pass  # a cache we cannot write is only slower


# -- fetching -------------------------------------------------------------------------------
#: the largest archive downloaded (the interop repository's is a few MB)
MAX_DOWNLOAD = 32 * 1024 * 1024
#: the most an archive may hold once extracted (a gzip bomb stops here), and its files
MAX_EXTRACTED = 64 * 1024 * 1024
MAX_MEMBERS = 20_000
MAX_REDIRECTS = 5


def _archive_url(url: str) -> str:
    if url.endswith((".tar.gz", ".tgz", ".zip")):
        return url
    return url.rstrip("/") + "/archive/master.tar.gz"


def _fetch(url: str, *, refresh: bool) -> Path:
    target = cache_dir() / "sources" / hashlib.sha256(url.encode()).hexdigest()[:16]
    done = target / ".complete"
    if done.exists() and not refresh:
        return _repo_root(target)
    archive = _archive_url(url)
    data = _download(archive)
    tmp = target.with_name(target.name + f".{os.getpid()}.tmp")
    import shutil

    shutil.rmtree(tmp, ignore_errors=True)
    try:
        _extract(data, archive, tmp)
    except GuidelineSourceError:
        shutil.rmtree(tmp, ignore_errors=True)  # nothing half-extracted stays
        raise
    if target.exists():
        shutil.rmtree(target)
    tmp.rename(target)
    done.touch()
    return _repo_root(target)


def _download(url: str) -> bytes:
    """GET ``url``: redirects followed on the same host only (https never down to http),
    at most :data:`MAX_DOWNLOAD` bytes (decoded) read."""
    import httpx

    first = httpx.URL(url)
    current = first
    try:
        with httpx.Client(timeout=60, follow_redirects=False) as client:
            for _ in range(MAX_REDIRECTS + 1):
                with client.stream("GET", current) as response:
                    if response.is_redirect:
                        current = _same_host(first, response.url.join(response.headers["location"]))
                        continue
                    response.raise_for_status()
                    return _read_capped(response, url)
    except (httpx.HTTPError, httpx.InvalidURL, httpx.StreamError) as exc:
        raise GuidelineSourceError(f"{url}: cannot fetch guidelines: {exc}") from exc
    raise GuidelineSourceError(f"{url}: more than {MAX_REDIRECTS} redirects")


def _same_host(first: Any, target: Any) -> Any:
    """``target`` when it stays on ``first``'s host (an upgrade to https allowed)."""
    if target.host != first.host or target.scheme not in ("http", "https"):
        raise GuidelineSourceError(
            f"{first}: redirected to another host; only redirects within {first.host} are followed"
        )
    if first.scheme == "https" and target.scheme != "https":
        raise GuidelineSourceError(f"{first}: redirected from https to http; not followed")
    return target


def _read_capped(response: Any, url: str) -> bytes:
    declared = response.headers.get("content-length", "")
    too_big = f"{url}: the archive is larger than {MAX_DOWNLOAD // (1024 * 1024)} MB"
    if declared.isdigit() and int(declared) > MAX_DOWNLOAD:
        raise GuidelineSourceError(too_big)
    chunks: list[bytes] = []
    total = 0
    for chunk in response.iter_bytes():
        total += len(chunk)
        if total > MAX_DOWNLOAD:
            raise GuidelineSourceError(too_big)
        chunks.append(chunk)
    return b"".join(chunks)


def _extract(data: bytes, name: str, dest: Path) -> None:
    """Unpack a .zip or a tar (any compression) into ``dest``: no path outside it, no
    links out, at most :data:`MAX_EXTRACTED` bytes in :data:`MAX_MEMBERS` files."""
    dest.mkdir(parents=True, exist_ok=True)
    try:
        if name.endswith(".zip"):
            with zipfile.ZipFile(io.BytesIO(data)) as zf:
                infos = zf.infolist()
                for member in infos:
                    if member.filename.startswith("/") or ".." in Path(member.filename).parts:
                        raise GuidelineSourceError(
                            f"{name}: unsafe path in archive: {member.filename}"
                        )
                # ZipFile reads no more than each member's declared size
                _check_size(name, len(infos), sum(i.file_size for i in infos))
                zf.extractall(dest)
        else:
            with tarfile.open(fileobj=io.BytesIO(data), mode="r:*") as tf:
                entries: list[tarfile.TarInfo] = []
                total = 0
                for entry in tf:  # decompresses as it goes: a bomb stops at the cap
                    entries.append(entry)
                    total += entry.size
                    _check_size(name, len(entries), total)
                tf.extractall(dest, members=entries, filter="data")
    except (tarfile.TarError, zipfile.BadZipFile, OSError, EOFError) as exc:
        raise GuidelineSourceError(f"{name}: not a readable archive: {exc}") from exc


def _check_size(name: str, members: int, total: int) -> None:
    if members > MAX_MEMBERS:
        raise GuidelineSourceError(f"{name}: the archive has more than {MAX_MEMBERS} files")
    if total > MAX_EXTRACTED:
        raise GuidelineSourceError(
            f"{name}: the archive holds more than {MAX_EXTRACTED // (1024 * 1024)} MB"
        )


def _repo_root(folder: Path) -> Path:
    """The archive's single top folder, if it has one."""
    entries = [p for p in folder.iterdir() if not p.name.startswith(".")]
    if len(entries) == 1 and entries[0].is_dir():
        return entries[0]
    return folder
