"""The installed Tempest, its workspace, its test listing and its run.

Tempest is a separate program (its OpenStack pins clash with refcore's), so it
is found as an executable: ``--tempest PATH`` (the ``tempest`` script or a venv
holding it), ``$REFCORE_TEMPEST``, the one beside refcore's own Python (the
``refcore[runner]`` extra), one refcore installed in the workspace
(:func:`install_tempest`), or ``tempest`` on PATH.

The run is ``tempest run --load-list FILE --subunit``: its subunit v2 stream is
written to disk as it arrives and parsed on the fly for live progress.
"""

from __future__ import annotations

import configparser
import hashlib
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import subunit
import testtools

from refcore.errors import RunnerError

__all__ = [
    "TEMPEST_VERSION",
    "TempestInstall",
    "Workspace",
    "find_tempest",
    "install_tempest",
]

#: the Tempest refcore installs itself (the one the sandbox's facts were checked with)
TEMPEST_VERSION = "47.0.0"

#: subunit statuses that end a test
FINAL_STATUSES = frozenset({"success", "fail", "skip", "xfail", "uxsuccess"})

#: (test id, final status) for each finished test
ResultCallback = Callable[[str, str], None]


@dataclass(frozen=True, slots=True)
class TempestInstall:
    executable: Path

    @property
    def bin_dir(self) -> Path:
        return self.executable.parent

    @property
    def python(self) -> Path:
        return self.bin_dir / "python"

    def version(self) -> str:
        """The installed tempest package's version (cheap: no Tempest import)."""
        code = "import importlib.metadata as m; print(m.version('tempest'))"
        python = self.python if self.python.exists() else Path(sys.executable)
        try:
            out = subprocess.run(
                [str(python), "-c", code], capture_output=True, text=True, timeout=60, check=True
            )
        except (OSError, subprocess.SubprocessError):
            return "unknown"
        return out.stdout.strip() or "unknown"


def find_tempest(explicit: str | os.PathLike[str] | None, workspace: Path) -> TempestInstall:
    """The Tempest to use, or :class:`RunnerError` saying how to get one."""
    if explicit:
        path = Path(explicit)
        candidates = [path / "bin" / "tempest", path / "tempest", path] if path.is_dir() else [path]
        for candidate in candidates:
            if candidate.is_file() and os.access(candidate, os.X_OK):
                return TempestInstall(candidate.absolute())
        raise RunnerError(f"no tempest executable at {explicit}")
    env = os.environ.get("REFCORE_TEMPEST")
    if env:
        return find_tempest(env, workspace)
    for candidate in (
        Path(sys.executable).parent / "tempest",
        workspace / "venv" / "bin" / "tempest",
    ):
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return TempestInstall(candidate.absolute())
    on_path = shutil.which("tempest")
    if on_path:
        return TempestInstall(Path(on_path).absolute())
    raise RunnerError(
        "Tempest is not installed: pip install 'refcore[runner]', give --tempest PATH "
        "(a tempest executable or a venv holding one), or add --install-tempest"
    )


def install_tempest(workspace: Path, version: str = TEMPEST_VERSION) -> TempestInstall:
    """Install ``tempest==version`` in a venv of the workspace (once); pip's output
    goes to ``<workspace>/venv-install.log``."""
    venv = workspace / "venv"
    marker = venv / ".refcore-installed"
    if marker.is_file() and marker.read_text().strip() == version:
        return TempestInstall(venv / "bin" / "tempest")
    workspace.mkdir(parents=True, exist_ok=True)
    log = workspace / "venv-install.log"
    with log.open("wb") as out:
        for cmd in (
            [sys.executable, "-m", "venv", str(venv)],
            [str(venv / "bin" / "python"), "-m", "pip", "install", f"tempest=={version}"],
        ):
            if subprocess.run(cmd, stdout=out, stderr=subprocess.STDOUT).returncode:
                raise RunnerError(f"installing Tempest {version} failed: see {log}")
    marker.write_text(version)
    return TempestInstall(venv / "bin" / "tempest")


@dataclass(frozen=True, slots=True)
class Workspace:
    """A directory refcore owns: Tempest's workspace, its HOME, cached listings, runs."""

    root: Path

    @property
    def tempest_dir(self) -> Path:
        return self.root / "tempest"

    @property
    def conf_path(self) -> Path:
        return self.tempest_dir / "etc" / "tempest.conf"

    def env(self, install: TempestInstall) -> dict[str, str]:
        env = dict(os.environ)
        env["HOME"] = str(self.root / "home")  # Tempest writes ~/.tempest: keep it ours
        env["TEMPEST_CONFIG_DIR"] = str(self.conf_path.parent)
        env["TEMPEST_CONFIG"] = self.conf_path.name
        env["PATH"] = f"{install.bin_dir}{os.pathsep}{env.get('PATH', '')}"
        env.pop("OS_CLOUD", None)
        return env

    def init(self, install: TempestInstall) -> None:
        """``tempest init`` once; later runs reuse the workspace."""
        if (self.tempest_dir / ".stestr.conf").is_file():
            return
        (self.root / "home").mkdir(parents=True, exist_ok=True)
        cmd = [
            str(install.executable),
            "init",
            "--workspace-path",
            str(self.root / "workspace.yaml"),
            str(self.tempest_dir),
        ]
        _check(cmd, self.env(install), self.root, "tempest init")

    def write_conf(self, text: str) -> Path:
        self.conf_path.parent.mkdir(parents=True, exist_ok=True)
        for sub in ("logs", "locks"):  # tempest.conf's log_dir and lock_path
            (self.root / sub).mkdir(parents=True, exist_ok=True)
        self.conf_path.write_text(text, encoding="utf-8")
        self.conf_path.chmod(0o600)  # it may hold the admin password
        return self.conf_path

    def list_tests(
        self, install: TempestInstall, conf_text: str, plugins: Sequence[str] = ()
    ) -> str:
        """``stestr list`` of the installed Tempest with ``conf_text`` as its tempest.conf
        (written first: Tempest reads it when it imports the tests, and some ids depend
        on it, e.g. ``test_attach_detach_volume`` carries ``slow`` only with
        ``[validation] run_validation = true``). Cached per Tempest version, plugins
        (``name==version``) and :func:`listing_key` of the configuration."""
        self.write_conf(conf_text)
        version = install.version()
        extra = "".join(f"+{p.replace('==', '-')}" for p in sorted(plugins))
        cache = self.root / f"tests-tempest-{version}{extra}-conf-{listing_key(conf_text)}.txt"
        if version != "unknown" and cache.is_file():
            return cache.read_text(encoding="utf-8")
        stestr = install.bin_dir / "stestr"
        cmd = [str(stestr if stestr.exists() else "stestr"), "list"]
        text = _check(cmd, self.env(install), self.tempest_dir, "stestr list")
        cache.write_text(text, encoding="utf-8")
        return text

    def run(
        self,
        install: TempestInstall,
        load_list: Path,
        subunit_path: Path,
        *,
        concurrency: int | None = None,
        on_result: ResultCallback | None = None,
        stderr_path: Path | None = None,
    ) -> tuple[int, float]:
        """Run the listed tests; the subunit v2 stream goes to ``subunit_path`` as it
        comes. Returns (Tempest's exit status, seconds). Interrupted: the whole process
        group is stopped before the exception goes on."""
        cmd = [str(install.executable), "run", "--load-list", str(load_list), "--subunit"]
        if concurrency:
            cmd += ["--concurrency", str(concurrency)]
        stderr_path = stderr_path or subunit_path.with_suffix(".stderr.log")
        started = time.monotonic()
        with subunit_path.open("wb") as sink, stderr_path.open("ab") as err:
            proc = subprocess.Popen(
                cmd,
                cwd=self.tempest_dir,
                env=self.env(install),
                stdout=subprocess.PIPE,
                stderr=err,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )
            try:
                assert proc.stdout is not None
                _stream(_Tee(proc.stdout, sink), on_result)
                rc = proc.wait()
            except BaseException:
                _kill_group(proc)
                raise
        return rc, time.monotonic() - started


#: tempest.conf keys whose values change from run to run of one cloud and are no switch a
#: test module reads when it is imported: credentials, the ids and refs of what the
#: discovery created (images, flavors, users), addresses, paths
_PER_RUN_KEY = re.compile(
    r"password|secret|token|user|project|tenant|domain|_id$|_ref|ur[il]$|uri_v3|endpoint"
    r"|path$|_dir$|_file$",
    re.I,
)
_UUID = re.compile(r"^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$", re.I)


def listing_key(conf_text: str) -> str:
    """What of a tempest.conf can change Tempest's test listing, as a short hash: every
    value but the per-run ones (:data:`_PER_RUN_KEY`, ids). The switches Tempest reads at
    import (``[validation] run_validation``, ``[service_available] neutron``,
    ``[compute] min_compute_nodes`` in 47.0.0) are all kept; so a second run of the same
    cloud reuses the listing, and any change of configuration lists again."""
    parser = configparser.ConfigParser(interpolation=None, strict=False)
    parser.optionxform = str  # type: ignore[assignment,method-assign]  # keys as written
    try:
        parser.read_string(conf_text)
    except configparser.Error:
        return hashlib.sha256(conf_text.encode()).hexdigest()[:16]
    sections: dict[str, Mapping[str, str | None]] = {"DEFAULT": parser.defaults()}
    for name in parser.sections():
        sections[name] = parser._sections[name]  # type: ignore[attr-defined]  # without DEFAULT's
    kept = [
        f"[{section.lower()}]{key.lower()}={(value or '').strip().lower()}"
        for section, own in sections.items()
        for key, value in own.items()
        if not _PER_RUN_KEY.search(key) and not _UUID.match((value or "").strip())
    ]
    return hashlib.sha256("\n".join(sorted(kept)).encode()).hexdigest()[:16]


def _check(cmd: list[str], env: Mapping[str, str], cwd: Path, what: str) -> str:
    try:
        out = subprocess.run(
            cmd, cwd=cwd, env=dict(env), capture_output=True, text=True, timeout=900
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise RunnerError(f"{what} failed: {exc}") from None
    if out.returncode:
        tail = (out.stderr or out.stdout).strip().splitlines()[-1:] or ["no output"]
        raise RunnerError(f"{what} failed (exit {out.returncode}): {tail[0]}")
    return out.stdout


def _kill_group(proc: subprocess.Popen[bytes]) -> None:
    try:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=10)
    except (ProcessLookupError, PermissionError):
        return
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


class _Tee:
    """A read-only stream that copies everything read from ``source`` into ``sink``."""

    def __init__(self, source: IO[bytes], sink: IO[bytes]) -> None:
        self.source = source
        self.sink = sink

    def read(self, size: int = -1) -> bytes:
        data = self.source.read(size)
        if data:
            self.sink.write(data)
        return data

    def flush(self) -> None:
        self.sink.flush()


class _Progress(testtools.StreamResult):
    def __init__(self, on_result: ResultCallback | None) -> None:
        super().__init__()
        self.on_result = on_result

    def status(  # type: ignore[override]  # we only read two of the arguments
        self, test_id: str | None = None, test_status: str | None = None, **_: Any
    ) -> None:
        if test_id and test_status in FINAL_STATUSES and self.on_result is not None:
            self.on_result(test_id, test_status)


def _stream(source: _Tee, on_result: ResultCallback | None) -> None:
    """Parse the subunit v2 stream as it arrives (non-subunit bytes are passed over)."""
    result = _Progress(on_result)
    parser = subunit.ByteStreamToStreamResult(source, non_subunit_name="stdout")
    result.startTestRun()
    try:
        parser.run(result)
    finally:
        result.stopTestRun()
        source.flush()
