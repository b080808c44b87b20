"""The build, as named stages: load → validate → model → render → write → index → swap.

``write`` brings the staging tree up to date, ``index`` runs Pagefind on it,
and only then ``swap`` publishes it: a failure at any stage leaves ``site/``
as it was.
"""

from __future__ import annotations

import datetime as dt
import difflib
import functools
import gc
import itertools
import multiprocessing
import os
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import jinja2
from tqdm import tqdm

from .confidential import scan_output, scan_sources, withhold_matches
from .content import load_project
from .cores import leave_interrupts_to_the_parent, usable_cores
from .buildlock import SERVE_WAITING, WAITING, project_lock
from .certificates import record_texts
from .changes import REPORT, SNAPSHOT, read_snapshot, resolve_reissued
from .fingerprint import DigestMemo, Fingerprints
from .model import (LANGS, ModelBasis, SiteModel, build_model, check_issued_numbers_kept, load_pinyin, model_basis,
                    model_differences, patch_model, save_pinyin)
from .output import (BuildState, Output, OutputCollision, OutputRecord, TreeWriter, companions, digest_bytes,
                     search_pages_dir, swap)
from .pdfs import CACHE_DIR, MANIFEST, PdfResult, build_pdfs, manifest, pdf_digests
from .problems import Problems
from .recordpool import fill_record_cache
from .recordcache import RecordCache, stat_key
from .rendering import TEMPLATE_NAMES, Fragments, OutputJob, Renderer, check_templates
from .searchindex import BUNDLE, SearchIndexError, index_pages, is_searchable, search_inputs
from .translation import Catalogs, load_catalogs
from .validation import Content, validate
from .rules import check_rules
from .i18n import check_translations, messages_root, templates_dir
from .wording import ntr, said, shown, tr

# Publication mode refuses these warnings: an untranslated text, and a date of
# the past given in the future (a typo such as 2032: the record would head the
# feed for years, and its calendar SEQUENCE, corrected later, would go down, so
# clients would keep their copy).
STRICT_CODES = {"missing-translation", "fuzzy-translation", "date-in-future"}


# The stages' names as the summary and -v show them (the timings keep the keys).
STAGE_NAMES = {"load": tr("load"), "validate": tr("validate"), "model": tr("model"), "pdf": tr("pdf"),
               "plan": tr("plan"), "render": tr("render"), "write": tr("write"), "index": tr("index"),
               "swap": tr("swap")}


def stage_name(key: str) -> str:
    return STAGE_NAMES.get(key, key)


def without_cycle_collection(method):
    """Run ``method`` with Python's cycle collector paused.

    A build holds a large heap that lives until it ends (10,000 records, their
    cache entries, the model, the state of 150,000 files); every full
    collection walks all of it, and at N = 10,000 that was about a third of
    an unchanged rebuild (9.4 -> 6.5 s measured here). Objects are still
    freed by reference counting as usual; cycles wait for the collector,
    which resumes when the build ends (the peak memory did not change).
    """
    @functools.wraps(method)
    def paused(*args, **kwargs):
        enabled = gc.isenabled()
        gc.disable()
        try:
            return method(*args, **kwargs)
        finally:
            if enabled:
                gc.enable()
    return paused


@dataclass
class BuildResult:
    problems: Problems
    timings: dict[str, float] = field(default_factory=dict)
    pages: int = 0
    indexed: int = 0
    written: int = 0             # files of pages and data
    removed: int = 0
    index_written: int = 0       # files of the search index that changed
    rendered: int = 0            # outputs made by this build
    reused: int = 0              # outputs carried over: their inputs did not change
    index_stale: bool = False    # serve kept the last build's search index
    lagging: int = 0             # bulk files serve left as the last build made them
    model: SiteModel | None = None
    pdfs: PdfResult | None = None

    @property
    def ok(self) -> bool:
        return not self.problems.errors


@dataclass
class RecordBlocks:
    """serve's: each record's own outputs as the last build left them (see
    Renderer.block_keys), so that the next save carries over those of every
    record it did not change as one block, neither planned nor checked one by one."""

    state: BuildState                       # the build they belong to
    base: tuple                             # Renderer.block_base
    keys: dict[str, tuple]                  # record id -> Renderer.block_keys
    files: dict[str, dict[str, OutputRecord]]   # record id -> its outputs' files, gzip copies too
    outputs: dict[str, int]                 # record id -> how many outputs (for the counts)
    every_file: dict[str, OutputRecord] = field(default_factory=dict)   # the files of them all


# Seconds after a preview build's catch-up before the cycle collector runs
# (Session.collect_when_idle): the browser reloads the page meanwhile.
COLLECT_AFTER = 2.0


@dataclass
class Session:
    """What ``serve`` keeps between builds, so that a save costs about what it changed.

    A build with a session is a preview: the search index and the whole-guide
    downloads may lag behind it (the next build without one brings them up
    to date).
    """

    records: RecordCache
    fragments: Fragments = field(default_factory=Fragments)
    digests: DigestMemo = field(default_factory=DigestMemo)
    state: BuildState | None = None          # the last build's, written when serve stops
    state_path: Path | None = None
    # The state file's (size, mtime, inode) when serve last read or wrote it:
    # another, as a build.py beside serve writes it, published since.
    state_key: tuple | None = None
    root: Path | None = None                 # the project's (its build lock)
    trees: tuple | None = None               # TreeWriter.trees_after_swap()
    renderer: Renderer | None = None
    snapshot: dict | None = None             # the last build's, as read_snapshot reads it
    published: dict | None = None            # records.json's when serve started (see check_issued_numbers_kept)
    background: threading.Thread | None = None   # the catch-up after a build, then the collector
    # The state whose files the staging tree holds, every one of them, as
    # listed in ``trees``: set by a catch-up that succeeded, taken by the next
    # build (which may stage other files), whose files carried over from it
    # then need no checking one by one.
    synced_state: BuildState | None = None
    blocks: RecordBlocks | None = None
    model_basis: ModelBasis | None = None    # what the last model was made of (patch_model)
    _wanted: threading.Event | None = None   # set when a build (or stopping) waits

    def wait(self) -> None:
        """For the work after the last build: the catch-up, and the collector if it started."""
        if self._wanted is not None:
            self._wanted.set()
        if self.background is not None:
            self.background.join()
            self.background = None

    def collect_when_idle(self) -> None:
        """Collect cycles in a thread once the catch-up is done and the browser has
        reloaded the page, unless a build waits by then: builds run without the
        cycle collector, and a full collection of serve's heap (about a second at
        N = 10,000, holding the interpreter) would otherwise fall in a save, or
        in the reload's requests."""
        catch_up, wanted = self.background, threading.Event()
        self._wanted = wanted

        def collect():
            if catch_up is not None:
                catch_up.join()
            if not wanted.wait(COLLECT_AFTER):
                gc.collect()
        self.background = threading.Thread(target=collect, name="collect-when-idle", daemon=True)
        self.background.start()

    def save_state(self) -> None:
        self.wait()
        if self.state is not None:
            with project_lock(self.root, SERVE_WAITING):
                # A build.py after serve's last build left its own state: that
                # one is site/'s (serve's, written over it, had the next serve
                # put serve's older whole-guide files back).
                if stat_key(self.state_path) == self.state_key:
                    self.state.save(self.state_path)
                    self.state_key = stat_key(self.state_path)

    def notice_other_builds(self) -> None:
        """Forget what serve remembers of site/ when another build published
        since serve's last: its next build starts from what is there."""
        if self.state_path is not None and stat_key(self.state_path) != self.state_key:
            self.state = self.state_path = self.synced_state = self.blocks = None
            self.trees = self.snapshot = self.published = None




def _record_key(snapshot_field: str) -> str:
    """The record's key a snapshot field comes from ("city_en": "city", "dates": "start")."""
    return "start" if snapshot_field == "dates" else snapshot_field.removesuffix("_en")


def warn_of_the_report(model: SiteModel, problems: Problems, out: Path) -> None:
    """What the change report tells staff to do (warnings: the build goes on)."""
    changes = model.changes
    if changes.lost:
        problems.warning(out / REPORT, (1, 1), "change-report-unreadable",
                         tr("the last build's change report cannot be read: the certificates it listed as "
                            "awaiting re-issue are not carried over (see the published copy of staff/changes.json)"))
    today = model.today.isoformat()
    for cid, entry in changes.awaiting.items():
        c = model.conference_index.get(cid)
        if c is None or entry["since"] != today:
            continue
        # Listed by this build: sent as it is, its English side would print
        # Chinese, and translating it later changes it once more.
        untranslated = [t.zh for t in record_texts(model, c)
                        if model.catalogs.status("en", "content", t.zh, t.context) != "translated"]
        if untranslated:
            problems.add(c.source.path, c.source.line, c.source.column, "certificate-untranslated",
                         tr("its certificate awaits re-issue, and its English side prints "
                            "%(texts)s untranslated: translate before sending the new file "
                            "(a translation added later changes it again)", texts=", ".join(untranslated)),
                         "warning")
    # (found by the model, kept by the report until 'updated' moves: said by
    # every build, not only the first, which staff may not have read)
    for cid, entry in changes.undated.items():
        c = model.conference_index.get(cid)
        if c is None:
            continue
        fields, since = entry["fields"], entry["since"]
        line, column = c.marks.get(_record_key(fields[0]), (c.source.line, c.source.column)) if fields else \
            (c.source.line, c.source.column)
        if fields and since == today:
            message = tr("%(fields)s changed since the last build, but the record's 'updated' did not: "
                         "calendar apps and feed readers keep the copy they hold until it moves "
                         "(the event's SEQUENCE, the feed's entry); set 'updated: %(today)s'",
                         fields=", ".join(fields), today=today)
        elif fields:
            message = tr("%(fields)s changed in the build of %(since)s, but the record's 'updated' did not: "
                         "calendar apps and feed readers keep the copy they hold until it moves "
                         "(the event's SEQUENCE, the feed's entry); set 'updated: %(since)s'",
                         fields=", ".join(fields), since=since)
        elif since == today:
            message = tr("added after its edition's publication without an 'updated' date: "
                         "calendar apps and feed readers keep the copy they hold until it moves "
                         "(the event's SEQUENCE, the feed's entry); set 'updated: %(today)s'", today=today)
        else:
            message = tr("added after its edition's publication (in the build of %(since)s) without an "
                         "'updated' date: calendar apps and feed readers keep the copy they hold until it "
                         "moves (the event's SEQUENCE, the feed's entry); set 'updated: %(since)s'", since=since)
        problems.add(c.source.path, line, column, "change-not-dated", message, "warning")


class Build:
    """One run over a project; ``run`` names every stage in order."""

    def __init__(self, root: Path, out: Path | None = None, today: dt.date | None = None,
                 strict: bool = False, progress: bool = False, verbose: bool = False,
                 session: Session | None = None, reissued: tuple[str, ...] = ()):
        self.root = Path(root).absolute()   # (problems show paths below it relative to it)
        self.out = Path(out) if out else self.root / "site"
        self.today = today or dt.date.today()
        self.strict = strict
        self.progress = progress    # progress bars: on a terminal, never in CI or a pipe
        self.verbose = verbose
        self.session = session      # serve's: a preview build
        self.reissued = tuple(reissued)   # certificates staff mark re-issued (see changes.compare)
        self.preview = session is not None
        self.result = BuildResult(Problems(root=self.root))
        self._bundle: dict[str, OutputRecord] | None = None   # the search bundle's records, when carried over
        self._rendered: list[str] = []     # the files of the outputs this build made
        self._pages: tuple[dict[str, str], int] | None = None   # see _searchable_pages

    @contextmanager
    def stage(self, name: str):
        start = time.perf_counter()
        try:
            yield
        finally:
            elapsed = time.perf_counter() - start
            self.result.timings[name] = self.result.timings.get(name, 0.0) + elapsed
            if self.verbose:
                print(shown(tr("%(stage)s: %(seconds)ss", stage=stage_name(name), seconds=f"{elapsed:.2f}")),
                      file=sys.stderr)

    @property
    def problems(self) -> Problems:
        return self.result.problems

    @without_cycle_collection
    def check(self, keep_cache: bool = False, rules: bool = True) -> tuple[Content, Catalogs] | None:
        """load → validate; nothing is written (``keep_cache``: but the record cache).
        ``rules``: False for the catalogs' commands, which need the records read,
        not within the edition's rules (a quota an import exceeded, say)."""
        with self.stage("load"):
            cache = self.session.records if self.session is not None else RecordCache.load(self.root)
            # (many records not in the cache, as in a cold build: read and checked on every core)
            fill = functools.partial(fill_record_cache, self.root, cache, problems_root=self.problems.root,
                                     pinyin=self.root / CACHE_DIR / "pinyin.pickle" if keep_cache else None)
            raw = load_project(self.root, self.problems, cache, fill=fill)
            catalogs = load_catalogs(self.root, self.problems, messages_root(self.root))
            if self.session is not None and self.session.snapshot is not None:
                self.previous = self.session.snapshot  # what the last build published
                published = self.session.published
            else:
                self.previous = published = read_snapshot(self.out)
                if self.session is not None:
                    # (records.json as serve found it: its previews let it lag)
                    self.session.published = published
        with self.stage("validate"):
            content = validate(raw, self.problems)
            scan_sources(raw, content.confidential, catalogs.paths.values(), self.problems)
            check_translations(content, catalogs, self.problems)
            if rules:
                check_rules(content, self.problems, self.today)
            check_issued_numbers_kept(content, published, self.problems, self.today)
            self._check_reissued()
            withhold_matches(self.problems, content.confidential)
            if self.strict:
                self.problems.escalate_warnings(STRICT_CODES)
            if keep_cache:
                cache.commit()
                if self.session is None:   # (serve writes it when it stops)
                    cache.save(self.root)
        if self.problems.errors or content.guide is None or not content.editions:
            return None
        return content, catalogs

    def _check_reissued(self) -> None:
        """``--reissued``'s values as the record ids the model marks (``self.reissued``);
        one the last report does not list as awaiting is an error."""
        if not self.reissued:
            return
        ids, unknown, awaiting = resolve_reissued(self.previous, self.reissued)
        self.reissued = ids
        if unknown and awaiting is None:
            self.problems.error(self.out / REPORT, (1, 1), "reissued-not-awaiting",
                                tr("--reissued: the last build's change report cannot be read, so what it lists "
                                   "as awaiting re-issue is not known (see the published copy of "
                                   "staff/changes.json); build without --reissued"))
            return
        for value in unknown:
            near = difflib.get_close_matches(value, awaiting, n=1)
            listed = f"{', '.join(awaiting[:10])}{' …' if len(awaiting) > 10 else ''}"
            if not awaiting:
                message = tr("--reissued %(value)s: the last build's report lists no certificate awaiting "
                             "re-issue by that record id or certificate number (marked re-issued already?); "
                             "none is awaiting", value=value)
            elif near:
                message = tr("--reissued %(value)s: the last build's report lists no certificate awaiting "
                             "re-issue by that record id or certificate number (marked re-issued already?); "
                             "did you mean %(near)s?; awaiting: %(awaiting)s",
                             value=value, near=near[0], awaiting=listed)
            else:
                message = tr("--reissued %(value)s: the last build's report lists no certificate awaiting "
                             "re-issue by that record id or certificate number (marked re-issued already?); "
                             "awaiting: %(awaiting)s", value=value, awaiting=listed)
            self.problems.error(self.out / REPORT, (1, 1), "reissued-not-awaiting", message)

    def run(self, write: bool = True) -> BuildResult:
        if not write:
            return self._run(False)
        # (serve's catch-up after a save takes it too; serve's next save waits
        # for its catch-up before it gets here, so it never waits for itself.)
        try:
            with project_lock(self.root, WAITING):
                if self.session is not None:
                    self.session.notice_other_builds()
                return self._run(True)
        finally:
            # Started once this build let go of the lock: started before, it
            # waited for its own build and said so after every save.
            if self.session is not None and self.session.background is not None \
                    and self.session.background.ident is None:
                self.session.background.start()

    def _out_is_not_ours(self) -> bool:
        """An output folder that holds files and is not a site a build made (no
        records snapshot, nor the two home pages serve's previews write too): a
        build replaces a folder's contents, and ``--out /var/www/html`` must not
        take another program's files with it."""
        out = self.out
        if not out.exists():
            return False
        if out.is_dir():
            if (out / SNAPSHOT).is_file() or all((out / lang / "index.html").is_file() for lang in LANGS):
                return False
            found = sorted(p.relative_to(out).as_posix() for p in itertools.islice(out.iterdir(), 4))
            if not found:
                return False
            shown_files = ", ".join(found[:3]) + (", …" if len(found) > 3 else "")
            message = tr("the output folder %(out)s holds files no build made (%(files)s), and a build "
                         "replaces what the folder holds: give an empty or new folder (--out), or move "
                         "those files", out=str(out), files=shown_files)
        else:
            message = tr("the output folder %(out)s is a file; give a folder (--out)", out=str(out))
        self.problems.error(out, (1, 1), "out-not-a-site", message)
        return True

    @without_cycle_collection
    def _run(self, write: bool) -> BuildResult:
        if write and self._out_is_not_ours():
            return self.result
        checked = self.check(keep_cache=write)
        if not write:
            # (check renders nothing: what it can tell of the templates, it says)
            check_templates(templates_dir(self.root), self.problems)
        if checked is None or not write:
            return self.result
        content, catalogs = checked
        with self.stage("model"):
            pinyin = self.root / CACHE_DIR / "pinyin.pickle"
            load_pinyin(pinyin)
            model = None
            # serve: the last model with the changed records taken out and put in
            if self.session is not None and self.session.model_basis is not None:
                model = patch_model(self.session.model_basis, content, catalogs, self.today, self.previous)
                if model is not None and CHECK_BLOCKS:
                    whole = build_model(content, catalogs, self.today, self.previous)
                    differences = model_differences(model, whole)
                    if differences:
                        raise AssertionError(f"patched model differs from a whole one: {differences}")
            if model is None:
                model = build_model(content, catalogs, self.today, self.previous)
            if self.session is not None:
                self.session.model_basis = model_basis(content, catalogs, model)
            save_pinyin(pinyin)
            model.reissued = self.reissued
            self.result.model = model
            templates = templates_dir(self.root)
            fps = Fingerprints(model, templates, LANGS, content.confidential,
                               self.session.digests if self.session is not None else None)
            if CHECK_BLOCKS and fps.patched_from is not None and fps.conf != fps.record_digests(patch=False)[0]:
                raise AssertionError("the records' digests patched differ from whole ones")
        # PDFs come first: the verification pages print their SHA-256.
        with self.stage("pdf"):
            pdfs = build_pdfs(model, self.root, self.problems, fps=fps, lag_catalogs=self.preview)
            self.result.pdfs = pdfs
        if pdfs is None:
            return self.result
        self.result.lagging += pdfs.lagging
        certified = model.certified_snapshot(pdfs.sha256, patch=False)[0] if CHECK_BLOCKS and model.delta else None
        model.record_certificates(pdfs.sha256)
        warn_of_the_report(model, self.problems, self.out)
        if certified is not None and (certified != model.snapshot or list(certified) != list(model.snapshot)):
            raise AssertionError("the certified snapshot patched differs from a whole one")
        state_path = BuildState.path_for(self.root / CACHE_DIR, self.out)
        session = self.session
        if session is not None and session.state_path == state_path:
            state = session.state
        else:
            state = BuildState.load(state_path)
            if session is not None:
                session.state_key = stat_key(state_path)
        output = Output()
        outputs: dict[str, OutputRecord] = {}
        with self.stage("plan"):
            # Made of exactly what the published build was made of, and site/
            # as that build left it: nothing to plan, render or write.
            whole = "" if session is not None else fps.site(
                pdf_digests(pdfs.sha256), str(pdfs.signed), model.changes_json)
            writer = TreeWriter(self.out, state.known, session.trees if session is not None else None,
                                state.outputs)
            synced = session is not None and session.synced_state is state and writer.from_trees
            if session is not None:
                session.synced_state = None  # (this build may stage other files; a catch-up sets it)
            if whole and whole == state.whole:
                as_left = self._published_already(
                    writer, state, {p: r for p, r in state.outputs.items() if not p.startswith(BUNDLE)}, pdfs)
                if as_left is not None:
                    self._count_published(as_left[0])
                    self.result.reused = sum(1 for r in as_left[0].values() if r.fingerprint is not None)
                    return self.result
            renderer = session.renderer if session is not None else None
            if renderer is None or not renderer.rebind(model, pdfs.sha256, fps):
                renderer = Renderer(model, templates, pdfs.sha256, cache=self.root / CACHE_DIR, fps=fps,
                                    fragments=session.fragments if session is not None else None)
            # serve: the own outputs of every record this save did not change
            # are carried over as blocks, when the staging tree holds them.
            blocks, carried, last = None, set(), None
            if session is not None:
                blocks = RecordBlocks(state, renderer.block_base(fps), renderer.block_keys(fps), {}, {})
                if CHECK_BLOCKS and blocks.keys != renderer.block_keys(fps, patch=False):
                    raise AssertionError("the block keys patched differ from whole ones")
                last = session.blocks
                if synced and last is not None and last.state is state and last.base == blocks.base:
                    carried = {i for i, key in blocks.keys.items() if last.keys.get(i) == key}
            # (used up: the last model is not kept alive until the next save)
            model.delta = None
            jobs = [*renderer.plan(fps, carried), _manifest_job(model, pdfs, fps)]
            if carried and CHECK_BLOCKS:
                _check_carried_blocks(renderer, fps, state, {i: last.files[i] for i in carried})
            # The carried blocks' files: the last build's of every block but those
            # not carried (a save carries nearly all: copied whole, in C).
            carried_files: dict[str, OutputRecord] = {}
            if carried:
                carried_files = dict(last.every_file)
                for i in last.files.keys() - carried:
                    for path in last.files[i]:
                        del carried_files[path]
                if CHECK_BLOCKS:
                    assert carried_files == {p: r for i in carried for p, r in last.files[i].items()}, \
                        "the carried blocks' files differ from those of the blocks carried"
            try:
                # (a carried block's paths were claimed by the build it comes
                # from, all together: they are distinct)
                output.claim_distinct(carried_files.keys())
                for path in (job.path for job in jobs):
                    for staged in (path, *companions(path)):
                        output.claim(staged)
                # (the PDFs' paths are made of validated numbers and edition ids:
                # normal, and distinct as the keys of a dict)
                output.claim_distinct(pdfs.pdfs.keys())
            except OutputCollision as exc:
                self.problems.error(self.root / "content", (1, 1), "output-collision", said(exc))
                return self.result
            # An output whose inputs did not change since the published build
            # is that build's file: it is carried over, not rendered.
            todo, reused = [], []
            for job in jobs:
                prev = state.outputs.get(job.path)
                if self.preview and prev is None and job.path == SNAPSHOT:
                    # serve publishes no records snapshot of its own: build.py
                    # takes the one it finds as what was published (issued
                    # certificates), and a preview's records were never that.
                    # (Not lagging: there is no file, of the last build or scanned by its rules.)
                    continue
                # serve: a bulk file may stay as the last build left it (its
                # record keeps the old fingerprint, so the next build makes it).
                if (job.fingerprint is None or prev is None
                        or (prev.fingerprint != job.fingerprint and not (self.preview and job.bulk))):
                    todo.append(job)
                    continue
                files = _carried(state, writer, job.path, synced)
                if files is not None:
                    reused.append(prev)
                    outputs.update(files)
                    self.result.lagging += prev.fingerprint != job.fingerprint
                else:
                    todo.append(job)
            if carried:
                outputs.update(carried_files)
                blocks.files = {i: last.files[i] for i in carried}
                blocks.outputs = {i: last.outputs[i] for i in carried}
                blocks.every_file = carried_files
                self.result.reused += sum(blocks.outputs.values())
        with self.stage("render"):
            # Every file the published build recorded was scanned as its scan
            # digest says (rules and scanner), unless a preview let files lag.
            scanned = state.outputs if state.scanned and state.scanned == fps.scanned else None
            made = render_outputs(todo, writer, self.out, content.confidential, self.problems,
                                  templates, self.progress, scanned=scanned)
            for job, (searchable, staged) in zip(todo, made):
                for path, digest in staged.items():
                    outputs[path] = OutputRecord(job.fingerprint, digest, searchable and path == job.path)
                    self._rendered.append(path)
            self.result.rendered = len(todo)
            self.result.reused += len(reused)
        if self.problems.errors:
            return self.result  # site/ untouched: only the staging tree changed
        # Nothing differed from site/ so far and site/ holds every file of this
        # build: then there is nothing to write, index or swap (the staging
        # tree is not even looked at).
        published = None if writer.written else self._published_already(writer, state, outputs, pdfs)
        if published is not None:
            outputs, inputs = published
            self._count_published(outputs)
            removed = 0
        else:
            written = self._write(writer, state, output, outputs, pdfs, synced)
            if written is None:
                return self.result
            inputs, removed = written
            with self.stage("swap"):
                swap(self.out)
        # (files left to lag by a preview whose rules changed were scanned with the old ones)
        lagged_unscanned = self.result.lagging and state.scanned != fps.scanned
        new_state = BuildState(outputs, writer.known_after_swap(outputs), inputs, whole,
                               "" if lagged_unscanned else fps.scanned)
        if self._bundle is not None:
            # (the next save asks for them: not found again among 150,000 records at N = 10,000)
            new_state.remember_under(BUNDLE, self._bundle)
        if self._pages is not None:
            new_state.remember_pages(*self._pages)
        if session is not None:
            # serve keeps the state in memory and writes it when it stops.
            session.state, session.state_path, session.renderer = new_state, state_path, renderer
            for job in jobs:
                if job.block is not None and job.block not in carried:
                    blocks.outputs[job.block] = blocks.outputs.get(job.block, 0) + 1
                    files = blocks.files.setdefault(job.block, {})
                    for path in (job.path, *companions(job.path)):
                        files[path] = blocks.every_file[path] = outputs[path]
            blocks.state, session.blocks = new_state, blocks
            session.root = self.root
            session.snapshot = {"records": model.snapshot, "report": model.changes.to_dict()}
            # Nothing changed on disk: the trees are as the last build left them.
            # Else the staging tree is now a build behind: brought up to date
            # while the preview is read, not at the next save.
            session.trees = writer.trees_now() if published is not None else writer.trees_after_swap()
            # (started by ``run`` once the lock is free)
            session.background = threading.Thread(target=_catch_up, args=(self.out, session),
                                                  name="staging-catch-up", daemon=True)
        elif (published is None or new_state.known != state.known or new_state.outputs != state.outputs
              or new_state.search_inputs != state.search_inputs or new_state.whole != state.whole):
            # (nothing published changed, but fingerprints may have: a
            # catalog entry nothing prints; without saving them, every later
            # build would render those outputs again)
            new_state.save(state_path)
        self.result.written, self.result.removed = writer.written - self.result.index_written, removed
        return self.result

    def _write(self, writer, state, output, outputs, pdfs, synced=False):
        """write → index: bring the staging tree to this build; (search inputs, files removed),
        or None when the search index failed (site/ untouched). ``synced``: staging
        holds every file of ``state``."""
        with self.stage("write"):
            # Synced, staging holds the published build's files, and every
            # other record is of a file this build staged: nothing to bring over.
            if not synced:
                for path, record in outputs.items():
                    writer.carry(path, record.digest)  # (nothing to do where staging has it)
            for path, source in pdfs.pdfs.items():
                writer.link(path, source, pdfs.sha256[path])
                outputs[path] = OutputRecord(None, pdfs.sha256[path])
            # The bundle of the published build stays until the index stage
            # knows whether it is still right.
            removed = writer.remove_others(outputs, keep=(BUNDLE,))
        searchable, self.result.pages = self._pages = self._searchable_pages(state, outputs)
        inputs = search_inputs(searchable)
        with self.stage("index"):
            try:
                standing = self._standing_bundle(state, inputs)
                carried = (standing is not None and standing[0]
                           and (synced or all(writer.can_reuse(p, r.digest) for p, r in standing[0].items())))
                if carried:
                    if synced:  # (staging holds them; the build they come from claimed them together)
                        output.claim_distinct(standing[0])
                    else:
                        for path, record in standing[0].items():
                            output.claim(path)
                            writer.carry(path, record.digest)
                    outputs.update(standing[0])
                    self._bundle = standing[0]
                    indexed = len(searchable)
                    # (a preview: still the last build's index)
                    inputs, self.result.index_stale = standing[1], standing[1] != inputs
                else:
                    # Pagefind indexes every page when none is marked: nothing to search then.
                    bundle, indexed = (index_pages(writer.staging, sorted(searchable), search_pages_dir(writer.site))
                                        if searchable else ({}, 0))
                    if indexed != len(searchable):
                        raise SearchIndexError(tr("Pagefind indexed %(indexed)s pages, expected %(expected)s "
                                                  "(pages with data-pagefind-body)",
                                                  indexed=indexed, expected=len(searchable)))
                    before = writer.written
                    for path, data in bundle.items():
                        for staged in (path, *companions(path)):
                            output.claim(staged)
                        for staged, digest in writer.put_text(path, data).items():
                            outputs[staged] = OutputRecord(None, digest)
                    self.result.index_written = writer.written - before
            except (SearchIndexError, OutputCollision) as exc:
                self.problems.error(self.out, (1, 1), "search-index", said(exc))
                return None  # site/ is untouched: only the staging tree changed
            self.result.indexed = indexed
            if not (carried and synced):  # (else staging holds no other file of the bundle)
                removed += writer.remove_others(outputs)
        return inputs, removed

    def _searchable_pages(self, state: BuildState, outputs: dict[str, OutputRecord]) -> tuple[dict[str, str], int]:
        """The searchable pages (path -> digest) and how many pages ``outputs`` holds (before
        the index stage adds the search bundle's files).

        A preview patches the last build's with the files it made and those it
        dropped (every other record is the last build's): not two passes over
        150,000 records at N = 10,000.
        """
        last = state.counted_pages() if self.preview else None
        if last is None:
            return _searchable(outputs), _page_count(outputs)
        searchable, pages = dict(last[0]), last[1]
        before = state.outputs
        for path in self._rendered:
            record = outputs[path]
            pages += path not in before and path.endswith(".html")
            if record.searchable:
                searchable[path] = record.digest
            else:
                searchable.pop(path, None)
        for path in before.keys() - outputs.keys():
            if not path.startswith(BUNDLE):
                searchable.pop(path, None)
                pages -= path.endswith(".html")
        if CHECK_BLOCKS and (searchable, pages) != (_searchable(outputs), _page_count(outputs)):
            raise AssertionError("the searchable pages patched differ from those counted")
        return searchable, pages

    def _count_published(self, outputs: dict[str, OutputRecord]) -> None:
        """Pages and searchable pages of a site published already."""
        self.result.pages, self.result.indexed = _page_count(outputs), len(_searchable(outputs))

    def _published_already(self, writer, state, outputs, pdfs):
        """(every output of this build, search inputs) when site/ holds exactly them, else None."""
        outputs = dict(outputs)
        for path, source in pdfs.pdfs.items():
            outputs[path] = OutputRecord(None, pdfs.sha256[path])
        inputs = search_inputs(_searchable(outputs))
        standing = self._standing_bundle(state, inputs)
        if standing is None:
            return None
        outputs.update(standing[0])
        if not writer.publishes({path: r.digest for path, r in outputs.items()}):
            return None
        self._bundle = standing[0]
        self.result.index_stale = standing[1] != inputs
        return outputs, standing[1]

    def _standing_bundle(self, state, inputs: str):
        """The published build's search bundle, if it stands for this build: (its records,
        the search inputs it was made from), else None.

        The bundle is a function of the searchable pages alone: it stands when
        they did not change, and in a preview, which lets the index lag (said
        in the summary).
        """
        bundle = state.records_under(BUNDLE)
        if inputs == state.search_inputs or (self.preview and bundle):
            return bundle, state.search_inputs
        return None

    def summary(self) -> str:
        r = self.result
        stages = " · ".join(shown(tr("%(stage)s %(seconds)ss", stage=stage_name(k), seconds=f"{v:.2f}"))
                            for k, v in r.timings.items())
        total = sum(r.timings.values())
        if r.model is None:
            return shown(tr("checked in %(seconds)ss (%(stages)s): %(summary)s",
                            seconds=f"{total:.2f}", stages=stages, summary=self.problems.summary()))
        confs = sum(len(e.conferences) for e in r.model.editions)
        pdf = ""
        if r.pdfs is not None:
            pdf = (tr(", %(n)s PDFs (%(rendered)s rendered, %(cached)s cached, signed)", n=len(r.pdfs.sha256),
                      rendered=r.pdfs.rendered, cached=r.pdfs.cached) if r.pdfs.signed else
                   tr(", %(n)s PDFs (%(rendered)s rendered, %(cached)s cached)", n=len(r.pdfs.sha256),
                      rendered=r.pdfs.rendered, cached=r.pdfs.cached))
        built = tr("built %(pages)s pages%(pdfs)s (%(editions)s, %(conferences)s conferences, 2 languages; "
                   "%(searchable)s searchable) "
                   "into %(out)s: %(written)s written, %(removed)s removed, %(index)s index files written, "
                   "in %(seconds)ss "
                   "(%(stages)s); %(summary)s",
                   pages=r.pages, pdfs=pdf,
                   editions=ntr("%(n)s edition", "%(n)s editions", len(r.model.editions)),
                   conferences=confs, searchable=r.indexed, out=str(self.out), written=r.written,
                   removed=r.removed, index=r.index_written, seconds=f"{total:.2f}", stages=stages,
                   summary=self.problems.summary())
        if r.index_stale:
            built = tr("%(built)s; search index of the previous build (build.py brings it up to date)", built=built)
        if r.lagging:
            built = ntr("%(built)s; %(n)s download file (calendars, feeds, open data, sitemap, catalog) "
                        "of the previous build (build.py brings it up to date)",
                        "%(built)s; %(n)s download files (calendars, feeds, open data, sitemap, catalog) "
                        "of the previous build (build.py brings them up to date)", r.lagging, built=built)
        return shown(built)


def _searchable(outputs: dict[str, OutputRecord]) -> dict[str, str]:
    """The searchable pages among ``outputs``: path -> digest."""
    return {path: r.digest for path, r in outputs.items() if r.searchable}


def _page_count(outputs: dict[str, OutputRecord]) -> int:
    return sum(1 for path in outputs if path.endswith(".html"))


def _manifest_job(model: SiteModel, pdfs: PdfResult, fps: Fingerprints) -> OutputJob:
    """certificates.json, every certificate's number and SHA-256: a whole-guide
    file (serve lets it lag), made again when a record, a PDF or signing changed."""
    fingerprint = fps.output(MANIFEST, None, fps.everything(), pdf_digests(pdfs.sha256), str(pdfs.signed))
    return OutputJob(MANIFEST, fingerprint, functools.partial(manifest, model, pdfs), bulk=True,
                     weight=max(len(pdfs.sha256), 1))


# Tests set it: every save then also makes what it patches (the model, the
# searchable pages) whole, and plans the outputs it carries over as blocks,
# and fails when the two differ or a block would have had another fingerprint.
CHECK_BLOCKS = os.environ.get("GUIDE_CHECK_BLOCKS") == "1"


def _check_carried_blocks(renderer: Renderer, fps: Fingerprints, state: BuildState,
                          carried: dict[str, dict[str, OutputRecord]]) -> None:
    planned = {job.path: job for job in renderer.plan(fps) if job.block in carried}
    files = {path for block in carried.values() for path in block}
    assert files == {p for path in planned for p in (path, *companions(path))}, "a carried block's files differ"
    assert all(state.outputs.get(p) is r for block in carried.values() for p, r in block.items()), \
        "a carried block holds records of another build"
    for path, job in planned.items():
        assert state.outputs[path].fingerprint == job.fingerprint, f"{path} was carried with a stale fingerprint"


def _carried(state: BuildState, writer: TreeWriter, path: str,
             synced: bool = False) -> dict[str, OutputRecord] | None:
    """The published build's records of ``path`` and its gzip copy, when both can be
    carried over (they are reused together), else None. ``synced``: the staging tree
    holds every file of ``state`` (serve's, after its catch-up)."""
    files = {p: state.outputs.get(p) for p in (path, *companions(path))}
    if synced:
        return None if None in files.values() else files
    if all(r is not None and writer.can_reuse(p, r.digest) for p, r in files.items()):
        return files
    return None


def _catch_up(site: Path, session: Session) -> None:
    """serve, after a build: make the staging tree hold what is published (hard
    links: after a swap, or after a build.py, it is a build behind; after a cold
    build it is made here), and warm the renderer, while the preview is read."""
    session.synced_state = None
    try:
        # (not while a build.py writes the trees)
        with project_lock(session.root, SERVE_WAITING):
            writer = TreeWriter(site, session.state.known, session.trees)
            for path, record in session.state.outputs.items():
                writer.carry(path, record.digest)
            writer.remove_others(session.state.outputs)
            session.trees = writer.trees_now()
            session.synced_state = session.state
    except Exception:  # noqa: BLE001 - whatever went wrong, the listing may be half updated
        session.trees = None  # the next build looks at the trees itself
    try:
        session.renderer.warm()
        from . import catalog_pdf, certificates, fonts  # noqa: F401 - imported now, not on the next save
        fonts.covered_characters()
    except Exception:  # noqa: BLE001 - warming is an optimization; the next build renders what it needs
        session.renderer = None


def _template_blame(exc: Exception):
    """Where a template stands in ``exc``'s traceback: (its file, line, the code of
    the function of ours it called that raised ``exc``), or None when no template
    frame is in it. (Jinja rewrites tracebacks so that template frames carry the
    template's file name and line.)

    The innermost template frame is what the error is reported at. Below it, the
    first frame outside Jinja, MarkupSafe and the gettext a template calls (a
    message's %-format fails there: _("10%")) is a function of ours the template
    called (a filter, a global, a method of the model) given what it cannot use
    ("abc" | day): a project's template may call any of them with anything, so
    that is bad input, reported at the template's line with the function's
    name. None there: the template's own doing ([1] + (2, 3)).
    """
    codes, innermost = [], None
    tb = exc.__traceback__
    while tb is not None:
        code = tb.tb_frame.f_code
        if code.co_filename.endswith((".html", ".xml", ".txt")):
            innermost = (len(codes), Path(code.co_filename), tb.tb_lineno)
        codes.append(code)
        tb = tb.tb_next
    if innermost is None:
        return None

    def library(code):
        return (any(f"{os.sep}{lib}{os.sep}" in code.co_filename for lib in ("jinja2", "markupsafe"))
                or (code.co_filename.endswith(f"{os.sep}rendering.py") and code.co_name in _TEMPLATE_GETTEXT))

    k, where, line = innermost
    return where, line, next((code for code in codes[k + 1:] if not library(code)), None)


_TEMPLATE_GETTEXT = ("gettext", "ngettext", "pgettext", "npgettext")


# -- rendering on every core -------------------------------------------------------
# Below this many outputs to make, or this many conferences printed by the
# whole-guide files among them (OutputJob.weight of the bulk jobs, some
# 0.1-0.2 ms each), starting processes costs more than it saves. (Listings
# print every conference too, but from cached items, at some 5 µs each: a
# preview at N = 1,000 that forked for its listings took 0.55 s, not 0.46.)
PARALLEL_THRESHOLD = 400
HEAVY_THRESHOLD = 5000
CHUNK = 64   # jobs per chunk handed to a worker (whole-guide files: about this weight)
_work: tuple | None = None   # set before the pool forks: workers inherit it


def _chunks(jobs: list[OutputJob]) -> list[tuple[int, ...]]:
    """The jobs' indices in chunks: the whole-guide files first, heaviest first,
    each alone (or a few light ones together); then the others in the plan's
    order, CHUNK at a time.

    The whole-guide files print every conference: at N = 10,000 each takes
    up to 2 s to make and compress. In the plan's order they came last, in
    one chunk, and one core made them all while the other waited (a
    one-record build made its 32 files in 13.1-13.7 s, now 9.6-9.7 s). The
    others keep the plan's order: a worker renders each list item once, for
    the first listing that needs it, and listings handed to both workers
    would each render all of them.
    """
    bulk = sorted((i for i, job in enumerate(jobs) if job.bulk), key=lambda i: -jobs[i].weight)
    chunks, chunk, weight = [], [], 0
    for i in bulk:
        chunk.append(i)
        weight += jobs[i].weight
        if weight >= CHUNK:
            chunks.append(tuple(chunk))
            chunk, weight = [], 0
    if chunk:
        chunks.append(tuple(chunk))
    rest = [i for i, job in enumerate(jobs) if not job.bulk]
    chunks.extend(tuple(rest[k:k + CHUNK]) for k in range(0, len(rest), CHUNK))
    return chunks


def _make_chunk(chunk: tuple[int, ...], staging_thread: bool = False):
    """Make, scan and stage the jobs of ``chunk`` (indices); returns per job (searchable,
    {staged path: (SHA-256, stat key)}) and the problems found, as data (a worker's
    exceptions would not travel well).

    ``staging_thread``: stage each file in a second thread while the next is
    made. Compressing, hashing and writing release the interpreter lock,
    making pages holds it: on one process (a preview) the two overlap on two
    cores. (Only that thread touches the writer until the chunk is done.)
    """
    jobs, writer, out, rules, templates, root, scanned = _work
    problems = Problems(root=root)
    made, staging = [], []
    stager = ThreadPoolExecutor(1, thread_name_prefix="stage") if staging_thread else None
    try:
        for job in (jobs[i] for i in chunk):
            try:
                data = job.make()
            except jinja2.TemplateSyntaxError as exc:
                problems.error(Path(exc.filename or exc.name or "templates"), (exc.lineno or 1, 1),
                               "template-syntax", exc.message or str(exc))
                staging.append(None)
                continue
            except (jinja2.TemplateError, TypeError, ValueError, ArithmeticError, LookupError,
                    AttributeError) as exc:
                # Besides Jinja's errors, a project's template doing what Python
                # refuses ([...] + a tuple, a division by zero), or giving a
                # function of ours what it cannot use: its line, not a
                # traceback. Raised elsewhere in our code, a bug of ours: raised on.
                blame = _template_blame(exc)
                where, line, called = blame or (templates, 1, None)
                if isinstance(exc, jinja2.TemplateError):
                    called = None   # (Jinja's own error says what went wrong)
                elif blame is None or (called is not None and templates != root / "templates"):
                    # (raised in our code, not below a template's call; or below a call from
                    # the tool's own templates, for a project without any: a bug of ours)
                    raise
                error = f"{type(exc).__name__}: {exc}"
                if called is not None:
                    error = tr("%(error)s (raised by %(function)s, which this line calls)", error=error,
                               function=f"{TEMPLATE_NAMES.get(called, called.co_name)}()")
                problems.error(where, (line, 1), "template-error", error)
                staging.append(None)
                continue
            # Bytes published already were scanned then, as they would be now.
            before, digest = scanned.get(job.path), None
            if before is not None:
                digest = digest_bytes(data)
            if before is None or before.digest != digest:
                scan_output({job.path: data}, out, problems, rules)
            staged = (stager.submit(writer.put_text, job.path, data, digest) if stager is not None
                      else writer.put_text(job.path, data, digest))
            staging.append((is_searchable(job.path, data), staged))
        for item in staging:
            if item is None:
                made.append(None)
                continue
            searchable, staged = item
            if stager is not None:
                staged = staged.result()
            # Each staged file's key, written or not: put may have found the bytes
            # already there, which the parent process must learn too (None: not
            # staged, as published already).
            made.append((searchable, {path: (digest, writer.staged_key(path)) for path, digest in staged.items()}))
    finally:
        if stager is not None:
            stager.shutdown(wait=True, cancel_futures=True)
    return chunk, made, problems.items


def render_outputs(jobs: list[OutputJob], writer: TreeWriter, out: Path, rules, problems: Problems,
                   templates: Path, progress: bool = False, workers: int | None = None,
                   scanned: dict[str, OutputRecord] | None = None):
    """Make every job and stage the files whose bytes changed, on all cores when there are many.

    Returns per job (searchable, {staged path: SHA-256}); problems (template errors, confidential
    text) are added to ``problems``. ``scanned``: records of files scanned with ``rules``
    already (a file made again with their bytes is not scanned again).
    """
    global _work
    workers = workers or usable_cores()
    _work = (jobs, writer, out, rules, templates, problems.root, scanned or {})
    chunks = _chunks(jobs)
    bar = tqdm(total=len(jobs), desc=shown(stage_name("render")), unit=shown(tr("file")), disable=not progress, leave=False, file=sys.stderr)
    results: list = [None] * len(jobs)
    seen: set = set()
    pool_left = None
    try:
        if (workers == 1 or len(chunks) < 2
                or (len(jobs) < PARALLEL_THRESHOLD
                    and sum(job.weight for job in jobs if job.bulk) < HEAVY_THRESHOLD)):
            made_chunks = (_make_chunk(chunk, staging_thread=True) for chunk in chunks)
            pool = None
        else:
            # fork: the workers share the model and the templates as they are;
            # they write into the staging tree, so it is made before.
            writer.open_staging()
            pool = multiprocessing.get_context("fork").Pool(workers, initializer=leave_interrupts_to_the_parent)
            made_chunks = pool.imap_unordered(_make_chunk, chunks)
        pool_left = pool
        for chunk, made, found in made_chunks:
            for i, item in zip(chunk, made):
                results[i] = item
            for p in found:
                if p not in seen:  # the same template error in many pages: once
                    seen.add(p)
                    problems.items.append(p)
            bar.update(len(chunk))
        if pool is not None:
            pool.close()
            pool.join()
            pool_left = None
    finally:
        if pool_left is not None:  # a worker's exception, or an interrupt: stop the others
            pool_left.terminate()
        _work = None
        bar.close()
    problems.recount()
    out_rows = []

    for item in results:
        if item is None:
            out_rows.append((False, {}))
            continue
        searchable, staged = item
        for path, (digest, key) in staged.items():  # what a worker process found or wrote
            if key is None:
                continue                              # published already, not staged
            if writer.in_staging.get(path) != key:   # (in this process, put recorded it)
                writer.in_staging[path] = key
                writer.written += 1
            writer.known[key] = digest
        out_rows.append((searchable, {path: digest for path, (digest, _key) in staged.items()}))
    return out_rows
