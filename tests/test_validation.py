"""One negative test per validation rule, named for the error it expects.

Each breaks the small project in one way and checks the problem code, its
file:line:column, and that the previously built site/ is left untouched.
"""

import json
import shutil
import textwrap

import pytest

from conftest import CONFERENCES_2023, Project, make_project

GOOD = textwrap.dedent(CONFERENCES_2023["cms-2023"])


@pytest.fixture(scope="module")
def built_template(tmp_path_factory):
    p = make_project(tmp_path_factory.mktemp("template") / "guide")
    assert p.build().ok
    return p.root


@pytest.fixture
def published(built_template, tmp_path):
    """The small project with a good site/ already built (built once per module, then copied)."""
    project = Project(tmp_path / "guide")
    shutil.copytree(built_template, project.root, symlinks=True)
    project.before = project.site_snapshot()
    return project


def problems_of(project, **kw):
    result = project.build(**kw)
    return result, [p.format() for p in result.problems.sorted()]


def expect(project, code: str, where: str, *, unchanged=True):
    """Build, expect a problem `code` at `where` (path:line:col), and no change to site/."""
    result, lines = problems_of(project)
    assert not result.ok
    hits = [l for l in lines if f": {code}: " in l]
    assert hits, lines
    assert any(l.startswith(where + ":") or l.startswith(where + " ") for l in hits), hits
    if unchanged:
        assert project.site_snapshot() == project.before
    return hits


def record(project, text: str, cid="bad"):
    return project.conference(cid, text)


def replace(text: str, old: str, new: str) -> str:
    assert old in text
    return text.replace(old, new)


BAD = "content/editions/2023/conferences/bad.yaml"


def test_errors_on_missing_field(published):
    record(published, replace(GOOD, "kind: recurring\n", "").replace("cms-2023", "bad-2023"))
    expect(published, "missing-field", f"{BAD}:1:1")


def test_errors_on_type_coerced_yaml11_boolean(published):
    record(published, replace(GOOD, "city: 厦门", "city: NO").replace("cms-2023", "bad-2023"))
    hits = expect(published, "type-coerced", f"{BAD}:9:7")
    assert '"NO"' in hits[0]


def test_errors_on_type_coerced_code_read_as_number(published):
    record(published, replace(GOOD, "recommender: A-01", "recommender: 0101").replace("cms-2023", "bad-2023"))
    expect(published, "type-coerced", f"{BAD}:13:14")


def test_errors_on_yaml_duplicate_key(published):
    record(published, replace(GOOD, "city: 厦门\n", "city: 厦门\ncity: 福州\n").replace("cms-2023", "bad-2023"))
    hits = expect(published, "yaml-duplicate-key", f"{BAD}:10:1")
    assert "first at line 9" in hits[0]


@pytest.mark.parametrize("bad_id", ["a/b", "..", "has space", "会议", "UPPER", "a--b"])
def test_errors_on_bad_id(published, bad_id):
    record(published, replace(GOOD, "id: cms-2023", f'id: "{bad_id}"'))
    expect(published, "bad-id", f"{BAD}:1:5")


def test_errors_on_duplicate_id_across_editions(published):
    record(published, GOOD.replace("2023-", "2022-"), cid="again")
    published.write("content/editions/2022/conferences/again.yaml",
                    (published.root / "content/editions/2023/conferences/again.yaml").read_text())
    (published.root / "content/editions/2023/conferences/again.yaml").unlink()
    hits = expect(published, "duplicate-id", "content/editions/2023/conferences/cms-2023.yaml:1:5")
    assert "content/editions/2022/conferences/again.yaml:1" in hits[0]


def test_errors_on_unknown_field(published):
    record(published, replace(GOOD, "field: math-physics", "field: math-physic").replace("cms-2023", "bad-2023"))
    hits = expect(published, "unknown-field", f"{BAD}:6:8")
    assert "did you mean 'math-physics'" in hits[0]


def test_errors_on_unknown_unit(published):
    record(published, replace(GOOD, "recommender: A-01", "recommender: A-99").replace("cms-2023", "bad-2023"))
    expect(published, "unknown-unit", f"{BAD}:13:14")


def test_errors_on_unknown_key(published):
    record(published, replace(GOOD, "city: 厦门", "citty: 厦门").replace("cms-2023", "bad-2023"))
    hits = expect(published, "unknown-key", f"{BAD}:9:1")
    assert "did you mean 'city'" in hits[0]


def test_errors_on_date_order(published):
    record(published, replace(GOOD, "end: 2023-06-02", "end: 2023-05-02").replace("cms-2023", "bad-2023"))
    expect(published, "date-order", f"{BAD}:8:6")


@pytest.mark.parametrize("value", ["next spring", "2023-5", "2023-13"])
def test_errors_on_bad_date(published, value):
    record(published, replace(GOOD, "start: 2023-05-30", f"start: {value}").replace("cms-2023", "bad-2023"))
    expect(published, "bad-date", f"{BAD}:7:8")


def test_errors_on_yaml_value_impossible_date(published):
    record(published, replace(GOOD, "start: 2023-05-30", "start: 2023-02-30").replace("cms-2023", "bad-2023"))
    expect(published, "yaml-value", f"{BAD}:7:8")


@pytest.mark.parametrize("url", ["javascript:alert(1)", "ftp://x.org/", "www.cms.org.cn", "data:text/html,x"])
def test_errors_on_bad_url(published, url):
    record(published, replace(GOOD, "website: https://www.cms.org.cn/", f'website: "{url}"').replace("cms-2023", "bad-2023"))
    expect(published, "bad-url", f"{BAD}:14:10")


def test_errors_on_yaml_syntax(published):
    record(published, "id: bad\nname: [unclosed\nkind: recurring\n")
    expect(published, "yaml-syntax", BAD)


def test_errors_on_not_a_mapping(published):
    record(published, "- id: bad\n- name: x\n")
    expect(published, "not-a-mapping", f"{BAD}:1:1")


def test_errors_on_yaml_alias(published):
    record(published, "id: &a bad-2023\nseries: *a\n")
    expect(published, "yaml-alias", f"{BAD}:1:5")


def test_errors_on_encoding(published):
    published.conference("bad", GOOD.replace("cms-2023", "bad-2023").encode("utf-8").replace("厦门".encode(), b"\xcf\xc3\xc3\xc5", 1))
    expect(published, "encoding", f"{BAD}:9")


def test_errors_on_invisible_character(published):
    record(published, replace(GOOD, "name: 2023年中国数学会学术年会", "name: 2023年中国数学会\u202e学术年会").replace("cms-2023", "bad-2023"))
    expect(published, "invisible-character", f"{BAD}:3:7")


def test_errors_on_unknown_edition(published):
    guide = published.root / "content/guide.yaml"
    guide.write_text(guide.read_text(encoding="utf-8").replace('"2023"', '"2031"'), encoding="utf-8")
    expect(published, "unknown-edition", "content/guide.yaml:4:18")


def test_errors_on_template_syntax(published):
    import shutil
    from conftest import REPO
    # A project's own templates/ replaces the tool's.
    shutil.copytree(REPO / "templates", published.root / "templates")
    published.write("templates/home.html", "{% if %}")
    hits = expect(published, "template-syntax", "templates/home.html:1:1")
    assert "home.html" in hits[0]


def test_reports_all_problems_of_a_run_at_once(published):
    record(published, replace(GOOD, "field: math-physics", "field: nope").replace("cms-2023", "bad-2023"))
    record(published, replace(GOOD, "recommender: A-01", "recommender: Z-1").replace("cms-2023", "bad2-2023"), cid="bad2")
    result, lines = problems_of(published)
    codes = {l.split(": ")[1] for l in lines}
    assert {"unknown-field", "unknown-unit"} <= codes


def test_check_writes_nothing_and_prints_json(project):
    record(project, replace(GOOD, "city: 厦门", "city: yes").replace("cms-2023", "bad-2023"))
    out = project.cli("check", "--format", "json")
    assert out.returncode == 1
    data = json.loads(out.stdout)
    assert data["errors"] == 1
    (p,) = [p for p in data["problems"] if p["severity"] == "error"]
    assert p == {"path": BAD, "line": 9, "column": 7, "code": "type-coerced",
                 "message": p["message"], "severity": "error"}
    assert not (project.root / "site").exists()


def test_cli_prints_problems_as_path_line_column_code_message(project):
    record(project, replace(GOOD, "field: math-physics", "field: nope").replace("cms-2023", "bad-2023"))
    out = project.cli()
    assert out.returncode == 1
    assert f"{BAD}:6:8: unknown-field: field: 'nope' is not a field of edition 2023" in out.stderr
    assert "1 error" in out.stdout and "nothing was written" in out.stdout
    assert not (project.root / "site").exists()


def test_errors_on_template_error_with_template_name_and_line(published):
    import shutil
    from conftest import REPO
    shutil.copytree(REPO / "templates", published.root / "templates")
    page = published.root / "templates/conference.html"
    lines = page.read_text(encoding="utf-8").splitlines()
    lines[9] = lines[9] + "{{ c.no_such_attribute.deeper }}"
    page.write_text("\n".join(lines) + "\n", encoding="utf-8")
    hits = expect(published, "template-error", "templates/conference.html:10:1")
    assert "no_such_attribute" in hits[0]
