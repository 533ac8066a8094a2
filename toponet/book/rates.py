"""What training took: the wall times and network-iterations the artifact store recorded.

Read by the re-run planner (:mod:`toponet.book.rerun`: what the rest of a run would take) and the
teaching guide's cost table (:mod:`toponet.book.pages`).
"""
from __future__ import annotations

import json
from pathlib import Path

__all__ = ["store_rates", "study_units"]


def study_units(kind: str, config: dict) -> tuple[int, int, str]:
    """(networks, iterations, unit) of a stored study (config class ``kind``, fields ``config``)."""
    if kind == "ToriStudyConfig":       # N_ReLU and N_abs from each seed
        return 2 * int(config["seeds"]), int(config["iterations"]), "iterations"
    if "epochs" in config:
        return 1, int(config["epochs"]), "epochs"
    return 1, int(config.get("iterations") or 1), "iterations"


def store_rates(store) -> list[dict]:
    """What training took for everything in ``store``: one dict per stored artifact.

    Keys: ``kind`` (experiment name, or config class of stored arrays), ``key``, ``arch``
    ((dataset, arch, widths), None for arrays), ``seconds`` (wall time of all its shards) and
    ``steps`` (networks x iterations they trained).
    """
    rows = []
    root = Path(store.root)
    for manifest in sorted(root.glob("*/manifest.json")):
        try:
            m = json.loads(manifest.read_text(encoding="utf-8"))
            cfg, timed = m["config"], [s for s in m["shards"] if s.get("wall_time_s") and s.get("seeds")]
            if timed:
                rows.append(dict(kind=m.get("experiment"), key=m.get("key"),
                                 arch=(cfg.get("dataset"), cfg.get("arch"), tuple(cfg.get("widths") or ())),
                                 seconds=sum(s["wall_time_s"] for s in timed),
                                 steps=sum(len(s["seeds"]) for s in timed) * int(cfg["iterations"])))
        except (OSError, ValueError, KeyError, TypeError):
            continue  # a broken manifest is for `toponet store verify` to report
    for meta in sorted(root.glob("*/arrays.json")):
        try:
            m = json.loads(meta.read_text(encoding="utf-8"))
            n, its, _ = study_units(m["config_class"], m["config"])
            if m.get("wall_time_s"):
                rows.append(dict(kind=m["config_class"], key=m.get("key"), arch=None, seconds=m["wall_time_s"],
                                 steps=n * its))
        except (OSError, ValueError, KeyError, TypeError):
            continue
    return rows
