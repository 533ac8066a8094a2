import numpy as np
import pytest
import torch
import torch.nn as nn

from toponet.filters import spatial_filters
from toponet.models import C, M, TF_LRN, conv_layers, tf_lrn_to_torch, vgg


def n_params(model):
    return sum(p.numel() for p in model.parameters())


# --- M (Table I) -------------------------------------------------------------------------

def test_M_64_32_64_shapes_and_parameter_count():
    model = M(64, 32, 64)
    assert model(torch.zeros(5, 1, 28, 28)).shape == (5, 10)
    conv1 = 64 * 1 * 9 + 64           # 640
    conv2 = 32 * 64 * 9 + 32          # 18,464
    fc = (32 * 7 * 7) * 64 + 64       # 28 -> 14 -> 7 after two 2x2 pools: 100,416
    readout = 64 * 10 + 10            # 650
    assert n_params(model) == conv1 + conv2 + fc + readout == 120_170
    assert [tuple(c.weight.shape) for c in conv_layers(model)] == [(64, 1, 3, 3), (32, 64, 3, 3)]


@pytest.mark.parametrize("widths, expected, n_conv", [
    # M(64,0,64): conv1 640; one pool only, fc (64*14*14)*64+64 = 802,880; readout 650
    ((64, 0, 64), 640 + (64 * 14 * 14) * 64 + 64 + 650, 1),
    # M(64,32,0): no FC, readout straight from the 32*7*7 features: 32*7*7*10+10 = 15,690
    ((64, 32, 0), 640 + 18_464 + (32 * 7 * 7) * 10 + 10, 2),
    # M(0,32,64): conv2 block alone sees the 1-channel input: 32*1*9+32 = 320; fc (32*14*14)*64+64
    ((0, 32, 64), 32 * 9 + 32 + (32 * 14 * 14) * 64 + 64 + 650, 1),
    # M(64,8,512): 640 + (8*64*9+8) + (8*7*7*512+512) + (512*10+10)
    ((64, 8, 512), 640 + 4_616 + 201_216 + 5_130, 2),
])
def test_M_blocks_removed_by_zeros(widths, expected, n_conv):
    model = M(*widths)
    assert n_params(model) == expected
    assert len(conv_layers(model)) == n_conv
    assert model(torch.zeros(2, 1, 28, 28)).shape == (2, 10)


def test_M_pool_before_relu_is_the_table_I_function():
    # Our modules pool before the ReLU (faster); Table I's order must give the same outputs
    # and the same gradients.
    torch.manual_seed(0)
    model = M(6, 4, 8, dropout=0.0)
    c1, c2 = conv_layers(model)
    table = nn.Sequential(c1, nn.ReLU(), nn.MaxPool2d(2), c2, nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
                          model.fc, nn.ReLU(), model.readout)
    x = torch.randn(3, 1, 28, 28)
    out = model(x)
    torch.testing.assert_close(out, table(x), rtol=0, atol=0)
    g_ours = torch.autograd.grad(out.square().sum(), [c1.weight, c2.weight])
    g_table = torch.autograd.grad(table(x).square().sum(), [c1.weight, c2.weight])
    for a, b in zip(g_ours, g_table):
        torch.testing.assert_close(a, b, rtol=1e-6, atol=1e-7)


def test_M_dropout_mask_replaces_dropout():
    torch.manual_seed(0)
    model = M(4, 4, 8).train()
    x = torch.randn(2, 1, 28, 28)
    ones = model(x, dropout_mask=torch.ones(2, 8))
    torch.testing.assert_close(ones, model.eval()(x))
    zeros = model.train()(x, dropout_mask=torch.zeros(2, 8))
    torch.testing.assert_close(zeros, model.readout.bias.expand(2, 10))


def test_M_rejects_bad_widths():
    with pytest.raises(ValueError, match="conv layer 2 depth"):
        M(64, -1, 64)
    with pytest.raises(TypeError, match="X"):
        M(64.0, 32, 64)
    with pytest.raises(ValueError, match="dropout"):
        M(8, 8, 8, dropout=1.0)


# --- C (Table II) ------------------------------------------------------------------------

def test_C_64_32_64_shapes_and_parameter_count():
    model = C(64, 32, 64)
    assert model(torch.zeros(2, 3, 24, 24)).shape == (2, 10)
    conv1 = 64 * 3 * 9 + 64           # 1,792
    conv2 = 32 * 64 * 9 + 32          # 18,464
    # 24 -> 12 (3x3 pool, stride 2, padding 1); the 2x2 stride-1 "SAME" pool keeps 12
    fc = (32 * 12 * 12) * 64 + 64     # 294,976
    readout = 64 * 10 + 10            # 650
    assert n_params(model) == conv1 + conv2 + fc + readout == 315_882
    assert model.features(torch.zeros(1, 3, 24, 24)).shape == (1, 32, 12, 12)


def test_C_gray_and_removed_blocks():
    assert conv_layers(C(64, 32, 64, in_channels=1))[0].weight.shape == (64, 1, 3, 3)
    # C(64,0,64): one pool, fc (64*12*12)*64+64 = 589,888
    assert n_params(C(64, 0, 64)) == 1_792 + 589_888 + 650


def test_C_without_max_pool_fig7():
    model = C(48, 0, 64, max_pool=False)
    assert not any(isinstance(m, nn.MaxPool2d) for m in model.modules())
    # conv1 48*3*9+48 = 1,344; no pooling: fc (48*24*24)*64+64 = 1,769,536; readout 650
    assert n_params(model) == 1_344 + 1_769_536 + 650
    assert model(torch.zeros(2, 3, 24, 24)).shape == (2, 10)
    assert len(conv_layers(model)) * 48 * 3 == 144  # 144 spatial filters per network


def test_lrn_matches_tensorflow_formula():
    # tf.nn.lrn: b_c = a_c / (bias + alpha * sum_{c' = c-r..c+r} a_c'^2) ** beta, alpha = 0.001/9
    rng = np.random.default_rng(1)
    a = rng.normal(size=(2, 12, 3, 3)).astype(np.float64) * 5
    r, bias, alpha, beta = TF_LRN["depth_radius"], TF_LRN["bias"], TF_LRN["alpha"], TF_LRN["beta"]
    assert (r, bias, alpha, beta) == (4, 1.0, 0.001 / 9, 0.75)
    expected = np.empty_like(a)
    for c in range(12):
        lo, hi = max(0, c - r), min(12, c + r + 1)
        expected[:, c] = a[:, c] / (bias + alpha * (a[:, lo:hi] ** 2).sum(1)) ** beta
    layer = tf_lrn_to_torch(**TF_LRN)
    assert layer.size == 9 and layer.alpha == pytest.approx(0.001)
    got = layer(torch.from_numpy(a)).numpy()
    np.testing.assert_allclose(got, expected, rtol=1e-10)
    # The alpha scaling matters: torch's own alpha = 0.001/9 would be 9x too weak.
    wrong = nn.LocalResponseNorm(9, alpha=0.001 / 9, beta=0.75, k=1.0)(torch.from_numpy(a)).numpy()
    assert np.abs(wrong - expected).max() > 1e-3


def test_C_pool_before_relu_is_the_table_II_function():
    torch.manual_seed(0)
    model = C(8, 6, 16)
    c1, c2 = conv_layers(model)
    lrn = tf_lrn_to_torch(**TF_LRN)
    table = nn.Sequential(c1, nn.ReLU(), nn.MaxPool2d(3, 2, 1), lrn, c2, nn.ReLU(), lrn,
                          nn.ZeroPad2d((0, 1, 0, 1)), nn.MaxPool2d(2, 1), nn.Flatten(),
                          model.fc, nn.ReLU(), model.readout)
    x = torch.randn(3, 3, 24, 24)
    torch.testing.assert_close(model(x), table(x), rtol=0, atol=0)


# --- conv_layers and VGG -----------------------------------------------------------------

def test_conv_layers_rejects_non_modules():
    with pytest.raises(TypeError, match="nn.Module"):
        conv_layers(np.zeros(3))


def test_vgg16_conv_layer_enumeration():
    model = vgg("vgg16")
    convs = conv_layers(model)
    assert len(convs) == 13
    assert spatial_filters(model, layer=1).shape == (3 * 64, 9)   # 192 spatial filters
    assert spatial_filters(model, layer=2).shape == (64 * 64, 9)
    assert convs[-1].weight.shape == (512, 512, 3, 3)
    assert len(conv_layers(vgg("vgg19"))) == 16


def test_vgg_errors(tmp_path):
    with pytest.raises(ValueError, match="vgg16"):
        vgg("vgg11")
    with pytest.raises(FileNotFoundError, match="does not exist"):
        vgg("vgg16", tmp_path / "nope.pth")
    partial = tmp_path / "partial.pth"
    torch.save({"features.0.weight": torch.zeros(64, 3, 3, 3)}, partial)
    with pytest.raises(ValueError, match="missing"):
        vgg("vgg16", partial)
    not_a_dict = tmp_path / "list.pth"
    torch.save([torch.zeros(1)], not_a_dict)
    with pytest.raises(ValueError, match="state dict"):
        vgg("vgg16", not_a_dict)


def test_vgg_wrong_shapes_named(tmp_path):
    # Every VGG16 key with a 1-element tensor: a tiny file whose shapes are all wrong.
    keys = [f"features.{i}.{p}" for i in (0, 2, 5, 7, 10, 12, 14, 17, 19, 21, 24, 26, 28)
            for p in ("weight", "bias")]
    keys += [f"classifier.{i}.{p}" for i in (0, 3, 6) for p in ("weight", "bias")]
    path = tmp_path / "tiny.pth"
    torch.save({k: torch.zeros(1) for k in keys}, path)
    with pytest.raises(ValueError, match=r"32 keys with wrong shapes \(e.g. classifier.0.bias"):
        vgg("vgg16", path)


@pytest.mark.slow
def test_vgg16_weights_round_trip(tmp_path):
    # A full random VGG16 state dict is 528 MB: slow.
    torch.manual_seed(0)
    path = tmp_path / "vgg16.pth"
    source = vgg("vgg16")
    torch.save({k: v.half() for k, v in source.state_dict().items()}, path)
    loaded = vgg("vgg16", path)
    for a, b in zip(conv_layers(source), conv_layers(loaded)):
        assert b.weight.dtype == torch.float32
        torch.testing.assert_close(a.weight.half().float(), b.weight)
    assert loaded(torch.zeros(1, 3, 64, 64)).shape == (1, 1000)
