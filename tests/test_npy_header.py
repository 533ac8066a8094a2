"""Issue 23, defect 1: ``toponet analyze`` trusts a ``.npy`` header only when it describes the file.

Each file is built by hand (numpy.lib.format's header writer, or raw bytes for headers numpy
would never write): the header's shape must account for the data bytes exactly, every
dimension must be an integer >= 0, and a malformed header is one line naming the file (exit 2).
"""
from __future__ import annotations

import struct

import numpy as np
import pytest
from numpy.lib import format as npy

from toponet.cli import main

A = ["analyze", "--k", "10", "--p", "0.5", "--null-repeats", "0"]
F8 = {"descr": "<f8", "fortran_order": False}


def with_header(path, header: dict, data: bytes):
    with open(path, "wb") as fh:
        npy.write_array_header_1_0(fh, header)
        fh.write(data)
    return path


def raw_header(path, text: str, data: bytes = b""):
    """A version 1.0 file whose header is ``text`` verbatim (padded as numpy pads it)."""
    head = text.encode("latin1")
    head += b" " * (63 - (10 + len(head)) % 64) + b"\n"
    path.write_bytes(b"\x93NUMPY\x01\x00" + struct.pack("<H", len(head)) + head + data)
    return path


def refused(capsys, path) -> str:
    assert main([*A, str(path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "a bug in toponet" not in err, err
    assert err.startswith("toponet analyze: error: ") and str(path) in err, err
    return err


@pytest.fixture
def points():
    return np.random.default_rng(0).normal(size=(120, 9))


def test_a_header_claiming_fewer_rows_than_the_file_holds_is_refused(tmp_path, capsys, points):
    path = with_header(tmp_path / "short.npy", {**F8, "shape": (60, 9)}, points.tobytes())
    err = refused(capsys, path)
    assert "shape (60, 9) (4,320 bytes of float64)" in err and "8,640 bytes" in err and "4,320 more" in err


def test_a_header_claiming_more_rows_than_the_file_holds_is_refused(tmp_path, capsys, points):
    path = with_header(tmp_path / "long.npy", {**F8, "shape": (240, 9)}, points.tobytes())
    assert "truncated" in refused(capsys, path)


def test_one_trailing_byte_is_refused(tmp_path, capsys, points):
    path = with_header(tmp_path / "trail.npy", {**F8, "shape": (120, 9)}, points.tobytes() + b"\0")
    assert "1 more" in refused(capsys, path)


@pytest.mark.parametrize("shape", ["(-1, 9)", "(120, -9)", "(True, 9)"])
def test_a_negative_or_boolean_dimension_is_refused(tmp_path, capsys, points, shape):
    path = raw_header(tmp_path / "neg.npy", f"{{'descr': '<f8', 'fortran_order': False, 'shape': {shape}, }}",
                      points.tobytes())
    assert f"has shape {shape}; every dimension must be an integer >= 0" in refused(capsys, path)


@pytest.mark.parametrize("header, reason", [
    ("{'descr': '<f8', 'fortran_order': False, 'shape': (120, 9), ", "malformed .npy header"),   # TokenError
    ("[120, 9]", "Header is not a dictionary"),
    ("{'descr': '<f8'}", "does not contain the correct keys"),
    ("{'descr': 'zzz', 'fortran_order': False, 'shape': (120, 9), }", "descr is not a valid dtype"),
    ("{'descr': '<f8', 'fortran_order': False, 'shape': " + "(" * 300 + ")" * 300 + ", }", "Cannot parse header"),
    ("{'descr': '<f8', 'fortran_order': False, 'shape': __import__('os'), }", "malformed node"),
])
def test_a_malformed_header_is_one_line_naming_the_file(tmp_path, capsys, points, header, reason):
    err = refused(capsys, raw_header(tmp_path / "bad.npy", header, points.tobytes()))
    assert "malformed .npy header" in err and reason in err


def test_an_unknown_format_version_is_refused(tmp_path, capsys, points):
    path = tmp_path / "v9.npy"
    with_header(path, {**F8, "shape": (120, 9)}, points.tobytes())
    data = bytearray(path.read_bytes())
    data[6] = 9
    path.write_bytes(bytes(data))
    assert "format version 9.0" in refused(capsys, path)


def test_an_exact_header_still_loads(tmp_path, capsys, points):
    path = with_header(tmp_path / "ok.npy", {**F8, "shape": (120, 9)}, points.tobytes())
    assert main([*A, str(path)]) == 0
    assert "120 filters" in capsys.readouterr().out
