"""The bilingual brief catalog: cover, fields in order, rows by date, headers and page numbers on every page."""

from __future__ import annotations

import datetime as dt
import re
import subprocess

import pytest

from conftest import EN, make_project
from pdftools import pdffonts, pdftotext, squash

MANY = 70


@pytest.fixture(scope="module")
def catalog(tmp_path_factory):
    p = make_project(tmp_path_factory.mktemp("catalog") / "guide")
    names = {}
    for n in range(MANY):
        day = dt.date(2023, 3, 1) + dt.timedelta(days=(n * 37) % 200)   # out of order on purpose
        zh = f"化学测试会议{n:02d}号"
        names[zh] = f"Chemistry Test Meeting No. {n:02d}"
        p.conference(f"chem-{n:02d}", f"""\
            id: chem-{n:02d}
            name: {zh}
            kind: one-off
            field: chemistry
            start: {day.isoformat()}
            city: 重庆
            organizers: [中国化学会]
            recommender: A-06
            """)
    p.translations({**EN, **names})
    result = p.build(strict=True)
    assert result.ok, [x.format() for x in result.problems.items]
    p.pdf = p.root / "site/catalogs/2023.pdf"
    p.pages = int(re.search(r"Pages:\s+(\d+)", subprocess.run(
        ["pdfinfo", str(p.pdf)], capture_output=True, text=True, check=True).stdout)[1])
    return p


def page_text(p, n: int) -> str:
    return pdftotext(p.pdf, "-f", str(n), "-l", str(n))


def test_one_catalog_per_edition_linked_from_its_page(catalog):
    assert sorted(x.name for x in (catalog.root / "site/catalogs").iterdir()) == ["2022.pdf", "2023.pdf"]
    for lang in ("zh", "en"):
        assert 'href="/catalogs/2023.pdf"' in catalog.page(f"{lang}/2023/index.html")
    assert "中英文双语简版目录" in catalog.page("zh/2023/index.html")


def test_cover_names_the_edition_in_both_languages(catalog):
    cover = page_text(catalog, 1)
    flat = squash(cover)
    assert "重要学术会议指南（2023）" in flat and "中英文双语简版目录" in flat
    assert "Guide to Important Academic Conferences (2023)" in cover and "Bilingual brief catalog" in cover
    assert f"{MANY + 3}个会议" in flat and f"{MANY + 3} conferences" in cover
    assert "中国科学技术协会" in flat and "示例数据" in flat
    assert "第1页" not in cover


def test_every_page_has_the_table_header_and_its_number(catalog):
    assert catalog.pages >= 4
    for n in range(2, catalog.pages + 1):
        text = page_text(catalog, n)
        assert f"第{n}页/共{catalog.pages}页 · Page {n} of {catalog.pages}" in text, n
        flat = squash(text)
        for label in ("序号", "No.", "会议名称", "Conferencename", "会议时间", "Dates", "举办城市", "City",
                      "推荐单位", "Recommendingunit"):
            assert label in flat, (n, label)


def test_conferences_are_grouped_by_field_and_sorted_by_date(catalog):
    text = "".join(page_text(catalog, n) for n in range(2, catalog.pages + 1))
    flat = squash(text)
    # Fields in the edition's order, each once.
    positions = [flat.index(f) for f in ("数理科学", "化学科学", "生命科学")]
    assert positions == sorted(positions)
    assert flat.count("化学科学MathematicalandPhysical") == 0
    # Chemistry rows in date order; rows numbered 1..N without gaps.
    found = [int(m) for m in re.findall(r"化学测试会议(\d\d)号", flat)]
    assert sorted(found) == list(range(MANY))
    dates = {n: dt.date(2023, 3, 1) + dt.timedelta(days=(n * 37) % 200) for n in range(MANY)}
    assert [dates[n] for n in found] == sorted(dates[n] for n in found)
    english = [int(m) for m in re.findall(r"Chemistry Test Meeting No\. (\d\d)", " ".join(text.split()))]
    assert english == found


def test_catalog_fonts_are_embedded_and_subset(catalog):
    for row in pdffonts(catalog.pdf):
        assert row["emb"] and row["sub"] and "Helvetica" not in row["name"]


def test_a_postponed_conference_is_marked_in_the_catalog(tmp_path):
    """Its dates are the new ones: the catalog says it was postponed, as its page does."""
    p = make_project(tmp_path / "guide")
    path = p.root / "content/editions/2023/conferences/cms-2023.yaml"
    path.write_text(path.read_text(encoding="utf-8") + "status: postponed\nstatus_date: 2023-04-20\n"
                    "postponed_from: 2023-04-28\n", encoding="utf-8")
    assert p.build(today=dt.date(2023, 4, 21)).ok
    flat = squash(pdftotext(p.root / "site/catalogs/2023.pdf"))
    assert "（已延期）" in flat and "(postponed)" in flat, flat
    assert flat.count("已延期") == 1
