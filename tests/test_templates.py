"""The chapters' prose templates (``toponet/chapters/templates``): filled from a result, one paragraph."""
from __future__ import annotations

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
    assert {"u1_findings", "u2_findings", "generalization_findings"} <= shipped
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
