"""The PDF stage of a build: certificates, brief catalogs and the certificate manifest.

Each PDF is a function of a small document (every string it prints) plus the
engine (this code, ReportLab, segno, the source font, the signing
certificate). Its cache key is the hash of all of that; a PDF whose key is in
``.cache/pdf/`` is reused byte for byte, the rest are rendered on every core.
"""

from __future__ import annotations

import concurrent.futures as cf
import hashlib
import json
import multiprocessing
import os
import time
from dataclasses import asdict, dataclass, field
from importlib import metadata
from pathlib import Path

from . import fonts, jsonfile
from .cachefile import load_pickle, part_written, save_pickle, write_whole
from .cores import usable_cores, quiet_at_interrupt
from .model import SiteModel
from .problems import Problems
from .recordcache import read_unless_unchanged, remember_written
from .signing import SigningError, SigningKey, signing_key_from_env
from .wording import Message, said, tr

CACHE_DIR = ".cache"
ENGINE_MODULES = ("certificates.py", "catalog_pdf.py", "pdfcanvas.py", "linebreaking.py", "fonts.py",
                  "signing.py", "pdfs.py")
# Below this many PDFs to render, a process pool costs more than it saves.
POOL_THRESHOLD = 4


@dataclass
class Job:
    kind: str      # "certificate" or "catalog"
    path: str      # where it goes in the site
    doc: object    # CertificateDoc or CatalogDoc; None until needed
    key: str = ""
    source: object = None  # the Certificate or EditionView it is made from
    lagging: bool = False  # serve: the last build's catalog, kept


@dataclass
class PdfResult:
    # site path -> its file in the cache (strings: a Path per PDF costs a save
    # at N = 10,000 some 40 ms)
    pdfs: dict[str, str] = field(default_factory=dict)
    sha256: dict[str, str] = field(default_factory=dict)    # site path -> SHA-256 hex
    rendered: int = 0
    cached: int = 0
    certificate_seconds: list[float] = field(default_factory=list)  # per rendered certificate
    catalog_seconds: list[float] = field(default_factory=list)
    font_seconds: float = 0.0
    signed: bool = False
    lagging: int = 0


def engine_version(signing: SigningKey | None) -> str:
    here = Path(__file__).resolve().parent
    h = hashlib.sha256()
    for name in ENGINE_MODULES:
        h.update((here / name).read_bytes())
    for dist in ("reportlab", "segno", "pyhanko"):
        try:
            h.update(f"{dist}={metadata.version(dist)}".encode())
        except metadata.PackageNotFoundError:
            pass
    h.update(fonts.source_font().fingerprint.encode())
    if signing is not None:
        h.update(signing.fingerprint.encode())
    return h.hexdigest()


def doc_key(engine: str, job: Job) -> str:
    payload = json.dumps(asdict(job.doc), ensure_ascii=False, sort_keys=True, default=str)
    return hashlib.sha256(f"{engine}\0{job.kind}\0{payload}".encode()).hexdigest()


# -- worker side -------------------------------------------------------------
_signing: SigningKey | None = None


def _init_worker(font_path: str, signing: SigningKey | None) -> None:
    global _signing
    from .pdfcanvas import register_font
    register_font(Path(font_path))
    _signing = signing


def _init_pool_worker(font_path: str, signing: SigningKey | None) -> None:
    # (ended at once by Ctrl-C: a PDF it was writing is left part-written under a
    # name that says so, ``_left_by_a_killed_write``)
    quiet_at_interrupt()
    _init_worker(font_path, signing)


def _render(kind: str, doc, target: str) -> tuple[str, float]:
    """Draw the PDF into ``target`` (whole or not at all); (its SHA-256, seconds drawing).
    The worker writes it: the parent would write every PDF after the last is drawn,
    one after another (0.3 s at N = 1,000), after receiving every PDF's bytes."""
    start = time.perf_counter()
    if kind == "certificate":
        from .certificates import draw_certificate
        data = draw_certificate(doc)
        if _signing is not None:
            data = _signing.sign(data)
    else:
        from .catalog_pdf import draw_catalog
        data = draw_catalog(doc)
    seconds = time.perf_counter() - start
    write_whole(Path(target), data)
    return hashlib.sha256(data).hexdigest(), seconds


# -- the stage ---------------------------------------------------------------
def _sources(model: SiteModel) -> list[tuple[str, str, object]]:
    """(kind, site path, Certificate or EditionView) of every PDF."""
    return ([("certificate", cert.pdf_path, cert) for cert in model.certificates.values()]
            + [("catalog", view.catalog_path, view) for view in model.editions])


def plan_jobs(model: SiteModel) -> list[Job]:
    """Every PDF job with its document (bench/pdfs.py, tests; the build uses the memo)."""
    jobs = [Job(kind, path, None, source=source) for kind, path, source in _sources(model)]
    for job in jobs:
        job.doc = _make_doc(model, job)
    return jobs


def check_glyphs(model: SiteModel, jobs: list[Job], problems: Problems) -> bool:
    """Every character printed must be in the font: a missing glyph is an error at its record."""
    ok = True
    by_number = {cert.number: cert for cert in model.certificates.values()}
    for job in jobs:
        missing = fonts.missing_characters("".join(job.doc.texts()))
        if not missing:
            continue
        ok = False
        shown = ", ".join(f"'{ch}' (U+{ord(ch):04X})" for ch in missing)
        cert = by_number.get(getattr(job.doc, "number", None))
        if cert is not None:
            src = cert.conference.source
            problems.add(src.path, src.line, src.column, "missing-glyph",
                         tr("the PDF font has no glyph for %(characters)s, printed on certificate %(number)s; "
                            "write the character another way", characters=shown, number=cert.number))
        else:
            problems.add(problems.root / "content", 1, 1, "missing-glyph",
                         tr("the PDF font has no glyph for %(characters)s, printed in %(path)s",
                            characters=shown, path=job.path))
    return ok


def build_pdfs(model: SiteModel, root: Path, problems: Problems, workers: int | None = None,
               fps=None, lag_catalogs: bool = False) -> PdfResult | None:
    """``fps`` (fingerprint.Fingerprints): documents of unchanged records are not made again;
    their keys and characters come from the cache's memo."""
    result = PdfResult()
    try:
        signing = signing_key_from_env()
    except SigningError as exc:
        problems.add(root, 1, 1, "signing-key", said(exc))
        return None
    result.signed = signing is not None
    cache = root / CACHE_DIR / "pdf"
    memo_path = cache / "memo.pickle"
    try:
        engine = engine_version(signing)
        # (a memo is never changed in place: each build makes a new one)
        memo = read_unless_unchanged(f"pdf memo {engine}", memo_path, problems,
                                     lambda: load_pickle(memo_path, engine, dict) or {})
        # What the cache holds, listed once (not a stat per PDF).
        present = set(os.listdir(cache)) if cache.is_dir() else set()
        jobs, chars, new_memo = _plan_with_memo(model, fps, memo, cache, engine, lag_catalogs, present)
        result.lagging = sum(1 for j in jobs if j.lagging)
        if not check_glyphs(model, [j for j in jobs if j.doc is not None], problems):
            return None
    except fonts.FontError as exc:
        problems.add(root, 1, 1, "pdf-font", said(exc))
        return None
    # The SHA-256 of every cached PDF, so that a build need not read them.
    index_path = cache / "sha256.json"
    try:
        index = json.loads(index_path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        index = {}
    loaded = dict(index)
    todo = []
    folder = str(cache)
    for job in jobs:
        job.key = job.key or doc_key(engine, job)
        if f"{job.key}.pdf" in present:
            cached = result.pdfs[job.path] = f"{folder}/{job.key}.pdf"
            if job.key not in index:
                index[job.key] = hashlib.sha256(Path(cached).read_bytes()).hexdigest()
            result.sha256[job.path] = index[job.key]
            result.cached += 1
        else:
            todo.append(job)
    if todo:
        start = time.perf_counter()
        for job in todo:
            if job.doc is None:  # in the memo, but its PDF left the cache
                job.doc = _make_doc(model, job)
        font = fonts.trimmed_font(fonts.needed_characters(chars), root / CACHE_DIR / "fonts")
        fonts.prune_fonts(root / CACHE_DIR / "fonts", font)
        result.font_seconds = time.perf_counter() - start
        cache.mkdir(parents=True, exist_ok=True)
        targets = [cache / f"{job.key}.pdf" for job in todo]
        try:
            rendered = _render_all(todo, targets, font, signing, workers)
        except RenderError as exc:  # (a PDF that could not be written too)
            problems.add(root, 1, 1, "pdf-render", said(exc))
            return None
        for job, target, (sha256, seconds) in zip(todo, targets, rendered):
            result.pdfs[job.path] = str(target)
            result.sha256[job.path] = index[job.key] = sha256
            (result.certificate_seconds if job.kind == "certificate" else result.catalog_seconds).append(seconds)
            result.rendered += 1
    keys = {job.key for job in jobs}
    _prune(cache, keys, present)  # (a PDF written by this build is in keys)
    if jobs and new_memo != memo:
        save_pickle(memo_path, engine, new_memo)
        remember_written(f"pdf memo {engine}", memo_path, new_memo)
    kept = {k: v for k, v in index.items() if k in keys}
    if jobs and kept != loaded:
        index = kept
        write_whole(index_path, json.dumps(index, sort_keys=True).encode("utf-8"))
    return result


def _make_doc(model: SiteModel, job: Job):
    from .catalog_pdf import catalog_doc
    from .certificates import certificate_doc
    if job.kind == "certificate":
        return certificate_doc(model, job.source)
    return catalog_doc(model, job.source)


def _plan_with_memo(model: SiteModel, fps, memo: dict, cache: Path, engine: str, lag_catalogs: bool = False,
                    present: set[str] | None = None):
    """Every PDF job, with its document made only when its inputs are new.

    A document is a function of the guide-wide data and its records, which
    the fingerprints cover: the memo maps their digest to the document's
    cache key and the characters it prints (the font is trimmed to the
    characters of all PDFs).
    """
    jobs, chars, new_memo = [], [], {}
    for kind, path, source in _sources(model):
        inputs = None
        if fps is not None:
            inputs = (fps.conf[source.conference.id] + source.number if kind == "certificate"
                      else fps.view(source.id))   # (a record's digest: fps.conferences of it alone)
        memo_key = None if inputs is None else hashlib.sha256(f"{fps.base}\0{kind}\0{inputs}".encode()).hexdigest()
        hit = memo.get(memo_key) if memo_key else None
        latest = memo.get(("latest", path))
        if hit is not None and f"{hit[0]}.pdf" in present:
            job = Job(kind, path, None, hit[0], source)
            chars.append(hit[1])
        elif lag_catalogs and kind == "catalog" and latest is not None and f"{latest[0]}.pdf" in present:
            # serve: the edition's catalog (a whole-edition download) stays the
            # last build's; the memo keeps no entry for it, so the next build makes it.
            job = Job(kind, path, None, latest[0], source, lagging=True)
            chars.append(latest[1])
            new_memo[("latest", path)] = latest
            jobs.append(job)
            continue
        else:
            job = Job(kind, path, None, "", source)
            job.doc = _make_doc(model, job)
            hit = (doc_key(engine, job), "".join(sorted(set("".join(job.doc.texts())))))
            job.key = hit[0]
            chars.append(hit[1])
        if memo_key:
            new_memo[memo_key] = hit
        new_memo[("latest", path)] = hit
        jobs.append(job)
    return jobs, chars, new_memo


class RenderError(Exception):
    """A PDF could not be drawn or signed."""


def _cannot_make(path: str, exc: BaseException) -> Message:
    return tr("cannot make %(path)s: %(error)s: %(detail)s", path=path, error=type(exc).__name__, detail=said(exc))


def _render_all(todo: list[Job], targets: list[Path], font: Path, signing: SigningKey | None,
                workers: int | None):
    """Each job's PDF drawn into its target: (SHA-256, seconds) per job."""
    workers = workers or usable_cores()
    if workers == 1 or len(todo) < POOL_THRESHOLD:
        _init_worker(str(font), signing)
        out = []
        for job, target in zip(todo, targets):
            try:
                out.append(_render(job.kind, job.doc, str(target)))
            except Exception as exc:  # report which PDF failed, as a problem, not a traceback
                raise RenderError(_cannot_make(job.path, exc)) from exc
        return out
    # The catalogs are the longest jobs: start them first.
    order = sorted(range(len(todo)), key=lambda i: todo[i].kind != "catalog")
    ctx = multiprocessing.get_context("fork")
    with cf.ProcessPoolExecutor(workers, mp_context=ctx, initializer=_init_pool_worker,
                                initargs=(str(font), signing)) as pool:
        futures = {i: pool.submit(_render, todo[i].kind, todo[i].doc, str(targets[i])) for i in order}
        out = []
        for i in range(len(todo)):
            try:
                out.append(futures[i].result())
            except Exception as exc:
                for f in futures.values():
                    f.cancel()
                raise RenderError(_cannot_make(todo[i].path, exc)) from exc
        return out


def _left_by_a_killed_write(name: str) -> bool:
    """A part-written PDF whose process is gone (another build may be writing its own)."""
    part = part_written(name)
    if part is None or not part[0].endswith(".pdf"):
        return False
    try:
        os.kill(part[1], 0)   # (signal 0: only asks whether it exists)
    except ProcessLookupError:
        return True
    except OSError:
        pass  # there, another user's
    return False


def _prune(cache: Path, keep: set[str], present: set[str]) -> None:
    """Delete the cached PDFs no job uses, and what a build killed while writing one
    left (``present``: the cache's listing at the start)."""
    for name in present:
        # (a part-written file's name ends in .tmp: a kept PDF is not asked
        # about, 10,000 of them at N = 10,000 on every save)
        if name.endswith(".pdf") and name[:-4] in keep:
            continue
        if name.endswith(".pdf") or _left_by_a_killed_write(name):
            (cache / name).unlink(missing_ok=True)


MANIFEST = "certificates.json"


_DIGESTS: list = [None, ""]   # the last (SHA-256s, their digest)


def pdf_digests(sha256: dict[str, str]) -> str:
    """One digest of every PDF's SHA-256: an input of the outputs that print them."""
    # Asked two or three times a build, and by serve's saves with the same
    # PDFs: compared (in C) with the last ones before sorting 10,000 again.
    last, digest = _DIGESTS
    if last != sha256:
        digest = hashlib.sha256(repr(sorted(sha256.items())).encode()).hexdigest()
        _DIGESTS[:] = [dict(sha256), digest]
    return digest


def manifest(model: SiteModel, result: PdfResult) -> bytes:
    """certificates.json: every number, its conference, status and SHA-256, for bulk checks."""
    from .certificates import verify_url
    from .translation import ContentTranslator
    en = ContentTranslator(model.catalogs, "en")
    base = model.guide.base_url
    entries = []
    for cert in model.certificates.values():
        c = cert.conference
        entries.append({
            "number": cert.number,
            "edition": cert.edition.id,
            "conference": c.id,
            "name": {"zh": c.name.zh, "en": en.lookup(c.name)[0]},
            "issue_date": cert.edition.certificates.issue_date.isoformat(),
            "status": "valid" if cert.valid else "invalid",
            "conference_status": c.status,
            "status_date": c.status_date.isoformat() if c.status_date else None,
            "sha256": result.sha256[cert.pdf_path],
            "pdf": base + cert.pdf_path,
            "verify": {lang: verify_url(model, cert, lang) for lang in ("zh", "en")},
            "signed": result.signed,
        })
    doc = {"guide": base, "algorithm": "SHA-256", "count": len(entries), "certificates": entries}
    return (jsonfile.dumps(doc) + "\n").encode("utf-8")
