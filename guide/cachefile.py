"""Files the build keeps for itself (``.cache/``): written whole, read back only when whole.

A file is written under a temporary name and renamed into place, so a build
that is interrupted leaves the old file or the new one, never half of one.
A pickle is saved with a tag (a format version, or the key of what it was
made from) and read back only when the tag still matches; a missing, broken
or foreign file reads as nothing, which costs the work it would have saved.
"""

from __future__ import annotations

import os
import pickle
import re
from pathlib import Path

# What reading a file that is missing, cut short or from another version raises.
_UNREADABLE = (OSError, EOFError, pickle.UnpicklingError, ValueError, TypeError, AttributeError, ImportError)


# The temporary name of a file being written: "<name>.<pid of the writer>.tmp".
_PART = re.compile(r"^(.+)\.(\d+)\.tmp$")


def part_written(name: str) -> tuple[str, int] | None:
    """For the temporary name of a file being written: (the file's name, the writer's pid)."""
    match = _PART.match(name)
    return (match.group(1), int(match.group(2))) if match else None


def write_whole(path: Path, data: bytes) -> None:
    """``data`` at ``path``, whole or not at all; raises OSError."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    try:
        with open(tmp, "wb") as f:
            f.write(data)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)  # (a full disk: not a part-written file left behind)
        raise


def save_pickle(path: Path, tag, value) -> None:
    """``value`` at ``path`` under ``tag``; raises OSError."""
    write_whole(path, pickle.dumps((tag, value), protocol=pickle.HIGHEST_PROTOCOL))


def load_pickle(path: Path, tag, kind: type | None = None):
    """What ``save_pickle`` saved under ``tag`` (and of ``kind``), or None."""
    try:
        with open(path, "rb") as f:
            saved_tag, value = pickle.load(f)
    except _UNREADABLE:
        return None
    if saved_tag != tag or (kind is not None and not isinstance(value, kind)):
        return None
    return value
