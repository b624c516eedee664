"""Tempest plugins the add-on programs need, installed into the Tempest venv.

The DNS add-on's tests live in designate-tempest-plugin, Orchestration's in
heat-tempest-plugin. Which plugin a guideline needs follows from its test names' top-level
package (:func:`plugins_for`, pure). The versions are ones checked with Tempest 47.0.0:
they install beside it without changing it, and Tempest's test discovery then lists
their tests with Tempest's own.
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from refcore.core.guidelines import Guideline
from refcore.errors import RunnerError

from .tempest import TempestInstall

__all__ = ["PLUGINS", "Plugin", "install_plugins", "installed_version", "plugins_for"]


@dataclass(frozen=True, slots=True)
class Plugin:
    #: the Python package its tests are in (the first part of the test names)
    package: str
    #: its name on PyPI
    distribution: str
    version: str
    #: the catalog service type its tests need
    service_type: str

    @property
    def requirement(self) -> str:
        return f"{self.distribution}=={self.version}"


PLUGINS: tuple[Plugin, ...] = (
    Plugin("designate_tempest_plugin", "designate-tempest-plugin", "0.30.0", "dns"),
    Plugin("heat_tempest_plugin", "heat-tempest-plugin", "3.0.0", "orchestration"),
)


def plugins_for(
    guideline: Guideline, target: str, statuses: Iterable[str] | None = ("required",)
) -> list[Plugin]:
    """The plugins holding some of the guideline's tests for ``target``."""
    wanted = None if statuses is None else list(statuses)
    packages = {name.split(".", 1)[0] for name in guideline.test_list(target, wanted)}
    return [p for p in PLUGINS if p.package in packages]


def installed_version(install: TempestInstall, distribution: str) -> str | None:
    code = f"import importlib.metadata as m; print(m.version({distribution!r}))"
    python = install.python
    if not python.is_file():
        return None
    try:
        out = subprocess.run([str(python), "-c", code], capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() or None if out.returncode == 0 else None


def install_plugins(install: TempestInstall, plugins: list[Plugin], log_dir: Path) -> list[str]:
    """Install the plugins not yet there (pip's output in ``<log_dir>/plugins-install.log``);
    returns ``name==version`` of each, installed now or before."""
    missing = [p for p in plugins if installed_version(install, p.distribution) != p.version]
    if missing:
        if not install.python.is_file():
            raise RunnerError(
                f"{install.executable} is not in a virtualenv: install "
                f"{' '.join(p.requirement for p in missing)} beside it yourself"
            )
        log_dir.mkdir(parents=True, exist_ok=True)
        log = log_dir / "plugins-install.log"
        cmd = [str(install.python), "-m", "pip", "install", *(p.requirement for p in missing)]
        with log.open("ab") as out:
            done = subprocess.run(cmd, stdout=out, stderr=subprocess.STDOUT, check=False)
        if done.returncode:
            raise RunnerError(
                f"installing {', '.join(p.requirement for p in missing)} failed: see {log}"
            )
    return [p.requirement for p in plugins]
