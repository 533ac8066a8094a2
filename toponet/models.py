"""The paper's networks: ``M(X, Y, Z)`` (Table I), ``C(X, Y, Z)`` (Table II) and VGG16/19.

``X``, ``Y`` and ``Z`` are the depth of conv layer 1, the depth of conv layer 2 and the
number of nodes of the fully connected layer. A 0 removes that whole column of the table
(the conv, its ReLU, its pooling and, for ``C``, its LRN), as in the paper ("if any of X,
Y or Z is 0 ... that whole column or block is removed").

Choices the paper leaves open (written down here, once):

- Initialization: PyTorch's defaults (Kaiming-uniform weights with ``a = sqrt(5)``,
  uniform biases); the paper gives none.
- Dropout sits right before the readout (Table I lists it in the readout column), so it
  stays when ``Z = 0``. ``M`` uses p = 0.5; ``C`` has none by default (Table II lists none).
- ``C``'s 3x3 stride-2 max-pool uses padding 1 (24 -> 12). Its 2x2 stride-1 max-pool pads
  one row and column at the bottom/right as TensorFlow's "SAME" does (12 -> 12); zero
  padding equals TF's ignored padding there because the inputs are >= 0 (after ReLU and LRN).
- LRN is TensorFlow's ``tf.nn.lrn(depth_radius=4, bias=1, alpha=0.001/9, beta=0.75)``:
  ``b_c = a_c / (bias + alpha * sum_{|c'-c|<=4} a_c'^2)^beta``. Torch's
  ``LocalResponseNorm(size, alpha, beta, k)`` divides its ``alpha`` by ``size``, so the same
  map is ``LocalResponseNorm(size=9, alpha=9 * 0.001/9 = 0.001, beta=0.75, k=1)``.
"""
from __future__ import annotations

from pathlib import Path

import torch
import torch.nn as nn
import torch.nn.functional as F

from toponet._validation import check_int

__all__ = ["M", "C", "vgg", "conv_layers", "AppendedFeatures", "TF_LRN", "tf_lrn_to_torch"]

#: TensorFlow's CIFAR-10 LRN settings, which Table II's footnote refers to.
TF_LRN = {"depth_radius": 4, "bias": 1.0, "alpha": 0.001 / 9.0, "beta": 0.75}


def tf_lrn_to_torch(depth_radius: int, bias: float, alpha: float, beta: float) -> nn.LocalResponseNorm:
    """The torch layer computing TensorFlow's ``tf.nn.lrn`` with these arguments.

    TF sums squares over ``2 * depth_radius + 1`` channels and multiplies the sum by
    ``alpha``; torch multiplies it by ``alpha / size``. So torch's alpha is ``alpha * size``.
    """
    size = 2 * depth_radius + 1
    return nn.LocalResponseNorm(size=size, alpha=alpha * size, beta=beta, k=bias)


def _check_widths(X, Y, Z, name: str) -> tuple[int, int, int]:
    X = check_int(X, name=f"{name} X (conv layer 1 depth)", low=0)
    Y = check_int(Y, name=f"{name} Y (conv layer 2 depth)", low=0)
    Z = check_int(Z, name=f"{name} Z (fully connected nodes)", low=0)
    return X, Y, Z


class _PaperCNN(nn.Module):
    """Shared forward: features -> flatten -> [FC, ReLU] -> dropout -> readout.

    ``forward(x, dropout_mask=None)``: with a mask (shape (batch, readout.in_features),
    already scaled by 1/(1-p)), the mask replaces ``self.dropout``. The ensemble trainer
    uses this to draw each network's dropout from that network's own seed.
    """

    def _build_head(self, n_features: int, Z: int, dropout: float, n_classes: int) -> None:
        self.fc = nn.Linear(n_features, Z) if Z > 0 else None
        self.dropout = nn.Dropout(dropout) if dropout > 0 else nn.Identity()
        self.readout = nn.Linear(Z if Z > 0 else n_features, n_classes)

    def forward(self, x: torch.Tensor, dropout_mask: torch.Tensor | None = None) -> torch.Tensor:
        h = self.features(x).flatten(1)
        if self.fc is not None:
            h = F.relu(self.fc(h))
        h = self.dropout(h) if dropout_mask is None else h * dropout_mask
        return self.readout(h)


class AppendedFeatures(nn.Module):
    """Append fixed filter responses to every input map (Sec. VI, Fig. 13).

    Every pixel of every input map gets ``K`` extra channels: the inner products of its 3x3
    patch (zero padded at the border) with ``K`` fixed 3x3 filters. Not an ``nn.Conv2d`` (the
    bank is a buffer, never trained), so ``conv_layers`` still starts at the paper's conv 1.

    Parameters
    ----------
    bank : tensor of shape (K, 3, 3)

    Input (batch, c, H, W) -> output (batch, c * (1 + K), H, W): the c input maps first, then
    the K responses of map 0, of map 1, ...
    """

    def __init__(self, bank: torch.Tensor):
        super().__init__()
        bank = torch.as_tensor(bank, dtype=torch.float32)
        if bank.ndim != 3 or bank.shape[1:] != (3, 3) or not torch.isfinite(bank).all():
            raise ValueError(f"bank must be finite with shape (K, 3, 3); got {tuple(bank.shape)}")
        self.register_buffer("bank", bank[:, None].clone())

    @property
    def n_filters(self) -> int:
        return self.bank.shape[0]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        c = x.shape[1]
        responses = F.conv2d(x, self.bank.repeat(c, 1, 1, 1), padding=1, groups=c)
        return torch.cat([x, responses], dim=1)


class M(_PaperCNN):
    """``M(X, Y, Z)``: the paper's MNIST/SVHN network (Table I).

    conv 3x3xX (padding 1), ReLU, 2x2 max-pool; conv 3x3xY, ReLU, 2x2 max-pool; FC Z,
    ReLU; dropout; readout 10 (logits: train with softmax cross-entropy). The modules run
    max-pool before ReLU, which computes the same function (see the comment in ``__init__``).

    Parameters
    ----------
    X, Y, Z : int >= 0
        Conv 1 depth, conv 2 depth, FC nodes. 0 removes that block.
    in_channels : int, default 1
        Input maps (1 for gray MNIST/SVHN; more for appended-feature inputs).
    image_size : int, default 28
        Input height = width, in pixels. Each max-pool halves it (floor).
    dropout : float in [0, 1), default 0.5
    n_classes : int, default 10
    appended : tensor of shape (K, 3, 3), optional
        Fixed filters whose responses are appended to the input (:class:`AppendedFeatures`);
        conv 1 then takes ``in_channels * (1 + K)`` maps.

    Input: float tensor of shape (batch, in_channels, image_size, image_size).
    Output: logits of shape (batch, n_classes).
    """

    def __init__(self, X: int, Y: int, Z: int, *, in_channels: int = 1, image_size: int = 28,
                 dropout: float = 0.5, n_classes: int = 10, appended: torch.Tensor | None = None):
        super().__init__()
        X, Y, Z = _check_widths(X, Y, Z, "M")
        in_channels = check_int(in_channels, name="in_channels", low=1)
        image_size = check_int(image_size, name="image_size", low=1)
        if not 0.0 <= dropout < 1.0:
            raise ValueError(f"dropout must lie in [0, 1); got {dropout}")
        self.widths = (X, Y, Z)
        layers: list[nn.Module] = []
        channels, size = in_channels, image_size
        if appended is not None:
            front = AppendedFeatures(appended)
            layers.append(front)
            channels = in_channels * (1 + front.n_filters)
        for depth in (X, Y):
            if depth == 0:
                continue
            # Table I says conv, ReLU, max-pool. Max-pool and ReLU commute (both are monotone:
            # relu(max(a)) = max(relu(a)), gradients included), and pooling first leaves the
            # ReLU a quarter of the values: about 1.4x faster training on a CPU.
            layers += [nn.Conv2d(channels, depth, 3, padding=1), nn.MaxPool2d(2), nn.ReLU()]
            channels, size = depth, size // 2
        if size == 0:
            raise ValueError(f"image_size {image_size} is too small for {(X > 0) + (Y > 0)} 2x2 max-pools")
        self.features = nn.Sequential(*layers)
        self._build_head(channels * size * size, Z, dropout, n_classes)

    def extra_repr(self) -> str:
        return f"X={self.widths[0]}, Y={self.widths[1]}, Z={self.widths[2]}"


class C(_PaperCNN):
    """``C(X, Y, Z)``: the paper's CIFAR-10 network (Table II).

    conv 3x3xX (padding 1), ReLU, 3x3 max-pool stride 2 (padding 1), LRN; conv 3x3xY,
    ReLU, LRN, 2x2 max-pool stride 1 ("SAME"); FC Z, ReLU; readout 10. The LRN is TF's
    ``depth_radius=4, bias=1, alpha=0.001/9, beta=0.75`` (see the module docstring).

    Parameters
    ----------
    X, Y, Z : int >= 0
        Conv 1 depth, conv 2 depth, FC nodes. 0 removes that block.
    max_pool : bool, default True
        False gives Fig. 7's variant: both max-pools removed (e.g. ``C(48, 0, 64, max_pool=False)``).
    in_channels : int, default 3
        3 for colour CIFAR-10, 1 for the gray version.
    image_size : int, default 24
        Input height = width (the paper's random 24x24 crops).
    dropout : float in [0, 1), default 0.0
        Table II has no dropout.
    n_classes : int, default 10

    Input: float tensor of shape (batch, in_channels, image_size, image_size).
    Output: logits of shape (batch, n_classes).
    """

    def __init__(self, X: int, Y: int, Z: int, *, max_pool: bool = True, in_channels: int = 3,
                 image_size: int = 24, dropout: float = 0.0, n_classes: int = 10):
        super().__init__()
        X, Y, Z = _check_widths(X, Y, Z, "C")
        in_channels = check_int(in_channels, name="in_channels", low=1)
        image_size = check_int(image_size, name="image_size", low=1)
        if not 0.0 <= dropout < 1.0:
            raise ValueError(f"dropout must lie in [0, 1); got {dropout}")
        self.widths = (X, Y, Z)
        self.max_pool = bool(max_pool)
        layers: list[nn.Module] = []
        channels, size = in_channels, image_size
        if X > 0:
            layers.append(nn.Conv2d(channels, X, 3, padding=1))
            if max_pool:
                # Pool before ReLU: the same map (they commute, see M), on a quarter of the values.
                layers.append(nn.MaxPool2d(3, stride=2, padding=1))
                size = (size + 2 - 3) // 2 + 1
            layers += [nn.ReLU(), tf_lrn_to_torch(**TF_LRN)]
            channels = X
        if Y > 0:
            layers += [nn.Conv2d(channels, Y, 3, padding=1), nn.ReLU(), tf_lrn_to_torch(**TF_LRN)]
            if max_pool:
                # TF "SAME" for a 2x2 stride-1 pool: one extra row/column at the bottom/right.
                layers += [nn.ZeroPad2d((0, 1, 0, 1)), nn.MaxPool2d(2, stride=1)]
            channels = Y
        self.features = nn.Sequential(*layers)
        self._build_head(channels * size * size, Z, dropout, n_classes)

    def extra_repr(self) -> str:
        return f"X={self.widths[0]}, Y={self.widths[1]}, Z={self.widths[2]}, max_pool={self.max_pool}"


def conv_layers(model: nn.Module) -> list[nn.Conv2d]:
    """The model's ``nn.Conv2d`` layers in the order ``model.modules()`` visits them.

    For the paper's networks and torchvision's VGG this is input-to-output order, so
    ``conv_layers(model)[l - 1]`` is the paper's conv layer ``l``.
    """
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be a torch nn.Module; got {type(model).__name__}")
    return [m for m in model.modules() if isinstance(m, nn.Conv2d)]


_VGG_NAMES = ("vgg16", "vgg19")


def vgg(name: str, weights_path: str | Path | None = None) -> nn.Module:
    """torchvision's VGG16 or VGG19 (no batch norm), with weights from a file the user gives.

    Nothing is downloaded: pretrained ImageNet weights must come as a state-dict file
    (e.g. torchvision's ``vgg16-397923af.pth``), read with ``torch.load(weights_only=True)``.

    Parameters
    ----------
    name : {"vgg16", "vgg19"}
    weights_path : path, optional
        A ``state_dict`` saved with ``torch.save``. Without it the network is randomly
        initialized (torchvision's init).

    Returns
    -------
    model : nn.Module in eval mode. VGG16 has 13 conv layers, VGG19 16.

    Raises
    ------
    ValueError
        Unknown name; a file that does not hold a state dict; keys or shapes that do not
        match the architecture (the message lists some of them).
    FileNotFoundError
        ``weights_path`` does not exist.
    """
    import torchvision

    if name not in _VGG_NAMES:
        raise ValueError(f"name must be one of {_VGG_NAMES}; got {name!r}")
    build = getattr(torchvision.models, name)
    if weights_path is None:
        return build(weights=None).eval()
    path = Path(weights_path)
    if not path.is_file():
        raise FileNotFoundError(
            f"{name} weights file {str(path)!r} does not exist; pass the path of a state dict "
            f"saved with torch.save (e.g. torchvision's pretrained {name} .pth file)"
        )
    # Built without storage (meta device): the file's tensors become the parameters, so
    # the 138M random initial weights are never drawn.
    with torch.device("meta"):
        model = build(weights=None)
    state = torch.load(path, map_location="cpu", weights_only=True)
    if isinstance(state, dict) and "state_dict" in state and isinstance(state["state_dict"], dict):
        state = state["state_dict"]
    if not isinstance(state, dict) or not all(isinstance(v, torch.Tensor) for v in state.values()):
        raise ValueError(f"{str(path)!r} does not hold a state dict of tensors (got {type(state).__name__})")
    expected = model.state_dict()
    missing = sorted(set(expected) - set(state))
    unexpected = sorted(set(state) - set(expected))
    wrong_shape = sorted(k for k in set(expected) & set(state) if expected[k].shape != state[k].shape)
    if missing or unexpected or wrong_shape:
        parts = []
        if missing:
            parts.append(f"{len(missing)} missing keys (e.g. {missing[:3]})")
        if unexpected:
            parts.append(f"{len(unexpected)} unexpected keys (e.g. {unexpected[:3]})")
        if wrong_shape:
            k = wrong_shape[0]
            parts.append(f"{len(wrong_shape)} keys with wrong shapes (e.g. {k}: file {tuple(state[k].shape)}, "
                         f"{name} {tuple(expected[k].shape)})")
        raise ValueError(f"{str(path)!r} does not match torchvision's {name}: " + "; ".join(parts))
    # float32 like a freshly built model, whatever precision the file was saved in
    state = {k: v.float() if v.is_floating_point() else v for k, v in state.items()}
    model.load_state_dict(state, assign=True)
    return model.eval()
