#!/usr/bin/env python3
"""Benchmark of the PDF stage: certificates of the demo, and a 1,000-row catalog.

    python3 bench/pdfs.py            # the demo (61 certificates) and a generated 1,000-conference catalog
    python3 bench/pdfs.py --rows 0   # the demo only

Prints per-certificate render times (one process, font registered, nothing
cached), the whole stage cold (empty cache, all cores) and warm (everything
cached), and the catalog's render time. Targets from the issue: about 20 ms a
certificate, about 3.5 s for a 1,000-row catalog.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from guide import fonts, pdfcanvas  # noqa: E402
from guide.catalog_pdf import catalog_doc, draw_catalog  # noqa: E402
from guide.certificates import draw_certificate  # noqa: E402
from guide.model import build_model  # noqa: E402
from guide.pdfs import build_pdfs, plan_jobs  # noqa: E402
from guide.pipeline import Build  # noqa: E402
from guide.problems import Problems  # noqa: E402

TODAY = dt.date(2023, 6, 1)


def model_of(root: Path):
    build = Build(root, today=TODAY)
    checked = build.check()
    if checked is None:
        sys.exit(build.problems.summary())
    return build_model(*checked, TODAY), build.problems


def bench_demo(root: Path) -> None:
    model, _ = model_of(root)
    jobs = plan_jobs(model)
    certs = [j for j in jobs if j.kind == "certificate"]
    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        font = fonts.trimmed_font(fonts.needed_characters(t for j in jobs for t in j.doc.texts()), Path(tmp))
        convert = time.perf_counter() - start
        pdfcanvas.register_font(font)
        draw_certificate(certs[0].doc)  # warm up imports
        times = []
        for job in certs:
            start = time.perf_counter()
            draw_certificate(job.doc)
            times.append(time.perf_counter() - start)
        print(f"font: converted and trimmed in {convert:.2f} s ({font.stat().st_size // 1024} KiB)")
        print(f"certificates: {len(times)}, one process: median {statistics.median(times) * 1000:.1f} ms, "
              f"min {min(times) * 1000:.1f} ms, max {max(times) * 1000:.1f} ms, total {sum(times):.2f} s")
        for label in ("cold (empty cache, all cores)", "warm (all cached)"):
            start = time.perf_counter()
            result = build_pdfs(model, Path(tmp), Problems(root=Path(tmp)))
            print(f"pdf stage {label}: {time.perf_counter() - start:.2f} s, {result.rendered} rendered, "
                  f"{result.cached} cached, {os.cpu_count()} cores")


def bench_catalog(rows: int) -> None:
    sys.path.insert(0, str(REPO / "bench"))
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
    parser.add_argument("--rows", type=int, default=1000)
    args = parser.parse_args()
    bench_demo(args.project)
    if args.rows:
        bench_catalog(args.rows)
    return 0


if __name__ == "__main__":
    sys.exit(main())
