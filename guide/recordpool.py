"""Reading and checking many conference records on every core, into the record cache.

A cold build reads, checks and scans every record: at N = 10,000 some 3 s
of one core, while the other waits. When many records are missing from the
record cache, the records are shared out among forked processes (this one
included), each running exactly what the load and validate stages run for
one record (``read_record``, ``_conference``, ``scan_doc``); their entries
go into the cache, and the stages then replay them as any cached record:
one way of reading a record, one order of problems. The pinyin keys the
model sorts the records by are made there too (model.py, some 0.1 ms a name).
"""

from __future__ import annotations

import multiprocessing
import os
from pathlib import Path

from .confidential import scan_doc
from .content import edition_dirs, load_project, read_record, record_files, records_context
from .problems import Problems
from .model import add_pinyin_keys, load_pinyin, pinyin_key, pinyin_key_count, pinyin_keys_since, pinyin_texts
from .recordcache import CachedRecord, RecordCache, stat_key
from .validation import _conference, validate

# Below this many records to read, forking costs about what sharing saves.
MIN_RECORDS = 400

_shared: tuple | None = None   # (content, editions by folder name, problems root): set before forking


def _check(share: list[tuple[str, str, tuple, str]]) -> tuple[dict[str, CachedRecord], dict[str, str]]:
    """Read, check and scan the records of ``share`` (edition, file name, stat key,
    context); their cache entries by path, and the pinyin keys made."""
    content, editions, root = _shared
    problems = Problems(root=root)
    cache = RecordCache()
    known = pinyin_key_count()
    for eid, name, stat, context in share:
        edition = editions[eid]
        doc = read_record(name, stat, context, cache, problems)
        conf = _conference(doc, edition, problems, content, {f.id for f in edition.fields})
        scan_doc(doc, content.confidential, problems)
        if conf is not None:
            for text in pinyin_texts(conf):
                pinyin_key(text)
    return cache.fresh, pinyin_keys_since(known)


def fill_record_cache(root: Path, cache: RecordCache, problems_root: Path | None,
                      pinyin: Path | None = None, workers: int | None = None) -> int:
    """Put in ``cache`` the entries of the records it lacks, made on ``workers``
    processes; returns how many (0: too few to share, one core, or the guide,
    unit or edition files do not check: the load stage reads them one by one).
    ``pinyin``: the pinyin key cache (keys found there are not made again)."""
    global _shared
    workers = workers or os.cpu_count() or 1
    if workers < 2:
        return 0
    content_dir = root / "content"
    edirs, _stray = edition_dirs(content_dir)
    context = records_context(content_dir, edirs)
    todo = []
    for edir in edirs:
        for name in record_files(edir / "conferences")[0]:
            stat = stat_key(name)
            entry = cache.entries.get(str(Path(name)))
            if stat is not None and (entry is None or entry.stat != stat or entry.context != context):
                todo.append((edir.name, name, stat, context))
    if len(todo) < MIN_RECORDS:
        return 0
    # What every record is checked against, as the validate stage makes it
    # (its problems are the load and validate stages' to report).
    scratch = Problems(root=problems_root)
    content = validate(load_project(root, scratch, records=False), scratch)
    if scratch.errors:
        return 0
    editions = {e.id: e for e in content.editions}
    todo = [item for item in todo if item[0] in editions]
    shares = [todo[k::workers] for k in range(workers)]
    if pinyin is not None:
        load_pinyin(pinyin)
    _shared = (content, editions, problems_root)
    try:
        with multiprocessing.get_context("fork").Pool(workers - 1) as pool:
            pending = [pool.apply_async(_check, (share,)) for share in shares[1:]]
            made, _keys = _check(shares[0])   # (this process's keys are in the memo)
            for result in pending:
                entries, more = result.get()
                made.update(entries)
                add_pinyin_keys(more)
    finally:
        _shared = None
    cache.entries.update(made)
    cache.dirty = True
    return len(made)
