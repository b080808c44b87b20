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
import hashlib
import os
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from zlib_ng import zlib_ng

from .cachefile import load_pickle, save_pickle
from .wording import tr


class OutputCollision(Exception):
    """Two outputs of one build claimed the same path."""


class Output:
    """The paths of one build's files: each may be claimed once."""

    def __init__(self):
        self.paths: set[str] = set()

    def claim(self, path: str) -> None:
        if path and path[0] != "/" and "//" not in path and "/./" not in f"/{path}/" \
                and "/../" not in f"/{path}/" and not path.endswith("/"):
            key = path  # already normal: the usual case, checked cheaply
        else:
            norm = PurePosixPath(path)
            if norm.is_absolute() or ".." in norm.parts or not norm.parts:
                raise ValueError(tr("output path outside the site: %(path)s", path=repr(path)))
            key = norm.as_posix()
        if key in self.paths:
            raise OutputCollision(tr("two outputs would be written to %(path)s", path=key))
        self.paths.add(key)

    def claim_distinct(self, paths) -> None:
        """Claim ``paths`` (a set, or a dict's keys), normal and distinct from each other
        (a build claimed them, or they are made so)."""
        if not self.paths.isdisjoint(paths):
            raise OutputCollision(tr("two outputs would be written to %(path)s",
                                     path=min(self.paths.intersection(paths))))
        self.paths.update(paths)

    def __len__(self) -> int:
        return len(self.paths)


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


def search_pages_dir(site: Path) -> Path:
    """The searchable pages, linked for Pagefind (searchindex.py), kept between builds."""
    return site.with_name(f".{site.name}.search")


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
    # The old tree now waits in the staging place; the next build brings it
    # up to date (TreeWriter: only files whose bytes differ).


def publish(site: Path, files: dict[str, bytes]) -> tuple[int, int]:
    """Write ``files`` as the new ``site/`` in one swap. Returns (written, removed)."""
    writer = TreeWriter(site, {})
    for rel, data in files.items():
        writer.put(rel, data)
    removed = writer.remove_others(files)
    swap(site)
    return writer.written, removed


# -- incremental writing ------------------------------------------------------
# A file is known by (inode, size, mtime in ns): the digest recorded for that
# key when the build wrote or linked it. Anything that touches a file
# (another program, an interrupted build) gives it a new key, and an unknown
# key is never trusted: the file is written again.
StatKey = tuple[int, int, int]


def digest_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


# Text files get a gzip copy beside them (X.gz) for servers that send it as
# is (nginx gzip_static, Caddy precompressed): no compression per request.
# Every text file, whatever its size: which files have a copy must not
# depend on how long a page happens to be.
PRECOMPRESSED = (".html", ".css", ".js", ".json", ".xml", ".csv", ".ics", ".txt", ".svg")


def companions(rel: str) -> tuple[str, ...]:
    """The files staged with ``rel``: its gzip copy, for text."""
    return (rel + ".gz",) if rel.endswith(PRECOMPRESSED) else ()


# zlib-ng at level 6: at N = 10,000 the build compresses 330 MB in 60,000
# files; zlib at level 9 took 5.0 s of a core, zlib-ng at 6 takes 3.0 s for
# 1.3 % more bytes (zlib at 6: 4.0 s; most pages are small, Chinese text in
# UTF-8, on which levels differ little in time).
GZIP_LEVEL = 6


def precompressed(rel: str, data: bytes) -> bytes | None:
    if not rel.endswith(PRECOMPRESSED):
        return None
    # A gzip member with no file name and mtime 0: the same bytes give the same file.
    return zlib_ng.compress(data, GZIP_LEVEL, wbits=31)


def scan_tree(root: Path) -> dict[str, StatKey]:
    """Every file below ``root`` (relative POSIX path -> stat key)."""
    out: dict[str, StatKey] = {}
    if not root.is_dir():
        return out
    stack = [("", str(root))]
    while stack:
        prefix, d = stack.pop()
        with os.scandir(d) as entries:
            for e in entries:
                if e.is_dir(follow_symlinks=False):
                    stack.append((f"{prefix}{e.name}/", e.path))
                else:
                    st = e.stat(follow_symlinks=False)
                    out[prefix + e.name] = (st.st_ino, st.st_size, st.st_mtime_ns)
    return out


@dataclass
class OutputRecord:
    fingerprint: str | None
    digest: str
    searchable: bool = False


@dataclass
class BuildState:
    """What the last successful build published, kept in .cache/build/ per output folder."""

    outputs: dict[str, OutputRecord] = field(default_factory=dict)
    known: dict[StatKey, str] = field(default_factory=dict)
    search_inputs: str = ""
    # What the whole build was made of (Fingerprints.site); "" after a preview,
    # which lets files lag.
    whole: str = ""
    # What every file was scanned with for confidential text (Fingerprints.scanned:
    # the rules and the scanner); "" when some were not.
    scanned: str = ""
    VERSION = 1

    @staticmethod
    def path_for(cache: Path, site: Path) -> Path:
        return cache / "build" / (hashlib.sha256(str(site.resolve()).encode()).hexdigest()[:24] + ".pickle")

    @classmethod
    def load(cls, path: Path) -> "BuildState":
        return load_pickle(path, cls.VERSION, cls) or cls()

    def save(self, path: Path) -> None:
        save_pickle(path, self.VERSION, self)

    def records_under(self, prefix: str) -> dict[str, OutputRecord]:
        """The records of the outputs below ``prefix`` (remembered: serve asks for
        the search bundle's at every save, among 150,000 at N = 10,000)."""
        found = self.__dict__.get("_under")
        if found is None or found[0] != prefix:
            found = self.__dict__["_under"] = (prefix, {p: r for p, r in self.outputs.items() if p.startswith(prefix)})
        return found[1]

    def remember_under(self, prefix: str, records: dict[str, OutputRecord]) -> None:
        """``records_under(prefix)`` known already: the records of every output below
        ``prefix`` (a build that carried the last one's search bundle over)."""
        self.__dict__["_under"] = (prefix, records)

    def remember_pages(self, searchable: dict[str, str], pages: int) -> None:
        """The searchable pages (path -> digest) and how many pages there are among
        the outputs, the search bundle's aside (serve's next save patches them)."""
        self.__dict__["_pages"] = (searchable, pages)

    def counted_pages(self) -> tuple[dict[str, str], int] | None:
        return self.__dict__.get("_pages")

    def __getstate__(self) -> dict:
        return {k: v for k, v in self.__dict__.items() if k not in ("_under", "_pages")}


def _link_copy(src: Path, dst: Path) -> None:
    """``dst``: a copy of the tree ``src`` made of hard links, there whole or not at all."""
    tmp = dst.with_name(dst.name + ".copying")
    shutil.rmtree(tmp, ignore_errors=True)
    cp = shutil.which("cp")
    try:
        if cp is None:
            raise OSError("no cp")
        # One cp per top-level folder, all at once: linking is system time
        # spent in the kernel, and on two cores two of them take about half
        # as long as one (150,000 files: 5.6 s -> 3.1 s measured here).
        tmp.mkdir()
        running = []
        try:
            with os.scandir(src) as entries:
                for e in entries:
                    if e.is_dir(follow_symlinks=False):
                        running.append(subprocess.Popen([cp, "-al", "--", e.path, str(tmp / e.name)],
                                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
                    else:
                        os.link(e.path, tmp / e.name, follow_symlinks=False)
        finally:
            codes = [proc.wait() for proc in running]
        if any(codes):
            raise OSError("cp -al failed")
    except OSError:
        shutil.rmtree(tmp, ignore_errors=True)
        shutil.copytree(src, tmp, copy_function=os.link)
    os.rename(tmp, dst)  # whole, or not there


class TreeWriter:
    """Brings the staging tree to the new site, touching only files whose bytes change.

    The staging tree holds the build before the published one (the trees swap
    on every build); a file that did not change since the published build is
    hard-linked from ``site/`` rather than rendered again.
    """

    def __init__(self, site: Path, known: dict[StatKey, str], trees: tuple | None = None,
                 published: dict[str, "OutputRecord"] | None = None):
        """``trees``: what each tree held after the last build of this process
        (``trees_after_swap``). ``published``: the published build's records (its
        text files and their gzip copies, made together)."""
        self.site = site.resolve()
        self.staging = staging_dir(self.site)
        self._base = f"{self.staging}/"
        self.known = known
        self.published = published or {}
        self._in_staging: dict[str, StatKey] | None = None
        # serve: what this process wrote in the last build, trusted without
        # walking the trees again (they swapped since).
        self.from_trees = trees is not None and trees[0] == self.identity()
        if self.from_trees:
            self._in_staging, self.in_site = trees[1], trees[2]
        else:
            # site/ is listed whole: a build whose files are all published
            # already (nothing changed) is decided from it alone.
            self.in_site = scan_tree(self.site)
        self.written = 0
        self._dirs: set[str] = set()
        # Files ``put`` found published while staging was not opened yet: what
        # staging holds there (once opened) is not known to be their bytes.
        self._left_published: set[str] = set()

    @property
    def in_staging(self) -> dict[str, StatKey]:
        """What the staging tree holds. It is made and listed when first needed:
        a build that changes nothing never touches it."""
        if self._in_staging is None:
            if not self.staging.exists() and self.site.exists():
                # The first build that changes something after a cold one (or
                # with an old site): start from a copy so that only changed
                # files are written (hard links cost no data; cp does it
                # faster than Python).
                _link_copy(self.site, self.staging)
            self.staging.mkdir(parents=True, exist_ok=True)
            # Files written below it leave the folder's own times alone: touched,
            # its change time tells serve, which trusts its listing of the trees
            # while their identity holds, that another build (a build.py that
            # then failed or was stopped before its swap) wrote in it.
            os.utime(self.staging)
            self._in_staging = scan_tree(self.staging)
        return self._in_staging

    def open_staging(self) -> None:
        """Make the staging tree now (before forking workers that write into it)."""
        self.in_staging  # noqa: B018 - the property makes it

    @property
    def opened(self) -> bool:
        return self._in_staging is not None

    def staged_key(self, rel: str) -> StatKey | None:
        """``rel``'s stat key in staging; None also while staging is not opened, and
        for a file ``put`` left published (staging may hold older bytes there)."""
        if self._in_staging is None or rel in self._left_published:
            return None
        return self._in_staging.get(rel)

    def publishes(self, wanted: dict[str, str]) -> bool:
        """True when site/ holds exactly ``wanted`` (path -> SHA-256), known by stat key."""
        return len(self.in_site) == len(wanted) and all(
            self.published_digest(rel) == digest for rel, digest in wanted.items())

    def identity(self) -> tuple:
        """The two tree folders, by inode and change time: a swap exchanges them
        (and sets their change times: two swaps by other builds, which bring the
        inodes back where they were, are seen), a deletion changes them."""
        def ino(p: Path):
            try:
                st = os.stat(p)
            except OSError:
                return None
            return (st.st_ino, st.st_ctime_ns)
        return (ino(self.site), ino(self.staging))

    def trees_now(self) -> tuple | None:
        """What each tree holds, for the next TreeWriter of this process (None: let it look)."""
        if self._in_staging is None:
            return None
        return (self.identity(), self._in_staging, self.in_site)

    def trees_after_swap(self) -> tuple:
        """Called after ``swap``: what each tree now holds, for the next TreeWriter
        (the staging folder holds what was published, and the reverse)."""
        return (self.identity(), self.in_site, self.in_staging)

    # -- what is there ----------------------------------------------------------
    def staged_digest(self, rel: str) -> str | None:
        key = self.in_staging.get(rel)
        return self.known.get(key) if key else None

    def published_digest(self, rel: str) -> str | None:
        key = self.in_site.get(rel)
        return self.known.get(key) if key else None

    def can_reuse(self, rel: str, digest: str) -> bool:
        return self.published_digest(rel) == digest or self.staged_digest(rel) == digest

    # -- changing staging --------------------------------------------------------
    def _prepare(self, rel: str) -> Path:
        path = self.staging / rel
        self._make_parent(rel)
        if path.is_dir():
            self._clear_folder(rel, path)
        return path

    def _make_parent(self, rel: str) -> None:
        """The folder ``rel`` goes in, made in staging if this writer has not yet.

        Paths are strings here, not Path objects: building one took about as
        long as creating the file (121,000 files at N = 10,000)."""
        parent = rel.rpartition("/")[0]
        if not parent or parent in self._dirs:
            return
        grand = parent.rpartition("/")[0]
        if grand and grand not in self._dirs:
            self._make_parent(parent)
        full = self._base + parent
        try:
            os.mkdir(full)
        except FileExistsError:
            if not os.path.isdir(full):
                self._clear_way(full)
        except (NotADirectoryError, FileNotFoundError):   # (a folder above gone since: made again)
            self._clear_way(full)
        self._dirs.add(parent)

    def _clear_way(self, folder: str) -> None:
        """Make ``folder`` and those above it, where a file of an older build may stand in the way."""
        for up in [Path(folder), *Path(folder).parents]:
            if up == self.staging:
                break
            if up.is_file():
                up.unlink(missing_ok=True)   # (another worker may have been first)
                self.in_staging.pop(up.relative_to(self.staging).as_posix(), None)
        os.makedirs(folder, exist_ok=True)

    def _clear_folder(self, rel: str, path: Path) -> None:
        """Delete the folder ``path`` (at ``rel``) where a file of this build goes."""
        shutil.rmtree(path)
        inside = rel + "/"
        for gone in [r for r in self.in_staging if r.startswith(inside)]:
            del self.in_staging[gone]

    def _record(self, rel: str, path: Path | str, digest: str, st: os.stat_result | None = None) -> None:
        st = st or os.stat(path)
        key = (st.st_ino, st.st_size, st.st_mtime_ns)
        self.in_staging[rel] = key
        self.known[key] = digest
        self.written += 1
        self._left_published.discard(rel)

    def _create(self, rel: str, data: bytes, digest: str) -> bool:
        """Write a file staging does not have, in place: False when something is there after all.

        Nothing in staging is published before the swap, so a new file needs
        no temporary name; an existing one may be a hard link to a published
        file and is only ever replaced (``put``).
        """
        path = self._base + rel
        self._make_parent(rel)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        except OSError:
            return False
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view):]
            st = os.fstat(fd)
        finally:
            os.close(fd)
        self._record(rel, path, digest, st)
        return True

    def put(self, rel: str, data: bytes, digest: str | None = None) -> bool:
        """Write ``data`` unless staging already holds it; True when written."""
        digest = digest or digest_bytes(data)
        if self._leave_published(rel, digest):
            return False
        staged = self.staged_digest(rel)
        if staged == digest:
            return False
        key = self.in_staging.get(rel)
        if key is None and self._create(rel, data, digest):
            return True  # (most files of a cold build)
        if staged is None and key is not None and key[1] == len(data):
            # A file this build knows nothing of (no build state, or another
            # program wrote it): compare bytes rather than rewrite.
            try:
                if (self.staging / rel).read_bytes() == data:
                    self.known[key] = digest
                    return False
            except OSError:
                pass
        path = self._prepare(rel)
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_bytes(data)
        os.replace(tmp, path)
        self._record(rel, path, digest)
        return True

    def link(self, rel: str, source: Path | str, digest: str, key: StatKey | None = None) -> bool:
        """Place ``source`` (a file never changed in place) at ``rel``, by hard link where possible.

        ``key``: the source's stat key, when known (a hard link shares it).
        """
        if self.staged_digest(rel) == digest:
            return False
        path = self.staging / rel
        self._make_parent(rel)
        try:
            if rel in self.in_staging:
                raise FileExistsError(rel)
            os.link(source, path)  # a new name: nothing to replace
        except OSError:
            # Something is there (perhaps a hard link to a published file):
            # replace it, never write into it.
            if path.is_dir():
                self._clear_folder(rel, path)
            tmp = path.with_name(path.name + ".tmp")
            tmp.unlink(missing_ok=True)
            try:
                os.link(source, tmp)
            except OSError:
                shutil.copyfile(source, tmp)
                key = None
            os.replace(tmp, path)
            # (A rename between two names of one file does nothing and keeps both:
            # the case of a staging tree already linked to the source, as in a
            # project copied with its hard links, cp -a or rsync -H. The tmp name
            # would be published.)
            tmp.unlink(missing_ok=True)
        if key is None:
            self._record(rel, path, digest)
        else:
            self.in_staging[rel] = key
            self.known[key] = digest
            self.written += 1
            self._left_published.discard(rel)
        return True

    def put_text(self, rel: str, data: bytes, digest: str | None = None) -> dict[str, str]:
        """``put`` with the gzip copy; returns the digest of each file staged."""
        out = {rel: digest or digest_bytes(data)}
        self.put(rel, data, out[rel])
        if not rel.endswith(PRECOMPRESSED):
            return out
        # Made again with the bytes it was published with (a listing around an
        # edited record that shows none of the edit): the published copy is
        # theirs, not compressed again (4 MB listings at N = 10,000: 50 ms each).
        text, copy = self.published.get(rel), self.published.get(rel + ".gz")
        if text is not None and copy is not None and text.digest == out[rel] and self._keep(rel + ".gz", copy.digest):
            out[rel + ".gz"] = copy.digest
            return out
        gz = precompressed(rel, data)
        out[rel + ".gz"] = digest_bytes(gz)
        self.put(rel + ".gz", gz, out[rel + ".gz"])
        return out

    def _leave_published(self, rel: str, digest: str) -> bool:
        """True when ``rel`` is published with ``digest`` and staging is not made yet:
        it is made only once a file differs (``carry`` brings this one in then)."""
        if self._in_staging is None and self.published_digest(rel) == digest:
            self._left_published.add(rel)
            return True
        return False

    def _keep(self, rel: str, digest: str) -> bool:
        """Stage the file of ``digest`` that site/ or staging holds at ``rel`` (as
        ``put`` would stage those bytes); False when neither holds it."""
        if self._leave_published(rel, digest):
            return True
        if digest not in (self.staged_digest(rel), self.published_digest(rel)):
            return False
        self.carry(rel, digest)
        return True

    def carry(self, rel: str, digest: str) -> bool:
        """Bring a file unchanged since the published build into staging."""
        if self.staged_digest(rel) == digest:
            return False
        if self.published_digest(rel) != digest:
            # Never publish a file whose bytes are not known to be these.
            raise RuntimeError(tr("internal error: %(path)s is neither staged nor published with the expected bytes",
                                  path=rel))
        return self.link(rel, self.site / rel, digest, self.in_site.get(rel))

    def remove_others(self, wanted, keep: tuple[str, ...] = ()) -> int:
        """Delete staged files that are not ``wanted``; returns how many."""
        removed = 0
        dirs = set()
        # (a set difference: 150,000 paths in C, not a Python loop)
        for rel in [r for r in self.in_staging.keys() - wanted if not r.startswith(keep)]:
            try:
                (self.staging / rel).unlink(missing_ok=True)
            except (IsADirectoryError, NotADirectoryError):
                # A folder of this build now (or a file is where its folder was),
                # made so by a render worker: its list was the worker's copy.
                del self.in_staging[rel]
                continue
            del self.in_staging[rel]
            dirs.add((self.staging / rel).parent)
            removed += 1
        for d in sorted(dirs, key=lambda p: len(p.parts), reverse=True):
            while d != self.staging and d.is_dir() and not any(d.iterdir()):
                d.rmdir()
                d = d.parent
        return removed

    def known_after_swap(self, records: dict[str, OutputRecord] | None = None) -> dict[StatKey, str]:
        """The digests worth keeping: files in either tree (of the other tree,
        those seen, and any whose bytes are still published: those of ``records``)."""
        if self._in_staging is None:
            return dict(self.known)  # staging was not looked at: forget nothing of it
        # Hard links share their key, so the two trees hold about as many keys
        # as one: forgetting the others is worth a pass over both only once
        # they have piled up (a key of a deleted file is never trusted again
        # anyway: a new file has a new modification time).
        if len(self.known) <= 1.5 * max(len(self.in_staging), len(self.in_site)) + 1000:
            return dict(self.known)
        keys = set(self.in_staging.values()) | set(self.in_site.values())
        digests = {r.digest for r in (records or {}).values()}
        return {k: d for k, d in self.known.items() if k in keys or d in digests}
