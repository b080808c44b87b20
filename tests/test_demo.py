"""The demo guide shipped in content/: complete, translated, marked as sample data."""

from collections import Counter

import feedparser
import pytest
from icalendar import Calendar

from conftest import REPO
from guide.opendata import CSV_COLUMNS


@pytest.fixture(scope="module")
def demo(demo_build):
    return demo_build


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


def test_every_open_data_column_is_documented_on_the_about_page():
    for lang in ("zh", "en"):
        about = (REPO / f"content/pages/about.{lang}.md").read_text(encoding="utf-8")
        missing = [c for c in CSV_COLUMNS if f"`{c}`" not in about]
        assert not missing, f"about.{lang}.md does not document {missing}"


def test_demo_calendars_and_feeds_read_back(demo):
    result, out = demo
    calendars = sorted(out.rglob("*.ics"))
    # One per conference and language, the whole guide and one per field.
    assert len(calendars) == 2 * (len(result.model.current.conferences) + 1 + 8)
    for path in calendars:
        cal = Calendar.from_ical(path.read_bytes())
        for ev in cal.walk("VEVENT"):
            assert ev.decoded("dtend") > ev.decoded("dtstart"), path
    for lang in ("zh", "en"):
        feed = feedparser.parse((out / lang / "feed.xml").read_bytes())
        assert not feed.bozo and len(feed.entries) == len(result.model.current.conferences)
