"""Issue 27: a user's weights file as named conv kernels (toponet.checkpoints), on tiny models
built and saved here: state dicts, checkpoints, safetensors, grouped and depthwise convs, and
files that must be refused with one line."""
import pickle

import numpy as np
import pytest
import torch
from torch import nn

from toponet.checkpoints import conv_kernels, model_kernels, read_weights, select_kernels


class Tiny(nn.Module):
    """3x3 conv, 1x1 conv, grouped 3x3, depthwise 3x3, 5x5 conv, a linear head."""

    def __init__(self):
        super().__init__()
        self.stem = nn.Conv2d(3, 8, 3)
        self.point = nn.Conv2d(8, 16, 1)
        self.grouped = nn.Conv2d(16, 16, 3, groups=4)
        self.depthwise = nn.Conv2d(16, 16, 3, groups=16)
        self.wide = nn.Conv2d(16, 4, 5)
        self.bn = nn.BatchNorm2d(4)
        self.head = nn.Linear(4, 2)


@pytest.fixture
def tiny():
    torch.manual_seed(0)
    return Tiny()


def test_a_state_dict_lists_every_conv_with_its_kind_and_skip_reason(tiny, tmp_path):
    path = tmp_path / "tiny.pth"
    torch.save(tiny.state_dict(), path)
    ks = model_kernels(path)
    assert [k.name for k in ks] == ["stem", "point", "grouped", "depthwise", "wide"]
    by = {k.name: k for k in ks}
    assert by["stem"].shape == (8, 3, 3, 3) and by["stem"].filters.shape == (24, 9) and by["stem"].kind == "conv"
    assert by["grouped"].shape == (16, 4, 3, 3) and by["grouped"].filters.shape == (64, 9)   # in / groups per map
    assert by["depthwise"].kind == "depthwise" and by["depthwise"].filters.shape == (16, 9)
    assert "1x1" in by["point"].skipped and "5x5" in by["wide"].skipped
    # row o * in + i is kernel [o, i] flattened
    W = tiny.stem.weight.detach().numpy()
    np.testing.assert_allclose(by["stem"].filters[1 * 3 + 2], W[1, 2].ravel(), rtol=1e-6)


@pytest.mark.parametrize("key", ["state_dict", "model", "model_state_dict"])
def test_a_checkpoint_holding_the_state_dict_under_a_usual_key(tiny, tmp_path, key):
    path = tmp_path / "ckpt.pt"
    torch.save({"epoch": 3, key: tiny.state_dict(), "optimizer": {"lr": 0.1}}, path)
    assert [k.name for k in model_kernels(path)] == ["stem", "point", "grouped", "depthwise", "wide"]


def test_safetensors_give_the_same_filters(tiny, tmp_path):
    from safetensors.torch import save_file

    st, pt = tmp_path / "tiny.safetensors", tmp_path / "tiny.pth"
    save_file({k: v.contiguous() for k, v in tiny.state_dict().items()}, str(st))
    torch.save(tiny.state_dict(), pt)
    a, b = {k.name: k for k in model_kernels(st)}, {k.name: k for k in model_kernels(pt)}
    assert set(a) == set(b)
    for name in a:
        np.testing.assert_array_equal(a[name].filters, b[name].filters)
    assert [k.name for k in model_kernels(st)] == sorted(a)   # natural name order (the format keeps none)


def test_half_precision_weights_are_read_as_floats(tiny, tmp_path):
    path = tmp_path / "half.pth"
    torch.save({k: v.half() for k, v in tiny.state_dict().items()}, path)
    assert model_kernels(path)[0].filters.dtype == np.float64


class Boom:
    def __reduce__(self):
        return (print, ("this code must never run",))


def test_a_pickle_with_code_in_it_is_refused_not_run(tmp_path, capsys):
    path = tmp_path / "evil.pth"
    torch.save({"conv.weight": torch.zeros(2, 2, 3, 3), "payload": Boom()}, path)
    with pytest.raises(ValueError, match="refused: the pickle holds Python objects other than tensors"):
        read_weights(path)
    assert "must never run" not in capsys.readouterr().out


def test_a_plain_pickle_and_a_file_that_is_no_checkpoint_are_refused(tmp_path):
    plain = tmp_path / "model.pkl.pt"
    plain.write_bytes(pickle.dumps({"w": [1, 2, 3]}))
    with pytest.raises(ValueError, match="not a PyTorch checkpoint|refused"):
        read_weights(plain)
    junk = tmp_path / "junk.pth"
    junk.write_bytes(b"this is not a checkpoint at all")
    with pytest.raises(ValueError, match="junk.pth: not a PyTorch checkpoint"):
        read_weights(junk)
    st = tmp_path / "junk.safetensors"
    st.write_bytes(b"\x00" * 5)
    with pytest.raises(ValueError, match="not a safetensors file"):
        read_weights(st)
    h5 = tmp_path / "w.h5"
    h5.write_bytes(b"x")
    with pytest.raises(ValueError, match="unknown weights file type '.h5'"):
        read_weights(h5)
    with pytest.raises(FileNotFoundError, match="no such file"):
        read_weights(tmp_path / "missing.pth")


def test_a_whole_pickled_model_is_refused_with_the_fix(tiny, tmp_path):
    path = tmp_path / "whole.pth"
    torch.save(tiny, path)
    with pytest.raises(ValueError, match="refused"):
        read_weights(path)


def test_nan_weights_name_the_layer(tiny, tmp_path):
    sd = tiny.state_dict()
    sd["grouped.weight"][0, 0, 1, 1] = float("nan")
    with pytest.raises(ValueError, match="layer 'grouped': 1 of 576 weights are NaN"):
        conv_kernels({k: v.numpy() for k, v in sd.items()})


def test_selection_all_by_name_and_did_you_mean(tiny):
    ks = conv_kernels({k: v.numpy() for k, v in tiny.state_dict().items()})
    assert [k.name for k in select_kernels(ks, all_layers=True)] == ["stem", "grouped", "depthwise"]
    assert [k.name for k in select_kernels(ks, ["depthwise.weight", "stem"])] == ["stem", "depthwise"]
    with pytest.raises(ValueError, match="did you mean 'depthwise'"):
        select_kernels(ks, ["depthwize"])
    with pytest.raises(ValueError, match="1x1 kernels"):
        select_kernels(ks, ["point"])
    with pytest.raises(ValueError, match="--layers all"):
        select_kernels(ks, None)


def test_a_model_without_3x3_convolutions_says_so(tmp_path):
    path = tmp_path / "mlp.pth"
    torch.save(nn.Sequential(nn.Conv2d(3, 4, 1), nn.Linear(4, 2)).state_dict(), path)
    with pytest.raises(ValueError, match="has no 3x3 convolution .found: 0 1x1"):
        select_kernels(model_kernels(path), all_layers=True, source=path.name)


def test_a_npy_array_is_one_layer(tmp_path):
    path = tmp_path / "mine.npy"
    np.save(path, np.random.default_rng(0).normal(size=(10, 4, 3, 3)))
    (k,) = model_kernels(path)
    assert k.name == "mine" and k.kind == "filters" and k.filters.shape == (40, 9)
