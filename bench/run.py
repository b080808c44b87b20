#!/usr/bin/env python3
"""Build benchmark: cold, unchanged, one record edited, one template changed, preview.

    python3 bench/run.py                     # N = 1,000 and 10,000, 3 runs each
    python3 bench/run.py --sizes 1000 --runs 5
    python3 bench/run.py --sizes 1000 --against /tmp/old   # ratio to another checkout, one run

Each case runs a full publication build (pages, certificates, catalog PDF,
search index) in a fresh process and reports the median wall time of the
runs, the median of each stage, and the peak memory (the largest resident
set of the build process or any process it started: Pagefind, PDF workers).
"Cold" moves the output, the staging tree and the cache aside first (moving
is instant; deleting many files just before writing many is slow on these
disks) and deletes them after the benchmark. The table is printed and
written to bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))
from generate import generate  # noqa: E402

TODAY = "2023-06-01"
# The targets (seconds; memory in MB), by case and N.
TARGETS = {
    "cold full build": {1000: 15, 10000: 150},
    "nothing changed": {1000: 2, 10000: 10},
    "nothing changed, again": {},
    "one record edited": {1000: 8, 10000: 80},
    "one template changed": {},
    "one record edited, preview (serve)": {1000: 0.5, 10000: 1},
    "HTML pages alone (load to write)": {1000: 1, 10000: 7},
}
MEMORY_TARGET = {1000: 1024, 10000: 3072}

DRIVER = r"""
import datetime as dt, json, resource, sys, time
from pathlib import Path
sys.path.insert(0, sys.argv[1])
mode, root = sys.argv[2], Path(sys.argv[3])
start = time.perf_counter()
if mode == "preview":
    from guide.preview import Preview
    preview = Preview(root, None, dt.date.fromisoformat(sys.argv[4]), False, True)
    preview.build()  # what serve does on start
    # Staff look at the page before they edit: serve brings its staging tree
    # up to date and warms its caches meanwhile (a thread), as it does after
    # every save. The edit is made once that is done (reported as "settled").
    ready = time.perf_counter()
    preview.session.wait()
    settled = time.perf_counter() - ready
    time.sleep(1)
    # the measured part: an edit, as serve would see it after a save
    # (a visible change: the venue, shown on the record's page)
    path = root / "content/editions/2023/conferences/conf-00001.yaml"
    text = path.read_text(encoding="utf-8")
    kept = [line for line in text.splitlines() if not line.startswith("venue:")]
    path.write_text("\n".join(kept) + "\nvenue: 预览测试会场\n", encoding="utf-8")
    start = time.perf_counter()
    preview.build()
    timings, ok = dict(preview.last.timings, settled=settled), preview.state.snapshot()[1] == []
    path.write_text(text, encoding="utf-8")
else:
    from guide.pipeline import Build
    build = Build(root, today=dt.date.fromisoformat(sys.argv[4]))
    result = build.run()
    timings, ok = result.timings, result.ok
wall = time.perf_counter() - start
me = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
print(json.dumps({"wall": wall, "timings": timings, "ok": ok, "peak_mb": max(me, kids) / 1024}))
"""


def run_driver(root: Path, mode: str = "build", repo: Path = REPO) -> dict:
    out = subprocess.run([sys.executable, "-c", DRIVER, str(repo), mode, str(root), TODAY],
                         capture_output=True, text=True, cwd=REPO)
    if out.returncode != 0:
        raise SystemExit(f"build failed:\n{out.stdout[-2000:]}\n{out.stderr[-2000:]}")
    data = json.loads(out.stdout.strip().splitlines()[-1])
    if not data["ok"]:
        raise SystemExit(f"build reported errors:\n{out.stderr[-2000:]}")
    return data


def move_aside(root: Path, trash: Path) -> None:
    trash.mkdir(exist_ok=True)
    for name in ("site", ".site.staging", ".site.search", ".cache"):
        if (root / name).exists():
            (root / name).rename(trash / f"{name}-{time.time_ns()}")


def edit_record(root: Path, i: int) -> None:
    path = root / "content/editions/2023/conferences/conf-00000.yaml"
    lines = [l for l in path.read_text(encoding="utf-8").splitlines() if not l.startswith("venue:")]
    lines.insert(5, f"venue: 基准测试会场{i}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def edit_template(root: Path, i: int) -> None:
    """Change what every conference page shows (inside its main block)."""
    path = root / "templates/conference.html"
    text = re.sub(r"\n<!-- bench \d+ -->", "", path.read_text(encoding="utf-8"))
    marker = "{% block main %}"
    assert marker in text
    path.write_text(text.replace(marker, f"{marker}\n<!-- bench {i} -->", 1), encoding="utf-8")


def measure(n: int, runs: int, work: Path, repos: tuple[Path, ...] = (REPO,)) -> list[dict[str, list[dict]]]:
    """Every case ``runs`` times, per checkout in ``repos`` (each on its own copy of
    the project), the checkouts taking turns at each step: a machine shared
    with others slows them alike."""
    roots = []
    trash = work / "trash"
    for k, repo in enumerate(repos):
        root = work / (f"guide-{n}" if k == 0 else f"guide-{n}-{k}")
        # The last run's project moved aside, not deleted: deleting its
        # 100,000 files slows the creates of the cold build that follows.
        move_aside(root, trash)
        # Each checkout builds with its own templates (they call the globals its code defines).
        generate(n, root, templates=repo / "templates", source=repo)
        roots.append(root)
    every: list[dict[str, list[dict]]] = [{case: [] for case in TARGETS} for _ in repos]

    def step(case, action=None, mode="build"):
        out = [None] * len(repos)
        # Which checkout goes first alternates from run to run, and each starts
        # with the disks written back (os.sync, not measured): a build right
        # after another's writes shares the disk with their writeback. (With
        # this checkout always first, right after the other's template build,
        # its preview measured 0.65 s against 0.40 s at N = 1,000 for changes
        # that do not touch the preview; measured directly, taking turns,
        # the two took 0.53 and 0.55 s.)
        order = list(range(len(repos)))
        for k in order if i % 2 == 0 else order[::-1]:
            if action is not None:
                action(roots[k])
            os.sync()
            data = run_driver(roots[k], mode, repos[k])
            every[k][case].append(data)
            out[k] = data
        return out

    for i in range(runs):
        for root in roots:
            move_aside(root, trash)
        colds = step("cold full build")
        for cold, results in zip(colds, every):
            results["HTML pages alone (load to write)"].append(
                {"wall": sum(v for k, v in cold["timings"].items() if k not in ("pdf", "index", "swap")),
                 "timings": {}, "peak_mb": cold["peak_mb"]})
        step("nothing changed")
        # The first rebuild after a cold one also makes the second tree of the
        # atomic swap (hard links of every file) when it changes anything.
        step("nothing changed, again")
        step("one record edited", lambda root: edit_record(root, i))
        step("one template changed", lambda root: edit_template(root, i))
        step("one record edited, preview (serve)", mode="preview")
        print(f"N={n} run {i + 1}/{runs}: cold " + ", ".join(f"{c['wall']:.1f}s" for c in colds), flush=True)
    return every


def comparison(all_results: dict[int, list], runs: int, against: Path) -> str:
    """This checkout's medians beside another's, measured in the same run."""
    lines = ["# Build benchmark: this checkout against another", "",
             f"Measured {dt.date.today().isoformat()} on {os.cpu_count()} cores, {runs} run(s) per case, "
             f"the two checkouts taking turns at each step; other: `{against}`. "
             "Ratio = other / this (above 1: this one is faster).", "",
             "| case | N | this median s | other median s | ratio | target s |",
             "| --- | --- | --- | --- | --- | --- |"]
    for n, (this, other) in all_results.items():
        for case in TARGETS:
            a = statistics.median(r["wall"] for r in this[case])
            b = statistics.median(r["wall"] for r in other[case])
            target = TARGETS[case].get(n)
            lines.append(f"| {case} | {n:,} | {a:.2f} | {b:.2f} | {b / a:.2f} | {'' if target is None else target} |")
    return "\n".join(lines) + "\n"


def table(all_results: dict[int, dict[str, list[dict]]], runs: int, heading: bool = True) -> str:
    lines = ["# Build benchmark", ""] if heading else []
    lines += [f"Measured {dt.date.today().isoformat()} on {os.cpu_count()} cores "
              f"({platform.machine()}, Python {platform.python_version()}), {runs} run(s) per case, "
              "medians; publication build (pages, certificates, catalog PDF, search index). "
              "Rerun: `python3 bench/run.py`.", "",
              "| case | N | median s | min–max s | target s | peak MB | stages (median s) |",
              "| --- | --- | --- | --- | --- | --- | --- |"]
    for n, results in all_results.items():
        for case, rows in results.items():
            walls = [r["wall"] for r in rows]
            stages = {k: statistics.median(r["timings"].get(k, 0) for r in rows)
                      for k in rows[0]["timings"]}
            target = TARGETS[case].get(n)
            med = statistics.median(walls)
            verdict = "" if target is None else (" ✓" if med <= target else " ✗")
            lines.append(f"| {case} | {n:,} | {med:.2f} | {min(walls):.2f}–{max(walls):.2f} | "
                         f"{'' if target is None else target}{verdict} | "
                         f"{max(r['peak_mb'] for r in rows):.0f} | "
                         + " · ".join(f"{k} {v:.2f}" for k, v in stages.items()) + " |")
        peak = max(r["peak_mb"] for rows in results.values() for r in rows)
        lines.append(f"| peak memory, any case | {n:,} | | | ≤ {MEMORY_TARGET[n]} MB"
                     f"{' ✓' if peak <= MEMORY_TARGET[n] else ' ✗'} | {peak:.0f} | |")
    return "\n".join(lines) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--work", type=Path, default=Path("/tmp/guide-bench"))
    parser.add_argument("--output", type=Path, default=None,
                        help="where the table goes (default: bench/RESULTS.md, or bench/AGAINST.md with --against)")
    parser.add_argument("--against", type=Path, default=None,
                        help="another checkout (e.g. `git worktree add /tmp/old <commit>`): measured "
                             "in the same run, taking turns; prints both medians and their ratio")
    args = parser.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    if args.against is not None:
        repos = (REPO, args.against.resolve())
        all_results = {n: measure(n, args.runs, args.work, repos) for n in args.sizes}
        # With this checkout's own table: its stages and memory, from the same run.
        text = (comparison(all_results, args.runs, args.against) + "\n## This checkout, in detail\n\n"
                + table({n: results[0] for n, results in all_results.items()}, args.runs, heading=False))
        args.output = args.output or HERE / "AGAINST.md"
    else:
        all_results = {n: measure(n, args.runs, args.work)[0] for n in args.sizes}
        text = table(all_results, args.runs)
        args.output = args.output or HERE / "RESULTS.md"
    print(text)
    args.output.write_text(text, encoding="utf-8")
    # The old outputs are left where they were moved: deleting them here
    # slowed the creates of the next run's first cold build for minutes
    # (measured: a cold build at N = 10,000 took 67.8 s, then 92.3 and
    # 92.8 s after 2.3 million files were deleted; render 17.9 -> 32-36 s).
    print(f"old outputs are in {args.work / 'trash'}: delete it when no benchmark is to run soon",
          file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
