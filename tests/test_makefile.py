"""Issue 14 item 10: the Makefile accepts Python 3.11 and 3.12 (3.11 is the tested one) and nothing else."""
import shutil
import stat
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PYENV = Path("/root/.pyenv/versions")


def check_python(python) -> subprocess.CompletedProcess:
    return subprocess.run(["make", "-s", "-C", str(ROOT), "check-python", f"PYTHON={python}"],
                          capture_output=True, text=True, timeout=60)


def fake_python(tmp_path, version: str) -> Path:
    """An 'interpreter' that reports ``version``: enough for the Makefile's gate."""
    script = tmp_path / f"python{version}"
    script.write_text(f"#!/bin/sh\necho {version}\n")
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    return script


pytestmark = pytest.mark.skipif(shutil.which("make") is None, reason="needs make")


@pytest.mark.parametrize("version", ["3.11", "3.12"])
def test_supported_versions_pass(tmp_path, version):
    proc = check_python(fake_python(tmp_path, version))
    assert proc.returncode == 0, proc.stderr


@pytest.mark.parametrize("version", ["3.10", "3.13", "2.7"])
def test_other_versions_are_refused_by_name(tmp_path, version):
    proc = check_python(fake_python(tmp_path, version))
    assert proc.returncode != 0 and f"needs Python 3.11 or 3.12, found {version}" in proc.stderr


def test_this_interpreter_and_a_missing_one():
    assert check_python(sys.executable).returncode == 0
    proc = check_python("/nonexistent/python")
    assert proc.returncode != 0 and "cannot run PYTHON=/nonexistent/python" in proc.stderr


@pytest.mark.parametrize("version, ok", [("3.12.1", True), ("3.10.13", False), ("3.13.0", False)])
def test_real_interpreters_when_installed(version, ok):
    python = PYENV / version / "bin" / "python"
    if not python.exists():
        pytest.skip(f"no Python {version} here")
    assert (check_python(python).returncode == 0) is ok


def test_pyproject_and_readme_admit_3_12():
    requires = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["requires-python"]
    assert requires == ">=3.11,<3.13"
    assert "3.12" in (ROOT / "README.md").read_text()
