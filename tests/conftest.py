"""Fixture projects built into tmp_path: a small guide with two editions.

Tests start from ``small_project`` and change one thing, so each test says
exactly what it is about (the fixture ladder of Lektor's test suite).
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

# Every serve save in the tests also makes the whole model beside the patched
# one and plans the record blocks it carries over, and fails when the models
# differ or a block was carried with a stale fingerprint (read at import).
os.environ["GUIDE_CHECK_BLOCKS"] = "1"
# The tests read the command line's English; a Chinese locale would show its
# messages in Chinese (guide/wording.py). tests/test_wording.py sets its own.
os.environ["LANGUAGE"] = "en"

from guide.pipeline import Build  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
TODAY = dt.date(2023, 6, 1)

GUIDE = """\
title: 重要学术会议指南
publisher: 中国科学技术协会
base_url: https://guide.test/
current_edition: "2023"
unit_groups:
  science: 理科类学会
  union: 学会联合体
  provincial: 省级科协
"""

UNITS = """\
- {code: A-01, name: 中国数学会, group: science}
- {code: A-06, name: 中国化学会, group: science}
- {code: L-01, name: 中国科协生命科学学会联合体, group: union}
- {code: P-22, name: 重庆市科协, group: provincial}
"""

EDITION = """\
year: {year}
title: 重要学术会议指南（{year}）
sample: {sample}
window:
  start: {year}-01-01
  end: {end}
recurring_cutoff: {cutoff}-12-31
fields:
  - {{id: math-physics, name: 数理科学}}
  - {{id: chemistry, name: 化学科学}}
  - {{id: life, name: 生命科学}}
"""

CONFERENCES_2023 = {
    "cms-2023": """\
        id: cms-2023
        series: cms
        name: 2023年中国数学会学术年会
        kind: recurring
        edition_number: 15
        field: math-physics
        start: 2023-05-30
        end: 2023-06-02
        city: 厦门
        venue: 厦门大学
        organizers: [中国数学会]
        hosts: [厦门大学]
        recommender: A-01
        website: https://www.cms.org.cn/
        """,
    "ccs-2023": """\
        id: ccs-2023
        series: ccs
        name: 中国化学会第33届学术年会
        kind: recurring
        edition_number: 33
        field: chemistry
        start: 2023-06-17
        end: 2023-06-20
        city: 重庆
        organizers: [中国化学会]
        recommender: P-22
        """,
    "wlsc-2023": """\
        id: wlsc-2023
        series: wlsc
        name: 世界生命科学大会
        kind: one-off
        field: life
        start: "2023-10"
        city: 长沙
        organizers: [中国科协生命科学学会联合体]
        recommender: L-01
        """,
}

CONFERENCES_2022 = {
    "cms-2022": """\
        id: cms-2022
        series: cms
        name: 2022年中国数学会学术年会
        kind: recurring
        edition_number: 14
        field: math-physics
        start: 2022-11-04
        end: 2022-11-06
        city: 厦门
        organizers: [中国数学会]
        recommender: A-01
        """,
}

EN = {
    "重要学术会议指南": "Guide to Important Academic Conferences",
    "中国科学技术协会": "China Association for Science and Technology",
    "重要学术会议指南（2023）": "Guide to Important Academic Conferences (2023)",
    "重要学术会议指南（2022）": "Guide to Important Academic Conferences (2022)",
    "理科类学会": "Science societies", "学会联合体": "Society unions",
    "省级科协": "Provincial associations",
    "中国数学会": "Chinese Mathematical Society", "中国化学会": "Chinese Chemical Society",
    "中国科协生命科学学会联合体": "China Union of Life Science Societies",
    "重庆市科协": "Chongqing Association for Science and Technology",
    "数理科学": "Mathematical and Physical Sciences", "化学科学": "Chemical Sciences",
    "生命科学": "Life Sciences",
    "2023年中国数学会学术年会": "2023 Annual Meeting of the Chinese Mathematical Society",
    "2022年中国数学会学术年会": "2022 Annual Meeting of the Chinese Mathematical Society",
    "中国化学会第33届学术年会": "33rd CCS Congress",
    "世界生命科学大会": "world Life Science Conference",
    "厦门": "Xiamen", "重庆": "Chongqing", "长沙": "Changsha", "厦门大学": "Xiamen University",
}

CERTIFICATES = """\
certificates:
  issuer: 中国科学技术协会
  issue_date: {date}
"""

ABOUT = {"zh": "# 关于\n\n这是**测试**。\n", "en": "# About\n\nThis is a **test**.\n"}


def po_text(entries: dict, fuzzy: set = frozenset()) -> str:
    out = ['msgid ""', 'msgstr ""', '"Content-Type: text/plain; charset=UTF-8\\n"', '"Language: en\\n"', ""]
    for k, v in entries.items():
        if k in fuzzy:
            out.append("#, fuzzy")
        out += [f'msgid "{k}"', f'msgstr "{v}"', ""]
    return "\n".join(out)


class Project:
    """A guide project in a temporary folder, with helpers to change and build it."""

    def __init__(self, root: Path):
        self.root = root

    def write(self, rel: str, text: str | bytes) -> Path:
        path = self.root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(text, bytes):
            path.write_bytes(text)
        else:
            path.write_text(textwrap.dedent(text), encoding="utf-8")
        return path

    def conference(self, cid: str, text: str, edition: str = "2023") -> Path:
        return self.write(f"content/editions/{edition}/conferences/{cid}.yaml", text)

    def translations(self, entries: dict, fuzzy: set = frozenset()) -> None:
        self.write("locales/en/LC_MESSAGES/content.po", po_text(entries, fuzzy))

    def build(self, strict: bool = False, write: bool = True, today=TODAY):
        build = Build(self.root, today=today, strict=strict)
        result = build.run(write=write)
        return result

    def issue_certificates(self, date: str = "2023-06-30", edition: str = "2023") -> None:
        """Give the edition certificate settings (issuer and issue date)."""
        path = self.root / f"content/editions/{edition}/edition.yaml"
        path.write_text(path.read_text(encoding="utf-8") + CERTIFICATES.format(date=date), encoding="utf-8")

    def cli(self, *args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, str(REPO / "build.py"), "--project", str(self.root),
                               "--today", TODAY.isoformat(), *args],
                              capture_output=True, text=True, cwd=REPO)

    def page(self, rel: str) -> str:
        return (self.root / "site" / rel).read_text(encoding="utf-8")

    def site_snapshot(self) -> dict[str, bytes]:
        site = self.root / "site"
        return {p.relative_to(site).as_posix(): p.read_bytes()
                for p in sorted(site.rglob("*")) if p.is_file()} if site.exists() else {}


_shared_fonts: list[Path] = []


@pytest.fixture(scope="session", autouse=True)
def shared_font_cache(tmp_path_factory):
    """One trimmed-font cache for all fixture projects: a font depends only on
    the source font and the characters, so sharing it saves a conversion per build."""
    _shared_fonts.append(tmp_path_factory.mktemp("fonts"))
    yield
    _shared_fonts.clear()


def make_project(root: Path, editions=("2023", "2022")) -> Project:
    p = Project(root)
    if _shared_fonts:
        (root / ".cache").mkdir(parents=True, exist_ok=True)
        (root / ".cache" / "fonts").symlink_to(_shared_fonts[0], target_is_directory=True)
    p.write("content/guide.yaml", GUIDE)
    p.write("content/units.yaml", UNITS)
    for year in editions:
        end = "2024-03-31" if year == "2023" else f"{year}-12-31"
        p.write(f"content/editions/{year}/edition.yaml",
                EDITION.format(year=year, end=end, cutoff=int(year) - 1,
                               sample="true" if year == "2023" else "false"))
        for cid, text in (CONFERENCES_2023 if year == "2023" else CONFERENCES_2022).items():
            p.conference(cid, text, year)
    for lang, text in ABOUT.items():
        p.write(f"content/pages/about.{lang}.md", text)
    p.translations(EN)
    return p


@pytest.fixture
def project(tmp_path) -> Project:
    return make_project(tmp_path / "guide")


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Project:
    """The small project, built once for the read-only tests of a module."""
    p = make_project(tmp_path_factory.mktemp("built") / "guide")
    result = p.build(strict=True)
    assert result.ok, [x.format() for x in result.problems.items]
    return p


@pytest.fixture(scope="session")
def demo_build(tmp_path_factory):
    """The demo guide of content/, built once for the session: (result, site folder)."""
    out = tmp_path_factory.mktemp("demo") / "site"
    # After the edition's tracking period: no freshness warnings are due.
    build = Build(REPO, out=out, today=dt.date(2025, 1, 1), strict=True)
    result = build.run()
    assert result.ok, [p.format() for p in result.problems.sorted()]
    return result, out


def pytest_addoption(parser):
    parser.addoption("--update-golden", action="store_true",
                     help="rewrite tests/golden/ from the current output")
