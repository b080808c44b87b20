"""The municipal example project: same tool, its own window, areas, places and quota."""

import datetime as dt
import shutil

import pytest

from conftest import REPO, Project
from guide.content import load_project
from guide.problems import Problems
from guide.validation import validate

EXAMPLE = REPO / "examples" / "jiaxing-2023"

RECORD = """\
id: {id}
name: {name}
kind: recurring
edition_number: 3
field: {field}
start: {start}
city: {city}
organizers: [嘉兴学院]
recommender: {unit}
"""


@pytest.fixture
def jiaxing(tmp_path) -> Project:
    shutil.copytree(EXAMPLE / "content", tmp_path / "jx" / "content")
    shutil.copytree(EXAMPLE / "locales", tmp_path / "jx" / "locales")
    return Project(tmp_path / "jx")


def add(project, cid, **kw):
    values = dict(id=cid, name=f"示例会议{cid}", field="new-materials", start="2023-10-20",
                  city="嘉兴", unit="JX-02") | kw
    project.conference(cid, RECORD.format(**values))


def codes(result):
    return sorted(p.code for p in result.problems.errors)


def test_example_builds_in_strict_mode(jiaxing):
    result = jiaxing.build(strict=True, today=dt.date(2024, 12, 31))
    assert result.ok, [p.format() for p in result.problems.items]
    assert "智能制造" in jiaxing.page("zh/2023/index.html")
    assert "Smart Manufacturing" in jiaxing.page("en/2023/index.html")


def test_example_rules_differ_from_the_national_edition():
    national = validate(load_project(REPO, Problems()), Problems()).editions[0]
    municipal = validate(load_project(EXAMPLE, Problems()), Problems()).editions[0]
    assert national.window.end == dt.date(2024, 3, 31) and municipal.window.end == dt.date(2023, 12, 31)
    assert {f.id for f in national.fields}.isdisjoint({f.id for f in municipal.fields})
    assert [q.max for q in municipal.rules.quotas] == [1]
    assert 10 in [q.max for q in national.rules.quotas]
    assert municipal.rules.allowed_cities and not national.rules.allowed_cities


def test_errors_on_outside_window_for_early_2024_only_in_the_municipal_edition(jiaxing, project):
    add(jiaxing, "late-2024", start="2024-02-10")
    assert codes(jiaxing.build(write=False)) == ["outside-window"]
    # The same dates are inside the national window (to 2024-03-31).
    project.conference("late-2024", RECORD.format(id="late-2024", name="示例会议", field="chemistry",
                                                  start="2024-02-10", city="重庆", unit="P-22")
                       .replace("organizers: [嘉兴学院]", "organizers: [中国化学会]"))
    assert "outside-window" not in codes(project.build(write=False))


def test_errors_on_quota_exceeded_at_a_second_conference_of_one_unit(jiaxing):
    add(jiaxing, "one", unit="JX-01", start="2023-11-02")
    result = jiaxing.build(write=False)
    assert codes(result) == ["quota-exceeded"]
    assert "JX-01" in result.problems.errors[0].message and "at most 1" in result.problems.errors[0].message


def test_errors_on_outside_area_for_a_conference_outside_the_city(jiaxing):
    add(jiaxing, "hz", city="杭州")
    assert codes(jiaxing.build(write=False)) == ["outside-area"]


def test_errors_on_unknown_field_for_a_national_field(jiaxing):
    add(jiaxing, "info", field="information")
    assert codes(jiaxing.build(write=False)) == ["unknown-field"]
