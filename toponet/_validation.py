"""Input checks shared by every stage: they turn bad input into an error naming the problem."""
from __future__ import annotations

import numpy as np


def check_cloud(X, *, name: str = "X", min_points: int = 1, dim: int | None = None) -> np.ndarray:
    """Return ``X`` as a float64 array of shape (n_points, n_features), or raise.

    Raises ``TypeError`` when ``X`` is complex or not numeric, and ``ValueError`` naming
    ``name`` when ``X`` is not 2-D, has fewer than
    ``min_points`` rows, has ``dim`` given and a different number of columns, or holds
    NaN/inf values (reported with the first offending row).
    """
    if np.iscomplexobj(X):
        raise TypeError(f"{name} is complex; filters are real (pass the real part, X.real, if the "
                        f"imaginary part is known to be zero)")
    try:
        arr = np.asarray(X, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"{name} must be an array of numbers, got {type(X).__name__}") from exc
    if arr.ndim != 2:
        raise ValueError(f"{name} must have shape (n_points, n_features); got shape {arr.shape}")
    if arr.shape[0] < min_points:
        if arr.shape[0] == 0:
            raise ValueError(f"{name} is an empty point cloud (0 points); at least {min_points} needed")
        raise ValueError(f"{name} has {arr.shape[0]} points; at least {min_points} needed")
    if dim is not None and arr.shape[1] != dim:
        raise ValueError(f"{name} must have {dim} columns; got shape {arr.shape}")
    finite = np.isfinite(arr)
    if not finite.all():
        bad = np.flatnonzero(~finite.all(axis=1))
        raise ValueError(
            f"{name} contains NaN or infinite values in {bad.size} of {arr.shape[0]} points "
            f"(first at row {bad[0]}); NaN weights usually mean training diverged"
        )
    return arr


def check_int(value, *, name: str, low: int | None = None, high: int | None = None) -> int:
    """Return ``value`` as an int within [low, high], or raise naming ``name``."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{name} must be an integer; got {value!r} ({type(value).__name__})")
    value = int(value)
    if low is not None and value < low:
        raise ValueError(f"{name} must be >= {low}; got {value}")
    if high is not None and value > high:
        raise ValueError(f"{name} must be <= {high}; got {value}")
    return value


def check_fraction(value, *, name: str) -> float:
    """Return ``value`` as a float in (0, 1], or raise naming ``name``."""
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise TypeError(f"{name} must be a number in (0, 1]; got {value!r} ({type(value).__name__})")
    value = float(value)
    if not (0.0 < value <= 1.0) or not np.isfinite(value):
        raise ValueError(f"{name} must lie in (0, 1]; got {value}")
    return value
