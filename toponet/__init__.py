"""toponet: the topology of a network's filters, as in Gabrielsson & Carlsson's "Exposition and
Interpretation of the Topology of Neural Networks", with nulls and calibrated verdicts.

The core API below is what ``toponet analyze`` calls; a reader of the package learns it here::

    import toponet
    X = toponet.primary_circle_sample(2000, noise=0.05, seed=0)      # (2000, 9) filters
    core = toponet.density_filtration(toponet.normalize(X)[0], k=15, p=0.3)
    print(toponet.top_h1_lifetime(core))                             # 1.52: one long H1 bar, a circle
    result = toponet.analyze_filters(X, k=15, p=0.3, null_repeats=0)  # persistence, Mapper, distances

Names load on first use (``import toponet`` stays light); the layers under them are described
in the README ("Layout") and enforced by ``tests/test_layers.py``.
"""
from __future__ import annotations

import importlib

#: public name -> the core module that defines it
_API = {
    # filters: from weights to unit spatial filters
    "conv_weights": "filters", "spatial_filters": "filters", "pooled_filters": "filters", "normalize": "filters",
    "FilterCloud": "filters",
    # ideal filters: the primary circle, the Klein bottle, gaussian filters, distances to them
    "primary_circle": "ideal", "primary_circle_sample": "ideal", "klein_bottle": "ideal",
    "klein_bottle_sample": "ideal", "gaussian_filters": "ideal", "distance_to_model": "ideal",
    # density filtration rho(k, p)
    "density_filtration": "density", "knn_distance": "density",
    # persistent homology
    "persistence": "homology", "top_h1_lifetime": "homology", "PersistenceResult": "homology",
    # Mapper
    "Mapper": "mapper",
    # null clouds and comparisons
    "null_cloud": "nulls", "null_comparison": "nulls", "compare_groups": "nulls",
    # the whole pipeline on one cloud
    "analyze_filters": "analysis", "AnalysisConfig": "analysis", "AnalysisResult": "analysis", "scaled_k": "analysis",
    # the calibrated circle rule
    "circle_test": "circle_decision", "compute_circle_test": "circle_decision", "circle_rule": "circle_decision", "RuleResult": "circle_decision",
    "aggregate_verdict": "circle_decision",
    "calibrate_circle": "calibration",
}

__all__ = sorted(_API)


def __getattr__(name: str):
    if name in _API:
        # deferred: the core pulls in scipy, scikit-learn, ripser (0.3 s); `toponet --help` needs none
        value = getattr(importlib.import_module(f"toponet.{_API[name]}"), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'toponet' has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(_API))
