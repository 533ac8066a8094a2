"""The verdict record (results/verdicts.json) and the README block generated from it."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from toponet import verdict_record
from toponet.verdict_record import Verdict

REPO = Path(__file__).resolve().parents[1]


def _row(cid, verdict="partly", **kw):
    return Verdict(claim_id=cid, claim="c", paper="p", ours="o", scale="s", data="MNIST (real)", verdict=verdict,
                   chapter="MNIST", **kw)


def test_record_roundtrip_order_and_merge(tmp_path):
    path = tmp_path / "verdicts.json"
    rows = [_row("F10", "not tested"), _row("F2", nulls={"gaussian": {"p": 0.01, "draws": 99, "effect_size": 5.0}},
                                              power=0.9, false_positive_rate=0.025, cloud_points=307),
            _row("F11", "not tested"), _row("G1"), _row("F2b", "inconclusive")]
    verdict_record.write_record(rows, path)
    back = verdict_record.read_record(path)
    assert [v.claim_id for v in back] == ["F2", "F2b", "G1", "F10", "F11"]   # paper order, not tested last
    assert back[0].nulls["gaussian"]["draws"] == 99 and back[0].power == 0.9
    verdict_record.write_record([_row("G1", "reproduced")], path)                   # a build of one chapter
    merged = {v.claim_id: v.verdict for v in verdict_record.read_record(path)}
    assert merged["G1"] == "reproduced" and merged["F2"] == "partly" and len(merged) == 5
    for row in json.loads(path.read_text()):
        assert {"claim_id", "verdict", "paper", "ours", "networks", "iterations", "cloud_points", "data",
                "nulls", "power", "false_positive_rate"} <= set(row)


def test_readme_block_is_generated_and_checked(tmp_path):
    record = tmp_path / "verdicts.json"
    verdict_record.write_record([_row("F2", "reproduced"), _row("F2b", "inconclusive")], record)
    readme = tmp_path / "README.md"
    readme.write_text(f"# x\n\n{verdict_record.README_START}\nold\n{verdict_record.README_END}\n\nrest\n")
    assert verdict_record.update_readme(readme, record, check=True)
    assert verdict_record.update_readme(readme, record)
    text = readme.read_text()
    assert "1 reproduced / 1 inconclusive" in text and "old" not in text and text.endswith("rest\n")
    assert not verdict_record.update_readme(readme, record, check=True)
    readme.write_text("# no block\n")
    with pytest.raises(ValueError, match="no generated results block"):
        verdict_record.update_readme(readme, record)


def test_committed_readme_agrees_with_the_committed_record():
    record = REPO / "results" / "verdicts.json"
    if not record.is_file():
        pytest.skip("no committed record yet (results/verdicts.json is written by `make book`)")
    assert not verdict_record.update_readme(REPO / "README.md", record, check=True), \
        "README's results block disagrees with results/verdicts.json: run `python -m toponet.book readme`"
    rows = verdict_record.read_record(record)
    for v in rows:
        assert v.verdict in verdict_record.VERDICTS
        for kind, n in v.nulls.items():
            # every p comes with >= 99 draws, or the row says why fewer
            assert n["draws"] >= 99 or "draws" in v.ours, (v.claim_id, kind)
