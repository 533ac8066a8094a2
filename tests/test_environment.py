"""pyproject.toml and environment.yml must pin the same working set."""
import re
import tomllib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]


def _norm(req: str) -> str:
    name, rest = re.match(r"^\s*([A-Za-z0-9_.\-]+(?:\[[^\]]*\])?)\s*(.*)$", req).groups()
    return name.lower().replace("_", "-") + rest.replace(" ", "")


def pyproject_requirements() -> set[str]:
    meta = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    reqs = list(meta["dependencies"])
    for extra in meta["optional-dependencies"].values():
        reqs += extra
    return {_norm(r) for r in reqs}


def environment_requirements() -> tuple[str, set[str]]:
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    python = next(d for d in env["dependencies"] if isinstance(d, str) and d.startswith("python"))
    pip = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict) and "pip" in d)
    return python, {_norm(r) for r in pip if not r.startswith("-e")}


def test_environment_yml_matches_pyproject():
    python, env_reqs = environment_requirements()
    py_reqs = pyproject_requirements()
    assert env_reqs == py_reqs, (f"only in pyproject.toml: {sorted(py_reqs - env_reqs)}; "
                                 f"only in environment.yml: {sorted(env_reqs - py_reqs)}")
    assert python.replace(" ", "") in ("python=3.11", "python==3.11")


def test_every_requirement_is_pinned_exactly():
    loose = [r for r in pyproject_requirements() if "==" not in r]
    assert not loose, f"unpinned requirements: {loose}"


def test_torch_pin_is_the_local_build():
    reqs = pyproject_requirements()
    assert "torch==2.14.1" in reqs and "torchvision==0.29.1" in reqs
    assert any(r.startswith("plotly==5.") for r in reqs), "plotly 6+ breaks giotto-tda's Mapper plots"
