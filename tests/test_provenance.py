"""The record proves itself: sealed stored results, the ledger, and ``toponet verify``'s chain.

Every test tampers with one link of a chain built in tmp_path by the code that builds the real
one (circle_test, calibrate_circle, the store's writers, verdict_record.record / write_record) and
checks that the tamper is named, and that a tampered stored test never changes a verdict.
"""
from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from toponet import integrity, provenance
from toponet.calibration import calibrate_circle
from toponet.ideal import primary_circle_sample
from toponet.circle_decision import circle_rule, circle_test
from toponet.verdict_record import Verdict, load, read_record, record, write_record

ROOT = Path(__file__).resolve().parent.parent
KW = dict(k=10, p=0.5, draws=19, seed=0)


@pytest.fixture
def results(tmp_path, monkeypatch):
    """A results folder where this test's stored tests and calibrations go (as the build's)."""
    root = tmp_path / "results" / "calibration"
    monkeypatch.setenv("TOPONET_CALIBRATION", str(root))
    monkeypatch.setenv("TOPONET_NULL_TESTS", str(root / "null-tests"))
    provenance.reset_ledger()
    yield root
    provenance.reset_ledger()


def _cloud():
    return primary_circle_sample(300, noise=0.05, seed=3)     # one long bar: p = 0.05 against both


def _reseal(path: Path, edit) -> None:
    doc = json.loads(path.read_text())
    edit(doc)
    path.write_text(json.dumps(provenance.sealed(doc)))


def _edit(path: Path, edit) -> None:
    doc = json.loads(path.read_text())
    edit(doc)
    path.write_text(json.dumps(doc))


def _only(folder: Path, pattern: str = "*.json") -> Path:
    (path,) = sorted(folder.glob(pattern))
    return path


# --- sealed documents ----------------------------------------------------------------------

def test_seal_round_trip_and_each_damage_is_named(tmp_path):
    path = tmp_path / "doc.json"
    provenance.write_sealed(path, {"a": 1, "b": [1, 2]})
    assert provenance.read_sealed(path)["a"] == 1
    for text, words in [('{"a": 2, "b": [1, 2], "sha256": "%s"}' % provenance.content_hash({"a": 1, "b": [1, 2]}),
                         "edited after it was written"),
                        ('{"a": 1}', "no content hash"), ("[" * 100_000, "not valid JSON"), ("[1]", "JSON list"),
                        ('{"a": ', "not valid JSON")]:
        path.write_text(text)
        with pytest.raises(provenance.DamagedEntry, match=words) as err:
            provenance.read_sealed(path)
        assert str(path) in str(err.value)
    assert provenance.read_sealed(tmp_path / "missing.json") is None


# --- stored null tests ---------------------------------------------------------------------

def test_stored_test_records_its_cloud_arguments_code_and_seal(results):
    X = _cloud()
    circle_test(X, **KW)
    doc = json.loads(_only(results / "null-tests").read_text())
    assert doc["format"] == 2 and doc["sha256"] == provenance.content_hash(doc)
    assert (doc["k"], doc["p"], doc["draws"], doc["seed"], doc["ranks"]) == (10, 0.5, 19, 0, 2)
    assert doc["code"]["null_test_version"] == 1
    cloud = results / doc["cloud"]["file"]
    assert provenance.file_sha256(cloud) == doc["cloud"]["raw_sha256"]
    np.testing.assert_array_equal(integrity.load_cloud(cloud), X)
    led = provenance.ledger()
    assert led["tests"] == {f"null-tests/{_only(results / 'null-tests').name}": doc["sha256"]}
    assert led["clouds"] == {doc["cloud"]["file"]: doc["cloud"]["raw_sha256"]}


@pytest.mark.parametrize("tamper", ["counts", "counts-resealed", "bounds-resealed", "values", "draws-resealed",
                                    "negative-counts", "torn", "seal-removed", "other-cloud"])
def test_a_tampered_stored_test_is_named_and_recomputed(results, capsys, tamper):
    X = _cloud()
    before = circle_test(X, **KW)
    path = _only(results / "null-tests")
    edits = {
        "counts": lambda d: d["kinds"]["shuffled"]["counts"].__setitem__(0, 19),
        "counts-resealed": lambda d: d["kinds"]["shuffled"]["counts"].__setitem__(0, 19),
        "bounds-resealed": lambda d: (d["bounds"]["lower"].__setitem__(0, 0.01),
                                      d["bounds"]["upper"].__setitem__(0, 0.01)),
        "values": lambda d: d["kinds"]["gaussian"]["values"].__setitem__(0, 5.0),
        "draws-resealed": lambda d: d.__setitem__("draws", 18),
        "negative-counts": lambda d: d["kinds"]["gaussian"]["counts"].__setitem__(0, -50),
        "seal-removed": lambda d: d.pop("sha256"),
        "other-cloud": lambda d: d["cloud"].__setitem__("sha256", "0" * 64),
    }
    if tamper == "torn":
        path.write_text(path.read_text()[:100])
    elif tamper.endswith("-resealed") or tamper == "other-cloud":
        _reseal(path, edits[tamper])
    else:
        _edit(path, edits[tamper])
    capsys.readouterr()
    after = circle_test(X, **KW)
    err = capsys.readouterr().err
    assert str(path) in err and "damaged" in err and "recomputing" in err
    # the verdict and every number come from the recomputed test, never the tampered one
    for kind in before.nulls:
        assert after.nulls[kind].p == before.nulls[kind].p
        np.testing.assert_array_equal(after.nulls[kind].null_values, before.nulls[kind].null_values)
    assert after.bars == before.bars
    assert provenance.read_sealed(path)["sha256"] == json.loads(path.read_text())["sha256"]


def test_a_chapter_claim_on_a_tampered_test_keeps_the_true_verdict(results, capsys):
    """The circle claim (paper_claims.circle_claim, every chapter's entry point) on a stored test whose counts
    were set to 0 and resealed (the G3 attack): the test is recomputed, the verdict unchanged."""
    from toponet.paper_claims import circle_claim

    X = np.random.default_rng(0).normal(size=(120, 9))          # no circle: "not reproduced"
    first = circle_claim(X, k=5, p=0.3, draws=19, seed=0, calibrate=False, max_core=None)
    path = next(p for p in (results / "null-tests").glob("*.json"))

    def zero(d):
        for kind in d["kinds"].values():
            kind["counts"] = [0] * len(kind["counts"])
    _reseal(path, zero)
    capsys.readouterr()
    again = circle_claim(X, k=5, p=0.3, draws=19, seed=0, calibrate=False, max_core=None)
    assert "damaged" in capsys.readouterr().err
    assert again.rule == first.rule and first.rule.nulls["gaussian"]["p"] > 0.05


# --- calibrations -------------------------------------------------------------------------

def test_a_calibration_stores_its_per_draw_answers_and_hits_are_checked(results, capsys):
    kw = dict(draws=9, fpr_draws=4, power_draws=5)
    cal = calibrate_circle(100, 5, 0.3, **kw)
    path = _only(results, "circle-*.json")
    doc = json.loads(path.read_text())
    assert sum(doc["per_draw"]["power"]) == doc["power_hits"] == cal.power_hits
    _reseal(path, lambda d: d.__setitem__("power_hits", 5 - cal.power_hits or 5))
    capsys.readouterr()
    again = calibrate_circle(100, 5, 0.3, **kw)
    assert "power_hits" in capsys.readouterr().err and again == cal
    _edit(path, lambda d: d.__setitem__("power_hits", 5))
    assert calibrate_circle(100, 5, 0.3, **kw) == cal
    assert str(path) in capsys.readouterr().err


# --- the chain: record -> tests, calibrations -> clouds -> artifacts ----------------------

@dataclasses.dataclass(frozen=True)
class _StudyConfig:
    seeds: int = 3
    paper_reference: str = "a test study"


@pytest.fixture(scope="module")
def built_chain(tmp_path_factory):
    """A record of one row computed like a chapter's: a circle test, its calibration and an
    artifact opened from a store, the row recorded with the ledger and settled by the build."""
    from toponet.store import Store

    base = tmp_path_factory.mktemp("chain")
    results = base / "results" / "calibration"
    mp = pytest.MonkeyPatch()
    mp.setenv("TOPONET_CALIBRATION", str(results))
    mp.setenv("TOPONET_NULL_TESTS", str(results / "null-tests"))
    provenance.reset_ledger()
    try:
        store = Store(base / "artifacts")
        cfg = _StudyConfig()
        store.put_arrays(cfg, {"w": np.arange(6.0)})
        subprocess.run([sys.executable, "-m", "toponet", "store", "index", "--store", str(store.root)], check=True,
                       capture_output=True)
        assert store.get_arrays(cfg) is not None
        test = circle_test(_cloud(), **KW)
        cal = calibrate_circle(test.n_points, test.k, test.p, draws=19, fpr_draws=4, power_draws=4)
        record(Verdict.from_rule(circle_rule(test, cal), claim_id="T1", claim="a circle", paper="-", ours="-",
                                 scale="-", data="synthetic", chapter="test"), base / "rows")
        write_record(integrity.settle_inputs(load(base / "rows"), results), base / "verdicts.json",
                     keep_others=False)
    finally:
        provenance.reset_ledger()
        mp.undo()
    return base


@pytest.fixture
def chain(built_chain, tmp_path):
    """A copy of the built chain for one test to tamper with."""
    import shutil

    from toponet.store_index import verify_index

    base = tmp_path / "chain"
    shutil.copytree(built_chain, base)
    results, store_root, rec = base / "results" / "calibration", base / "artifacts", base / "verdicts.json"
    key = next(p.name for p in store_root.iterdir() if p.is_dir() and not p.name.startswith("."))
    row = read_record(rec)[0]
    assert set(row.inputs) == {"tests", "calibrations", "clouds", "artifacts"} and key in row.inputs["artifacts"]

    def check():
        return integrity.check_chain(rec, results, artifacts_root=store_root,
                                     index_problems=lambda: verify_index(store_root))[0]
    return dict(root=results, record=rec, store_root=store_root, key=key, check=check)


def test_an_intact_chain_has_no_problem(chain):
    assert chain["check"]() == []


def _test_file(chain):
    return _only(chain["root"] / "null-tests")


@pytest.mark.parametrize("link", ["test-counts", "test-values-resealed", "test-bounds", "test-deleted",
                                  "calibration-hits", "calibration-hits-resealed", "cloud-bit", "cloud-deleted",
                                  "manifest", "artifact-deleted", "row-inputs-dropped"])
def test_verify_names_each_tampered_link(chain, link):
    root = chain["root"]
    cal = _only(root, "circle-*.json")
    cloud = _only(root / "clouds", "*.npy")
    folder = chain["store_root"] / chain["key"]
    if link == "test-counts":
        _edit(_test_file(chain), lambda d: d["kinds"]["gaussian"]["counts"].__setitem__(0, 7))
        named = _test_file(chain)
    elif link == "test-values-resealed":
        _reseal(_test_file(chain), lambda d: d["kinds"]["gaussian"]["values"].__setitem__(0, 0.0))
        named = _test_file(chain)
    elif link == "test-bounds":
        _edit(_test_file(chain), lambda d: d["bounds"]["lower"].__setitem__(0, 0.9))
        named = _test_file(chain)
    elif link == "test-deleted":
        named = _test_file(chain)
        named.unlink()
    elif link == "calibration-hits":
        _edit(cal, lambda d: d.__setitem__("power_hits", (d["power_hits"] + 1) % 5))
        named = cal
    elif link == "calibration-hits-resealed":
        _reseal(cal, lambda d: (d.__setitem__("power_hits", 4), d.pop("per_draw")))
        named = cal
    elif link == "cloud-bit":
        data = bytearray(cloud.read_bytes())
        data[-3] ^= 0x10
        cloud.write_bytes(bytes(data))
        named = cloud
    elif link == "cloud-deleted":
        cloud.unlink()
        named = cloud
    elif link == "manifest":
        _edit(folder / "arrays.json", lambda d: d.__setitem__("config", {"kind": "edited"}))
        named = folder / "arrays.json"
    elif link == "artifact-deleted":
        import shutil
        shutil.rmtree(folder)
        named = Path(f"artifacts/{chain['key']}")
    else:
        rows = json.loads(chain["record"].read_text())
        rows[0]["inputs"] = {}
        chain["record"].write_text(json.dumps(rows))
        named = Path(f"{chain['record']} row T1")
    problems = chain["check"]()
    assert problems, link
    assert any(str(named) in str(p) or str(named.name) in str(p) for p in problems), problems


def test_recompute_finds_a_resealed_edit_that_reading_cannot(chain):
    # a value below the cut, edited and resealed: the counts still agree, only a rerun sees it
    path = _test_file(chain)
    doc = json.loads(path.read_text())
    low = int(np.argmin(doc["kinds"]["gaussian"]["values"]))
    _reseal(path, lambda d: d["kinds"]["gaussian"]["values"].__setitem__(low, d["kinds"]["gaussian"]["values"][low] / 2))
    rows = json.loads(chain["record"].read_text())
    rows[0]["inputs"]["tests"] = {k: json.loads(path.read_text())["sha256"] for k in rows[0]["inputs"]["tests"]}
    chain["record"].write_text(json.dumps(rows))
    assert chain["check"]() == []      # consistent, resealed, and the record says so
    found = integrity.recompute_tests(1, record=chain["record"], root=chain["root"], seed=0, echo=lambda s: None)
    assert found and "gaussian null values differ" in str(found[0])


def test_recompute_of_an_intact_test_and_calibration_is_identical(chain):
    out = []
    assert integrity.recompute_tests(1, record=chain["record"], root=chain["root"], seed=0, echo=out.append) == []
    assert "identical" in out[-1]
    assert integrity.recompute_calibration(record=chain["record"], root=chain["root"], echo=out.append) == []
    assert "identical" in out[-1]


# --- a user's runs never write into the checkout -------------------------------------------

def _git_status() -> str:
    return subprocess.run(["git", "status", "--porcelain", "--untracked-files=all", "--", "results", "artifacts"],
                          cwd=ROOT, capture_output=True, text=True, check=True).stdout


@pytest.mark.skipif(not (ROOT / ".git").exists(), reason="needs the git checkout")
def test_two_analyze_runs_at_once_both_succeed_and_leave_the_checkout_clean(tmp_path):
    cloud = tmp_path / "mine.npy"
    np.save(cloud, np.random.default_rng(11).normal(size=(60, 9)))
    env = {k: v for k, v in os.environ.items()
           if k not in ("TOPONET_NULL_TESTS", "TOPONET_CALIBRATION", "TOPONET_BOOK_BUILD")}
    env["TOPONET_CACHE"] = str(tmp_path / "cache")
    before = _git_status()
    cmd = [sys.executable, "-m", "toponet", "analyze", str(cloud), "--k", "5", "--p", "0.5", "--null-repeats", "9",
           "--json", "--calibrate"]
    procs = [subprocess.Popen(cmd, cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for _ in range(2)]
    outs = [p.communicate(timeout=600) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], [o[1][-500:] for o in outs]
    assert json.loads(outs[0][0])["nulls"] == json.loads(outs[1][0])["nulls"]
    assert _git_status() == before
    assert list((tmp_path / "cache" / "calibration" / "null-tests").glob("*.json"))
    assert list((tmp_path / "cache" / "calibration").glob("circle-*.json"))


# --- the committed record ------------------------------------------------------------------

def test_the_committed_record_chain_is_intact():
    """results/verdicts.json -> results/calibration -> clouds -> artifacts/ of this checkout:
    every row names its inputs and every link holds (``toponet verify`` without --recompute)."""
    from toponet.store_index import verify_index
    from toponet.verdict_record import RECORD

    artifacts = ROOT / "artifacts"
    problems, counts = integrity.check_chain(RECORD, ROOT / "results" / "calibration", artifacts_root=artifacts,
                                             index_problems=lambda: verify_index(artifacts))
    assert problems == []
    assert counts["tests"] > 0 and counts["calibrations"] > 0 and counts["artifacts"] > 0
