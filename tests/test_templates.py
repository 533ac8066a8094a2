"""The chapters' prose templates (``toponet/chapters/templates``): filled from a result, one paragraph."""
from __future__ import annotations

import jinja2
import numpy as np
import pytest

from toponet.chapters._templates import TEMPLATES, render


def test_every_template_renders_with_strict_values():
    assert sorted(p.name for p in TEMPLATES.glob("*.md")) == ["color_findings.md", "gray_findings.md", "u1_findings.md",
                                                           "u2_findings.md"]
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
