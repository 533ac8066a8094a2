"""Every public function of the maths core documents its parameters (numpydoc, with shapes).

The core (``tests/test_layers.py``'s ``CORE_MODULES`` that hold the science) is what a reader of
the book calls; its docstrings are its reference. A public function (in its module's ``__all__``)
that takes a parameter has a ``Parameters`` section naming each one.
"""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "toponet"
CORE = ("filters", "ideal", "density", "homology", "mapper", "nulls", "analysis", "circle_decision", "calibration",
        "group_tests", "paper_claims", "patches", "signature", "plots", "surface")


def _public_functions(module: str):
    tree = ast.parse((PACKAGE / f"{module}.py").read_text(encoding="utf-8"))
    public = next(set(ast.literal_eval(n.value)) for n in tree.body if isinstance(n, ast.Assign)
                  and any(getattr(t, "id", "") == "__all__" for t in n.targets))
    return [n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name in public]


@pytest.mark.parametrize("module", CORE)
def test_public_core_functions_document_every_parameter(module):
    missing = []
    for fn in _public_functions(module):
        doc = ast.get_docstring(fn) or ""
        names = [a.arg for a in fn.args.posonlyargs + fn.args.args + fn.args.kwonlyargs]
        if not names:
            continue
        section = doc.split("Parameters\n", 1)[1] if "Parameters\n" in doc else ""
        section = section.split("\n    Returns\n")[0].split("\nReturns\n")[0]
        # a parameter may be documented with others on one line ("k, p : int, float")
        listed = {name.strip() for line in section.splitlines() if " : " in line or line.rstrip().endswith(":")
                  for name in line.split(" : ")[0].split(",")}
        absent = [n for n in names if n not in listed]
        if not section or absent:
            missing.append(f"{module}.{fn.name}: " + ("no Parameters section" if not section else f"{absent}"))
    assert not missing, "\n".join(missing)
