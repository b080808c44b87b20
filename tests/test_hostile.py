"""The hostile-input corpus: every broken or malicious input gives one clear
problem at the right place, and the site built before it stays byte for byte.

The cases live in tests/hostile/ (see cases.tsv); the few that are too big to
keep in the repository are written here (GENERATED).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import textwrap
import time
import tracemalloc
from dataclasses import dataclass
from pathlib import Path

import pytest

from conftest import CONFERENCES_2023, REPO, TODAY, Project, make_project
from guide.content import load_project
from guide.problems import Problems
from guide.wording import shown

CORPUS = Path(__file__).parent / "hostile"
RECORD = "content/editions/2023/conferences/bad.yaml"
# cms-2023 under another id and one day longer: not the same conference twice.
GOOD = textwrap.dedent(CONFERENCES_2023["cms-2023"]).replace("cms-2023", "bad-2023").replace("2023-06-02", "2023-06-03")


@dataclass
class Case:
    name: str
    outcome: str          # error | warning | builds
    code: str = ""
    where: str = ""
    says: str = ""


def read_cases() -> list[Case]:
    cases = []
    for line in (CORPUS / "cases.tsv").read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            cases.append(Case(*line.split("\t")))
    return cases


def _huge_file(root: Path) -> None:
    # 50 MB: a valid record followed by a comment; the reader must not read it all.
    with (root / RECORD).open("w", encoding="utf-8") as f:
        f.write(GOOD)
        f.write("# " + "x" * (50 * 1024 * 1024) + "\n")


def _deep_nesting(root: Path) -> None:
    # libyaml's composer recurses per level and crashed the interpreter here.
    (root / RECORD).write_text(GOOD.replace("organizers: [中国数学会]", "organizers: " + "[" * 100_000 + "]" * 100_000),
                               encoding="utf-8")


def _too_many_values(root: Path) -> None:
    many = "[" + ", ".join(["x"] * 60_000) + "]"
    (root / RECORD).write_text(GOOD.replace("organizers: [中国数学会]", "organizers: " + many), encoding="utf-8")


GENERATED = {"huge-file-50mb": _huge_file, "deep-nesting": _deep_nesting,
             "too-many-values": _too_many_values}
CASES = read_cases()
# Problems whose message is a library's own text, not ours to translate.
SAID_BY_A_LIBRARY = {"template-syntax"}


def known_codes() -> set[str]:
    """Every problem code the tool can report (quoted literals in guide/)."""
    codes = set()
    for path in (REPO / "guide").glob("*.py"):
        codes |= set(re.findall(r'"([a-z][a-z0-9]*(?:-[a-z0-9]+)+|type|encoding)"', path.read_text(encoding="utf-8")))
    return codes


def lay_case(base: Project, case: str, dest: Path) -> Project:
    """A copy of the built project (site/ included) with the case's files over it."""
    shutil.copytree(base.root, dest, symlinks=True)
    if case in GENERATED:
        GENERATED[case](dest)
    else:
        shutil.copytree(CORPUS / case, dest, dirs_exist_ok=True)
    return Project(dest)


@pytest.fixture(scope="module")
def published(tmp_path_factory) -> Project:
    """The small project with a good site/ built, shared read-only by the cases."""
    p = make_project(tmp_path_factory.mktemp("hostile") / "base")
    assert p.build().ok
    p.before = p.site_snapshot()
    assert p.before
    return p


def test_every_case_has_files_or_a_generator_and_a_known_code():
    names = [c.name for c in CASES]
    assert len(names) == len(set(names))
    folders = {p.name for p in CORPUS.iterdir() if p.is_dir()}
    assert folders | set(GENERATED) == set(names)
    codes = known_codes()
    for c in CASES:
        assert c.outcome in ("error", "warning", "builds"), c
        if c.outcome != "builds":
            assert c.code in codes, f"{c.name}: no such problem code '{c.code}' in guide/"


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_hostile_input(published, tmp_path, case):
    project = lay_case(published, case.name, tmp_path / case.name)
    result = project.build()
    problems = result.problems.sorted()
    lines = [p.format() for p in problems]
    if case.outcome == "builds":
        assert result.ok and not problems, lines
        assert project.site_snapshot() != published.before  # the new record is published
        return
    hits = [p for p in problems if p.code == case.code]
    assert hits, lines
    where = [f"{p.path}:{p.line}:{p.column}" for p in hits]
    assert case.where in where, lines
    hit = hits[where.index(case.where)]
    assert case.says in hit.message, hit.format()
    # One problem, one report: nothing else cascades from the broken input.
    assert [p.format() for p in problems if p.severity == "error"] == (
        [hit.format()] if case.outcome == "error" else []), lines
    assert "\n" not in hit.message  # one line each: path:line:column: code: message
    # Under a Chinese locale the same problem, in Chinese (guide/wording.py):
    # only what a library says in its own words (Jinja's) may stay English.
    zh = hit.format("zh")
    assert zh.split(": ")[:2] == hit.format("en").split(": ")[:2]
    if case.code not in SAID_BY_A_LIBRARY:
        # (the message itself: a warning's level, 警告, would pass any)
        said = shown(hit.message, "zh")
        assert said != hit.message and re.search(r"[\u4e00-\u9fff]", said.replace(hit.message, "")), zh
    if case.outcome == "error":
        assert not result.ok
        assert project.site_snapshot() == published.before
    else:
        assert result.ok and hit.severity == "warning"


def test_crlf_and_lf_records_build_the_same_pages(published, tmp_path):
    crlf = lay_case(published, "line-ends-crlf", tmp_path / "crlf")
    lf = lay_case(published, "line-ends-crlf", tmp_path / "lf")
    record = lf.root / RECORD
    record.write_bytes(record.read_bytes().replace(b"\r\n", b"\n"))
    assert crlf.build().ok and lf.build().ok
    assert crlf.site_snapshot() == lf.site_snapshot()
    assert "crlf-2023" in crlf.page("zh/2023/conferences/crlf-2023/index.html")


# -- bounded cost -------------------------------------------------------------

# A child's ru_maxrss starts from the RSS of the process that forked it (Linux
# keeps the old high-water mark across exec), so a small launcher forks the
# build instead of this big test process, and reports the child's usage.
LAUNCHER = """
import os, subprocess, sys, time
start = time.perf_counter()
child = subprocess.Popen(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
_, status, usage = os.wait4(child.pid, 0)
print(os.waitstatus_to_exitcode(status), time.perf_counter() - start, usage.ru_maxrss)
"""


def check_in_child(root: Path) -> tuple[int, float, int]:
    """Run `build.py check` in a child: (exit status, seconds, peak RSS in KiB)."""
    out = subprocess.run([sys.executable, "-c", LAUNCHER, sys.executable, str(REPO / "build.py"), "check",
                          "-q", "--project", str(root), "--today", TODAY.isoformat()],
                         cwd=REPO, capture_output=True, text=True, check=True)
    code, seconds, rss = out.stdout.split()
    return int(code), float(seconds), int(rss)


def traced_load(root: Path) -> tuple[int, Problems]:
    """Peak bytes Python allocates while reading a project (tracemalloc)."""
    problems = Problems(root=root)
    tracemalloc.start()
    try:
        load_project(root, problems)
        return tracemalloc.get_traced_memory()[1], problems
    finally:
        tracemalloc.stop()


@pytest.fixture(scope="module")
def baseline(published) -> tuple[float, int, int]:
    """(seconds, peak RSS KiB, traced peak bytes) of checking the good project."""
    code, seconds, rss = check_in_child(published.root)
    assert code == 0
    traced, problems = traced_load(published.root)
    assert not problems.errors
    return seconds, rss, traced


@pytest.mark.parametrize("case", ["huge-file-50mb", "alias-bomb", "deep-nesting", "too-many-values"])
def test_hostile_input_costs_bounded_time_and_memory(published, baseline, tmp_path, case):
    base_seconds, base_rss, base_traced = baseline
    project = lay_case(published, case, tmp_path / case)
    size = (project.root / RECORD).stat().st_size
    traced, problems = traced_load(project.root)
    assert problems.errors
    code, seconds, rss = check_in_child(project.root)
    assert code == 1
    print(f"{case}: {size:,} bytes; traced peak {traced / 2**20:.1f} MiB "
          f"(good project {base_traced / 2**20:.1f}); child RSS {rss / 1024:.0f} MiB "
          f"(good {base_rss / 1024:.0f}); {seconds:.2f}s (good {base_seconds:.2f}s)")
    # Reading is capped at 1 MB and parsing stops at the first refusal, so a
    # hostile file costs a few MB more than a good project at most (reading
    # all of a 50 MB file would cost 50 MB at once; expanding the alias bomb
    # 10^9 strings).
    assert traced < base_traced + 16 * 2**20
    assert rss < base_rss + 32 * 1024
    assert seconds < base_seconds + 5
