"""Issue 23, defect 3: a VGG weights file is checked by its full sha256.

torchvision publishes 8 hex digits of it (in the file name); the first use checks that prefix
and pins the full sha256 in ``<file>.sha256`` next to the weights, every later use compares
the full sha256 with the pin. Where the code knows a full sha256 (``VGG_SHA256``), that one.
Fake weight files in tmp_path, their "published" prefix patched into ``VGG_FILES``.
"""
from __future__ import annotations

import hashlib

import pytest

from toponet.cli import main
from toponet.pretrained import networks


@pytest.fixture
def weights(tmp_path, monkeypatch):
    """A fake vgg16 file whose sha256 prefix is the one "published" in its file name."""
    data = b"fake vgg16 weights"
    prefix = hashlib.sha256(data).hexdigest()[:8]
    monkeypatch.setitem(networks.VGG_FILES, "vgg16", f"vgg16-{prefix}.pth")
    monkeypatch.setattr(networks, "_CHECKED", {})
    path = tmp_path / f"vgg16-{prefix}.pth"
    path.write_bytes(data)
    return path


def fresh():
    networks._CHECKED.clear()   # as a new process would see it


def test_first_use_is_prefix_only_and_pins_the_full_sha256(weights):
    _, note = networks.verify_vgg_weights("vgg16", weights)
    pin = networks.pin_path(weights)
    full = hashlib.sha256(weights.read_bytes()).hexdigest()
    assert pin == weights.with_name(weights.name + ".sha256")
    assert pin.read_text() == f"{full}  {weights.name}\n"                       # sha256sum's format
    assert "prefix-only (torchvision publishes 8 hex digits" in note and str(pin) in note and full in note
    fresh()
    _, note = networks.verify_vgg_weights("vgg16", weights)
    assert note == f"full sha256 matches its pin {pin} (recorded at first use)"


def test_a_file_with_the_right_prefix_but_another_full_hash_fails_against_the_pin(weights):
    networks.verify_vgg_weights("vgg16", weights)
    full = hashlib.sha256(weights.read_bytes()).hexdigest()
    # same 8-digit prefix, other bytes: impossible to forge cheaply, so rewrite the pin instead
    other = full[:8] + "0" * 56
    networks.pin_path(weights).write_text(f"{other}  {weights.name}\n")
    fresh()
    with pytest.raises(ValueError, match=f"{weights}: sha256 {full} differs from {other}, pinned in .*sha256 "
                                         "at its first use"):
        networks.verify_vgg_weights("vgg16", weights)


def test_load_layers_refuses_a_file_changed_after_its_first_use(weights, monkeypatch):
    networks.check_vgg_weights("vgg16", weights)
    weights.write_bytes(b"other bytes")
    fresh()
    # the prefix check comes first: the new bytes no longer match the file name's 8 digits
    with pytest.raises(ValueError, match="does not start with"):
        networks.load_layers("vgg16", weights_path=weights)


def test_a_malformed_pin_is_named(weights):
    networks.pin_path(weights).write_text("not a hash\n")
    with pytest.raises(ValueError, match=r"vgg16-.*\.pth\.sha256: not a sha256 pin"):
        networks.verify_vgg_weights("vgg16", weights)


def test_a_known_full_sha256_is_compared_in_full(weights, monkeypatch):
    full = hashlib.sha256(weights.read_bytes()).hexdigest()
    monkeypatch.setitem(networks.VGG_SHA256, "vgg16", full)
    _, note = networks.verify_vgg_weights("vgg16", weights)
    assert note == f"full sha256 {full} matches the published one"
    assert not networks.pin_path(weights).exists()                 # no pin where the full hash is known
    fresh()
    monkeypatch.setitem(networks.VGG_SHA256, "vgg16", full[:8] + "f" * 56)   # same prefix, other digest
    with pytest.raises(ValueError, match="is not .*the published sha256"):
        networks.verify_vgg_weights("vgg16", weights)


def test_an_unwritable_pin_leaves_the_check_prefix_only_and_says_so(weights, monkeypatch):
    def refuse(*a, **k):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr("toponet._io.tempfile.mkstemp", refuse)  # what a read-only folder answers
    _, note = networks.verify_vgg_weights("vgg16", weights)
    assert "prefix-only" in note and "could not be pinned" in note and "Permission denied" in note


def test_fetch_weights_prints_the_check(weights, monkeypatch, capsys, tmp_path):
    monkeypatch.setenv("TOPONET_VGG16_WEIGHTS", str(weights))
    assert main(["fetch-weights", "vgg16", "--root", str(tmp_path)]) == 0
    assert "checked prefix-only (torchvision publishes 8 hex digits" in capsys.readouterr().out
    fresh()
    assert main(["fetch-weights", "vgg16", "--root", str(tmp_path)]) == 0
    assert "full sha256 matches its pin" in capsys.readouterr().out
    weights.with_name(weights.name + ".sha256").write_text("0" * 64 + "\n")
    fresh()
    assert main(["fetch-weights", "vgg16", "--root", str(tmp_path)]) == 1
    assert "differs from " + "0" * 64 in capsys.readouterr().err
