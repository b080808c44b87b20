"""The call's rules, configured in edition data: one test per rule, named for its problem."""

import datetime as dt
import json
import textwrap

import pytest

from conftest import CONFERENCES_2023

RULES = """\
rules:
  recurring:
    min_editions: 2
  ineligible_formats: [training, celebration]
  review_name_patterns: [培训班, 庆典, 周年]
  quotas:
    - groups: [science, union]
      own_share_of_plan: 0.10
      one_off_share: 0.20
    - groups: [provincial]
      max: 1
  freshness:
    confirm_within_days: 14
    resources_after_end: true
    tracking_until: 2024-12-31
plans:
  A-01: 20
  A-06: 20
  L-01: 20
"""

CMS = textwrap.dedent(CONFERENCES_2023["cms-2023"])
PATH = "content/editions/2023/conferences/{}.yaml"


@pytest.fixture
def ruled(project):
    path = project.root / "content/editions/2023/edition.yaml"
    path.write_text(path.read_text(encoding="utf-8") + RULES, encoding="utf-8")
    # the one-off of the fixture is L-01's only recommendation: approve it once here
    wlsc = project.root / PATH.format("wlsc-2023")
    wlsc.write_text(wlsc.read_text(encoding="utf-8") + textwrap.dedent("""\
        exceptions:
          - {rule: quota-one-off, reason: 首次在华举办, approved: 2023-02-01}
        """), encoding="utf-8")
    return project


def variant(project, cid, base=CMS, **changes):
    """A copy of the cms-2023 record with some lines replaced."""
    text = base.replace("id: cms-2023", f"id: {cid}")
    for old, new in changes.items():
        old = old.replace("__", ": ")
        assert old in text, old
        text = text.replace(old, new)
    project.conference(cid, text)


def run(project, today=dt.date(2023, 3, 1)):
    result = project.build(write=False, today=today)
    return result, [p.format() for p in result.problems.sorted()]


def only(lines, code):
    return [l for l in lines if f": {code}: " in l]


def test_the_fixture_passes_every_rule(ruled):
    result, lines = run(ruled)
    assert result.ok, lines
    assert [l for l in lines if ": info: " in l and "quota-one-off" in l], lines


def test_errors_on_outside_window(ruled):
    variant(ruled, "late", **{"end__2023-06-02": "end: 2024-04-02"})
    result, lines = run(ruled)
    (line,) = only(lines, "outside-window")
    assert line.startswith(PATH.format("late") + ":8:6:") and "2023-01-01..2024-03-31" in line


def test_errors_on_recurring_too_few_editions_held(ruled):
    variant(ruled, "young", **{"edition_number__15": "editions_held: 1"})
    _, lines = run(ruled)
    assert only(lines, "recurring-too-few")[0].startswith(PATH.format("young") + ":5:16:")


def test_errors_on_recurring_too_few_from_edition_number(ruled):
    variant(ruled, "second", **{"edition_number__15": "edition_number: 2"})
    _, lines = run(ruled)
    (line,) = only(lines, "recurring-too-few")
    assert "edition 2 means at most 1 held by 2022-12-31" in line


def test_errors_on_edition_number_inconsistent(ruled):
    variant(ruled, "odd", **{"edition_number__15": "edition_number: 5\neditions_held: 7"})
    _, lines = run(ruled)
    assert only(lines, "edition-number-inconsistent")


def test_errors_on_recurring_unverified(ruled):
    variant(ruled, "unknown", **{"edition_number: 15\n": ""})
    _, lines = run(ruled)
    assert only(lines, "recurring-unverified")[0].startswith(PATH.format("unknown") + ":4:7:")


def test_errors_on_ineligible_format(ruled):
    variant(ruled, "course", **{"kind__recurring": "kind: recurring\nformat: training"})
    _, lines = run(ruled)
    assert only(lines, "ineligible-format")[0].startswith(PATH.format("course") + ":5:9:")


def test_errors_on_bad_value_for_unknown_format(ruled):
    variant(ruled, "course", **{"kind__recurring": "kind: recurring\nformat: gala"})
    _, lines = run(ruled)
    assert only(lines, "bad-value")


def test_warns_on_ineligible_name_even_when_format_says_conference(ruled):
    variant(ruled, "party", **{"name__2023年中国数学会学术年会": "name: 中国数学会成立90周年学术年会\nformat: conference"})
    result, lines = run(ruled)
    assert result.ok
    (line,) = only(lines, "ineligible-name")
    assert ": warning: " in line and "'周年'" in line


def test_reviewed_name_becomes_an_approved_exception(ruled):
    variant(ruled, "party", **{"name__2023年中国数学会学术年会": "name: 中国数学会成立90周年学术年会\n"
                               "exceptions:\n  - {rule: ineligible-name, reason: 学术年会，非庆典, approved: 2023-02-01}"})
    result, lines = run(ruled)
    (line,) = only(lines, "ineligible-name")
    assert ": info: reviewed (2023-02-01)" in line and "学术年会，非庆典" in line


def test_errors_on_quota_exceeded_for_a_provincial_association(ruled):
    # ccs-2023 is already recommended by P-22; its quota is 1 here.
    variant(ruled, "cq-2", **{"recommender__A-01": "recommender: P-22", "start__2023-05-30": "start: 2023-05-29"})
    result, lines = run(ruled)
    (line,) = only(lines, "quota-exceeded")
    assert "P-22" in line and "2 counted, 1 allowed" in line and not result.ok


def test_quota_exception_with_reason_passes_and_is_listed(ruled):
    variant(ruled, "cq-2", **{"recommender__A-01": "recommender: P-22\nexceptions:\n"
                              "  - {rule: quota-exceeded, reason: 成渝双城重点会议, approved: 2023-04-10}",
                              "start__2023-05-30": "start: 2023-05-29"})
    result, lines = run(ruled)
    assert result.ok, lines
    (line,) = only(lines, "quota-exceeded")
    assert ": info: approved exception (2023-04-10)" in line and "成渝双城重点会议" in line
    data = json.loads(result.problems.to_json())
    assert data["infos"] == 2


def test_errors_on_quota_exceeded_for_own_conferences_over_plan_share(ruled):
    # plan 20 → 2 own conferences allowed for A-01; this makes three.
    for i in (2, 3):
        variant(ruled, f"own-{i}", **{"start__2023-05-30": f"start: 2023-05-2{i}"})
    _, lines = run(ruled)
    (line,) = only(lines, "quota-exceeded")
    assert "10% of its plan of 20: 3 counted, 2 allowed" in line


def test_conferences_a_unit_does_not_host_or_recommends_jointly_are_not_limited(ruled):
    for i in (2, 3, 4):
        variant(ruled, f"other-{i}", **{"organizers__[中国数学会]": "organizers: [厦门大学]",
                                        "start__2023-05-30": f"start: 2023-05-2{i}"})
    for i in (5, 6):
        variant(ruled, f"joint-{i}", **{"recommender__A-01": "recommender: A-01\nco_recommenders: [国际数学联盟]",
                                        "start__2023-05-30": f"start: 2023-05-1{i}"})
    result, lines = run(ruled)
    assert not only(lines, "quota-exceeded"), lines


@pytest.mark.parametrize("key, value", [
    # "学术会议计划应包含本级学会和分支机构的会议" (§一.3.1): a branch's conference is the society's own.
    ("organizers__[中国数学会]", ("organizers: [中国数学会计算数学分会]", "organizers: [中国数学会 （CMS）]")),
    # Joint recommendation with another unit of the guide (§一.2), or its branch, is not one with
    # an international or foreign organization (§一.4.2): the own quota still holds.
    ("recommender__A-01", ("recommender: A-01\nco_recommenders: [中国化学会]",
                           "recommender: A-01\nco_recommenders: [中国化学会（CCS）]")),
])
def test_errors_on_quota_exceeded_counting_branches_and_joint_units_as_own(ruled, key, value):
    # With cms-2023, three own conferences of a plan of 20.
    for i, text in zip((2, 3), value):
        variant(ruled, f"own-{i}", **{key: text, "start__2023-05-30": f"start: 2023-05-2{i}"})
    _, lines = run(ruled)
    (line,) = only(lines, "quota-exceeded")
    assert "10% of its plan of 20: 3 counted, 2 allowed" in line and "own-2" in line and "own-3" in line


def test_one_off_conferences_a_unit_does_not_host_or_recommends_jointly_are_not_limited(ruled):
    # "其中单次会议数量占比…" (§一.4.1) is said of its own conferences: two one-offs
    # hosted by others, or recommended with an international organization, of three.
    changes = {"kind__recurring": "kind: one-off", "edition_number: 15\n": ""}
    variant(ruled, "other-once", **changes, **{"organizers__[中国数学会]": "organizers: [厦门大学]",
                                               "start__2023-05-30": "start: 2023-05-20"})
    variant(ruled, "joint-once", **changes, **{"recommender__A-01": "recommender: A-01\nco_recommenders: [国际数学联盟]",
                                               "start__2023-05-30": "start: 2023-05-21"})
    result, lines = run(ruled)
    assert not [l for l in only(lines, "quota-one-off") if "A-01" in l], lines
    assert result.ok, lines


def test_one_off_conference_may_give_its_edition_number(ruled):
    # A first edition (第一届) qualifies as one-off only; its number is printed.
    variant(ruled, "first", **{"kind__recurring": "kind: one-off", "edition_number: 15": "edition_number: 1",
                               "organizers__[中国数学会]": "organizers: [厦门大学]",
                               "start__2023-05-30": "start: 2023-05-20"})
    result = ruled.build(today=dt.date(2023, 3, 1))
    lines = [p.format() for p in result.problems.sorted()]
    assert result.ok, lines
    assert not only(lines, "bad-value") and not only(lines, "one-off-recurring")
    site = ruled.root / "site"
    assert "One-off conference, 1st edition" in (site / "en/2023/conferences/first/index.html").read_text(encoding="utf-8")
    assert "单次会议，第1届" in (site / "zh/2023/conferences/first/index.html").read_text(encoding="utf-8")


def test_warns_on_one_off_recurring_when_held_often_enough(ruled):
    variant(ruled, "often", **{"kind__recurring": "kind: one-off", "edition_number: 15": "editions_held: 3",
                               "organizers__[中国数学会]": "organizers: [厦门大学]",
                               "start__2023-05-30": "start: 2023-05-20"})
    result, lines = run(ruled)
    (line,) = only(lines, "one-off-recurring")
    assert line.startswith(PATH.format("often") + ":5:")
    assert ": warning: " in line and "held 3 times before" in line and result.ok


def test_warns_on_date_in_future_for_an_exception_approved_after_the_build_date(ruled):
    path = ruled.root / PATH.format("wlsc-2023")
    path.write_text(path.read_text(encoding="utf-8").replace("approved: 2023-02-01", "approved: 2030-04-01"),
                    encoding="utf-8")
    _, lines = run(ruled, today=dt.date(2023, 5, 1))
    (line,) = only(lines, "date-in-future")
    assert line.startswith(PATH.format("wlsc-2023") + ":11:5:") and "2030-04-01" in line


def test_errors_on_quota_plan_missing(ruled):
    path = ruled.root / "content/editions/2023/edition.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("  A-01: 20\n", ""), encoding="utf-8")
    _, lines = run(ruled)
    assert only(lines, "quota-plan-missing")[0].startswith(PATH.format("cms-2023") + ":13:14:")


def test_errors_on_quota_one_off(ruled):
    variant(ruled, "once", **{"kind__recurring": "kind: one-off", "edition_number: 15\n": "",
                              "start__2023-05-30": "start: 2023-05-20"})
    _, lines = run(ruled)
    (line,) = [l for l in only(lines, "quota-one-off") if ": info: " not in l]
    assert "A-01" in line and "1 counted, 0 allowed" in line


def test_errors_on_duplicate_conference_naming_both_records(ruled):
    variant(ruled, "again", **{"recommender__A-01": "recommender: A-06"})
    _, lines = run(ruled)
    (line,) = only(lines, "duplicate-conference")
    assert line.startswith((PATH.format("again") + ":3:7:", PATH.format("cms-2023") + ":3:7:"))
    assert PATH.format("again") in line and PATH.format("cms-2023") in line
    assert "A-01" in line and "A-06" in line


def test_errors_on_outside_area(ruled):
    path = ruled.root / "content/editions/2023/edition.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("rules:\n", "rules:\n  allowed_cities: [厦门, 重庆]\n"),
                    encoding="utf-8")
    _, lines = run(ruled)
    (line,) = only(lines, "outside-area")
    assert line.startswith(PATH.format("wlsc-2023") + ":7:7:") and "'长沙'" in line
    # a place named with its kind (市, 区, 县, 镇) is the same place
    for city in ("重庆市", "厦门"):
        path = ruled.root / PATH.format("wlsc-2023")
        path.write_text(path.read_text(encoding="utf-8").replace("city: 长沙", f"city: {city}"), encoding="utf-8")
        _, lines = run(ruled)
        assert not only(lines, "outside-area"), lines
        path.write_text(path.read_text(encoding="utf-8").replace(f"city: {city}", "city: 长沙"), encoding="utf-8")
    path.write_text(path.read_text(encoding="utf-8").replace("city: 长沙\n", ""), encoding="utf-8")
    _, lines = run(ruled)
    (line,) = only(lines, "outside-area")
    assert "no city given" in line and "give the city" in line


def test_warns_on_unconfirmed_record_two_weeks_before(ruled):
    result, lines = run(ruled, today=dt.date(2023, 5, 20))
    (line,) = only(lines, "unconfirmed")
    assert line.startswith(PATH.format("cms-2023")) and "starts in 10 days" in line and result.ok
    path = ruled.root / PATH.format("cms-2023")
    path.write_text(path.read_text(encoding="utf-8") + "confirmed: 2023-05-12\n", encoding="utf-8")
    _, lines = run(ruled, today=dt.date(2023, 5, 20))
    assert not only(lines, "unconfirmed")


def test_warns_on_resources_missing_after_the_conference(ruled):
    _, lines = run(ruled, today=dt.date(2023, 6, 10))
    assert len(only(lines, "resources-missing")) == 1
    path = ruled.root / PATH.format("cms-2023")
    path.write_text(path.read_text(encoding="utf-8") + textwrap.dedent("""\
        resources:
          videos: [https://video.example.org/cms-2023/keynote]
          proceedings: https://www.cms.org.cn/proceedings/2023
        """), encoding="utf-8")
    _, lines = run(ruled, today=dt.date(2023, 6, 10))
    assert not only(lines, "resources-missing")
    # after the tracking period nothing is due any more
    _, lines = run(ruled, today=dt.date(2025, 1, 1))
    assert not only(lines, "resources-missing") and not only(lines, "unconfirmed")


def test_errors_on_missing_field_status_date_for_withdrawn(ruled):
    variant(ruled, "gone", **{"recommender__A-01": "recommender: A-01\nstatus: withdrawn",
                              "start__2023-05-30": "start: 2023-05-21"})
    _, lines = run(ruled)
    assert any("needs status_date" in l for l in only(lines, "missing-field"))


def test_withdrawn_conferences_do_not_count_against_quotas(ruled):
    variant(ruled, "cq-2", **{"recommender__A-01": "recommender: P-22\nstatus: withdrawn\nstatus_date: 2023-04-02",
                              "start__2023-05-30": "start: 2023-05-21"})
    result, lines = run(ruled)
    assert result.ok, lines


def test_check_json_lists_rules_problems(ruled):
    variant(ruled, "late", **{"end__2023-06-02": "end: 2024-04-02"})
    out = ruled.cli("check", "--format", "json", "--today", "2023-03-01")
    data = json.loads(out.stdout)
    assert out.returncode == 1
    assert [p["code"] for p in data["problems"] if p["severity"] == "error"] == ["outside-window"]
    assert data["infos"] == 1


def test_postponed_conference_shows_new_and_first_planned_dates(ruled):
    path = ruled.root / PATH.format("cms-2023")
    path.write_text(path.read_text(encoding="utf-8") + "status: postponed\nstatus_date: 2023-04-20\n"
                    "postponed_from: 2023-04-28\n", encoding="utf-8")
    assert ruled.build().ok
    page = ruled.page("zh/2023/conferences/cms-2023/index.html")
    assert "本会议已延期，以下为新的会议日期。原定于2023年4月28日举办。" in page   # (no space between the sentences)
    feed = (ruled.root / "site/zh/feed.xml").read_text(encoding="utf-8")
    # (the feed's summary gives the new dates right after: it says which were the first)
    assert "本会议已延期（原定于2023年4月28日举办）。2023年" in feed
    ics = (ruled.root / "site/en/2023/conferences/cms-2023/cms-2023.ics").read_text(encoding="utf-8")
    assert "This conference was postponed from April 28\\, 2023." in ics
    assert "2023年中国数学会学术年会" in ruled.page("zh/2023/index.html")  # still listed


def test_postponed_from_a_month_says_the_month_alone(ruled):
    """A first date known to the month was planned for that month: not "(dates to be announced)"."""
    path = ruled.root / PATH.format("cms-2023")
    path.write_text(path.read_text(encoding="utf-8") + "status: postponed\nstatus_date: 2023-04-20\n"
                    "postponed_from: 2023-04\n", encoding="utf-8")
    assert ruled.build().ok
    feed = (ruled.root / "site/zh/feed.xml").read_text(encoding="utf-8")
    assert "本会议已延期（原定于2023年4月举办）。" in feed
    ics = (ruled.root / "site/en/2023/conferences/cms-2023/cms-2023.ics").read_text(encoding="utf-8")
    assert "This conference was postponed from April 2023." in ics
    assert "It was first planned for April 2023." in ruled.page("en/2023/conferences/cms-2023/index.html")


@pytest.mark.parametrize("drop, zh, en", [("venue", "厦门", "Xiamen"), ("city", "厦门大学", "Xiamen University")])
def test_a_place_with_only_a_city_or_only_a_venue_is_written_alone(ruled, drop, zh, en):
    path = ruled.root / PATH.format("cms-2023")
    path.write_text("".join(line for line in path.read_text(encoding="utf-8").splitlines(keepends=True)
                            if not line.startswith(f"{drop}:")), encoding="utf-8")
    assert ruled.build().ok
    for lang, place in (("zh", zh), ("en", en)):
        page = ruled.page(f"{lang}/2023/conferences/cms-2023/index.html")
        assert f"<dd>{place}</dd>" in page, lang
        ics = (ruled.root / f"site/{lang}/2023/conferences/cms-2023/cms-2023.ics").read_text(encoding="utf-8")
        assert f"\nLOCATION:{place}\n" in ics, lang


def test_postponed_from_may_give_the_first_planned_days(ruled):
    # A conference of several days was first planned for several days: the page
    # and the open data give all of them, not the first alone.
    path = ruled.root / PATH.format("cms-2023")
    path.write_text(path.read_text(encoding="utf-8") + "status: postponed\nstatus_date: 2023-04-20\n"
                    "postponed_from: {start: 2023-04-28, end: 2023-04-30}\n", encoding="utf-8")
    assert ruled.build().ok
    assert "原定于2023年4月28日至30日举办" in ruled.page("zh/2023/conferences/cms-2023/index.html")
    data = json.loads((ruled.root / "site/data/guide.json").read_text(encoding="utf-8"))
    cms = next(c for c in data["conferences"] if c["id"] == "cms-2023")
    assert cms["postponed_from"] == {"start": "2023-04-28", "end": "2023-04-30", "date_precision": "day"}
    path.write_text(path.read_text(encoding="utf-8").replace("end: 2023-04-30}", "end: 2023-04-26}"), encoding="utf-8")
    (error,) = [p for p in ruled.build(write=False).problems.items if p.severity == "error"]
    assert (error.code, error.line) == ("date-order", 17) and error.message.startswith("end: ends (2023-04-26)")


def test_strict_errors_on_a_date_of_the_past_given_in_the_future(ruled):
    # A typo such as 2032: the record would head the feed for years, and its
    # calendar SEQUENCE, once corrected, would go down (clients keep their copy).
    path = ruled.root / PATH.format("cms-2023")
    path.write_text(path.read_text(encoding="utf-8") + "updated: 2032-05-01\n", encoding="utf-8")
    assert [p.severity for p in ruled.build(write=False).problems.items if p.code == "date-in-future"] == ["warning"]
    result = ruled.build(strict=True, write=False)
    assert [p.severity for p in result.problems.items if p.code == "date-in-future"] == ["error"]
    assert not result.ok


def test_errors_on_postponed_from_the_dates_it_has_now(ruled):
    # (a re-import of the accreditation sheet put the first dates back in start
    # and end: the page would say the conference moved to where it was)
    path = ruled.root / PATH.format("cms-2023")
    text = path.read_text(encoding="utf-8")
    start = next(line.split(": ")[1] for line in text.splitlines() if line.startswith("start: "))
    path.write_text(text + f"status: postponed\nstatus_date: 2023-04-20\npostponed_from: {start}\n", encoding="utf-8")
    result = ruled.build()
    assert not result.ok
    (error,) = [p for p in result.problems.items if p.severity == "error"]
    assert (error.code, error.path.endswith("cms-2023.yaml")) == ("bad-value", True)
    assert error.message.startswith(f"postponed_from: {start} is when the conference starts now")


def test_a_conference_postponed_beyond_the_window_is_told_how_it_leaves_the_edition(ruled):
    path = ruled.root / PATH.format("cms-2023")
    text = path.read_text(encoding="utf-8")
    start = next(line.split(": ")[1] for line in text.splitlines() if line.startswith("start: "))
    moved = "\n".join("start: 2024-05-10\nend: 2024-05-12" if line.startswith("start: ") else line
                      for line in text.splitlines() if not line.startswith("end: "))
    path.write_text(moved + f"\nstatus: postponed\nstatus_date: 2023-04-20\npostponed_from: {start}\n", encoding="utf-8")
    (error,) = [p for p in ruled.build(write=False).problems.items if p.code == "outside-window"]
    assert "record that with 'status: withdrawn' and its status_date" in error.message
    # As told: withdrawn, with the dates it was listed with.
    path.write_text(text + "status: withdrawn\nstatus_date: 2023-04-20\n", encoding="utf-8")
    assert ruled.build(write=False).ok


def test_serve_replays_a_records_rules_only_while_the_edition_and_date_stand(ruled, monkeypatch):
    """serve checks an unchanged record's own rules once (the same record object,
    save after save) and replays its problems; another window, other rules or
    another date check it again."""
    import dataclasses

    from guide.pipeline import Build
    from guide.problems import Problems
    from guide.rules import RuleCheck, check_rules

    content, _catalogs = Build(ruled.root, today=dt.date(2023, 3, 1)).check()
    checked = []
    record_problems = RuleCheck.record_problems

    def counted(self, c):
        checked.append(c.id)
        return record_problems(self, c)
    monkeypatch.setattr(RuleCheck, "record_problems", counted)

    def codes(content, today):
        problems = Problems(root=ruled.root)
        check_rules(content, problems, today)
        return sorted(p.code for p in problems.items if p.code != "quota-one-off")

    # (check() checked them on March 1st: another day checks every record once)
    assert codes(content, dt.date(2023, 3, 2)) == []
    first = len(checked)
    assert first == sum(len(e.conferences) for e in content.editions)
    assert codes(content, dt.date(2023, 3, 2)) == []       # replayed: no record checked again
    assert len(checked) == first
    edition = next(e for e in content.editions if e.id == "2023")

    def with_2023(**changes):
        return dataclasses.replace(content, editions=[dataclasses.replace(e, **changes) if e is edition else e
                                                      for e in content.editions])
    # the same records, a narrower window
    narrower = with_2023(window=dataclasses.replace(edition.window, end=dt.date(2023, 4, 30)))
    assert "outside-window" in codes(narrower, dt.date(2023, 3, 1))
    # other rules: the cities of one place only
    assert "outside-area" in codes(with_2023(rules=dataclasses.replace(edition.rules, allowed_cities=["重庆"])),
                                   dt.date(2023, 3, 1))
    # another date: conferences that ended have no resources yet
    assert "resources-missing" in codes(content, dt.date(2024, 6, 1))
    assert codes(content, dt.date(2023, 3, 1)) == []
