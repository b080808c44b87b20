"""Reads a project's content folder: YAML documents and Markdown pages, unchecked."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from . import yamldoc
from .recordcache import RecordCache, context_key, read_unless_unchanged, stat_key
from .problems import Problems
from .wording import tr

LANGS = ("zh", "en")


@dataclass
class RawDoc:
    path: Path
    data: object  # MarkedMap / MarkedList / scalar / None when unreadable or cached
    # A conference record's entry in the record cache: ``cached`` when the file
    # was not read because the entry holds what reading and checking it gave.
    entry: object = None
    cached: bool = False
    # The file's text, until the confidential rules have read it (comments and
    # keys too: what is in the repository must not be a credential either).
    text: str | None = None


@dataclass
class RawEdition:
    dir: Path
    meta: RawDoc | None
    conferences: list[RawDoc] = field(default_factory=list)


@dataclass
class RawProject:
    root: Path
    guide: RawDoc | None
    units: RawDoc | None
    editions: list[RawEdition]
    pages: dict[tuple[str, str], tuple[Path, str | None]]  # (slug, lang) -> (path, text)


PAGE_SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")


def _read(path: Path, problems: Problems) -> RawDoc:
    text = yamldoc.read_text(path, problems)
    data = None if text is None else yamldoc.load_text(text, path, problems)
    return RawDoc(path, data, text=text)


# Path objects by their string, for the process: serve lists 10,000 record
# files at every save, and making a Path costs more than the rest of a cached
# record's load (they are immutable: shared safely).
_PATHS: dict[str, Path] = {}


def _path(path: str) -> Path:
    found = _PATHS.get(path)
    if found is None:
        found = _PATHS[path] = Path(path)
    return found


def _files_under(folder: Path) -> list[tuple[str, bool]]:
    """Every entry below ``folder`` but its folders (paths as strings), as
    ``sorted(folder.rglob("*"))`` orders them (by their parts; links to folders
    are not followed), each with whether it is a file (links followed).

    The directory entries say what they are without a stat per file, and
    sorting by parts spares Path comparisons: at N = 10,000 records this was
    most of a preview's load stage (0.23 s, now about 0.08).
    """
    found: list[tuple[tuple[str, ...], str, bool]] = []

    def walk(path: str, parts: tuple[str, ...]) -> None:
        try:
            with os.scandir(path) as entries:
                listed = list(entries)
        except PermissionError:
            return
        for entry in listed:
            try:
                is_dir = entry.is_dir(follow_symlinks=False)
            except OSError:
                is_dir = False
            if is_dir:
                walk(entry.path, (*parts, entry.name))
                continue
            try:
                is_file = entry.is_file()
            except OSError:
                is_file = False
            found.append(((*parts, entry.name), entry.path, is_file))

    walk(str(folder), ())
    found.sort(key=lambda item: item[0])
    return [(path, is_file) for _parts, path, is_file in found]


def _required(path: Path, problems: Problems, what: str) -> RawDoc | None:
    if not path.is_file():
        problems.error(path, (1, 1), "file-missing", tr("%(what)s is missing", what=what))
        return None
    return read_unless_unchanged("yaml", path, problems, lambda: _read(path, problems))


def _ignored(path: Path, problems: Problems, why: str) -> None:
    """A file the guide does not read, said so (hidden files, such as editors' own, are not)."""
    if not path.name.startswith("."):
        problems.warning(path, (1, 1), "file-ignored", why)


def record_files(cdir: Path) -> tuple[list[str], list[str]]:
    """The record files below an edition's conferences/ folder, and its other files
    (paths as strings, sorted)."""
    records, others = [], []
    if cdir.is_dir():
        for name, is_file in _files_under(cdir):
            # (``suffix``: a file named just ".yaml" is not a record; any case:
            # Windows saves "新会议.YAML" as readily as ".yaml")
            if name.lower().endswith((".yaml", ".yml")) and is_file and _path(name).suffix:
                records.append(name)
            elif is_file:
                others.append(name)
    return records, others


def read_record(name: str, stat, context: str, cache: RecordCache | None, problems: Problems) -> RawDoc:
    """A record file read (not found in the cache), with its cache entry begun."""
    path = _path(name)
    start = len(problems.items)
    doc = _read(path, problems)
    if cache is not None:
        doc.entry = cache.begin(path, stat, context)
        if doc.entry is not None:
            doc.entry.problems.extend(problems.items[start:])
    return doc


def load_project(root: Path, problems: Problems, cache: RecordCache | None = None,
                 records: bool = True, fill=None) -> RawProject:
    """``records``: False reads no conference record. ``fill``: given the records
    missing from ``cache`` (edition, file name, stat key, context), puts entries
    for some in it (recordpool.py: many records, read on every core)."""
    content = root / "content"
    if not content.is_dir():
        problems.error(content, (1, 1), "file-missing",
                       tr("no content/ folder in %(root)s: is this a guide project? "
                          "(build.py works on the folder it is run in; or give --project PATH)", root=str(root)))
        return RawProject(root, None, None, [], {})
    guide = _required(content / "guide.yaml", problems, tr("the guide's settings"))
    units = _required(content / "units.yaml", problems, tr("the list of recommending units"))
    editions = []
    editions_dir = content / "editions"
    edirs = []
    for path in sorted(editions_dir.iterdir()) if editions_dir.is_dir() else []:
        if path.is_dir():
            edirs.append(path)
        else:
            _ignored(path, problems,
                     tr("content/editions/ holds one folder per edition; this file is not part of the guide"))
    # What reading and checking a record depends on besides its file: the guide
    # and unit files and every edition's (a record is scanned with the
    # confidential rules of all of them).
    context = context_key([content / "guide.yaml", content / "units.yaml", *(d / "edition.yaml" for d in edirs)])
    misses = []   # (the edition's list, index in it, edition, file name, stat key)
    for edir in edirs:
        meta = _required(edir / "edition.yaml", problems, tr("the edition's data"))
        for path in sorted(edir.iterdir()):
            # (a record saved one folder too high would otherwise be left out unsaid)
            if path.name not in ("edition.yaml", "conferences"):
                _ignored(path, problems, tr("an edition folder holds edition.yaml and conferences/ only; "
                                            "conference records go in conferences/"))
        confs = []
        if records:
            names, others = record_files(edir / "conferences")
            for name in others:
                _ignored(_path(name), problems, tr("not a .yaml file; it is not part of the guide"))
            for name in names:
                stat = stat_key(name) if cache is not None else None
                entry = cache.lookup(_path(name), stat, context) if cache is not None else None
                if entry is not None:
                    confs.append(RawDoc(_path(name), None, entry, cached=True))
                else:
                    misses.append((confs, len(confs), edir.name, name, stat))
                    confs.append(None)
        editions.append(RawEdition(edir, meta, confs))
    filled = fill is not None and cache is not None and bool(misses)
    if filled:
        fill([(eid, name, stat, context) for _confs, _i, eid, name, stat in misses if stat is not None])
    for confs, i, _eid, name, stat in misses:
        entry = cache.lookup(_path(name), stat, context) if filled else None
        confs[i] = (RawDoc(_path(name), None, entry, cached=True) if entry is not None
                    else read_record(name, stat, context, cache, problems))
    pages = {}
    pages_dir = content / "pages"
    if pages_dir.is_dir():
        for path in sorted(pages_dir.glob("*.md")):
            stem, _, lang = path.stem.rpartition(".")
            # (the slug is the page's address: "..", a space, "?" or "#" would
            # leave the site or make an address that does not reach the page)
            if lang not in LANGS or not PAGE_SLUG.fullmatch(stem):
                problems.error(path, (1, 1), "page-name",
                               tr("page files are named <slug>.<lang>.md, the slug of lowercase letters a-z, "
                                  "digits and single hyphens, and lang one of %(langs)s", langs=", ".join(LANGS)))
                continue
            data = yamldoc.read_capped(path, problems)
            # None: the page exists but could not be read (reported here).
            pages[(stem, lang)] = (path, yamldoc.decode(data, path, problems) if data is not None else None)
    return RawProject(root, guide, units, editions, pages)
