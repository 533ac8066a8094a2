"""The structure figures issue 28 asks for, before and after a move: ``python benchmarks/structure.py``.

Prints, for the working tree:

- the ten largest modules of ``toponet/`` (lines) and the ten longest functions (lines);
- the places that define a training scale per profile (a module-level mapping or ``if profile ==``
  chain keyed by the profile names, or a ``Profile(`` call);
- the places that clip k (a ``max(``/``min(``/``clip`` on a name ``k``);
- the atomic-write implementations (an ``os.replace``/``Path.replace`` of a temporary file);
- the notebooks' code:prose ratio: non-blank code lines over non-blank markdown lines of the
  Jupytext ``.py`` notebooks (``# %% [markdown]`` cells are prose; the parameters cell is code).

Reads source text only; imports nothing of the package.
"""
from __future__ import annotations

import ast
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "toponet"
PROFILE_NAMES = ("smoke", "default", "paper")


def modules() -> list[Path]:
    return sorted(p for p in PACKAGE.rglob("*.py") if "__pycache__" not in p.parts)


def module_sizes() -> list[tuple[int, str]]:
    return sorted(((len(p.read_text().splitlines()), str(p.relative_to(ROOT))) for p in modules()), reverse=True)


def function_lengths() -> list[tuple[int, str]]:
    out = []
    for p in modules():
        for node in ast.walk(ast.parse(p.read_text())):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                out.append((node.end_lineno - node.lineno + 1, f"{p.relative_to(ROOT)}:{node.name}"))
    return sorted(out, reverse=True)


def profile_definitions() -> list[str]:
    """Module-level dicts keyed by two or more profile names, ``if profile ==``/``in`` chains that
    return training configurations, and ``Profile(`` constructions per profile."""
    found = []
    for p in modules() + sorted((ROOT / "notebooks").glob("*.py")):
        text = p.read_text()
        rel = p.relative_to(ROOT)
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, ast.Dict):
                keys = {k.value for k in node.keys if isinstance(k, ast.Constant) and isinstance(k.value, str)}
                if len(keys & set(PROFILE_NAMES)) >= 2:
                    found.append(f"{rel}:{node.lineno} dict keyed by profiles")
            if isinstance(node, ast.If) and re.search(r"\bprofile\b\s*(==|in)\s*[\"(]", ast.unparse(node.test)):
                found.append(f"{rel}:{node.lineno} if {ast.unparse(node.test)}")
    return found


def k_clips() -> list[str]:
    pattern = re.compile(r"\b(max|min)\(\s*k\s*,|\b(max|min)\([^()]*,\s*k\s*\)|np\.clip\(\s*k\b")
    return [f"{p.relative_to(ROOT)}:{i}" for p in modules()
            for i, line in enumerate(p.read_text().splitlines(), 1) if pattern.search(line)]


def atomic_writes() -> list[str]:
    pattern = re.compile(r"os\.replace\(|\.replace\((tmp|temp)")
    return [f"{p.relative_to(ROOT)}:{i}" for p in modules()
            for i, line in enumerate(p.read_text().splitlines(), 1) if pattern.search(line)]


#: The maths core and its helpers (``tests/test_layers.py``'s ``CORE_MODULES``).
CORE = ("filters", "ideal", "density", "homology", "mapper", "nulls", "analysis", "circle_decision", "calibration",
        "group_tests", "paper_claims", "patches", "signature", "plots", "surface",
        "rules", "claims")   # the last two: their names before issue 28, so an older checkout reads too


def numpydoc_coverage() -> tuple[int, int, list[str]]:
    """(documented, public, undocumented names): public functions of the core modules (in their
    ``__all__``) whose docstring has a numpydoc ``Parameters`` section (or takes no parameter)."""
    done, missing = 0, []
    for name in CORE:
        if not (PACKAGE / f"{name}.py").is_file():
            continue
        tree = ast.parse((PACKAGE / f"{name}.py").read_text())
        public = next((set(ast.literal_eval(n.value)) for n in tree.body if isinstance(n, ast.Assign)
                       and any(getattr(t, "id", "") == "__all__" for t in n.targets)), None)
        for node in tree.body:
            if not isinstance(node, ast.FunctionDef) or (public is not None and node.name not in public):
                continue
            if node.name.startswith("_"):
                continue
            doc = ast.get_docstring(node) or ""
            args = [a for a in node.args.args + node.args.kwonlyargs if a.arg not in ("self", "cls")]
            if "Parameters\n" in doc or not args:
                done += 1
            else:
                missing.append(f"{name}.{node.name}")
    return done, done + len(missing), missing


def notebook_ratio(path: Path) -> tuple[int, int]:
    """(code lines, prose lines) of a Jupytext percent-format notebook: non-blank lines; a
    markdown cell's ``# `` prefixes are prose, comment lines in code cells count as code."""
    code = prose = 0
    markdown = False
    header = True
    for line in path.read_text().splitlines():
        if line.startswith("# %%"):
            header = False
            markdown = "[markdown]" in line
            continue
        if header or not line.strip() or line.strip() == "#":
            continue
        if markdown:
            prose += 1
        else:
            code += 1
    return code, prose


def main() -> int:
    print("largest modules (lines):")
    for n, name in module_sizes()[:10]:
        print(f"  {n:5d}  {name}")
    print(f"  total {sum(n for n, _ in module_sizes())} lines in {len(modules())} modules")
    print("longest functions (lines):")
    for n, name in function_lengths()[:10]:
        print(f"  {n:5d}  {name}")
    places = profile_definitions()
    modules_with = sorted({place.split(":")[0] for place in places})
    print(f"places defining something per profile: {len(places)} in {len(modules_with)} modules "
          f"({', '.join(m.replace('toponet/', '') for m in modules_with)})")
    for place in places:
        print(f"  {place}")
    clips = k_clips()
    print(f"lines that clip k: {len(clips)}")
    for place in clips:
        print(f"  {place}")
    writes = atomic_writes()
    print(f"atomic-write implementations (os.replace of a temporary): {len(writes)}")
    for place in writes:
        print(f"  {place}")
    done, total, _ = numpydoc_coverage()
    print(f"core public functions with a numpydoc Parameters section (or no parameter): {done} of {total}")
    total_code = total_prose = 0
    print("notebook code:prose (non-blank lines):")
    for nb in sorted((ROOT / "notebooks").glob("*.py")):
        code, prose = notebook_ratio(nb)
        total_code, total_prose = total_code + code, total_prose + prose
        print(f"  {nb.stem:24s} {code:4d} : {prose:4d} = {code / max(prose, 1):.2f}")
    print(f"  {'all':24s} {total_code:4d} : {total_prose:4d} = {total_code / max(total_prose, 1):.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
