"""The demo guide shipped in content/: complete, translated, marked as sample data."""

import datetime as dt
from collections import Counter

import pytest

from conftest import REPO
from guide.pipeline import Build


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    out = tmp_path_factory.mktemp("demo") / "site"
    # After the edition's tracking period: no freshness warnings are due.
    build = Build(REPO, out=out, today=dt.date(2025, 1, 1), strict=True)
    result = build.run()
    assert result.ok, [p.format() for p in result.problems.sorted()]
    return result, out


def test_demo_builds_in_strict_mode_with_no_warnings(demo):
    result, _ = demo
    assert result.problems.warnings == []


def test_demo_has_sixty_conferences_in_all_eight_fields(demo):
    result, _ = demo
    view = result.model.current
    assert view.edition.sample
    assert len(view.conferences) >= 60
    fields = Counter(c.field for c in view.conferences)
    assert len(view.edition.fields) == 8 and all(fields[f.id] >= 5 for f in view.edition.fields)
    window = view.edition.window
    assert all(window.start <= c.dates.start and c.dates.end <= window.end for c in view.conferences)


def test_demo_covers_several_recommending_unit_groups(demo):
    result, _ = demo
    groups = Counter(result.model.units[c.recommender].group for c in result.model.current.conferences)
    assert {"science", "engineering", "medicine", "union", "provincial"} <= set(groups)
    assert any(c.kind == "one-off" for c in result.model.current.conferences)


def test_every_demo_record_names_its_sources(demo):
    result, _ = demo
    assert all(c.sources for c in result.model.current.conferences)


def test_every_demo_page_says_it_is_sample_data(demo):
    _, out = demo
    for page in out.rglob("*.html"):
        html = page.read_text(encoding="utf-8")
        assert "示例数据，非官方名单" in html or "Sample data, not the official list" in html, page
