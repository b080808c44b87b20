#!/usr/bin/env python3
"""Benchmark of the PDF stage: certificates, and a 1,000-row catalog.

    python3 bench/pdfs.py                      # the demo's certificates, and a generated 1,000-row catalog
    python3 bench/pdfs.py --conferences 1000   # the certificates of a generated 1,000-conference project
    python3 bench/pdfs.py --rows 0             # no catalog
    python3 bench/pdfs.py --conferences 1000 --against /tmp/old   # ratio to another checkout

Prints per-certificate render times (one process, font registered, each
certificate drawn once), the whole stage cold (empty cache, all cores) and
warm (everything cached), and the catalog's render time.

With ``--against DIR`` (a checkout of another version, e.g. ``git worktree
add /tmp/old main`` or ``git archive main | tar -x -C /tmp/old``) both
versions render the same certificates in two worker processes, alternating
batches of ten, so that a machine shared with others slows both alike; it
prints each one's median (CPU time of the rendering thread, and wall time)
and the ratio. ``DIR:noaccel`` runs that side without ReportLab's C
accelerator (rl-accel).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
TODAY = dt.date(2023, 6, 1)
BATCH = 10


def model_of(root: Path):
    from guide.model import build_model
    from guide.pipeline import Build
    build = Build(root, today=TODAY)
    checked = build.check()
    if checked is None:
        sys.exit(build.problems.summary())
    return build_model(*checked, TODAY), build.problems


def certificate_docs(root: Path, font_cache: Path):
    """The project's certificate docs, with the build's font registered."""
    from guide import fonts, pdfcanvas
    from guide.pdfs import plan_jobs
    model, _ = model_of(root)
    jobs = plan_jobs(model)
    font = fonts.trimmed_font(fonts.needed_characters(t for j in jobs for t in j.doc.texts()), font_cache)
    pdfcanvas.register_font(font)
    return model, [j.doc for j in jobs if j.kind == "certificate"]


def worker(code: Path, project: Path, font_cache: Path) -> None:
    """Render certificates of ``project`` with the ``guide`` package of ``code``,
    a batch for each number read on stdin; answer each with the times."""
    sys.path.insert(0, str(code))
    from guide.certificates import draw_certificate
    _, docs = certificate_docs(project, font_cache)
    draw_certificate(docs[0])  # warm up imports
    print("ready", len(docs), flush=True)
    i = 1
    for line in sys.stdin:
        times = []
        for _ in range(int(line)):
            doc = docs[i % len(docs)]
            i += 1
            cpu, wall = time.thread_time(), time.perf_counter()
            draw_certificate(doc)
            times.append((time.thread_time() - cpu, time.perf_counter() - wall))
        print(json.dumps(times), flush=True)


def bench_certificates(project: Path, against: list[str], font_cache: Path) -> None:
    sides = [str(REPO)] + against
    procs = []
    for side in sides:
        code, _, mode = side.partition(":")
        env = dict(os.environ)
        if mode == "noaccel":
            env["GUIDE_BENCH_NOACCEL"] = "1"
        proc = subprocess.Popen([sys.executable, __file__, "--worker", code, "--project", str(project),
                                 "--font-cache", str(font_cache)],
                                stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env)
        ready = proc.stdout.readline().split()
        if not ready or ready[0] != "ready":
            sys.exit(f"worker for {side} did not start")
        procs.append(proc)
    count = int(ready[1]) - 1
    results: list[list] = [[] for _ in sides]
    # Each certificate once per side (up to 500), in alternating batches.
    for _ in range(max(1, min(count, 500) // BATCH)):
        for proc, out in zip(procs, results):
            proc.stdin.write(f"{BATCH}\n")
            proc.stdin.flush()
            out.extend(json.loads(proc.stdout.readline()))
    for proc in procs:
        proc.stdin.close()
        proc.wait()
    base = None
    for side, times in zip(sides, results):
        cpu = statistics.median(t[0] for t in times) * 1000
        wall = statistics.median(t[1] for t in times) * 1000
        label = "this checkout" if side == str(REPO) else side
        ratio = "" if base is None else f"; this checkout is {cpu / base[0]:.2f}x faster (CPU), {wall / base[1]:.2f}x (wall)"
        base = base or (cpu, wall)
        print(f"certificates ({label}): {len(times)} in one process, median {cpu:.2f} ms CPU, {wall:.2f} ms wall{ratio}")


def bench_stage(project: Path) -> None:
    from guide.pdfs import build_pdfs
    from guide.problems import Problems
    model, _ = model_of(project)
    with tempfile.TemporaryDirectory() as tmp:
        for label in ("cold (empty cache, all cores)", "warm (all cached)"):
            start = time.perf_counter()
            result = build_pdfs(model, Path(tmp), Problems(root=Path(tmp)))
            print(f"pdf stage {label}: {time.perf_counter() - start:.2f} s, {result.rendered} rendered, "
                  f"{result.cached} cached, font {result.font_seconds:.2f} s, {os.cpu_count()} cores")


def bench_catalog(rows: int) -> None:
    from guide import fonts, pdfcanvas
    from guide.catalog_pdf import catalog_doc, draw_catalog
    from generate import generate
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "guide"
        generate(rows, root)
        model, _ = model_of(root)
        doc = catalog_doc(model, model.current)
        font = fonts.trimmed_font(fonts.needed_characters(doc.texts()), Path(tmp) / "fonts")
        pdfcanvas.register_font(font)
        start = time.perf_counter()
        data = draw_catalog(doc)
        print(f"catalog: {rows} rows in {time.perf_counter() - start:.2f} s, {len(data) // 1024} KiB")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--project", type=Path, default=REPO)
    parser.add_argument("--conferences", type=int, default=0,
                        help="generate a project with this many conferences instead of using --project")
    parser.add_argument("--rows", type=int, default=1000)
    parser.add_argument("--against", action="append", default=[], metavar="DIR[:noaccel]")
    parser.add_argument("--worker", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--font-cache", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        if os.environ.get("GUIDE_BENCH_NOACCEL"):
            sys.modules["_rl_accel"] = None  # ReportLab falls back to its Python code
        worker(args.worker, args.project, args.font_cache)
        return 0
    sys.path.insert(0, str(REPO))
    sys.path.insert(0, str(REPO / "bench"))
    with tempfile.TemporaryDirectory() as tmp:
        project = args.project
        if args.conferences:
            from generate import generate
            project = Path(tmp) / "guide"
            generate(args.conferences, project)
        font_cache = Path(tmp) / "fonts"
        start = time.perf_counter()
        certificate_docs(project, font_cache)
        font = next(font_cache.glob("*.ttf"))
        print(f"model and font (converted, trimmed): {time.perf_counter() - start:.2f} s, "
              f"font {font.stat().st_size // 1024} KiB")
        bench_certificates(project, args.against, font_cache)
        bench_stage(project)
    if args.rows:
        bench_catalog(args.rows)
    return 0


if __name__ == "__main__":
    sys.exit(main())
