"""The record cache: conference files that did not change are not read or checked again.

Reading and checking one record depends on the file and on the guide, unit
and edition files (fields, units, confidential rules) and this code. For each
record file the cache keeps its typed ``Conference``, the problems reading,
checking and the confidential scan found in it, and the content texts it
uses (for the content catalog); a record whose file and context are
unchanged is replayed from the cache. Rules across records (quotas,
duplicates, ids) are checked on every build.

A file is known by (size, mtime in ns, inode): editing it, or replacing it,
changes that key.
"""

from __future__ import annotations

import hashlib
import operator
import os
from dataclasses import dataclass, field
from pathlib import Path

from .cachefile import load_pickle, save_pickle
from .problems import Problem, Problems
from .records import Conference, Source, Text

VERSION = 3   # 2: Text is a named tuple; 3: ident
CACHE_FILE = Path(".cache") / "records.pickle"


@dataclass
class CachedRecord:
    stat: tuple[int, int, int]
    context: str = ""
    conference: Conference | None = None
    problems: list[Problem] = field(default_factory=list)   # reading, checking, confidential scan
    text_uses: list[tuple[Text, Source]] = field(default_factory=list)
    # A record that does not check: the id it gives, if a valid one, and where
    # (validation.written_id: its duplicates are said in the same run).
    ident: tuple[str, tuple[int, int]] | None = None


def stat_key(path: Path | str) -> tuple[int, int, int] | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (st.st_size, st.st_mtime_ns, st.st_ino)


def context_key(paths: list[Path]) -> str:
    """The files every record is checked against, and this code."""
    from .fingerprint import code_digest  # (fingerprint imports translation, which imports this)
    return hashlib.sha256(repr([code_digest(), *(stat_key(p) for p in paths)]).encode()).hexdigest()


# serve rebuilds after every save: the guide, unit and edition files and the
# catalogs are read again only when they change (their problems are reported again).
_UNCHANGED: dict[tuple[str, str], tuple] = {}


def read_unless_unchanged(kind: str, path: Path, problems: Problems, read):
    """``read()``, or what it gave the last time in this process if ``path`` kept its stat."""
    stat = stat_key(path)
    hit = _UNCHANGED.get((kind, str(path)))
    if stat is not None and hit is not None and hit[0] == stat:
        problems.replay(hit[2])
        return hit[1]
    start = len(problems.items)
    value = read()
    if stat is not None:
        _UNCHANGED[(kind, str(path))] = (stat, value, problems.items[start:])
    return value


def remember_written(kind: str, path: Path, value) -> None:
    """After this process wrote ``path`` with what ``read`` gives ``value`` back as: the
    next ``read_unless_unchanged`` gives it without reading (serve saves the PDF
    memo at every save; reading 10,000 entries back cost some 15 ms)."""
    stat = stat_key(path)
    if stat is not None:
        _UNCHANGED[(kind, str(path))] = (stat, value, [])


class RecordMemo:
    """Values made from a record and a few other objects (catalogs), kept for the next
    build of this process.

    serve replays an unchanged record as the same object (this cache's): while
    it and the other objects are the very same, so is the value. The memo
    holds them, so an identity is never that of a new object at a freed
    address. Records not asked for in a build are dropped at the next.
    """

    def __init__(self):
        self._last: dict[int, tuple] = {}
        self._now: dict[int, tuple] = {}

    def begin(self) -> None:
        """A new build: what the last one asked for is what can be reused."""
        self._last, self._now = self._now, {}

    def get(self, record, others: tuple, make):
        hit = self._last.get(id(record))
        # (identities compared in C: 20,000 calls a build at N = 10,000)
        if (hit is not None and hit[0] is record and len(hit[1]) == len(others)
                and all(map(operator.is_, hit[1], others))):
            value = hit[2]
        else:
            value = make()
        self._now[id(record)] = (record, others, value)
        return value


class RecordCache:
    def __init__(self, entries: dict[str, CachedRecord] | None = None):
        self.entries: dict[str, CachedRecord] = entries or {}
        self.fresh: dict[str, CachedRecord] = {}   # this build's, the cache once it ends
        self.hits = 0
        self.dirty = False                          # entries differ from the file

    @classmethod
    def load(cls, root: Path) -> "RecordCache":
        return cls(load_pickle(root / CACHE_FILE, VERSION, dict))

    def commit(self) -> None:
        """This build's entries become the cache (records gone are dropped)."""
        # Every entry of this build found unchanged, and as many as before:
        # the same entries, nothing to save.
        if not self.hits == len(self.fresh) == len(self.entries):
            self.dirty = True
        self.entries, self.fresh, self.hits = self.fresh, {}, 0

    def save(self, root: Path) -> None:
        """Write the committed entries when they changed (pickling 10,000 records costs 0.5 s)."""
        if not self.dirty:
            return
        try:
            save_pickle(root / CACHE_FILE, VERSION, self.entries)
            self.dirty = False
        except OSError:
            pass  # a read-only project: the next build reads every record again

    def lookup(self, path: Path, stat: tuple | None, context: str) -> CachedRecord | None:
        entry = self.entries.get(str(path))
        if entry is None or stat is None or entry.stat != stat or entry.context != context:
            return None
        self.fresh[str(path)] = entry
        self.hits += 1
        return entry

    def begin(self, path: Path, stat: tuple | None, context: str) -> CachedRecord | None:
        """A record read and checked in this build; None when its file cannot be known."""
        if stat is None:
            return None
        entry = self.fresh[str(path)] = CachedRecord(stat, context)
        return entry
