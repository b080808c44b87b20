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
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from .confidential import scan_doc
from .content import load_project, read_record
from .cores import usable_cores, quiet_at_interrupt
from .problems import Problems
from .model import add_pinyin_keys, load_pinyin, pinyin_key, pinyin_texts
from .recordcache import CachedRecord, RecordCache
from .validation import _conference, validate

# Below this many records to read, forking costs about what sharing saves.
MIN_RECORDS = 400

# Set before forking (the workers inherit it): (content, (edition, its field
# ids) by folder name, problems root, whether to make pinyin keys).
_shared: tuple | None = None


def _check(share: list[tuple[str, str, tuple, str]]) -> tuple[dict[str, CachedRecord], dict[str, str]]:
    """Read, check and scan the records of ``share`` (edition, file name, stat key,
    context); their cache entries by path, and the pinyin keys of their texts."""
    content, editions, root, keys = _shared
    problems = Problems(root=root)
    cache = RecordCache()
    texts: set[str] = set()
    for eid, name, stat, context in share:
        edition, field_ids = editions[eid]
        doc = read_record(name, stat, context, cache, problems)
        conf = _conference(doc, edition, problems, content, field_ids)
        scan_doc(doc, content.confidential, problems)
        if keys and conf is not None:
            texts.update(pinyin_texts(conf))
    return cache.fresh, {text: pinyin_key(text)[0] for text in texts}


def fill_record_cache(root: Path, cache: RecordCache, todo: list[tuple[str, str, tuple, str]],
                      problems_root: Path | None, pinyin: Path | None = None, workers: int | None = None) -> int:
    """Put in ``cache`` the entries of the records of ``todo`` (edition, file name,
    stat key, context: records it lacks), made on ``workers`` processes; returns
    how many (0: too few to share, one core, or a worker failed: the load stage
    reads them one by one). ``pinyin``: the pinyin key cache, to make the keys
    the model will ask for (keys found there are not made again); None for a
    check, which makes no model."""
    global _shared
    workers = workers or usable_cores()
    if workers < 2 or len(todo) < MIN_RECORDS:
        return 0
    # What every record is checked against, as the validate stage makes it
    # (its problems are the load and validate stages' to report; records of
    # an edition whose data does not check are left to them too).
    scratch = Problems(root=problems_root)
    content = validate(load_project(root, scratch, records=False), scratch)
    editions = {e.id: (e, {f.id for f in e.fields} or None) for e in content.editions}  # (as validate)
    todo = [item for item in todo if item[0] in editions]
    shares = [todo[k::workers] for k in range(workers)]
    if pinyin is not None:
        load_pinyin(pinyin)
    _shared = (content, editions, problems_root, pinyin is not None)
    try:
        # (ProcessPoolExecutor: a worker that dies fails the pool, where
        # multiprocessing.Pool would wait for it forever)
        with ProcessPoolExecutor(workers - 1, mp_context=multiprocessing.get_context("fork"),
                                 initializer=quiet_at_interrupt) as pool:
            pending = [pool.submit(_check, share) for share in shares[1:]]
            made, _mine = _check(shares[0])   # (this process's keys are in the memo already)
            others = [future.result() for future in pending]
    except Exception:  # noqa: BLE001 - the load stage reads the records itself, and reports what fails
        return 0
    finally:
        _shared = None
    for entries, keys in others:
        made.update(entries)
        add_pinyin_keys(keys)
    cache.entries.update(made)
    cache.dirty = True
    return len(made)
