"""The package's layers, read from its imports with ``ast`` (top-level and inside functions).

Top to bottom (README, "Layout"):

4. ``cli``, ``commands/``, ``book/``: what a user runs;
3. ``chapters/``: one module per notebook;
2. ``train``, ``shards``, ``store``, ``experiments``, ``data/``, ``models``, ``pretrained/``,
   ``verdict_record``, ``report``: training, storage, data and records;
1. the maths core (``filters``, ``ideal``, ``density``, ``homology``, ``mapper``, ``nulls``,
   ``analysis``, ``circle_decision``, ``calibration``, ``paper_claims``, ``patches``, ``signature``), ``plots`` and the small
   helpers.

A module may import its own layer and the layers below, never above, with one exception: a
chapter module may use the book's notebook helpers (``toponet.book``, ``toponet.book.notebook``:
``Caption``, ``cloud_label``), which import nothing from the chapters; only ``chapters/`` and
``commands/`` (and the book itself) import ``toponet.book``. An import inside a function body
says why it is deferred (a comment containing ``deferred:``, with the measured reason) on its
line or the line above; every other import sits in the module header.
"""
from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "toponet"

TOP, CHAPTERS, MIDDLE, CORE = 4, 3, 2, 1
_PREFIXES = (
    ("toponet.cli", TOP), ("toponet.__main__", TOP), ("toponet.commands", TOP), ("toponet.book", TOP),
    ("toponet.chapters", CHAPTERS),
    ("toponet.train", MIDDLE), ("toponet.shards", MIDDLE), ("toponet.store", MIDDLE),
    ("toponet.experiments", MIDDLE), ("toponet.data", MIDDLE), ("toponet.models", MIDDLE),
    ("toponet.pretrained", MIDDLE), ("toponet.verdict_record", MIDDLE), ("toponet.report", MIDDLE),
    ("toponet.integrity", MIDDLE), ("toponet.store_index", MIDDLE), ("toponet.checkpoints", MIDDLE),
    ("toponet.layerwise", MIDDLE),
)
CORE_MODULES = {"filters", "ideal", "density", "homology", "mapper", "nulls", "analysis", "circle_decision", "calibration",
                "group_tests",
                "paper_claims", "patches", "signature", "plots", "_validation", "_io", "_custom", "provenance", "workers",
                "surface"}
#: What a chapter module may take from the book: its notebook helpers (captions, labels, tables).
NOTEBOOK_HELPERS = {"toponet.book", "toponet.book.notebook", "toponet.book.profiles"}
NAMES = {TOP: "cli/commands/book", CHAPTERS: "chapters", MIDDLE: "train/store/data/...", CORE: "core"}


def layer(module: str) -> int:
    """The layer of a dotted module name inside ``toponet``."""
    for prefix, level in _PREFIXES:
        if module == prefix or module.startswith(prefix + "."):
            return level
    if module == "toponet" or module.split(".")[1] in CORE_MODULES:
        return CORE
    raise AssertionError(f"{module} has no layer: add it to tests/test_layers.py and the README's Layout")


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports(path: Path):
    """(imported module, line, inside a function) for every ``toponet`` import of ``path``."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    inner = {id(n) for f in ast.walk(tree) if isinstance(f, (ast.FunctionDef, ast.AsyncFunctionDef))
             for n in ast.walk(f)}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.level == 0 and (node.module or "").startswith("toponet"):
            mods = ([f"{node.module}.{a.name}" for a in node.names] if node.module == "toponet"
                    else [node.module])
        elif isinstance(node, ast.Import):
            mods = [a.name for a in node.names if a.name.startswith("toponet")]
        else:
            continue
        for m in mods:
            yield m, node.lineno, id(node) in inner


def _resolve(module: str) -> str:
    """``toponet.plots`` stays; ``toponet.chapters.umass.tori.X`` (a name, not a module) is cut to its module."""
    parts = module.split(".")
    while len(parts) > 1:
        cand = PACKAGE.parent.joinpath(*parts)
        if cand.with_suffix(".py").is_file() or (cand / "__init__.py").is_file():
            return ".".join(parts)
        parts = parts[:-1]
    return module


SOURCES = sorted(PACKAGE.rglob("*.py"))


def test_every_module_has_a_layer():
    for path in SOURCES:
        layer(module_name(path))


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: str(p.relative_to(ROOT)))
def test_no_import_points_upward(path):
    me = module_name(path)
    bad = []
    for target, line, _ in imports(path):
        target = _resolve(target)
        if layer(me) == CHAPTERS and target in NOTEBOOK_HELPERS:
            continue
        if layer(target) > layer(me):
            bad.append(f"{path.relative_to(ROOT)}:{line} imports {target} ({NAMES[layer(target)]}) from "
                       f"{NAMES[layer(me)]}")
        if target.startswith("toponet.book") and not me.startswith(("toponet.book", "toponet.chapters",
                                                                     "toponet.commands")):
            bad.append(f"{path.relative_to(ROOT)}:{line} imports {target}: only chapters/ and commands/ may")
    assert not bad, "\n".join(bad)


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: str(p.relative_to(ROOT)))
def test_in_function_imports_say_why(path):
    lines = path.read_text(encoding="utf-8").splitlines()
    def says_why(line: int) -> bool:  # on the import's line or in the comment/import lines just above it
        i = line - 1
        while i >= 0 and (i == line - 1 or lines[i].strip().startswith(("#", "from ", "import "))):
            if "deferred:" in lines[i]:
                return True
            i -= 1
        return False

    bad = [f"{path.relative_to(ROOT)}:{line} imports {target} inside a function without a 'deferred:' reason"
           for target, line, inner in imports(path) if inner and not says_why(line)]
    assert not bad, "\n".join(bad)


NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.py"))
#: A notebook ``NN_name`` may import its own chapter module ``name`` (``06_umass``: ``umass``) and
#: :data:`SHARED`; these notebooks are named otherwise (the rest of the chapter layer is off limits).
OWN = {"calibration": {"calibration_page"}}
#: Chapter modules every notebook may import: the registry of what is trained at each profile.
SHARED = {"registry"}


def own_modules(stem: str) -> set[str]:
    """The chapter modules notebook ``stem`` may import."""
    if stem in OWN:
        return OWN[stem] | SHARED
    prefix, _, name = stem.partition("_")
    return ({name} if prefix.isdigit() and name else set()) | SHARED


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_imports_its_own_chapter_module(path):
    own = own_modules(path.stem)
    text = path.read_text(encoding="utf-8")
    used = set(re.findall(r"^from toponet\.chapters(?:\.(\w+))? import (\w+)", text, re.M))
    modules = {sub or name for sub, name in used}
    assert modules <= own, f"{path.name} imports chapter modules {sorted(modules - own)}; its own: {sorted(own)}"
    assert "import toponet.chapters" not in text.replace("import toponet.chapters.", "")


def test_chapter_modules_name_their_notebook():
    for path in sorted((PACKAGE / "chapters").rglob("*.py")):
        if path.name.startswith("_") and path.name != "__init__.py":
            continue
        doc = ast.get_docstring(ast.parse(path.read_text(encoding="utf-8"))) or ""
        assert "notebooks/" in doc or path.name == "__init__.py" and "notebook" in doc, path


#: The one chapter import a notebook helper makes, inside a function: ``book.profiles`` asks the
#: registry for a chapter's networks x iterations when a profile's parameters are read (never at
#: import, so a chapter importing the helper imports no chapter).
HELPER_DEFERRED = {("toponet.book.profiles", "toponet.chapters.registry")}


def test_notebook_helpers_import_no_chapter():
    """The exception above stays safe: the helpers a chapter uses never import a chapter at import."""
    for helper in NOTEBOOK_HELPERS:
        path = PACKAGE.parent.joinpath(*helper.split("."))
        path = path / "__init__.py" if path.is_dir() else path.with_suffix(".py")
        bad = [t for t, _, inner in imports(path)
               if t.startswith("toponet.chapters") and not (inner and (helper, t) in HELPER_DEFERRED)]
        assert not bad, (helper, bad)


def test_readme_layout_example_runs(capsys):
    """The README's five-line example (section "Layout") runs and prints what its comments say."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    block = re.search(r"## Layout\n.*?```python\n(.*?)```", text, re.S).group(1)
    assert len(block.strip().splitlines()) == 5
    exec(compile(block, "README.md", "exec"), {})
    out = capsys.readouterr().out
    assert "top H1 bar 1.52" in out and "near the circle 100%" in out


def test_package_api_is_declared():
    import toponet

    assert toponet.__all__ and all(getattr(toponet, name) is not None for name in toponet.__all__)
