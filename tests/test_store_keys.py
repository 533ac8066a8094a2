"""Artifact keys stay stable: committed artifacts keep their names when configs grow."""
import dataclasses
import json
from pathlib import Path

import pytest

from toponet.store import config_dict, config_key
from toponet.train import TrainConfig

ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"


def _committed():
    for manifest in sorted(ARTIFACTS.glob("*/manifest.json")):
        yield manifest.parent.name, json.loads(manifest.read_text())


@pytest.mark.parametrize("key,manifest", list(_committed()), ids=lambda v: v if isinstance(v, str) else "")
def test_committed_artifact_key_matches_its_config(key, manifest):
    cfg = manifest["config"]
    config = TrainConfig(**{k: tuple(v) if isinstance(v, list) else v for k, v in cfg.items()})
    assert config_key(config) == key


@dataclasses.dataclass(frozen=True)
class _Grown:
    KEY_OPTIONAL = ("extra",)
    a: int = 1
    extra: str = "none"


@dataclasses.dataclass(frozen=True)
class _Old:
    a: int = 1


def test_optional_field_at_default_leaves_key_unchanged():
    assert config_dict(_Grown()) == {"a": 1}
    assert config_key(_Grown()) == config_key(_Old())
    assert config_key(_Grown(extra="circle")) != config_key(_Old())


def test_config_dict_rejects_non_dataclass():
    with pytest.raises(TypeError, match="dataclass"):
        config_dict({"a": 1})
