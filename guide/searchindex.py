"""The search index: Pagefind run over the staged site, its bundle kept as site files.

Pagefind's command line indexes a folder of HTML. It runs on the searchable
pages of the staging tree (the site as it is about to be published), linked
into a folder of their own beside it, once per language folder side by side,
writes its bundle to a temporary folder, and the bundle comes back as files
for the writer, which stores only those whose bytes changed. A failed index
therefore leaves ``site/`` as it was.

The extended build of Pagefind is required: the standard one does not segment
Chinese, and a query such as 计算机 would find nothing. The command line is
used rather than Pagefind's Python API, which waits about 100 ms per page.
"""

from __future__ import annotations

import gzip
import hashlib
import importlib.metadata
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import cbor2

from .cores import usable_cores
from .output import scan_tree
from .wording import said, tr

BUNDLE = "pagefind/"
# Pagefind's ready-made interfaces: the site has its own search page
# (templates/search.html, assets/search.js), so these are not published.
UNUSED = re.compile(r"^pagefind-(?:[a-z-]*ui|highlight)\.(?:js|css)$")
INDEXED = re.compile(r"Indexed (\d+) pages?")
PLAIN = re.compile(r"[A-Za-z0-9_-]+")


class SearchIndexError(Exception):
    """Pagefind could not index the site."""


def index_pages(site_dir: Path, pages: list[str], mirror: Path) -> tuple[dict[str, bytes], int]:
    """Index only ``pages`` (paths below ``site_dir``): Pagefind reads every HTML file it is
    given, and most of the site is listings and verification pages it would skip.

    Pagefind is given ``mirror``, a folder holding exactly those pages as hard
    links, kept between builds and brought up to date: making 20,000 links and
    their folders, then deleting them, took 5.8 s at N = 10,000; checking the
    kept ones (a stat per page) 0.4 s.
    """
    mirror_pages(site_dir, pages, mirror)
    return index_site(mirror, _parts(pages))


def _parts(pages: list[str]) -> list[str] | None:
    """The language folders to index side by side: with two cores or more,
    and only when every page lies in one of them (a folder name is put in a
    glob as it is, so only plain names)."""
    if usable_cores() < 2:
        return None
    parts = sorted({page.partition("/")[0] for page in pages})
    if any("/" not in page for page in pages) or not all(PLAIN.fullmatch(part) for part in parts):
        return None
    return parts


def mirror_pages(site_dir: Path, pages: list[str], mirror: Path) -> None:
    """``mirror`` holds exactly ``pages``, each the very file of ``site_dir`` (a hard
    link: the same inode; a copy where links fail, made again every time)."""
    try:
        _update_mirror(site_dir, pages, mirror)
    except OSError:
        # Something not ours in the way (a folder where a page goes, a file
        # where the folder goes): the folder is made anew, once.
        try:
            _remove(mirror)
            _update_mirror(site_dir, pages, mirror)
        except OSError as exc:
            raise SearchIndexError(tr("cannot link the searchable pages into %(folder)s: %(error)s",
                                      folder=str(mirror), error=str(exc))) from exc


def _update_mirror(site_dir: Path, pages: list[str], mirror: Path) -> None:
    mirror.mkdir(exist_ok=True)
    if os.stat(mirror).st_dev != os.stat(site_dir).st_dev:
        # No links across file systems, and an inode number there says nothing.
        _remove(mirror)
        mirror.mkdir()
    present = scan_tree(mirror)
    wanted = set(pages)
    for rel in present.keys() - wanted:
        (mirror / rel).unlink()
    folders = {rel.rpartition("/")[0] for rel in present}   # there: a mkdir per new folder, not per page
    for rel in pages:
        source, target = site_dir / rel, mirror / rel
        kept = present.get(rel)
        if kept is not None:
            if kept[0] == os.stat(source).st_ino:
                continue
            target.unlink()
        else:
            folder = rel.rpartition("/")[0]
            if folder not in folders:
                target.parent.mkdir(parents=True, exist_ok=True)
                folders.add(folder)
        try:
            os.link(source, target)
        except FileExistsError:
            raise
        except OSError:  # a file system without hard links
            shutil.copyfile(source, target)


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    elif path.exists() or path.is_symlink():
        path.unlink()


def index_site(site_dir: Path, parts: list[str] | None = None) -> tuple[dict[str, bytes], int]:
    """Index the HTML below ``site_dir``; returns the bundle's files (site paths) and the page count.

    ``parts``: top-level folders to index in Pagefind runs of their own, at
    once (one per language folder). Pagefind keeps about 1.4 of 2 cores busy;
    two runs side by side took 14.2-14.7 s at N = 10,000 against 17.7-18.1 s
    for one run, and give the very same bundle once merged: each language's
    index, fragments and filters are files of their own, named after it.
    """
    with tempfile.TemporaryDirectory(prefix="guide-pagefind-") as tmp:
        root = Path(tmp)
        if parts and len(parts) > 1:
            counts = _run(site_dir, root, {part: f"{part}/**/*.html" for part in parts})
            bundle = _merge({part: _read_bundle(root / part) for part in parts})
            if bundle is not None:
                return canonical_bundle(bundle), sum(counts.values())
            # A language found in two folders (a page whose lang differs from
            # its folder's), or a run without an entry: the runs' indexes
            # cannot be merged, so one run indexes everything.
        counts = _run(site_dir, root, {".whole": None})   # (not a folder name of _parts)
        return canonical_bundle(_read_bundle(root / ".whole")), counts[".whole"]


def _run(site_dir: Path, root: Path, globs: dict[str, str | None]) -> dict[str, int]:
    """Pagefind runs side by side, one per glob, each writing to root/<name>;
    the pages each indexed."""
    runs: dict[str, tuple[subprocess.Popen, Path]] = {}
    try:
        for name, glob in globs.items():
            runs[name] = _start(site_dir, root / name, glob)
        counts = {}
        for name, run in runs.items():
            try:
                counts[name] = _finish(run)
            except SearchIndexError as exc:
                if globs[name] is None:
                    raise
                raise SearchIndexError(tr("%(error)s (indexing %(glob)s)", error=said(exc), glob=globs[name])) from exc
        return counts
    finally:
        for run, _ in runs.values():  # one failed, or an interrupt: none is left running
            if run.poll() is None:
                run.kill()
                run.wait()


def _start(site_dir: Path, out: Path, glob: str | None) -> tuple[subprocess.Popen, Path]:
    """A Pagefind run started: (the process, the file of its messages)."""
    command = [sys.executable, "-m", "pagefind", "--site", str(site_dir), "--output-path", str(out)]
    if glob is not None:
        command += ["--glob", glob]
    # Its messages go to a file: a run waited for second must not stall on a full pipe.
    log = out.with_name(out.name + ".log")
    with open(log, "wb") as messages:
        try:
            return subprocess.Popen(command, stdout=messages, stderr=subprocess.STDOUT,
                                    stdin=subprocess.DEVNULL), log
        except OSError as exc:
            raise SearchIndexError(tr("could not run Pagefind: %(error)s", error=str(exc))) from exc


def _finish(started: tuple[subprocess.Popen, Path]) -> int:
    """Wait for a Pagefind run; returns how many pages it indexed."""
    run, log = started
    run.wait()
    output = log.read_bytes().decode("utf-8", "replace")
    if run.returncode != 0:
        if "No module named pagefind" in output:
            raise SearchIndexError(tr("Pagefind is not installed: pip install 'pagefind[extended]'"))
        last = "; ".join(line.strip() for line in output.strip().splitlines()[-3:])
        raise SearchIndexError(tr("Pagefind failed (exit %(code)s): %(output)s", code=run.returncode, output=last))
    if "(Extended)" not in output:
        raise SearchIndexError(tr("the standard Pagefind build cannot search Chinese: "
                                  "pip install 'pagefind[extended]'"))
    match = INDEXED.search(output)
    return int(match.group(1)) if match else 0


def _read_bundle(out: Path) -> dict[str, bytes]:
    return {BUNDLE + p.relative_to(out).as_posix(): p.read_bytes()
            for p in sorted(out.rglob("*"))
            if p.is_file() and not UNUSED.match(p.name)}


def _merge(bundles: dict[str, dict[str, bytes]]) -> dict[str, bytes] | None:
    """One bundle of several runs' (None when they overlap): their shared files
    (the script, the worker) are the same bytes, every other file is named
    after its run's language, and the entry lists each run's languages."""
    out: dict[str, bytes] = {}
    entry = None
    for files in bundles.values():
        if BUNDLE + "pagefind-entry.json" not in files:
            return None
        part = json.loads(files[BUNDLE + "pagefind-entry.json"])
        if entry is None:
            entry = part
        elif {k: v for k, v in part.items() if k != "languages"} != \
                {k: v for k, v in entry.items() if k != "languages"} \
                or part["languages"].keys() & entry["languages"].keys():
            return None
        else:
            entry["languages"].update(part["languages"])
        for path, data in files.items():
            if path != BUNDLE + "pagefind-entry.json":
                if out.setdefault(path, data) != data:
                    return None
    out[BUNDLE + "pagefind-entry.json"] = json.dumps(entry).encode("utf-8")
    return out


# Pagefind writes each filter's values in hash-map order, different on every
# run (Pagefind#638), and names filter and meta files after their bytes: the
# same site would publish a different bundle each time, and every rebuild
# would rewrite it. We sort the values and rename the files after the sorted
# bytes, so the bundle depends on the pages only.
DCD = b"pagefind_dcd"


def _decode(data: bytes):
    raw = gzip.decompress(data)
    if not raw.startswith(DCD):
        raise SearchIndexError(tr("unexpected Pagefind file format"))
    return cbor2.loads(raw[len(DCD):])


def _encode(value) -> bytes:
    # mtime=0: gzip would otherwise stamp the time of the build.
    return gzip.compress(DCD + cbor2.dumps(value), compresslevel=9, mtime=0)


def _rename(old: str, payload: bytes) -> str:
    lang, _, digest = old.rpartition("_")
    return f"{lang}_{hashlib.sha256(payload).hexdigest()[:len(digest)]}"


def canonical_bundle(files: dict[str, bytes]) -> dict[str, bytes]:
    out = {path: data for path, data in files.items()
           if not path.startswith(BUNDLE + "filter/") and not path.endswith(".pf_meta")
           and path != BUNDLE + "pagefind-entry.json"}
    filters: dict[str, str] = {}
    for path, data in files.items():
        if path.startswith(BUNDLE + "filter/"):
            name, values = _decode(data)
            payload = _encode([name, sorted(values, key=lambda v: v[0])])
            new = _rename(path.rsplit("/", 1)[1].removesuffix(".pf_filter"), payload)
            filters[path.rsplit("/", 1)[1].removesuffix(".pf_filter")] = new
            out[f"{BUNDLE}filter/{new}.pf_filter"] = payload
    entry = json.loads(files[BUNDLE + "pagefind-entry.json"])
    for lang in entry["languages"].values():
        meta = _decode(files[f"{BUNDLE}pagefind.{lang['hash']}.pf_meta"])
        # meta[3]: [[filter name, filter file], ...] in hash-map order too
        meta[3] = sorted([name, filters.get(ref, ref)] for name, ref in meta[3])
        payload = _encode(meta)
        lang["hash"] = _rename(lang["hash"], payload)
        out[f"{BUNDLE}pagefind.{lang['hash']}.pf_meta"] = payload
    entry["languages"] = dict(sorted(entry["languages"].items()))  # hash-map order as well
    out[BUNDLE + "pagefind-entry.json"] = json.dumps(entry, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    return out


# -- reuse: the index depends on the searchable pages only ---------------------
# The build keeps the digest below with the bundle's files in its state
# (output.BuildState) and reuses the published bundle when it matches.


def is_searchable(path: str, data: bytes) -> bool:
    return path.endswith(".html") and b"data-pagefind-body" in data


def search_inputs(pages: dict[str, str]) -> str:
    """A digest of every searchable page (path -> SHA-256 of its bytes) and of Pagefind's version."""
    digest = hashlib.sha256(f"pagefind {importlib.metadata.version('pagefind')}\n".encode())
    for path in sorted(pages):
        digest.update(path.encode("utf-8") + b"\0" + bytes.fromhex(pages[path]))
    return digest.hexdigest()
