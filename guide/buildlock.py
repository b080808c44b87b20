"""One build of a project at a time: ``build.py`` and a running ``serve`` take turns.

Two builds at once would share the staging tree, the search pages' folder
and ``.cache/``: each could publish files the other half wrote. Every build
that writes (and serve's work between saves, which brings the staging tree
up to date) holds an advisory lock on ``.cache/build.lock``; a second one
says it waits and waits. The lock belongs to the open file, which the
system closes when the process ends, so a killed build leaves none behind:
processes forked while it is held (render and PDF workers, which may
outlive a killed parent for a while) close their copy at once.
"""

from __future__ import annotations

import os
import sys
from contextlib import contextmanager
from pathlib import Path

from .wording import shown, tr

try:
    import fcntl
except ImportError:  # (not POSIX: builds are not kept apart)
    fcntl = None

LOCK_FILE = Path(".cache") / "build.lock"
WAITING = tr("waiting for another build of this project to finish (build.py, or serve rebuilding)...")
SERVE_WAITING = tr("serve: %(waiting)s", waiting=WAITING)   # (what serve says while it waits)
_held: set[int] = set()   # this process's lock files while it holds them


def _close_in_child() -> None:
    # (close, never unlock: unlocking the shared open file would free the parent's lock)
    for fd in _held:
        try:
            os.close(fd)
        except OSError:
            pass
    _held.clear()


if fcntl is not None:
    os.register_at_fork(after_in_child=_close_in_child)


@contextmanager
def project_lock(root: Path, waiting: str | None = None):
    """Hold the project's build lock; ``waiting``: said on stderr if another holds it first.

    A folder without content/ is no project: nothing to keep apart, and no
    lock file is left in it (its build only says that it is none)."""
    fd = _lock(Path(root) / LOCK_FILE, waiting) if (Path(root) / "content").is_dir() else None
    try:
        yield
    finally:
        if fd is not None:
            _held.discard(fd)
            os.close(fd)  # (closing releases the lock)


def _lock(path: Path, waiting: str | None) -> int | None:
    """The locked file's descriptor; None where there are no locks to take (not
    POSIX, a read-only project, a file system that refuses them, as some network
    shares do): the build goes on as before there were locks."""
    if fcntl is None:
        return None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    except PermissionError:  # another user's lock file: a lock needs only reading it
        try:
            fd = os.open(path, os.O_RDONLY)
        except OSError:
            return None
    except OSError:
        return None
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            if waiting:
                print(shown(waiting), file=sys.stderr, flush=True)
            fcntl.flock(fd, fcntl.LOCK_EX)
    except OSError:
        os.close(fd)
        return None
    except BaseException:  # an interrupt while waiting
        os.close(fd)
        raise
    _held.add(fd)
    return fd
