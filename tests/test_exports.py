"""Calendars, Atom feeds and open data, each read back by a real reader:
icalendar for .ics, feedparser for Atom, json and csv for the data files."""

import csv
import datetime as dt
import io
import json
import re

import feedparser
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from icalendar import Calendar
from icalendar.prop import vDuration

from conftest import EN, make_project
from guide import jsonfile
from guide.calendars import _line, _text
from guide.rendering import event_data
from guide.opendata import CSV_COLUMNS, TEXT_COLUMNS, spreadsheet_text

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
    # (strict: as published, the day after the change)
    result = p.build(strict=True, today=CHANGED + dt.timedelta(days=1))
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
    assert str(ev["location"]) == "厦门，厦门大学"
    assert str(ev["url"]) == "https://guide.test/zh/2023/conferences/cms-2023/"
    description = str(ev["description"])
    assert "会议时间：2023年5月30日至6月2日" in description and "主办单位：中国数学会" in description
    assert str(ev["status"]) == "CONFIRMED"


def test_english_calendar_speaks_english(dated):
    (ev,) = calendar(dated, "en/2023/conferences/cms-2023/cms-2023.ics").walk("VEVENT")
    assert str(ev["summary"]) == "2023 Annual Meeting of the Chinese Mathematical Society"
    assert str(ev["location"]) == "Xiamen University, Xiamen"
    assert "Organizers: Chinese Mathematical Society" in str(ev["description"])
    assert str(ev["url"]) == "https://guide.test/en/2023/conferences/cms-2023/"


def test_month_only_dates_span_the_month_tentatively(dated):
    (ev,) = calendar(dated, "en/2023/conferences/wlsc-2023/wlsc-2023.ics").walk("VEVENT")
    assert (ev.decoded("dtstart"), ev.decoded("dtend")) == (dt.date(2023, 10, 1), dt.date(2023, 11, 1))
    assert str(ev["status"]) == "TENTATIVE"
    assert "October 2023 (dates to be announced)" in str(ev["description"])
    # (shown over the whole month: the title says why)
    assert str(ev["summary"]).endswith(" (dates to be announced)")
    (ev,) = calendar(dated, "zh/2023/conferences/wlsc-2023/wlsc-2023.ics").walk("VEVENT")
    assert str(ev["summary"]).endswith("（具体日期待定）")


def test_dtstamp_comes_from_the_data(dated):
    stamps = {uid: ev.decoded("dtstamp") for uid, ev in events(calendar(dated, "zh/calendars/all.ics")).items()}
    utc = dt.timezone.utc
    assert stamps["cms-2023@guide.test"] == dt.datetime(2023, 5, 1, tzinfo=utc)      # edition published
    assert stamps["ccs-2023@guide.test"] == dt.datetime(2023, 7, 1, tzinfo=utc)      # record updated
    assert stamps["cms-2022@guide.test"] == dt.datetime(2022, 1, 1, tzinfo=utc)      # no date: window start


def test_sequence_counts_up_with_each_later_change_of_the_record(dated):
    # Clients keep the copy they hold of an event whose SEQUENCE did not rise,
    # new dates or not: days from the edition's publication to the last change.
    evs = events(calendar(dated, "en/calendars/all.ics"))
    assert "sequence" not in evs["cms-2023@guide.test"]                     # never changed since
    # postponed, updated: days from a fixed day, not from an edition's dates
    # (which may be added or corrected, and would lower every SEQUENCE)
    assert evs["ccs-2023@guide.test"]["sequence"] == (CHANGED - dt.date(2000, 1, 1)).days
    (ev,) = calendar(dated, "zh/2023/conferences/ccs-2023/ccs-2023.ics").walk("VEVENT")
    assert ev["sequence"] == (CHANGED - dt.date(2000, 1, 1)).days


def test_a_cancelled_conference_says_so_in_its_title(project):
    assert project.build().ok
    path = project.root / "content/editions/2023/conferences/ccs-2023.yaml"
    path.write_text(path.read_text(encoding="utf-8") + "status: cancelled\nstatus_date: 2023-05-15\n",
                    encoding="utf-8")
    assert project.build().ok
    (ev,) = calendar(project, "en/2023/conferences/ccs-2023/ccs-2023.ics").walk("VEVENT")
    assert str(ev["status"]) == "CANCELLED" and str(ev["summary"]).endswith(" (cancelled)")
    (ev,) = calendar(project, "zh/2023/conferences/ccs-2023/ccs-2023.ics").walk("VEVENT")
    assert str(ev["summary"]).endswith("（已取消）")


def test_guide_and_field_calendars_hold_the_listed_conferences(dated):
    for lang in ("zh", "en"):
        assert set(events(calendar(dated, f"{lang}/calendars/all.ics"))) == {
            "cms-2022@guide.test", "cms-2023@guide.test", "ccs-2023@guide.test", "wlsc-2023@guide.test"}
        maths = calendar(dated, f"{lang}/calendars/fields/math-physics.ics")
        assert set(events(maths)) == {"cms-2022@guide.test", "cms-2023@guide.test"}
        assert set(events(calendar(dated, f"{lang}/calendars/fields/life.ics"))) == {"wlsc-2023@guide.test"}
    assert str(calendar(dated, "en/calendars/fields/math-physics.ics")["x-wr-calname"]) == \
        "Guide to Important Academic Conferences: Mathematical and Physical Sciences"


def test_a_withdrawn_conference_stays_in_the_subscribed_calendars_as_cancelled(project):
    """Subscribers' calendars keep an event until the feed says CANCELLED: a
    record that left the listings stays in the guide's and its field's
    calendars, cancelled (and in the next build after a plain one too)."""
    assert project.build().ok
    path = project.root / "content/editions/2023/conferences/cms-2023.yaml"
    path.write_text(path.read_text(encoding="utf-8") + "status: withdrawn\nstatus_date: 2023-05-15\n",
                    encoding="utf-8")
    assert project.build().ok
    for lang in ("zh", "en"):
        for rel in (f"{lang}/calendars/all.ics", f"{lang}/calendars/fields/math-physics.ics",
                    f"{lang}/2023/conferences/cms-2023/cms-2023.ics"):
            event = events(calendar(project, rel))["cms-2023@guide.test"]
            assert str(event["status"]) == "CANCELLED", rel
            # (clients that show a cancelled event as any other: the title says it)
            assert str(event["summary"]).endswith(
                {"zh": "（已从指南撤销）", "en": " (withdrawn from the Guide)"}[lang]), rel
            # A revision of the event, later than the one subscribers hold.
            assert event["sequence"] > 0, rel
        assert "cms-2023" not in project.page(f"{lang}/2023/fields/math-physics/index.html")


def test_pages_link_their_calendars(dated):
    assert 'href="/zh/2023/conferences/cms-2023/cms-2023.ics"' in dated.page("zh/2023/conferences/cms-2023/index.html")
    assert 'href="/en/calendars/fields/life.ics"' in dated.page("en/2023/fields/life/index.html")
    assert 'href="/en/calendars/all.ics"' in dated.page("en/index.html")
    # A link downloads the file once; a subscription is made in the reader's
    # calendar app from the address, which the page shows whole.
    assert '<code class="address">https://guide.test/en/calendars/all.ics</code>' in dated.page("en/index.html")
    assert '<code class="address">https://guide.test/zh/calendars/fields/life.ics</code>' in \
        dated.page("zh/2023/fields/life/index.html")


def test_calendars_feeds_and_data_do_not_depend_on_the_build_date(tmp_path):
    p = make_project(tmp_path / "guide")
    files = ("zh/calendars/all.ics", "en/2023/conferences/ccs-2023/ccs-2023.ics", "zh/feed.xml",
             "en/feed.xml", "data/guide.json", "data/guide.csv")
    assert p.build(today=dt.date(2023, 6, 1)).ok
    first = {f: (p.root / "site" / f).read_bytes() for f in files}
    assert p.build(today=dt.date(2024, 2, 29)).ok
    assert {f: (p.root / "site" / f).read_bytes() for f in files} == first


# Text that iCalendar must escape (backslash, semicolon, comma, line breaks)
# and fold: long and Chinese (3 octets a character; the PDF font has no 4-octet ones).
TRICKY_ZH = ("2023年中国数学会学术年会, 暨第十五届全国计算数学、应用数学与统计学交叉前沿学术研讨会; "
             "分会场 \\ 数值代数与优化")
# (a name is one line: a line break is refused; the descriptions' line breaks are escaped)
TRICKY_EN = "2023 Annual Meeting, CMS; Session \\ Numerical Algebra and Optimization"
TRICKY_VENUE = "厦门大学, 思明校区; 科学艺术中心"


def po_escaped(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


@pytest.fixture(scope="module")
def tricky(tmp_path_factory):
    """The small project with names and a venue full of characters iCalendar escapes."""
    p = make_project(tmp_path_factory.mktemp("tricky") / "guide")
    cms = p.root / "content/editions/2023/conferences/cms-2023.yaml"
    name = "\n".join("  " + line for line in TRICKY_ZH.split("\n"))
    cms.write_text(cms.read_text(encoding="utf-8")
                   .replace("name: 2023年中国数学会学术年会", f"name: |-\n{name}")
                   .replace("venue: 厦门大学", f"venue: '{TRICKY_VENUE}'"), encoding="utf-8")
    p.translations(dict(EN, **{po_escaped(TRICKY_ZH): po_escaped(TRICKY_EN)}))
    result = p.build()
    assert result.ok, [x.format() for x in result.problems.items]
    return p


def as_text(value) -> str:
    """icalendar reads escapes only in the properties it knows as TEXT, not in
    NAME (RFC 7986) or X-WR-CALNAME: read their value as a SUMMARY's."""
    cal = Calendar.from_ical(f"BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nSUMMARY:{value}\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n")
    return str(cal.walk("VEVENT")[0]["summary"])


def test_calendar_text_reads_back_exactly(tricky):
    for lang, name, comma in (("zh", TRICKY_ZH, "，"), ("en", TRICKY_EN, ", ")):
        cal = calendar(tricky, f"{lang}/2023/conferences/cms-2023/cms-2023.ics")
        (ev,) = cal.walk("VEVENT")
        assert str(ev["summary"]) == name
        # (not translated: the Chinese; in English the venue comes first, then its city)
        assert str(ev["location"]).endswith(comma + TRICKY_VENUE) if lang == "zh" else \
            str(ev["location"]).startswith(TRICKY_VENUE + comma)
        assert f": {name}\n" not in str(ev["description"])  # the description has labels and facts
        # (one event's file names no calendar: Outlook would make one of that name)
        assert "name" not in cal and "x-wr-calname" not in cal
        events = calendar(tricky, f"{lang}/calendars/all.ics").walk("VEVENT")
        assert name in [str(ev["summary"]) for ev in events]
    data = (tricky.root / "site/en/2023/conferences/cms-2023/cms-2023.ics").read_bytes()
    assert b"Meeting\\, CMS\\; Session \\\\ Numerical" in data.replace(b"\r\n ", b"")


def test_calendar_lines_end_in_crlf_and_fold_between_characters(tricky):
    files = sorted((tricky.root / "site").rglob("*.ics"))
    assert len(files) == 2 * (4 + 1 + 3)  # per language: each conference, the guide, each field
    folded = 0
    for path in files:
        data = path.read_bytes()
        assert data.endswith(b"\r\n") and b"\n" not in data.replace(b"\r\n", b"") and b"\r" not in data.replace(b"\r\n", b"")
        for line in data[:-2].split(b"\r\n"):
            assert len(line) <= 75, (path, line)
            line.decode("utf-8")  # no character cut in two at a fold
            folded += line.startswith(b" ")
    assert folded > 20
    summary = (tricky.root / "site/zh/2023/conferences/cms-2023/cms-2023.ics").read_bytes().split(b"SUMMARY:")[1]
    assert summary.count(b"\r\n ") >= 2  # the long Chinese name spans three lines or more


def test_subscribed_calendars_say_how_often_to_refresh(dated):
    cal = calendar(dated, "zh/calendars/all.ics")
    assert cal.decoded("refresh-interval") == dt.timedelta(days=1)
    assert vDuration.from_ical(str(cal["x-published-ttl"])) == dt.timedelta(days=1)
    assert "refresh-interval" not in calendar(dated, "zh/2023/conferences/cms-2023/cms-2023.ics")


@settings(max_examples=300, deadline=None)
@given(st.integers(0, 80).map("a".__mul__),  # shifts the folds over the characters
       st.text(alphabet=st.one_of(st.sampled_from("\\;,:\r\n ^\"'aZ9码𠮷é\t"), st.characters(codec="utf-8")),
               min_size=20, max_size=120))
def test_any_text_is_one_folded_content_line_that_reads_back(shift, value):
    value = shift + value
    line = _line("DESCRIPTION", _text(value))
    assert line.endswith(b"\r\n")
    pieces = line[:-2].split(b"\r\n")
    for piece in pieces:
        assert len(piece) <= 75
        piece.decode("utf-8")  # no character cut in two
    for piece in pieces[:-1]:  # no escape cut in two: every backslash pair is whole
        assert (len(piece) - len(piece.rstrip(b"\\"))) % 2 == 0, pieces
    cal = Calendar.from_ical(b"BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\n" + line + b"END:VEVENT\r\nEND:VCALENDAR\r\n")
    # Line breaks, whichever the text had, are one escaped newline.
    assert str(cal.walk("VEVENT")[0]["description"]) == value.replace("\r\n", "\n").replace("\r", "\n")


# -- Atom --------------------------------------------------------------------

def test_feeds_parse_and_list_changes_newest_first(dated):
    for lang in ("zh", "en"):
        feed = feedparser.parse((dated.root / f"site/{lang}/feed.xml").read_bytes())
        assert not feed.bozo, feed.bozo_exception
        assert feed.version == "atom10"
        assert len(feed.entries) == 4
        first = feed.entries[0]
        assert first.link == f"https://guide.test/{lang}/2023/conferences/ccs-2023/"
        # (a change is published when it was made: readers that sort by it put it first)
        assert first.updated == "2023-07-01T00:00:00Z" and first.published == "2023-07-01T00:00:00Z"
        assert feed.feed.updated == "2023-07-01T00:00:00Z"
        assert [e.updated[:10] for e in feed.entries[1:]] == ["2023-05-01", "2023-05-01", "2022-01-01"]
        for e in feed.entries:  # every entry leads to a page that exists
            assert (dated.root / "site" / e.link.removeprefix("https://guide.test/") / "index.html").is_file()
    zh = feedparser.parse((dated.root / "site/zh/feed.xml").read_bytes())
    assert zh.feed.title == "重要学术会议指南：新增和变更的会议"
    # (its last change, 1 July, came after the postponement of 10 June)
    assert zh.entries[0].title == "【信息更新】中国化学会第33届学术年会"
    assert zh.entries[0].summary.startswith("本会议已延期")
    en = feedparser.parse((dated.root / "site/en/feed.xml").read_bytes())
    assert en.entries[0].title == "Updated: 33rd CCS Congress"
    assert en.entries[1].title == "2023 Annual Meeting of the Chinese Mathematical Society"
    # A change is an entry of its own, with the date of the change in its id:
    # readers show an entry once, by id. An accreditation keeps its page's address.
    assert en.entries[0].id == "tag:guide.test,2023-07-01:en/2023/conferences/ccs-2023/"
    assert en.entries[1].id == "https://guide.test/en/2023/conferences/cms-2023/"


def test_a_postponement_is_an_entry_titled_for_it(project):
    edition = project.root / "content/editions/2023/edition.yaml"
    edition.write_text(edition.read_text(encoding="utf-8") + "published: 2023-05-01\n", encoding="utf-8")
    path = project.root / "content/editions/2023/conferences/cms-2023.yaml"
    path.write_text(path.read_text(encoding="utf-8") + "status: postponed\nstatus_date: 2023-05-20\n", encoding="utf-8")
    assert project.build().ok
    en = feedparser.parse((project.root / "site/en/feed.xml").read_bytes())
    entry = next(e for e in en.entries if e.link.endswith("/cms-2023/"))
    assert entry.title == "Postponed: 2023 Annual Meeting of the Chinese Mathematical Society"
    assert entry.id == "tag:guide.test,2023-05-20:en/2023/conferences/cms-2023/"
    assert entry.published == entry.updated == "2023-05-20T00:00:00Z"


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


def test_open_data_tells_when_a_conference_moved_and_what_it_added_afterwards(project):
    # A user of the data can tell when a conference was postponed and from
    # which dates, which certificate it has, and what its unit added after it.
    project.issue_certificates()
    path = project.root / "content/editions/2023/conferences/cms-2023.yaml"
    path.write_text(path.read_text(encoding="utf-8") + "status: postponed\nstatus_date: 2023-04-20\n"
                    "postponed_from: 2023-04-28\nresources:\n  videos: [https://v.example.org/1, https://v.example.org/2]\n"
                    "  proceedings: https://p.example.org/cms\n", encoding="utf-8")
    assert project.build().ok
    confs = {c["id"]: c for c in json.loads((project.root / "site/data/guide.json").read_text())["conferences"]}
    cms, ccs = confs["cms-2023"], confs["ccs-2023"]
    assert cms["status_date"] == "2023-04-20"
    assert cms["postponed_from"] == {"start": "2023-04-28", "end": "2023-04-28", "date_precision": "day"}
    assert cms["resources"] == {"videos": ["https://v.example.org/1", "https://v.example.org/2"],
                                "expert_summary": None, "proceedings": "https://p.example.org/cms"}
    assert cms["certificate"] and (project.root / f"site/zh/verify/{cms['certificate']}/index.html").is_file()
    assert (ccs["status_date"], ccs["postponed_from"], ccs["resources"]) == (None, None, None)
    raw = (project.root / "site/data/guide.csv").read_bytes().decode("utf-8-sig")
    row = next(r for r in csv.DictReader(io.StringIO(raw, newline="")) if r["id"] == "cms-2023")
    assert (row["status_date"], row["postponed_from_start"], row["postponed_from_end"],
            row["postponed_from_precision"]) == ("2023-04-20", "2023-04-28", "2023-04-28", "day")
    assert row["videos"] == "https://v.example.org/1; https://v.example.org/2"
    assert (row["certificate"], row["expert_summary"], row["proceedings"]) == \
        (cms["certificate"], "", "https://p.example.org/cms")


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


def test_csv_text_that_a_spreadsheet_would_run_as_a_formula_starts_with_a_quote(project):
    cms = project.root / "content/editions/2023/conferences/cms-2023.yaml"
    cms.write_text(cms.read_text(encoding="utf-8")
                   .replace("name: 2023年中国数学会学术年会", "name: '=HYPERLINK(\"https://evil.example/\",\"年会\")'")
                   .replace("venue: 厦门大学", "venue: '-196 ℃ 低温实验室'")
                   .replace("organizers: [中国数学会]", "organizers: ['@中国数学会', '+86 学会']"), encoding="utf-8")
    project.translations(dict(EN, **{'=HYPERLINK(\\"https://evil.example/\\",\\"年会\\")': "+1 Annual Meeting"}))
    assert project.build().ok
    rows = list(csv.DictReader(io.StringIO((project.root / "site/data/guide.csv").read_text(encoding="utf-8-sig"))))
    row = next(r for r in rows if r["id"] == "cms-2023")
    assert row["name_zh"] == "'" + '=HYPERLINK("https://evil.example/","年会")'
    assert row["name_en"] == "'+1 Annual Meeting"
    assert (row["venue_zh"], row["organizers_zh"]) == ("'-196 ℃ 低温实验室", "'@中国数学会; +86 学会")
    assert row["organizers_en"] == ""   # (none translated: no bare separator)
    assert row["city_zh"] == "厦门"  # nothing to neutralize
    # Dates and numbers as they are; every other row untouched.
    assert (row["start"], row["end"], row["updated"], row["edition_number"]) == ("2023-05-30", "2023-06-02",
                                                                                  "2023-01-01", "15")
    assert not any(v.startswith("'") for r in rows if r["id"] != "cms-2023" for v in r.values())
    # The JSON keeps the text as it is.
    data = json.loads((project.root / "site/data/guide.json").read_text(encoding="utf-8"))
    cms_json = next(c for c in data["conferences"] if c["id"] == "cms-2023")
    assert cms_json["name"] == {"zh": '=HYPERLINK("https://evil.example/","年会")', "en": "+1 Annual Meeting"}
    assert cms_json["venue"]["zh"] == "-196 ℃ 低温实验室"


@pytest.mark.parametrize("value, shown", [
    ("=1+2", "'=1+2"), ("+86 10", "'+86 10"), ("-1", "'-1"), ("@SUM(A1)", "'@SUM(A1)"),
    ("\t=1", "'\t=1"), ("\r=1", "'\r=1"), ("1-2", "1-2"), ("a=b", "a=b"), ("", ""), ("'quoted", "'quoted"),
])
def test_spreadsheet_text(value, shown):
    assert spreadsheet_text(value) == shown


def test_text_columns_are_csv_columns():
    assert TEXT_COLUMNS < set(CSV_COLUMNS)
    assert not {"start", "end", "updated", "edition_number", "website"} & TEXT_COLUMNS


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


json_scalars = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text()
json_values = st.recursive(
    json_scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=5), inner, max_size=4),
    max_leaves=20)
# (keys json writes as text: numbers, booleans, null)
any_keys = st.recursive(
    json_scalars,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(json_scalars, inner, max_size=4),
    max_leaves=12)


@given(json_values, st.integers(min_value=0, max_value=3), st.booleans())
@settings(max_examples=300, deadline=None)
def test_json_files_read_back_as_the_data_they_were_made_of(value, levels, sort_keys):
    text = jsonfile.dumps(value, levels, sort_keys)
    assert json.loads(text) == value
    # json's own text but for the layout: keys in the same order, values alike
    assert json.dumps(json.loads(text)) == json.dumps(value, sort_keys=sort_keys)


@given(any_keys, st.integers(min_value=0, max_value=3), st.booleans())
@settings(max_examples=300, deadline=None)
def test_json_files_write_any_key_as_json_does(value, levels, sort_keys):
    try:
        expected = json.dumps(value, sort_keys=sort_keys)
    except TypeError:   # keys of types that cannot be sorted together
        with pytest.raises(TypeError):
            jsonfile.dumps(value, levels, sort_keys)
        return
    assert json.dumps(json.loads(jsonfile.dumps(value, levels, sort_keys))) == json.dumps(json.loads(expected))


def test_the_open_data_gives_each_conference_one_line(dated):
    text = (dated.root / "site/data/guide.json").read_text(encoding="utf-8")
    data = json.loads(text)
    lines = text.splitlines()
    for c in data["conferences"]:
        # (one line holds the whole record, laid out under its list)
        line = next(line for line in lines if f'"id": "{c["id"]}"' in line)
        assert line.startswith("  {") and json.loads(line.strip().rstrip(",")) == c
    assert lines[0] == "{" and lines[1].startswith(' "title": {')


# -- structured data -----------------------------------------------------------

def _event_data(page: str) -> dict | None:
    found = re.findall(r'<script type="application/ld\+json">(.*?)</script>', page, re.S)
    assert len(found) <= 1
    return json.loads(found[0]) if found else None


def test_conference_pages_describe_their_event_for_search_engines(project):
    """schema.org Event data in each language: both dates, place, organizers,
    status, the page and the website."""
    cms = project.root / "content/editions/2023/conferences/cms-2023.yaml"
    cms.write_text(cms.read_text(encoding="utf-8").replace("2023-05-30", "2023-05-31")
                   + "status: postponed\nstatus_date: 2023-04-20\npostponed_from: 2023-05-30\n", encoding="utf-8")
    ccs = project.root / "content/editions/2023/conferences/ccs-2023.yaml"
    ccs.write_text(ccs.read_text(encoding="utf-8") + "status: cancelled\nstatus_date: 2023-05-02\n", encoding="utf-8")
    assert project.build().ok
    zh = _event_data(project.page("zh/2023/conferences/cms-2023/index.html"))
    assert zh == {
        "@context": "https://schema.org", "@type": "Event", "name": "2023年中国数学会学术年会",
        "startDate": "2023-05-31", "endDate": "2023-06-02",
        "eventStatus": "https://schema.org/EventRescheduled", "previousStartDate": "2023-05-30",
        "location": {"@type": "Place", "name": "厦门大学",
                     "address": {"@type": "PostalAddress", "addressLocality": "厦门"}},
        "organizer": [{"@type": "Organization", "name": "中国数学会"}],
        "url": "https://guide.test/zh/2023/conferences/cms-2023/", "sameAs": "https://www.cms.org.cn/"}
    en = _event_data(project.page("en/2023/conferences/cms-2023/index.html"))
    assert en["name"] == "2023 Annual Meeting of the Chinese Mathematical Society"
    assert en["location"]["address"]["addressLocality"] == "Xiamen"
    assert en["url"] == "https://guide.test/en/2023/conferences/cms-2023/"
    assert _event_data(project.page("en/2023/conferences/ccs-2023/index.html"))["eventStatus"] == \
        "https://schema.org/EventCancelled"
    # Only the month known: none (search engines would read the month as its first day)
    assert _event_data(project.page("en/2023/conferences/wlsc-2023/index.html")) is None


def test_a_withdrawn_conference_has_no_event_data(project):
    cms = project.root / "content/editions/2023/conferences/cms-2023.yaml"
    cms.write_text(cms.read_text(encoding="utf-8") + "status: withdrawn\nstatus_date: 2023-05-02\n", encoding="utf-8")
    assert project.build().ok
    assert _event_data(project.page("zh/2023/conferences/cms-2023/index.html")) is None


def test_event_data_cannot_end_its_script_element(project):
    """A name holding </script> or <!-- stays inside the JSON; so does U+2028,
    which ends a line in older JavaScript (the PDFs print no such character:
    tried on the function itself)."""
    cms = project.root / "content/editions/2023/conferences/cms-2023.yaml"
    name = "数学会</script><script>alert(1)</script><!--&年会"
    cms.write_text(cms.read_text(encoding="utf-8").replace("name: 2023年中国数学会学术年会", f'name: "{name}"'),
                   encoding="utf-8")
    result = project.build()
    assert result.ok, [p.format() for p in result.problems.errors]
    page = project.page("zh/2023/conferences/cms-2023/index.html")
    block = re.search(r'<script type="application/ld\+json">(.*?)</script>', page, re.S).group(1)
    assert not set("<>&") & set(block)
    assert json.loads(block)["name"] == name
    c = result.model.conference_index["cms-2023"]
    markup = event_data(c, lambda text: text.zh.replace("数学会", "\u2028\u2029") if text else None, "https://x/")
    block = re.fullmatch(r'<script type="application/ld\+json">(.*)</script>', str(markup), re.S).group(1)
    assert not set("<>&\u2028\u2029") & set(block)
    assert json.loads(block)["name"].startswith("\u2028\u2029</script>")


def test_a_guide_below_a_path_names_its_events_and_changed_entries_with_it(tmp_path):
    """Two guides on one host (example.org/guides/js/, …/zj/) with a record id in
    common: a calendar subscribed to both would take one event for the other."""
    from conftest import make_project
    p = make_project(tmp_path / "guide")
    guide = p.root / "content/guide.yaml"
    guide.write_text(guide.read_text(encoding="utf-8").replace("https://guide.test/", "https://example.org/guides/js/"),
                     encoding="utf-8")
    assert p.build().ok
    (ev,) = calendar(p, "zh/2023/conferences/cms-2023/cms-2023.ics").walk("VEVENT")
    assert str(ev["uid"]) == "cms-2023@example.org/guides/js"
    path = p.root / "content/editions/2023/conferences/cms-2023.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("city: 厦门", "city: 福州") + "updated: 2023-05-20\n",
                    encoding="utf-8")
    p.translations({**__import__("conftest").EN, "福州": "Fuzhou"})
    assert p.build(today=dt.date(2023, 5, 21)).ok
    feed = (p.root / "site/zh/feed.xml").read_text(encoding="utf-8")
    assert "<id>tag:example.org,2023-05-20:guides/js/zh/2023/conferences/cms-2023/</id>" in feed, feed
