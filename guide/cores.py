"""How many processes a build may keep busy: the cores this process may run on.

os.cpu_count() counts the machine's cores. A container or CI runner limited
to fewer (by CPU affinity, as `taskset` and Docker's --cpuset-cpus set, or by
a cgroup CPU quota, as Docker's --cpus sets, in cgroup v2 or v1) would get that many workers
sharing its few cores, each holding its own copy of the templates and
records, and the build slower than with fewer.
"""

from __future__ import annotations

import math
import os
import signal
import sys
from pathlib import Path

CGROUP_CPU_MAX = Path("/sys/fs/cgroup/cpu.max")
# cgroup v1 (hosts before systemd's switch, some CI runners): the quota and
# its period in two files, where the cpu controller is mounted.
CGROUP_V1_CPU = (Path("/sys/fs/cgroup/cpu"), Path("/sys/fs/cgroup/cpu,cpuacct"))


def usable_cores() -> int:
    try:
        cores = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):   # (not on every platform)
        cores = os.cpu_count() or 1
    quota = _cgroup_quota(CGROUP_CPU_MAX)
    if quota is None:
        quota = next((q for q in map(_cgroup_v1_quota, CGROUP_V1_CPU) if q), None)
    return max(1, min(cores, quota) if quota else cores)


def _cgroup_quota(path: Path) -> int | None:
    """cgroup v2's "QUOTA PERIOD" in microseconds as whole cores (rounded up),
    or None for no limit ("max") or no such file."""
    try:
        quota, _, period = path.read_text().strip().partition(" ")
        if quota == "max":
            return None
        return max(1, math.ceil(int(quota) / int(period or 100_000)))
    except (OSError, ValueError, ZeroDivisionError):
        return None


def _cgroup_v1_quota(folder: Path) -> int | None:
    """cgroup v1's cpu.cfs_quota_us over cpu.cfs_period_us as whole cores (rounded
    up), or None for no limit (a quota of -1) or no such files."""
    try:
        quota = int((folder / "cpu.cfs_quota_us").read_text())
        period = int((folder / "cpu.cfs_period_us").read_text())
        return max(1, math.ceil(quota / period)) if quota > 0 and period > 0 else None
    except (OSError, ValueError):
        return None


# Pool workers and Ctrl-C, which reaches the whole process group: either way
# the parent reports the interrupt, and no worker prints its traceback.

def leave_interrupts_to_the_parent() -> None:
    """A render worker (multiprocessing.Pool): it ignores Ctrl-C, and the parent
    stops the pool; a worker ended at once would leave its task lost, and the
    pool waiting for it."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _own_process()


def quiet_at_interrupt() -> None:
    """A worker of a ProcessPoolExecutor (PDFs, records): Ctrl-C ends it at once
    and quietly, and the executor fails its futures; the parent does not wait
    for the queued work. Where the parent ignores Ctrl-C (a build started in the
    background), so does the worker."""
    if signal.getsignal(signal.SIGINT) is not signal.SIG_IGN:
        signal.signal(signal.SIGINT, signal.SIG_DFL)
    _own_process()


def _own_process() -> None:
    """A forked worker: ended by SIGTERM (Pool.terminate) quietly, not by serve's
    handler; and its own stdout/stderr objects, whose locks no thread of the
    parent (serve's request threads) held when it forked."""
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    for name, fd in (("stdout", 1), ("stderr", 2)):
        old = getattr(sys, name)
        if old is not None:
            setattr(sys, name, open(fd, "w", encoding=getattr(old, "encoding", None),
                                    errors=getattr(old, "errors", None), buffering=1, closefd=False))
