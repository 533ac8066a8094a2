"""Shards, the unit of training work: a group of seeds of one config, trained as one ensemble.

:func:`run_shards` works out which seeds the store lacks, groups them into shards and trains
each shard, in this process (one after the other) or on a Dask cluster (one task per shard).
Every shard writes its own file into the store and merges its record into the manifest under
a lock, so any number of workers may share one store (on a file system all of them see).

A shard resumes from its checkpoint: the trainer's ``checkpoint_path`` plus the snapshots
already delivered, which this module saves one file per snapshot as they arrive, so an
interrupted shard loses at most the work since its last checkpoint.
"""
from __future__ import annotations

import contextlib
import json
import logging
import shutil
import time
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace
from typing import Callable, Mapping, Sequence

import numpy as np
from tqdm.auto import tqdm

from toponet._io import atomic_write, atomic_write_json
from toponet._validation import check_int
from toponet.store import Artifact, Store, check_seeds, config_key, shard_name

__all__ = ["plan_shards", "pending_shards", "train_shard", "clean_checkpoints", "run_shards"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ShardRun:
    """What :func:`run_shards` did.

    Attributes
    ----------
    key : the artifact key
    trained : the shards trained now, each a tuple of seeds
    skipped : seeds requested but already stored
    artifact : the artifact after the run (holds every stored network, maybe more than asked)
    """

    key: str
    trained: tuple[tuple[int, ...], ...]
    skipped: tuple[int, ...]
    artifact: Artifact


def resolve_device(device: str = "auto") -> str:
    """``"auto"`` -> ``"cuda"`` when a GPU is visible, else ``"cpu"``; other names unchanged."""
    if device != "auto":
        return str(device)
    import torch

    return "cuda" if torch.cuda.is_available() else "cpu"


def _default_trainer() -> Callable:
    # deferred: toponet.train imports torch (3.5 s measured); `toponet store` and dry runs read shards without it
    from toponet.train import train_ensemble

    return train_ensemble


def plan_shards(seeds: Sequence[int], held, shard_size: int,
                pending: Sequence[Sequence[int]] = ()) -> list[tuple[int, ...]]:
    """Group the seeds not in ``held`` into shards of at most ``shard_size``.

    Shards in ``pending`` (those with a checkpoint on disk) whose seeds are all wanted and
    missing come first and unchanged, so a resumed run continues them even if
    ``shard_size`` changed; the remaining seeds are chunked in the given order.
    """
    seeds = check_seeds(seeds)
    shard_size = check_int(shard_size, name="shard_size", low=1)
    missing = [s for s in seeds if s not in held]
    shards, taken = [], set()
    for shard in pending:
        shard = tuple(shard)
        if set(shard) <= set(missing) - taken:
            shards.append(shard)
            taken.update(shard)
    rest = [s for s in missing if s not in taken]
    shards += [tuple(rest[i:i + shard_size]) for i in range(0, len(rest), shard_size)]
    return shards


def pending_shards(store: Store, config) -> list[tuple[int, ...]]:
    """Shards of ``config`` with resumable state in the store's checkpoint folder."""
    folder = store.checkpoints / config_key(config)
    out = []
    for f in sorted(folder.glob("shard-*/seeds.json")) if folder.is_dir() else ():
        with contextlib.suppress(OSError, ValueError):
            out.append(tuple(json.loads(f.read_text())))
    return out


@contextlib.contextmanager
def _claim(folder: Path):
    """Hold a non-blocking lock on a shard's checkpoint folder, or raise if another process does."""
    folder.mkdir(parents=True, exist_ok=True)
    try:
        import fcntl
    except ImportError:
        yield
        return
    with open(folder / "claim.lock", "a+") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise RuntimeError(f"shard {folder.name} is being trained by another process (lock "
                               f"{folder / 'claim.lock'}); wait for it to finish, then run the same command "
                               f"again to continue") from None
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


_SNAPSHOT_FIELDS = ("train_accuracy", "test_accuracy", "train_loss", "train_examples", "test_examples")


def _save_snapshot(folder: Path, snap) -> None:
    arrays = {f: np.asarray(getattr(snap, f)) for f in _SNAPSHOT_FIELDS if getattr(snap, f, None) is not None}
    arrays.update({f"w/{k}": np.asarray(v, dtype=np.float32) for k, v in snap.conv_weights.items()})
    # transfer accuracies too, so a resumed shard still stores them (Store.put_shard needs every snapshot's)
    arrays.update({f"t/{k}": np.asarray(v, dtype=np.float64)
                   for k, v in (getattr(snap, "transfer_accuracy", None) or {}).items()})
    arrays.update({f"tn/{k}": np.asarray(int(v)) for k, v in (getattr(snap, "transfer_examples", None) or {}).items()})
    atomic_write(folder / f"snapshot-{int(snap.iteration)}.npz", lambda fh: np.savez(fh, **arrays))


def _read_elapsed(path: Path) -> float:
    """Training seconds spent on a shard before this run; 0 (with a warning) if the file is bad."""
    if not path.is_file():
        return 0.0
    try:
        seconds = json.loads(path.read_text())["seconds"]
        if isinstance(seconds, bool) or not isinstance(seconds, (int, float)) or not seconds >= 0:
            raise ValueError(f"seconds {seconds!r}")
        return float(seconds)
    except (OSError, ValueError, KeyError, TypeError) as exc:
        log.warning("%s: unreadable progress file (%s); the shard's recorded wall time restarts from 0 "
                    "and the file is rewritten at the next snapshot", path, exc)
        return 0.0


def _reset(folder: Path, why: str) -> None:
    """Delete a shard's resumable state (checkpoint, snapshots, progress) so it trains afresh."""
    log.warning("%s: %s; this shard trains again from the start", folder, why)
    for f in [folder / "checkpoint.pt", folder / "elapsed.json", *folder.glob("snapshot-*.npz")]:
        with contextlib.suppress(FileNotFoundError):
            f.unlink()


def _load_snapshots(folder: Path) -> dict[int, SimpleNamespace]:
    """The snapshots a shard's earlier runs delivered; a bad file resets the shard (see :func:`_reset`).

    The trainer delivers each snapshot once, even across resumes, so a lost snapshot cannot be
    had again without training from the start.
    """
    try:
        return _read_snapshots(folder)
    except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile, zlib.error) as exc:
        _reset(folder, f"a saved snapshot is unreadable ({type(exc).__name__}: {exc})")
        return {}


def _read_snapshots(folder: Path) -> dict[int, SimpleNamespace]:
    out = {}
    for f in folder.glob("snapshot-*.npz"):
        it = int(f.stem.split("-", 1)[1])
        with np.load(f, allow_pickle=False) as npz:
            fields = {k: (npz[k] if npz[k].ndim else npz[k].item()) for k in _SNAPSHOT_FIELDS if k in npz.files}
            out[it] = SimpleNamespace(
                iteration=it, conv_weights={k[2:]: npz[k] for k in npz.files if k.startswith("w/")},
                transfer_accuracy={k[2:]: npz[k] for k in npz.files if k.startswith("t/")},
                transfer_examples={k[3:]: int(npz[k]) for k in npz.files if k.startswith("tn/")}, **fields)
    return out


def train_shard(config, seeds, *, store: Store, device: str = "auto", trainer: Callable | None = None,
                experiment: str | None = None, profile: str | None = None,
                keep: Mapping[str, Sequence[int]] | None = None, progress: bool = True) -> dict:
    """Train one shard (resuming from its checkpoint) and add it to ``store``.

    Parameters
    ----------
    config : TrainConfig
    seeds : sequence of int; the shard's networks
    store : Store; the shard's file and manifest record go here
    device : torch device name or "auto"
    trainer : callable with the signature of ``toponet.train.train_ensemble``; default that
    experiment, profile : str, optional; recorded in the manifest
    keep : mapping layer -> iterations, optional; see :meth:`Store.put_shard`
    progress : bool; the trainer's progress bar

    Returns
    -------
    dict : the shard's manifest record
    """
    seeds = check_seeds(seeds)
    trainer = trainer or _default_trainer()
    device = resolve_device(device)
    folder = store.checkpoint_dir(config, seeds)
    with _claim(folder):
        atomic_write_json(folder / "seeds.json", list(seeds))
        elapsed_file = folder / "elapsed.json"
        collected = _load_snapshots(folder)
        before = _read_elapsed(elapsed_file)
        resumed = bool(collected) or (folder / "checkpoint.pt").exists()
        start = time.perf_counter()

        def on_snapshot(snap):
            # Saved as they arrive: the trainer delivers each snapshot once, even across resumes.
            _save_snapshot(folder, snap)
            collected[int(snap.iteration)] = snap
            atomic_write_json(elapsed_file, {"seconds": before + time.perf_counter() - start})

        try:
            returned = trainer(config, list(seeds), device=device, checkpoint_path=folder / "checkpoint.pt",
                               on_snapshot=on_snapshot, progress=progress)
        except BaseException:
            _drop_if_nothing_to_resume(folder)
            raise
        for snap in returned or ():
            collected.setdefault(int(snap.iteration), snap)
        wanted = sorted({int(i) for i in config.snapshots if int(i) <= int(config.iterations)})
        missing = sorted(set(wanted) - set(collected))
        if missing:
            raise RuntimeError(f"the trainer delivered no snapshot at iterations {missing} for seeds "
                               f"{list(seeds)}; checkpoint kept in {folder}")
        record = store.put_shard(config, seeds, [collected[i] for i in wanted], experiment=experiment,
                                 profile=profile, device=device,
                                 wall_time_s=before + time.perf_counter() - start, keep=keep,
                                 extra={"resumed": resumed})
    _remove_checkpoint(folder)  # the shard is stored; its resumable state is moot
    return record


def _remove_checkpoint(folder: Path) -> None:
    """Delete a shard's checkpoint folder, and its config's folder once that is empty."""
    shutil.rmtree(folder, ignore_errors=True)
    with contextlib.suppress(OSError):
        folder.parent.rmdir()  # only succeeds once no other shard of this config is pending


def _drop_if_nothing_to_resume(folder: Path) -> None:
    """After a failed run: remove the shard's folder when it holds nothing a rerun could resume."""
    if not (folder / "checkpoint.pt").exists() and not any(folder.glob("snapshot-*.npz")):
        _remove_checkpoint(folder)


def clean_checkpoints(store: Store, config) -> list[Path]:
    """Remove checkpoint folders of ``config`` that no run can use; return them.

    Those are folders whose shard is already stored (a run killed between storing the shard
    and deleting its checkpoint, or a shard another worker stored), folders with no readable
    ``seeds.json``, and empty ones. A folder another process holds (training it) is left.
    """
    folder = store.checkpoints / config_key(config)
    if not folder.is_dir():
        return []
    held = store.seeds(config)
    removed = []
    for shard_dir in sorted(p for p in folder.iterdir() if p.is_dir() and p.name.startswith("shard-")):
        try:
            seeds = json.loads((shard_dir / "seeds.json").read_text())
            moot = set(seeds) <= held
        except (OSError, ValueError, TypeError):
            moot = not (shard_dir / "checkpoint.pt").exists() and not any(shard_dir.glob("snapshot-*.npz"))
        if not moot:
            continue
        try:
            with _claim(shard_dir):
                shutil.rmtree(shard_dir, ignore_errors=True)
        except RuntimeError:
            continue  # being trained right now
        removed.append(shard_dir)
    with contextlib.suppress(OSError):
        folder.rmdir()
    if removed:
        log.info("removed %d checkpoint folder(s) no run can use: %s", len(removed), [p.name for p in removed])
    return removed


def run_shards(config, seeds, *, shard_size: int, store: Store | None = None, device: str = "auto",
               scheduler=None, progress: bool = True, trainer: Callable | None = None,
               experiment: str | None = None, profile: str | None = None,
               keep: Mapping[str, Sequence[int]] | None = None, connect_timeout: float | None = None) -> ShardRun:
    """Make ``store`` hold a network for every seed in ``seeds``, training the missing shards.

    Parameters
    ----------
    config : TrainConfig
    seeds : sequence of int; the networks wanted (stored seeds are skipped)
    shard_size : int; networks per shard (one ensemble trained together)
    store : Store, optional; default ``Store()``
    device : str; torch device for every shard, "auto" picks CUDA when available
        (on Dask, each worker resolves "auto" itself)
    scheduler : str or distributed.Client, optional
        A Dask scheduler address (``"tcp://host:8786"``) or client: one task per shard, run by
        workers that write into the same store, which must be on a file system they all see.
        Default: train in this process, shard after shard.
    progress : bool; progress bars
    trainer : callable, optional; default ``toponet.train.train_ensemble`` (on Dask it must be
        importable by the workers)
    experiment, profile : str, optional; recorded in the manifest
    keep : mapping layer -> iterations, optional; see :meth:`Store.put_shard`
    connect_timeout : float, optional; seconds to wait for the Dask scheduler (default Dask's,
        ``distributed.comm.timeouts.connect``)

    Checkpoint folders no run can use (their shard is stored) are removed first
    (:func:`clean_checkpoints`).

    Returns
    -------
    ShardRun
    """
    store = store if store is not None else Store()
    seeds = check_seeds(seeds)
    clean_checkpoints(store, config)
    held = store.seeds(config)
    shards = plan_shards(seeds, held, shard_size, pending_shards(store, config))
    skipped = tuple(s for s in seeds if s in held)
    key = config_key(config)
    if skipped:
        log.info("%d of %d networks already stored in %s", len(skipped), len(seeds), key)
    kwargs = dict(store=store, device=device, trainer=trainer, experiment=experiment, profile=profile, keep=keep)
    if shards and scheduler is None:
        for shard in tqdm(shards, desc=f"shards of {key}", unit="shard", disable=not progress or len(shards) < 2):
            train_shard(config, shard, progress=progress, **kwargs)
    elif shards:
        _run_on_dask(scheduler, config, shards, progress=progress, connect_timeout=connect_timeout, **kwargs)
    artifact = store.get(config)
    if artifact is None:
        raise RuntimeError(f"no shard of {key} reached the store at {store.root}")
    return ShardRun(key=key, trained=tuple(shards), skipped=skipped, artifact=artifact)


def _connect(address: str, timeout: float | None):
    """A Dask client of the scheduler at ``address``, or ``RuntimeError`` saying how to get one."""
    from distributed import Client

    try:
        return Client(address, timeout=timeout) if timeout is not None else Client(address)
    except (OSError, TimeoutError, ValueError) as exc:
        raise RuntimeError(f"--scheduler {address}: no Dask scheduler answered ({' '.join(str(exc).split())}); "
                           f"start one ('dask scheduler', then 'dask worker {address}' on each machine) or "
                           f"leave out --scheduler to train in this process") from None


def _run_on_dask(scheduler, config, shards, *, progress: bool, connect_timeout: float | None = None,
                 **kwargs) -> None:
    from distributed import Client, as_completed

    own = not isinstance(scheduler, Client)
    client = _connect(scheduler, connect_timeout) if own else scheduler
    try:
        key = config_key(config)
        futures = [client.submit(train_shard, config, shard, progress=False, pure=False,
                                 key=f"toponet-{key}-{shard_name(shard)}", **kwargs) for shard in shards]
        errors = []
        for fut in tqdm(as_completed(futures), total=len(futures), desc=f"shards of {key} on dask",
                        unit="shard", disable=not progress):
            if fut.status == "error":
                errors.append(f"{fut.key}: {fut.exception()!r}")
        if errors:
            raise RuntimeError(f"{len(errors)} of {len(futures)} shards failed on the Dask cluster "
                               f"(the others are stored): " + "; ".join(errors))
    finally:
        if own:
            client.close()
