"""The chapters' prose templates (``toponet/chapters/templates``): filled from a result, one paragraph."""
from __future__ import annotations

import ast
import re

import jinja2
import numpy as np
import pytest

from toponet.chapters._templates import TEMPLATES, render


def test_every_template_is_rendered_by_a_chapter_and_with_strict_values():
    shipped = {p.stem for p in TEMPLATES.glob("*.md")}
    code = "".join(p.read_text(encoding="utf-8") for p in (TEMPLATES.parent).rglob("*.py"))
    named = set(re.findall(r"""render\(\s*["']([\w]+)["']""", code))
    assert shipped == named, f"templates without a chapter rendering them: {sorted(shipped - named)}; " \
                             f"rendered but missing: {sorted(named - shipped)}"
    assert {"u1_findings", "u2_findings", "generalization_findings", "deep_findings", "learning_findings",
            "your_network_findings"} <= shipped
    assert {f"{name}_captions" for name in ("ideal", "mnist", "gray", "color", "cifar", "deep", "generalization",
                                            "umass", "learning", "patches", "your_network")} <= shipped
    with pytest.raises(jinja2.UndefinedError, match="seeds"):
        render("u1_findings", verdict="partly")


def test_u1_findings_reads_the_runs_it_is_given():
    from toponet.chapters.umass.tori import u1_findings

    n = 6
    act = np.r_[np.zeros(n, int), np.ones(n, int)]
    acc = np.r_[[0.98] * n, [1.0] * 4 + [0.6, 0.97]]
    bars = np.r_[[1] * n, [2] * 4 + [1, 1]]
    text = u1_findings(act, acc, bars, seeds=np.r_[np.arange(n), np.arange(n)])._repr_markdown_()
    assert text.startswith("**What we found** (6 seeds per network). ") and "\n" not in text and "  " not in text
    assert "$N_{|\\cdot|}$ reached 100% test accuracy in 4 of 6 seeds, and each of those runs has two long $H_0$ bars" in text
    assert "The other 2 got stuck between 60.0% and 97.0%, some of them below ReLU." in text
    assert "No $N_\\text{ReLU}$ run reached 100%: all 6 ended between 98.0% and 98.0% (the paper reports 98%)" in text


def test_a_pilcrow_starts_a_paragraph():
    from toponet.chapters.umass.memorization import u2_findings

    nums = dict(N_train=0.99, N_test=0.98, Np_train=0.9, Np_test=0.1, Np_hidden_true=0.5, Np_hidden_assigned=0.05,
                Np_softmax_assigned=0.9)
    text = u2_findings(nums, epochs_true=4, epochs_permuted=15, n_train=1000)._repr_markdown_()
    first, second = text.split("\n\n")
    assert first.startswith("**What we found.** The accuracies are of the paper's kind: $N$ reaches 99.0% / 98.0%")
    assert second.startswith("The part about the hidden layer does hold.") and second.endswith("does the memorizing.")


def test_deep_findings_reads_the_layers_and_the_dithering(monkeypatch):
    from types import SimpleNamespace

    from toponet.chapters import deep_networks as deep

    def analysis(index, **crit):
        return SimpleNamespace(layer=SimpleNamespace(index=index), crit=crit)

    keys = ("beats_nulls", "dominant_bar", "mapper_loop", "near_circle")
    layers = [analysis(1, **dict.fromkeys(keys, True)),          # below layer 2: not judged
              analysis(2, beats_nulls=True, dominant_bar=True, mapper_loop=False, near_circle=True),
              analysis(3, beats_nulls=True, dominant_bar=True, mapper_loop=True, near_circle=False),
              analysis(4, **dict.fromkeys(keys, False))]
    monkeypatch.setattr(deep, "criteria", lambda a: a.crit)
    text = deep.findings_markdown(layers, "Net")
    none = deep.findings_markdown(layers[3:], "Net")
    empty = deep.findings_markdown(layers[:1], "Net")
    assert text.startswith("**Net**, 3 layers analysed: the top $H_1$ bar beats the gaussian and shuffled nulls "
                           "(p < 0.05) and the initialization-like filters in 2 of 3 (layers 2, 3);")
    assert "the Mapper graph has a large loop in 1 of 3 (layers 3) (descriptive: not calibrated);" in text
    assert text.endswith("One bar that beats its nulls *and* stands alone: layers 2, 3; of these, the dense core is "
                         "*not* near the primary circle in layers 3: a loop, but not the paper's circle.")
    assert "in 0 of 1;" in none and none.endswith("stands alone: layers none.")
    assert empty == "**Net**: no layer with enough filters was analysed."
    rows = [dict(index=2, top_h1_stored=0.5, top_h1_change=0.01), dict(index=13, top_h1_stored=0.6, top_h1_change=-0.2),
            dict(index=14, top_h1_stored=0.4, top_h1_change=0.1)]
    assert deep.dither_summary(rows) == ("Dithering moves the top $H_1$ bar by more than 10 % of its length in layers "
                                         "13 (-0.200 on 0.600), 14 (+0.100 on 0.400): there the result depends on what "
                                         "the uint8 storage threw away; the other layers' bars move less.")
    assert deep.dither_summary(rows[:1], tolerance=0.05) == (
        "Dithering moves no layer's top $H_1$ bar by more than 5 % of its length: the uint8 storage does not drive "
        "these results.")


L1 = dict(part="l1", output_branches=9, output_branches_5=10, output_ok=False, output_ok_5=True, n_hidden=2,
          hidden_sizes=["84", "16"], hidden_ok=False, stalls=True, final_accuracy="63%", confused=True, peak="41%",
          peak_epoch="3", confusion_end="5.0", separation="4.5", link="agrees", gap=None, outlasts=None, rule=None)
L2 = dict(part="l2", verdict="partly", tested=False, jumps=[], first="10%", last="12%", last_epoch="7", min_rise="15",
          paper=["10%", "40%", "80%"], tol="15", jumps_ok=False, gradual=False, surface=None, calibration=None,
          dimension="none", local_dimension="nan")


def test_learning_findings_words_each_branch():
    one = render("learning_findings", **L1)
    first, second = one.split("\n\n")
    assert first.startswith("**What we found.** The output layer starts as the paper says")
    assert "ends in 9 branches at our 10% threshold, not 10; some neurons stay within 10% of each other" in first
    assert "(sizes 84, 16), not about 12. With only 2 distinct hidden feature(s), the network stalls at 63% test" in first
    assert second == ("The 9-vs-7 link agrees: the share of nines taken for sevens peaks at 41% around epoch 3, and "
                      "fades below half of that peak at epoch 5.0; output neurons 7 and 9 branch apart at epoch 4.5. "
                      "The two coincide within our tolerance.")
    rule = dict(runs=3, several=True, held=[dict(label="tree", observed=2), dict(label="link", observed=1)],
                power="12%", min_p="0.25", need=7, short=True, verdict="inconclusive")
    ruled = render("learning_findings", **{**L1, "output_ok": True, "hidden_ok": True, "n_hidden": 12,
                                           "confused": False, "link": "disagrees", "gap": "4", "outlasts": False,
                                           "rule": rule})
    assert "branch into 10. The hidden layer agrees with the paper: it ends in 12 branches (paper: about 12)." in ruled
    assert ("The 9-vs-7 link disagrees. No test nine is taken for a seven at any recording where the network tells "
            "classes apart; output neurons 7 and 9 branch apart at epoch 4.5. In our run the confusion ends about 4 "
            "epochs before the branching.") in ruled
    assert ruled.endswith("The rule reads 3 zero-init runs (the part holds in tree: 2 of 3; link: 1 of 3). Each part, "
                          "tested over runs by the sign test, has 12% power at this size (its smallest p is 0.25); 7 "
                          "runs would give it 80 % or more. Verdict L1: **inconclusive**: the disagreements above are "
                          "what one run shows, not yet a finding.")
    assert "The 9-vs-7 link cannot be confirmed: the share" in render("learning_findings", **{**L1, "link": "unconfirmed"})

    flat = render("learning_findings", **L2)
    assert flat == ("**What we found.** One part agrees with the paper. The accuracy shows no jump: it goes from 10% to "
                    "12% at epoch 7 without a rise of 15 points within a few recordings; the paper's 10% -> 40% -> 80% "
                    "is not what we see. Without a jump there is no phase after it in which to measure the learning "
                    "surface.")
    jumps = [dict(before="11%", start="1", after="42%", end="2"), dict(before="42%", start="5", after="79%", end="6")]
    tested = render("learning_findings", **{**L2, "verdict": "inconclusive", "tested": True, "jumps": jumps,
                                            "jumps_ok": True, "gradual": True, "last": "95%",
                                            "surface": dict(is_surface=False, describe="median local dimension 3",
                                                            two_dimensional=False, smooth=True),
                                            "calibration": "false positives 3/100"})
    assert tested.startswith("**What we found.** Neither part can be decided at this scale. The accuracy jumps 2 "
                             "time(s): from 11% at epoch 1 to 42% by epoch 2; from 42% at epoch 5 to 79% by epoch 6.")
    assert "The climb from there to 95% at epoch 7 comes gradually, not as a jump." in tested
    assert "That matches the paper's 10% -> 40% -> 80% within 15 points on this one run;" in tested
    assert tested.endswith("the first hidden layer is not shown to be a smooth 2-D surface: median local dimension 3. "
                           "A surface needs local dimension 2. The surface rule's false positives 3/100.")
    fails = render("learning_findings", **{**L2, "verdict": "not reproduced", "jumps": jumps[:1],
                                           "dimension": "above", "local_dimension": "3.5"})
    assert "(within 15 points), so this part fails. The first hidden layer is not on a surface" in fails
    assert fails.startswith("**What we found.** Neither part agrees with the paper. ") and "dimension 3.5, more" in fails


def test_your_network_findings_words_each_branch():
    values = dict(network="ResNet-18", n_tested=3, n_chosen=4, untested=[dict(name="fc", note="1x1 kernels")],
                  tally=[dict(answer="yes", n=1), dict(answer="inconclusive", n=2)], yes=["conv1"], beyond=[],
                  threshold="0.3", shares=[dict(name="conv1", share="71%")], alpha="5%", min_power="80%",
                  inconclusive=[dict(names=["a", "b"], why="fpr", value="7.0%", source="stored"),
                                dict(names=["c"], why="power", value="40%", source="borrowed")])
    text = render("your_network_findings", **values)
    assert text.startswith("**What this run found.** In ResNet-18, 3 of the 4 layers chosen were tested (not tested: "
                           "`fc`, 1x1 kernels). The calibrated rule answers: **yes** in 1 layer, **inconclusive** in "
                           "2 layers. The layers with a circle: `conv1`. Whether")
    assert "within 0.3 of it: `conv1` 71%. In none of them does the top bar beat the directions null" in text
    assert ("Inconclusive, each for the reason its calibration gives: `a`, `b` (the rule's false-positive rate 7.0% "
            "is above 5%; calibration: stored); `c` (no circle, power 40%, below 80%; calibration: borrowed). A *no* "
            "counts as evidence only where the rule's power at that layer's size is at least 80%;") in text
    none = render("your_network_findings", **{**values, "untested": [], "tally": [], "yes": [], "inconclusive": []})
    assert ("were tested. The calibrated rule answers: nothing (no layer was tested). No tested layer's top $H_1$ bar "
            "beats both the gaussian and the shuffled nulls. A *no* counts") in none
    beyond = render("your_network_findings", **{**values, "beyond": ["conv1"],
                                                "inconclusive": [dict(names=["d"], why="unknown", value=None,
                                                                      source="below the grid")]})
    assert "beyond the filters' second moment) in `conv1`. Inconclusive" in beyond
    assert "`d` (no circle, power unknown; calibration: below the grid)." in beyond


def _caption_functions():
    """(module, function) for every function or method of the chapters whose name says caption."""
    for path in sorted(TEMPLATES.parent.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef) and "caption" in node.name:
                yield path.relative_to(TEMPLATES.parent), node


def test_caption_functions_word_nothing_themselves():
    """A caption's words come from a ``*_captions`` template: a caption function renders one or
    hands over to another caption function, and writes no sentence of its own (only the cloud's TeX
    label, keys and error messages)."""
    found, wording = 0, []
    for path, fn in _caption_functions():
        found += 1
        calls = [n for n in ast.walk(fn) if isinstance(n, ast.Call)]
        renders = any(isinstance(c.func, ast.Name) and c.func.id == "render" and c.args
                      and isinstance(c.args[0], ast.Constant) and str(c.args[0].value).endswith("_captions")
                      for c in calls)
        hands_over = any("caption" in (c.func.attr if isinstance(c.func, ast.Attribute) else
                                       getattr(c.func, "id", "")) for c in calls)
        assert renders or hands_over, f"{path}:{fn.name} neither renders a *_captions template nor calls a caption"
        skip = {id(n) for r in ast.walk(fn) if isinstance(r, ast.Raise) for n in ast.walk(r)}
        if fn.body and isinstance(fn.body[0], ast.Expr):
            skip.add(id(fn.body[0].value))
        for node in ast.walk(fn):
            if id(node) in skip:
                continue
            if isinstance(node, ast.JoinedStr):
                text = "".join(v.value for v in node.values if isinstance(v, ast.Constant))
            elif isinstance(node, ast.Constant) and isinstance(node.value, str):
                text = node.value
            else:
                continue
            if "\\" not in text and len(re.findall(r"[A-Za-z]{3,}", text)) >= 4:
                wording.append(f"{path}:{node.lineno} {fn.name}: {text[:60]!r}")
    assert found >= 50, f"only {found} caption functions found: has the naming changed?"
    assert not wording, "caption words written in Python, not in a template:\n" + "\n".join(wording)
