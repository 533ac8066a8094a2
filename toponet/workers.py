"""Worker processes that end with their parent: :func:`parallel_map`.

Used by :func:`toponet.circle_decision.circle_test` for its null clouds (``$TOPONET_JOBS`` workers).

Why not joblib: its loky workers and their resource tracker outlive a parent killed with
``kill -9`` (issue 23: two workers and two trackers, about 390 MB, stayed alive). Here every
worker asks the kernel to kill it when its parent dies (Linux ``prctl(PR_SET_PDEATHSIG,
SIGKILL)``), and where there is no ``prctl`` a watchdog thread in the worker polls
``os.getppid()`` once a second and exits when the parent has gone. The pool is
``multiprocessing``'s own with the ``spawn`` start method, so each worker is a direct child
of the calling process (forkserver's would be children of its server) and a fresh
interpreter (no copy of the parent's threads or locks). Its resource tracker exits by itself
once every process that could write to it (the parent and the workers) is gone.

``spawn`` re-imports the main script in each worker, as ``multiprocessing`` documents: a
script that calls :func:`parallel_map` needs the ``if __name__ == "__main__":`` guard
(``python -m toponet``, notebooks and pytest need nothing). ``func`` and the arguments travel
by pickle: ``func`` must be a module-level function.
"""
from __future__ import annotations

import ctypes
import multiprocessing
import os
import signal
import threading
import time
from typing import Any, Callable, Iterable, Iterator

from toponet._validation import check_int

__all__ = ["call", "parallel_map"]

#: ``PR_SET_PDEATHSIG`` from ``<linux/prctl.h>``: the signal a process gets when its parent dies.
PR_SET_PDEATHSIG = 1
#: Seconds between two looks at ``os.getppid()`` where ``prctl`` is missing.
WATCHDOG_SECONDS = 1.0


def call(func: Callable, args: tuple) -> Any:
    """``func(*args)``: lets one :func:`parallel_map` run a different function per task."""
    return func(*args)


def _watch_parent(parent_pid: int) -> None:
    while os.getppid() == parent_pid:
        time.sleep(WATCHDOG_SECONDS)
    os._exit(1)  # the parent is gone: no cleanup, nobody reads our results


def _die_with_parent(parent_pid: int) -> None:
    """Worker initializer: end this worker when ``parent_pid`` ends, however it ends."""
    # Ctrl-C reaches the whole process group: the parent handles it and terminates the pool.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    armed = False
    try:
        libc = ctypes.CDLL(None, use_errno=True)  # the symbols already loaded: libc's on Linux
        armed = libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) == 0
    except (OSError, AttributeError, TypeError):  # no prctl (macOS) or no CDLL(None) (Windows): watchdog
        pass
    if not armed:
        threading.Thread(target=_watch_parent, args=(parent_pid,), name="toponet-parent-watchdog",
                         daemon=True).start()
    if os.getppid() != parent_pid:  # the parent died before prctl took effect
        os._exit(1)


def parallel_map(func: Callable, arg_tuples: Iterable[tuple], n_jobs: int) -> Iterator[Any]:
    """``func(*args)`` for every ``args`` of ``arg_tuples``, in ``n_jobs`` worker processes.

    Parameters
    ----------
    func : module-level function (pickled to the workers); :func:`call` runs ``(f, args)`` pairs
    arg_tuples : iterable of tuples, consumed lazily
    n_jobs : int >= 1; 1 runs in this process, with no worker at all

    Yields
    ------
    The results in the order of ``arg_tuples``, each as soon as it and all before it are done.
    An exception in a worker is raised here at its position. Closing the iterator early (or
    an exception in the consumer) terminates the workers; a parent killed outright takes
    them with it (see the module docstring).
    """
    n_jobs = check_int(n_jobs, name="n_jobs", low=1)
    if n_jobs == 1:
        for args in arg_tuples:
            yield func(*args)
        return
    ctx = multiprocessing.get_context("spawn")
    with ctx.Pool(n_jobs, initializer=_die_with_parent, initargs=(os.getpid(),)) as pool:
        yield from pool.imap(_star, ((func, tuple(args)) for args in arg_tuples))


def _star(task: tuple[Callable, tuple]) -> Any:
    func, args = task
    return func(*args)
