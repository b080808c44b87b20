"""Calendars, Atom feeds and open data, each read back by a real reader:
icalendar for .ics, feedparser for Atom, json and csv for the data files."""

import csv
import datetime as dt
import io
import json

import feedparser
import pytest
from icalendar import Calendar

from conftest import make_project
from guide.opendata import CSV_COLUMNS

PUBLISHED = dt.date(2023, 5, 1)
CHANGED = dt.date(2023, 7, 1)


@pytest.fixture(scope="module")
def dated(tmp_path_factory):
    """The small project with a publication date for 2023 and one changed record."""
    p = make_project(tmp_path_factory.mktemp("dated") / "guide")
    edition = p.root / "content/editions/2023/edition.yaml"
    edition.write_text(edition.read_text() + f"published: {PUBLISHED}\n", encoding="utf-8")
    ccs = p.root / "content/editions/2023/conferences/ccs-2023.yaml"
    ccs.write_text(ccs.read_text() + f"status: postponed\nstatus_date: 2023-06-10\nupdated: {CHANGED}\n",
                   encoding="utf-8")
    result = p.build(strict=True)
    assert result.ok, [x.format() for x in result.problems.items]
    return p


def calendar(project, rel) -> Calendar:
    return Calendar.from_ical((project.root / "site" / rel).read_bytes())


def events(cal) -> dict:
    return {str(e["uid"]): e for e in cal.walk("VEVENT")}


# -- iCalendar ---------------------------------------------------------------

def test_conference_calendar_is_an_all_day_event_over_its_dates(dated):
    cal = calendar(dated, "zh/2023/conferences/cms-2023/cms-2023.ics")
    assert str(cal["version"]) == "2.0" and cal["prodid"]
    (ev,) = cal.walk("VEVENT")
    assert str(ev["uid"]) == "cms-2023@guide.test"
    assert ev.decoded("dtstart") == dt.date(2023, 5, 30)
    assert ev.decoded("dtend") == dt.date(2023, 6, 3)  # exclusive: the day after 2 June
    assert str(ev["summary"]) == "2023年中国数学会学术年会"
    assert str(ev["location"]) == "厦门, 厦门大学"
    assert str(ev["url"]) == "https://guide.test/zh/2023/conferences/cms-2023/"
    description = str(ev["description"])
    assert "会议时间：2023年5月30日至6月2日" in description and "主办单位：中国数学会" in description
    assert str(ev["status"]) == "CONFIRMED"


def test_english_calendar_speaks_english(dated):
    (ev,) = calendar(dated, "en/2023/conferences/cms-2023/cms-2023.ics").walk("VEVENT")
    assert str(ev["summary"]) == "2023 Annual Meeting of the Chinese Mathematical Society"
    assert str(ev["location"]) == "Xiamen, Xiamen University"
    assert "Organizers: Chinese Mathematical Society" in str(ev["description"])
    assert str(ev["url"]) == "https://guide.test/en/2023/conferences/cms-2023/"


def test_month_only_dates_span_the_month_tentatively(dated):
    (ev,) = calendar(dated, "en/2023/conferences/wlsc-2023/wlsc-2023.ics").walk("VEVENT")
    assert (ev.decoded("dtstart"), ev.decoded("dtend")) == (dt.date(2023, 10, 1), dt.date(2023, 11, 1))
    assert str(ev["status"]) == "TENTATIVE"
    assert "October 2023 (dates to be announced)" in str(ev["description"])


def test_dtstamp_comes_from_the_data(dated):
    stamps = {uid: ev.decoded("dtstamp") for uid, ev in events(calendar(dated, "zh/calendars/all.ics")).items()}
    utc = dt.timezone.utc
    assert stamps["cms-2023@guide.test"] == dt.datetime(2023, 5, 1, tzinfo=utc)      # edition published
    assert stamps["ccs-2023@guide.test"] == dt.datetime(2023, 7, 1, tzinfo=utc)      # record updated
    assert stamps["cms-2022@guide.test"] == dt.datetime(2022, 1, 1, tzinfo=utc)      # no date: window start


def test_guide_and_field_calendars_hold_the_listed_conferences(dated):
    for lang in ("zh", "en"):
        assert set(events(calendar(dated, f"{lang}/calendars/all.ics"))) == {
            "cms-2022@guide.test", "cms-2023@guide.test", "ccs-2023@guide.test", "wlsc-2023@guide.test"}
        maths = calendar(dated, f"{lang}/calendars/fields/math-physics.ics")
        assert set(events(maths)) == {"cms-2022@guide.test", "cms-2023@guide.test"}
        assert set(events(calendar(dated, f"{lang}/calendars/fields/life.ics"))) == {"wlsc-2023@guide.test"}
    assert str(calendar(dated, "en/calendars/fields/math-physics.ics")["x-wr-calname"]) == \
        "Guide to Important Academic Conferences: Mathematical and Physical Sciences"


def test_pages_link_their_calendars(dated):
    assert 'href="/zh/2023/conferences/cms-2023/cms-2023.ics"' in dated.page("zh/2023/conferences/cms-2023/index.html")
    assert 'href="/en/calendars/fields/life.ics"' in dated.page("en/2023/fields/life/index.html")
    assert 'href="/en/calendars/all.ics"' in dated.page("en/index.html")


def test_calendars_feeds_and_data_do_not_depend_on_the_build_date(tmp_path):
    p = make_project(tmp_path / "guide")
    files = ("zh/calendars/all.ics", "en/2023/conferences/ccs-2023/ccs-2023.ics", "zh/feed.xml",
             "en/feed.xml", "data/guide.json", "data/guide.csv")
    assert p.build(today=dt.date(2023, 6, 1)).ok
    first = {f: (p.root / "site" / f).read_bytes() for f in files}
    assert p.build(today=dt.date(2024, 2, 29)).ok
    assert {f: (p.root / "site" / f).read_bytes() for f in files} == first


# -- Atom --------------------------------------------------------------------

def test_feeds_parse_and_list_changes_newest_first(dated):
    for lang in ("zh", "en"):
        feed = feedparser.parse((dated.root / f"site/{lang}/feed.xml").read_bytes())
        assert not feed.bozo, feed.bozo_exception
        assert feed.version == "atom10"
        assert len(feed.entries) == 4
        first = feed.entries[0]
        assert first.link == f"https://guide.test/{lang}/2023/conferences/ccs-2023/"
        assert first.updated == "2023-07-01T00:00:00Z" and first.published == "2023-05-01T00:00:00Z"
        assert feed.feed.updated == "2023-07-01T00:00:00Z"
        assert [e.updated[:10] for e in feed.entries[1:]] == ["2023-05-01", "2023-05-01", "2022-01-01"]
        for e in feed.entries:  # every entry leads to a page that exists
            assert (dated.root / "site" / e.link.removeprefix("https://guide.test/") / "index.html").is_file()
    zh = feedparser.parse((dated.root / "site/zh/feed.xml").read_bytes())
    assert zh.feed.title == "重要学术会议指南：新增和变更的会议"
    assert zh.entries[0].title == "中国化学会第33届学术年会"
    assert zh.entries[0].summary.startswith("本会议已延期")
    en = feedparser.parse((dated.root / "site/en/feed.xml").read_bytes())
    assert en.entries[0].title == "33rd CCS Congress"


def test_pages_announce_the_feed_of_their_language(dated):
    assert '<link rel="alternate" type="application/atom+xml" href="/zh/feed.xml"' in dated.page("zh/2023/index.html")
    assert '<link rel="alternate" type="application/atom+xml" href="/en/feed.xml"' in dated.page("en/about/index.html")


def test_errors_on_date_order_of_updated_before_publication(project):
    edition = project.root / "content/editions/2023/edition.yaml"
    edition.write_text(edition.read_text() + "published: 2023-05-01\n", encoding="utf-8")
    cms = project.root / "content/editions/2023/conferences/cms-2023.yaml"
    cms.write_text(cms.read_text() + "updated: 2023-04-30\n", encoding="utf-8")
    result = project.build(write=False)
    (problem,) = result.problems.errors
    assert (problem.code, problem.path.endswith("cms-2023.yaml")) == ("date-order", True)
    assert "updated" in problem.message and "2023-05-01" in problem.message


# -- open data ---------------------------------------------------------------

def test_json_holds_the_whole_guide_in_both_languages(dated):
    data = json.loads((dated.root / "site/data/guide.json").read_text(encoding="utf-8"))
    assert data["title"] == {"zh": "重要学术会议指南", "en": "Guide to Important Academic Conferences"}
    assert [e["id"] for e in data["editions"]] == ["2023", "2022"]
    assert data["editions"][0]["published"] == "2023-05-01"
    confs = {c["id"]: c for c in data["conferences"]}
    assert set(confs) == {"cms-2023", "ccs-2023", "wlsc-2023", "cms-2022"}
    cms = confs["cms-2023"]
    assert cms["name"] == {"zh": "2023年中国数学会学术年会", "en": "2023 Annual Meeting of the Chinese Mathematical Society"}
    assert cms["field"] == {"id": "math-physics", "name": {"zh": "数理科学", "en": "Mathematical and Physical Sciences"}}
    assert (cms["start"], cms["end"], cms["date_precision"]) == ("2023-05-30", "2023-06-02", "day")
    assert cms["organizers"] == [{"zh": "中国数学会", "en": "Chinese Mathematical Society"}]
    assert cms["url"] == {"zh": "https://guide.test/zh/2023/conferences/cms-2023/",
                          "en": "https://guide.test/en/2023/conferences/cms-2023/"}
    assert (confs["ccs-2023"]["status"], confs["ccs-2023"]["updated"]) == ("postponed", "2023-07-01")
    assert confs["wlsc-2023"]["venue"] is None


def test_csv_opens_in_spreadsheets_with_documented_columns(dated):
    raw = (dated.root / "site/data/guide.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # the BOM spreadsheet programs look for
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"), newline="")))
    assert tuple(rows[0]) == CSV_COLUMNS
    by_id = {r["id"]: r for r in rows}
    assert len(rows) == 4
    cms = by_id["cms-2023"]
    assert (cms["name_zh"], cms["name_en"]) == ("2023年中国数学会学术年会", "2023 Annual Meeting of the Chinese Mathematical Society")
    assert (cms["city_zh"], cms["city_en"], cms["hosts_en"]) == ("厦门", "Xiamen", "Xiamen University")
    assert (cms["recommender"], cms["recommender_en"]) == ("A-01", "Chinese Mathematical Society")
    assert by_id["wlsc-2023"]["date_precision"] == "month" and by_id["wlsc-2023"]["end"] == "2023-10-31"


def test_home_page_links_the_open_data(dated):
    for lang in ("zh", "en"):
        home = dated.page(f"{lang}/index.html")
        assert 'href="/data/guide.json"' in home and 'href="/data/guide.csv"' in home


def test_untranslated_text_is_empty_in_english_columns(project):
    from conftest import EN
    project.translations({k: v for k, v in EN.items() if k != "厦门大学"})
    assert project.build().ok
    data = json.loads((project.root / "site/data/guide.json").read_text(encoding="utf-8"))
    cms = next(c for c in data["conferences"] if c["id"] == "cms-2023")
    assert cms["venue"] == {"zh": "厦门大学", "en": None}
    rows = list(csv.DictReader(io.StringIO((project.root / "site/data/guide.csv").read_text(encoding="utf-8-sig"))))
    row = next(r for r in rows if r["id"] == "cms-2023")
    assert (row["venue_zh"], row["venue_en"]) == ("厦门大学", "")
