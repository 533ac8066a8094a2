"""Issue 23, defect 4: :func:`toponet.workers.parallel_map` gives a serial map's results, and its
worker processes (and multiprocessing's resource tracker) end when their parent is killed."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from toponet.workers import call, parallel_map

REPO = Path(__file__).resolve().parents[1]


def _power(base, exponent):
    return base ** exponent


def _fail_on_three(x):
    if x == 3:
        raise ValueError("three")
    return x


def test_results_equal_a_serial_map_in_order():
    args = [(b, e) for b in range(7) for e in range(3)]
    assert list(parallel_map(_power, args, 2)) == [b ** e for b, e in args]
    assert list(parallel_map(_power, iter(args), 1)) == [b ** e for b, e in args]


def test_call_runs_a_different_function_per_task():
    tasks = [(_power, (2, 5)), (abs, (-3,)), (_power, (3, 2))]
    assert list(parallel_map(call, tasks, 2)) == [32, 3, 9]


def test_a_worker_exception_is_raised_at_its_position():
    seen = []
    with pytest.raises(ValueError, match="three"):
        for value in parallel_map(_fail_on_three, [(x,) for x in range(6)], 2):
            seen.append(value)
    assert seen == [0, 1, 2]


def test_n_jobs_is_checked():
    with pytest.raises(ValueError, match="n_jobs must be >= 1; got 0"):
        list(parallel_map(_power, [(1, 1)], 0))


PARENT = textwrap.dedent("""\
    import json, os, sys, time
    from toponet.workers import parallel_map

    def children(pid):
        found = []
        for entry in os.listdir("/proc"):
            try:
                with open(f"/proc/{entry}/stat") as fh:
                    fields = fh.read().rsplit(")", 1)[1].split()
            except (OSError, IndexError):
                continue
            if int(fields[1]) == pid:
                found.append(int(entry))
        return found

    if __name__ == "__main__":
        results = parallel_map(time.sleep, [(0.05,)] * 2 + [(60,)] * 20, 2)
        next(results), next(results)             # both workers have started and answered
        print(json.dumps({"parent": os.getpid(), "children": children(os.getpid())}), flush=True)
        list(results)                            # 60 s tasks: killed long before they end
    """)


def _alive(pid: int) -> bool:
    """Running (a zombie, dead but not yet reaped by init, does not count)."""
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc (Linux)")
def test_workers_and_the_resource_tracker_die_with_a_killed_parent(tmp_path):
    script = tmp_path / "parent.py"
    script.write_text(PARENT)
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    proc = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, text=True, env=env)
    try:
        info = json.loads(proc.stdout.readline())
        kids = info["children"]
        assert len(kids) >= 2 and all(_alive(pid) for pid in kids), info   # 2 workers (+ resource tracker)
        os.kill(info["parent"], signal.SIGKILL)
        proc.wait(timeout=10)
        deadline = time.monotonic() + 5
        while any(_alive(pid) for pid in kids) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not [pid for pid in kids if _alive(pid)], f"still alive 5 s after the parent's SIGKILL: {kids}"
    finally:
        if proc.poll() is None:
            proc.kill()
