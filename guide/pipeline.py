"""The build, as named stages: load → validate → model → render → write."""

from __future__ import annotations

import datetime as dt
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import jinja2

from .confidential import scan_output, scan_sources
from .content import load_project
from .model import SiteModel, build_model
from .output import Output, OutputCollision, publish
from .problems import Problems
from .rendering import Renderer
from .translation import Catalogs, load_catalogs
from .validation import Content, validate
from .i18n import check_translations, messages_root, templates_dir

STRICT_CODES = {"missing-translation", "fuzzy-translation"}


@dataclass
class BuildResult:
    problems: Problems
    timings: dict[str, float] = field(default_factory=dict)
    pages: int = 0
    written: int = 0
    removed: int = 0
    model: SiteModel | None = None

    @property
    def ok(self) -> bool:
        return not self.problems.errors


class Build:
    """One run over a project; ``run`` names every stage in order."""

    def __init__(self, root: Path, out: Path | None = None, today: dt.date | None = None,
                 strict: bool = False):
        self.root = Path(root)
        self.out = Path(out) if out else self.root / "site"
        self.today = today or dt.date.today()
        self.strict = strict
        self.result = BuildResult(Problems(root=self.root))

    @contextmanager
    def stage(self, name: str):
        start = time.perf_counter()
        try:
            yield
        finally:
            self.result.timings[name] = self.result.timings.get(name, 0.0) + time.perf_counter() - start

    @property
    def problems(self) -> Problems:
        return self.result.problems

    def check(self) -> tuple[Content, Catalogs] | None:
        """load → validate; nothing is written."""
        with self.stage("load"):
            raw = load_project(self.root, self.problems)
            catalogs = load_catalogs(self.root, self.problems, messages_root(self.root))
        with self.stage("validate"):
            content = validate(raw, self.problems)
            scan_sources(raw, content.confidential, catalogs.paths.values(), self.problems)
            check_translations(content, catalogs, self.problems)
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
            model = build_model(content, catalogs, self.today)
            self.result.model = model
        output = Output()
        with self.stage("render"):
            try:
                renderer = Renderer(model, templates_dir(self.root))
                for path, data in renderer.render_all():
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
        self.result.pages = sum(1 for p in output.files if p.endswith(".html"))
        with self.stage("write"):
            self.result.written, self.result.removed = publish(self.out, output.files)
        return self.result

    def summary(self) -> str:
        r = self.result
        stages = " · ".join(f"{k} {v:.2f}s" for k, v in r.timings.items())
        total = sum(r.timings.values())
        if r.model is None:
            return f"checked in {total:.2f}s ({stages}): {self.problems.summary()}"
        confs = sum(len(e.conferences) for e in r.model.editions)
        return (f"built {r.pages} pages ({len(r.model.editions)} edition(s), {confs} conferences, 2 languages) "
                f"into {self.out}: {r.written} written, {r.removed} removed, in {total:.2f}s "
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
