"""One build of a project at a time: ``build.py`` and a running ``serve`` take turns.

Two builds at once would share the staging tree, the search pages' folder
and ``.cache/``: each could publish files the other half wrote. Every build
that writes (and serve's work between saves, which brings the staging tree
up to date) holds an advisory lock on ``.cache/build.lock``; a second one
says it waits and waits. A lock dies with its process, so a killed build
never leaves one behind.
"""

from __future__ import annotations

import os
import sys
from contextlib import contextmanager
from pathlib import Path

try:
    import fcntl
except ImportError:  # (not POSIX: builds are not kept apart)
    fcntl = None

LOCK_FILE = Path(".cache") / "build.lock"


@contextmanager
def project_lock(root: Path, waiting: str | None = None):
    """Hold the project's build lock; ``waiting``: said on stderr if another holds it first."""
    if fcntl is None:
        yield
        return
    path = Path(root) / LOCK_FILE
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError:  # a read-only project: nothing can be written to share, either
        yield
        return
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            if waiting:
                print(waiting, file=sys.stderr, flush=True)
            fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # (closing releases the lock)
