"""``toponet train`` and ``toponet store ls``, run in-process with the fake trainer."""
import json

import pytest
from _fake_trainer import FakeTrainer

from toponet import shards
from toponet.cli import main
from toponet.experiments import experiment
from toponet.store import Store


@pytest.fixture
def trainer(monkeypatch):
    fake = FakeTrainer()
    monkeypatch.setattr(shards, "_default_trainer", lambda: fake)
    return fake


def train(tmp_path, *extra):
    return main(["train", "mnist", "--profile", "smoke", "--store", str(tmp_path), "--device", "cpu",
                 "--no-progress", *extra])


def test_train_then_top_up(tmp_path, trainer, capsys):
    assert train(tmp_path) == 0
    out = capsys.readouterr().out
    key = Store(tmp_path).key(experiment("mnist").config_for("smoke"))
    assert f"artifact {key}" in out and "2 x M(64,32,64) on mnist, 30 iterations" in out
    assert "test accuracy at iteration 30:" in out and "n=2" in out and "paper: 99.0% at 40000" in out
    assert trainer.calls == [[0, 1]]
    assert train(tmp_path, "--networks", "5", "--shard-size", "2") == 0
    assert trainer.calls[1:] == [[2, 3], [4]]
    assert "2 were already stored; the artifact holds 5" in capsys.readouterr().out
    art = Store(tmp_path).open(key)
    assert art.networks == 5 and art.manifest["shards"][0]["experiment"] == "mnist"


def test_store_ls(tmp_path, trainer, capsys):
    assert main(["store", "ls", "--store", str(tmp_path)]) == 0
    assert "no artifacts" in capsys.readouterr().out
    train(tmp_path, "--iterations", "20")
    capsys.readouterr()
    assert main(["store", "ls", "--json", "--store", str(tmp_path)]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert len(rows) == 1
    row = rows[0]
    assert {"key", "experiment", "dataset", "arch", "networks", "iterations", "test_accuracy_mean",
            "device", "wall_time_s"} <= set(row)
    assert (row["experiment"], row["dataset"], row["arch"], row["networks"], row["iterations"], row["device"]) == \
        ("mnist", "mnist", "M(64,32,64)", 2, [0, 10, 20], "cpu")
    assert 0 < row["test_accuracy_mean"] < 1
    assert main(["store", "ls", "--store", str(tmp_path)]) == 0
    table = capsys.readouterr().out
    assert row["key"] in table and "M(64,32,64)" in table and "(1 artifacts" in table


def test_train_list_and_errors(tmp_path, trainer, capsys):
    assert main(["train", "--list"]) == 0
    out = capsys.readouterr().out
    assert "mnist-M256-32-512" in out and "paper     100 networks x  40000 iterations" in out
    assert main(["train", "nosuch", "--store", str(tmp_path)]) == 2
    assert "unknown experiment 'nosuch'" in capsys.readouterr().err
    assert train(tmp_path, "--networks", "0") == 2
    assert "networks must be >= 1" in capsys.readouterr().err
    assert main(["train", "--store", str(tmp_path)]) == 2
    assert trainer.calls == []


@pytest.mark.parametrize("argv", [["train", "--help"], ["store", "--help"], ["store", "ls", "--help"]])
def test_help(argv, capsys):
    with pytest.raises(SystemExit) as exc:
        main(argv)
    assert exc.value.code == 0
    assert "usage: toponet" in capsys.readouterr().out


def test_train_a_study_of_the_registry(tmp_path, capsys):
    # U1 at a tiny scale (2 seeds x 2 networks x 5 full-batch iterations, about a second): trained,
    # stored under its configuration's key, and loaded again rather than retrained
    from toponet.chapters.registry import study
    from toponet.store import config_key

    argv = ["train", "u1-tori", "--profile", "smoke", "--networks", "2", "--iterations", "5", "--store", str(tmp_path),
            "--no-progress"]
    assert main(argv) == 0
    key = config_key(study("u1-tori").config("smoke", seeds=2, iterations=5))
    out = capsys.readouterr().out
    assert f"artifact {key}" in out and "activation (4,)" in out and "loss (4, 5)" in out
    stored = (tmp_path / key / "arrays.json").stat().st_mtime_ns
    assert main(argv) == 0 and (tmp_path / key / "arrays.json").stat().st_mtime_ns == stored
    assert main(["train", "--list"]) == 0 and "default  8 runs x 200 recordings" in capsys.readouterr().out
    assert main(["train", "l2", "--networks", "3", "--store", str(tmp_path)]) == 2
    assert "study 'l2' takes its scale from the profile; --networks cannot change it" in capsys.readouterr().err
    assert main(["train", "u1-tori", "--networks", "0", "--store", str(tmp_path)]) == 2
    assert "--networks must be >= 1" in capsys.readouterr().err
    assert main(["train", "nosuch", "--store", str(tmp_path)]) == 2
    assert "studies: u1-tori, u2-true" in capsys.readouterr().err
