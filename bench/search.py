#!/usr/bin/env python3
"""Benchmark of the search index stage (Pagefind on the staged site).

    python3 bench/search.py              # the demo and a generated 1,000-conference guide
    python3 bench/search.py --sizes 0    # the demo only

Builds each project twice into a temporary folder and prints the index stage
of the second (warm) build: the time Pagefind takes plus reading its bundle
back and writing the files whose bytes changed. The issue measured Pagefind's
command line at about 63 s for 20,000 pages on this kind of machine.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

from generate import generate  # noqa: E402
from guide.pipeline import Build  # noqa: E402


def measure(root: Path, out: Path) -> str:
    for _ in range(2):
        build = Build(root, out=out, today=dt.date(2025, 1, 1))
        result = build.run()
        if not result.ok:
            return "build failed: " + build.problems.summary()
    t = result.timings
    return (f"{result.indexed} pages indexed of {result.pages}: index {t['index']:.2f}s "
            f"(render {t['render']:.2f}s, write {t['write']:.2f}s), {result.index_written} index files rewritten")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="*", default=[1000],
                        help="generated guides to measure besides the demo (0: none)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-search-") as tmp:
        tmp = Path(tmp)
        print("demo:", measure(REPO, tmp / "demo-site"))
        for n in (s for s in args.sizes if s > 0):
            generate(n, tmp / f"guide-{n}")
            print(f"{n} conferences:", measure(tmp / f"guide-{n}", tmp / f"guide-{n}" / "site"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
