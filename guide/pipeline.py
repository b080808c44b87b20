"""The build, as named stages: load → validate → model → render → write → index → swap.

``write`` brings the staging tree up to date, ``index`` runs Pagefind on it,
and only then ``swap`` publishes it: a failure at any stage leaves ``site/``
as it was.
"""

from __future__ import annotations

import datetime as dt
import sys
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import jinja2
from tqdm import tqdm

from .confidential import scan_output, scan_sources
from .content import load_project
from .changes import read_snapshot
from .model import SiteModel, build_model
from .output import Output, OutputCollision, stage, swap, sync_tree
from .pdfs import PdfResult, build_pdfs
from .problems import Problems
from .rendering import Renderer
from .searchindex import (BUNDLE, SearchIndexError, index_site, remember_search_inputs,
                          reusable_bundle, search_inputs)
from .translation import Catalogs, load_catalogs
from .validation import Content, validate
from .rules import check_rules
from .i18n import check_translations, messages_root, templates_dir

STRICT_CODES = {"missing-translation", "fuzzy-translation"}


@dataclass
class BuildResult:
    problems: Problems
    timings: dict[str, float] = field(default_factory=dict)
    pages: int = 0
    indexed: int = 0
    written: int = 0             # files of pages and data
    removed: int = 0
    index_written: int = 0       # files of the search index that changed
    model: SiteModel | None = None
    pdfs: PdfResult | None = None

    @property
    def ok(self) -> bool:
        return not self.problems.errors


class Build:
    """One run over a project; ``run`` names every stage in order."""

    def __init__(self, root: Path, out: Path | None = None, today: dt.date | None = None,
                 strict: bool = False, progress: bool = False, verbose: bool = False):
        self.root = Path(root)
        self.out = Path(out) if out else self.root / "site"
        self.today = today or dt.date.today()
        self.strict = strict
        self.progress = progress    # progress bars: on a terminal, never in CI or a pipe
        self.verbose = verbose
        self.result = BuildResult(Problems(root=self.root))

    @contextmanager
    def stage(self, name: str):
        start = time.perf_counter()
        try:
            yield
        finally:
            elapsed = time.perf_counter() - start
            self.result.timings[name] = self.result.timings.get(name, 0.0) + elapsed
            if self.verbose:
                print(f"{name}: {elapsed:.2f}s", file=sys.stderr)

    @property
    def problems(self) -> Problems:
        return self.result.problems

    def check(self) -> tuple[Content, Catalogs] | None:
        """load → validate; nothing is written."""
        with self.stage("load"):
            raw = load_project(self.root, self.problems)
            catalogs = load_catalogs(self.root, self.problems, messages_root(self.root))
            self.previous = read_snapshot(self.out)
        with self.stage("validate"):
            content = validate(raw, self.problems)
            scan_sources(raw, content.confidential, catalogs.paths.values(), self.problems)
            check_translations(content, catalogs, self.problems)
            check_rules(content, self.problems, self.today)
            if self.strict:
                self.problems.escalate_warnings(STRICT_CODES)
        if self.problems.errors or content.guide is None or not content.editions:
            return None
        return content, catalogs

    def run(self, write: bool = True) -> BuildResult:
        checked = self.check()
        if checked is None or not write:
            return self.result
        content, catalogs = checked
        with self.stage("model"):
            model = build_model(content, catalogs, self.today, self.previous)
            self.result.model = model
        output = Output()
        # PDFs come first: the verification pages print their SHA-256.
        with self.stage("pdf"):
            pdfs = build_pdfs(model, self.root, self.problems)
            self.result.pdfs = pdfs
        if pdfs is None:
            return self.result
        with self.stage("render"):
            try:
                for path, data in pdfs.files.items():
                    output.add(path, data)
                renderer = Renderer(model, templates_dir(self.root), pdfs.sha256)
                pages = tqdm(renderer.render_all(), total=renderer.count(), desc="render", unit="file",
                             disable=not self.progress, leave=False, file=sys.stderr)
                for path, data in pages:
                    output.add(path, data)
            except jinja2.TemplateSyntaxError as exc:
                self.problems.error(Path(exc.filename or exc.name or "templates"), (exc.lineno or 1, 1),
                                    "template-syntax", exc.message or str(exc))
            except jinja2.TemplateError as exc:
                where, line = _template_frame(exc, templates_dir(self.root))
                self.problems.error(where, (line, 1), "template-error", f"{type(exc).__name__}: {exc}")
            except OutputCollision as exc:
                self.problems.error(self.root / "content", (1, 1), "output-collision", str(exc))
            # The last line of defence: what would be published, whatever put it there.
            scan_output(output.files, self.out, self.problems, content.confidential)
        if self.problems.errors:
            return self.result  # nothing is written: the previous site stays whole
        html = [data for p, data in output.files.items() if p.endswith(".html")]
        self.result.pages = len(html)
        searchable = sum(1 for data in html if b"data-pagefind-body" in data)
        inputs = search_inputs(output.files)
        with self.stage("write"):
            # The bundle of the previous build stays until the index stage has
            # the new one, so that unchanged index files are not rewritten.
            staging, written, removed = stage(self.out, output.files, keep=(BUNDLE,))
        with self.stage("index"):
            try:
                # Pagefind indexes every page when none is marked: nothing to search then.
                # The bundle is a function of the searchable pages alone: when
                # none changed since the published build, it is the same.
                reused = reusable_bundle(self.root, self.out, inputs)
                if reused is not None:
                    bundle, indexed = reused, searchable
                else:
                    bundle, indexed = index_site(staging) if searchable else ({}, 0)
                if indexed != searchable:
                    raise SearchIndexError(f"Pagefind indexed {indexed} pages, expected {searchable} "
                                           "(pages with data-pagefind-body)")
                for path, data in bundle.items():
                    output.add(path, data)
            except (SearchIndexError, OutputCollision) as exc:
                self.problems.error(self.out, (1, 1), "search-index", str(exc))
                return self.result  # site/ is untouched: only the staging tree changed
            self.result.indexed = indexed
            self.result.index_written, _ = sync_tree(staging, bundle, under=BUNDLE)
        with self.stage("swap"):
            swap(self.out)
        remember_search_inputs(self.root, self.out, inputs)
        self.result.written, self.result.removed = written, removed
        return self.result

    def summary(self) -> str:
        r = self.result
        stages = " · ".join(f"{k} {v:.2f}s" for k, v in r.timings.items())
        total = sum(r.timings.values())
        if r.model is None:
            return f"checked in {total:.2f}s ({stages}): {self.problems.summary()}"
        confs = sum(len(e.conferences) for e in r.model.editions)
        pdf = ""
        if r.pdfs is not None:
            pdf = (f", {len(r.pdfs.sha256)} PDFs ({r.pdfs.rendered} rendered, {r.pdfs.cached} cached"
                   f"{', signed' if r.pdfs.signed else ''})")
        return (f"built {r.pages} pages{pdf} ({len(r.model.editions)} edition(s), {confs} conferences, 2 languages; "
                f"{r.indexed} searchable) "
                f"into {self.out}: {r.written} written, {r.removed} removed, {r.index_written} index files written, "
                f"in {total:.2f}s "
                f"({stages}); {self.problems.summary()}")


def _template_frame(exc: Exception, templates: Path) -> tuple[Path, int]:
    """The innermost template frame of an error raised while rendering."""
    # Jinja rewrites tracebacks so that template frames carry the template's
    # file name and line.
    tb = exc.__traceback__
    where, line = templates, 1
    while tb is not None:
        filename = tb.tb_frame.f_code.co_filename
        if filename.endswith((".html", ".xml", ".txt")):
            where, line = Path(filename), tb.tb_lineno
        tb = tb.tb_next
    return where, line
