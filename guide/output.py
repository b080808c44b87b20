"""Writes the rendered site: every path once, only changed bytes, swapped in whole.

The build writes into a staging tree beside ``site/`` and, on success, swaps
the two with one atomic rename, so readers and a failed build never see a
half-written site. The previous tree becomes the next staging tree, so a
rebuild rewrites only files whose bytes changed (fresh files are slow to
create on these disks, and unchanged ones keep their mtimes for servers).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import shutil
from pathlib import Path, PurePosixPath


class OutputCollision(Exception):
    """Two outputs of one build claimed the same path."""


class Output:
    def __init__(self):
        self.files: dict[str, bytes] = {}

    def add(self, path: str, data: bytes) -> None:
        norm = PurePosixPath(path)
        if norm.is_absolute() or ".." in norm.parts or not norm.parts:
            raise ValueError(f"output path outside the site: {path!r}")
        key = norm.as_posix()
        if key in self.files:
            raise OutputCollision(f"two outputs would be written to {key}")
        self.files[key] = data

    def __len__(self) -> int:
        return len(self.files)


_RENAME_EXCHANGE = 2


def _exchange(a: Path, b: Path) -> bool:
    """Atomically swap two paths (Linux renameat2); False where unsupported."""
    libc_name = ctypes.util.find_library("c")
    if not libc_name:
        return False
    libc = ctypes.CDLL(libc_name, use_errno=True)
    fn = getattr(libc, "renameat2", None)
    if fn is None:
        return False
    AT_FDCWD = -100
    rc = fn(AT_FDCWD, os.fsencode(a), AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE)
    return rc == 0


def staging_dir(site: Path) -> Path:
    return site.with_name(f".{site.name}.staging")


def sync_tree(root: Path, files: dict[str, bytes], keep: tuple[str, ...] = (),
              under: str = "") -> tuple[int, int]:
    """Make ``root`` hold exactly ``files``; returns (written, removed).

    Only the part of the tree below ``under`` is managed; files below a prefix
    in ``keep`` are left alone (another stage writes them later).
    """
    written = removed = 0
    root.mkdir(parents=True, exist_ok=True)
    made_dirs: set[Path] = set()
    for rel, data in files.items():
        path = root / rel
        try:
            if path.stat().st_size == len(data) and path.read_bytes() == data:
                continue
        except FileNotFoundError:
            pass
        except IsADirectoryError:
            shutil.rmtree(path)
        parent = path.parent
        if parent not in made_dirs:
            if parent.is_file():
                parent.unlink()
            parent.mkdir(parents=True, exist_ok=True)
            made_dirs.add(parent)
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_bytes(data)
        os.replace(tmp, path)
        written += 1
    wanted = set(files)
    top = root / under if under else root
    for dirpath, dirnames, filenames in os.walk(top, topdown=False):
        d = Path(dirpath)
        for name in filenames:
            rel = (d / name).relative_to(root).as_posix()
            if rel not in wanted and not rel.startswith(keep):
                (d / name).unlink()
                removed += 1
        if d != root and not any(d.iterdir()):
            d.rmdir()
    return written, removed


def stage(site: Path, files: dict[str, bytes], keep: tuple[str, ...] = ()) -> tuple[Path, int, int]:
    """Bring the staging tree beside ``site`` to ``files``; ``site`` is not touched.

    Returns (staging dir, written, removed). Later stages may add files below
    a ``keep`` prefix with ``sync_tree(staging, ..., under=prefix)`` before
    ``swap``.
    """
    site = site.resolve()
    staging = staging_dir(site)
    if not staging.exists() and site.exists():
        # First build on this machine with an old site: start from a copy so
        # that only changed files are written (hard links cost no data).
        shutil.copytree(site, staging, copy_function=os.link)
    written, removed = sync_tree(staging, files, keep=keep)
    return staging, written, removed


def swap(site: Path) -> None:
    """Make the staging tree the new ``site/`` in one atomic rename."""
    site = site.resolve()
    staging = staging_dir(site)
    if site.exists():
        if not _exchange(staging, site):
            old = site.with_name(f".{site.name}.old")
            if old.exists():
                shutil.rmtree(old)
            os.rename(site, old)
            os.rename(staging, site)
            os.rename(old, staging)
    else:
        os.rename(staging, site)
    # The old tree now waits in the staging place; bring it up to date lazily
    # at the next build (sync_tree compares bytes, so it converges).


def publish(site: Path, files: dict[str, bytes]) -> tuple[int, int]:
    """Write ``files`` as the new ``site/`` in one swap. Returns (written, removed)."""
    _, written, removed = stage(site, files)
    swap(site)
    return written, removed
