"""Negative tests of validation rules, named for the error they expect.

Each breaks the small project in one way and checks the problem code, its
file:line:column, and that the previously built site/ is left untouched.
Broken and hostile files (syntax, types, YAML 1.1, duplicates, ids, dates,
encodings, invisible characters, aliases, sizes) are the table-driven corpus
of tests/hostile/ (test_hostile.py).
"""

import json
import shutil
import textwrap
from pathlib import Path

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


@pytest.mark.parametrize("bad_id", ["UPPER", "a--b"])  # more in the hostile corpus
def test_errors_on_bad_id(published, bad_id):
    record(published, replace(GOOD, "id: cms-2023", f'id: "{bad_id}"'))
    expect(published, "bad-id", f"{BAD}:1:5")


@pytest.mark.parametrize("value", ["2023-5", "2023-13"])  # more in the hostile corpus
def test_errors_on_bad_date(published, value):
    record(published, replace(GOOD, "start: 2023-05-30", f"start: {value}").replace("cms-2023", "bad-2023"))
    expect(published, "bad-date", f"{BAD}:7:8")


@pytest.mark.parametrize("key, value, says", [
    ("start", "2023/5/30", "'2023/5/30' is not written as records write dates; write 2023-05-30"),
    ("start", "2023.05.30", "write 2023-05-30"),
    ("start", "2023年5月30日", "write 2023-05-30"),
    ("start", "20230530", "write 2023-05-30"),
    ("start", "2023年5月", "write 2023-05"),
    ("start", "2023-5", "write 2023-05"),
    ("recommender", "中国数学会", "'中国数学会' is not a unit of units.yaml; did you mean 'A-01'?"),
    ("field", "数理科学", "'数理科学' is not a field of edition 2023; did you mean 'math-physics'?"),
    ("edition_number", "３４", "expected a whole number, found '３４'; write 34"),
    ("start", '"20230530"', "write 2023-05-30"),                       # (Python 3.11 reads it, YAML does not)
    ("start", '"2023-W22-2"', "'2023-W22-2' is not a date; write YYYY-MM-DD"),
    ("edition_number", '"' + "１" * 5000 + '"', "expected a whole number, found '１１１"),   # (no int of it)
])
def test_errors_on_values_typed_as_in_a_spreadsheet_say_what_to_write(published, key, value, says):
    """As the importer reads them, a record is told what they are."""
    text = GOOD.replace("cms-2023", "bad-2023")
    line = next(l for l in text.splitlines() if l.startswith(key + ":"))
    record(published, replace(text, line + "\n", f"{key}: {value}\n"))
    result, lines = problems_of(published)
    assert not result.ok and len(lines) == 1 and lines[0].startswith(f"{BAD}:"), lines
    assert says in lines[0], lines


@pytest.mark.parametrize("url", ["javascript:alert(1)", "ftp://x.org/", "www.cms.org.cn", "data:text/html,x"])
def test_errors_on_bad_url(published, url):
    record(published, replace(GOOD, "website: https://www.cms.org.cn/", f'website: "{url}"').replace("cms-2023", "bad-2023"))
    expect(published, "bad-url", f"{BAD}:14:10")


def test_errors_on_an_edition_number_of_too_many_digits(published):
    # (found by the property tests: Babel cannot format it, and the page failed)
    record(published, replace(GOOD, "kind: recurring\n", "kind: recurring\nedition_number: 10000000000000000000000000\n")
           .replace("cms-2023", "bad-2023"))
    expect(published, "bad-value", f"{BAD}:5:17")


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


def test_check_errors_on_template_syntax_and_a_missing_include(project):
    """check renders nothing, but said 0 errors where the build then failed."""
    import shutil
    from conftest import REPO
    shutil.copytree(REPO / "templates", project.root / "templates")
    project.write("templates/home.html", "{% extends 'base.html' %}\n{% if %}")
    field = project.root / "templates/field.html"
    field.write_text(field.read_text(encoding="utf-8").replace(
        '{% extends "base.html" %}', '{% extends "base.html" %}\n{% include "nothere.html" %}', 1), encoding="utf-8")
    unit = project.root / "templates/unit.html"
    unit.write_text(unit.read_text(encoding="utf-8").replace("{% block main %}", "{% block main %}{{ 1 | nosuchfilter }}", 1),
                    encoding="utf-8")
    # (assets are published as they are: a script's "{#" is no template's)
    project.write("templates/assets/vendor.min.js", "function f(a){{a()}}\n// {# x #\n")
    out = project.cli("check")
    assert out.returncode == 1, out.stderr
    assert "templates/home.html:2:1: template-syntax: " in out.stderr
    assert "templates/field.html:2:1: template-error: TemplateNotFound: nothere.html" in out.stderr
    assert "template-syntax: No filter named 'nosuchfilter'" in out.stderr
    assert "vendor.min.js" not in out.stderr and out.stderr.count("template-") == 3, out.stderr
    built = project.cli()
    assert "templates/home.html:2:1: template-syntax: " in built.stderr and "nothere.html" in built.stderr


def test_an_edition_whose_data_does_not_check_hides_no_error_of_its_records(project):
    """All problems in one run: a typo in edition.yaml used to hide every record
    error of that edition until it was mended."""
    edition = project.root / "content/editions/2023/edition.yaml"
    edition.write_text(edition.read_text(encoding="utf-8").replace("year: 2023", "year 2023", 1), encoding="utf-8")
    record(project, replace(GOOD, "recommender: A-01", "recommender: A-99").replace("cms-2023", "bad-2023"))
    # (what depends on the edition is not checked against a stand-in: a format it may name)
    cms = project.root / "content/editions/2023/conferences/cms-2023.yaml"
    cms.write_text(cms.read_text(encoding="utf-8") + "format: training\n", encoding="utf-8")
    result = project.build(write=False)
    codes = sorted((p.code, p.path) for p in result.problems.errors)
    assert codes == [("unknown-unit", BAD), ("yaml-syntax", "content/editions/2023/edition.yaml")], codes


def test_an_edition_without_fields_is_one_error_not_one_per_record(project):
    edition = project.root / "content/editions/2023/edition.yaml"
    text = edition.read_text(encoding="utf-8")
    start = text.index("fields:")
    end = text.index("\n", text.index("- {id: life"))
    edition.write_text(text[:start] + text[end + 1:], encoding="utf-8")
    result = project.build(write=False)
    errors = [p for p in result.problems.errors]
    assert [(p.code, p.path) for p in errors] == [("missing-field", "content/editions/2023/edition.yaml")], \
        [p.format() for p in errors]


def test_reports_all_problems_of_a_run_at_once(published):
    record(published, replace(GOOD, "field: math-physics", "field: nope").replace("cms-2023", "bad-2023"))
    record(published, replace(GOOD, "recommender: A-01", "recommender: Z-1").replace("cms-2023", "bad2-2023"), cid="bad2")
    result, lines = problems_of(published)
    codes = {l.split(": ")[1] for l in lines}
    assert {"unknown-field", "unknown-unit"} <= codes


def test_errors_on_empty_organizers_beside_another_error_of_the_record(published):
    """Both in one run: an empty list is not hidden by a bad date before it."""
    record(published, replace(replace(GOOD, "start: 2023-05-30", "start: 2023-05-301"),
                              "organizers: [中国数学会]", "organizers: []").replace("cms-2023", "bad-2023"))
    result = published.build()
    assert [(p.code, p.line) for p in result.problems.sorted() if p.severity == "error"] == [
        ("bad-date", 7), ("missing-field", 11)], [p.format() for p in result.problems.sorted()]


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


@pytest.mark.parametrize("expression, says", [
    ("{{ c.no_such_attribute.deeper }}", "no_such_attribute"),
    # What Python refuses (a list plus a tuple), and a message that does not
    # format (gettext formats with %: a bare % is none): these failed the build
    # with a traceback
    ("{{ ([1] + (2, 3)) | length }}", "TypeError"),
    ('{{ _("Fees rise by 10%") }}', "ValueError"),
    # A function of ours given what it cannot use (a traceback, before), named as the template calls it
    ('{{ "abc" | day }}', "Invalid isoformat string: 'abc' (raised by day(), which this line calls)"),
    ("{{ url(3) }}", "(raised by url(), which this line calls)"),
    ("{{ kind_of(3) }}", "(raised by kind_of(), which this line calls)"),
])
def test_errors_on_template_error_with_template_name_and_line(published, expression, says):
    import shutil
    from conftest import REPO
    shutil.copytree(REPO / "templates", published.root / "templates")
    page = published.root / "templates/conference.html"
    lines = page.read_text(encoding="utf-8").splitlines()
    lines[9] = lines[9] + expression
    page.write_text("\n".join(lines) + "\n", encoding="utf-8")
    hits = expect(published, "template-error", "templates/conference.html:10:1")
    assert says in hits[0]


def test_errors_on_a_lone_surrogate(tmp_path):
    # Text that never was UTF-8 (a lone surrogate) is reported, not a crash.
    from guide import yamldoc
    from guide.problems import Problems

    problems = Problems(root=tmp_path)
    assert yamldoc.load_text("name: 会议\ud800\n", tmp_path / "x.yaml", problems) is None
    [p] = problems.errors
    assert (p.code, p.line, p.column) == ("encoding", 1, 9) and "U+D800" in p.message


def test_record_files_are_found_and_ordered_as_a_recursive_glob_orders_them(tmp_path):
    """content._files_under walks with directory entries; it must list what
    sorted(rglob("*")) listed (folders aside), in its order: by parts, so
    that "a/b" comes before "a-c", and links to folders not followed."""
    from guide.content import _files_under
    root = tmp_path / "conferences"
    for rel in ["b.yaml", "a/z.yaml", "a/b/c.yaml", "a-c.yaml", "a.yaml", ".hidden.yaml", "notes.txt",
                ".git/config", "x/.y/z.yaml"]:
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text("id: x\n", encoding="utf-8")
    (root / "linked").symlink_to(root / "a", target_is_directory=True)
    (root / "file-link.yaml").symlink_to(root / "b.yaml")
    (root / "dangling.yaml").symlink_to(root / "nowhere.yaml")
    expected = [(p, p.is_file()) for p in sorted(root.rglob("*")) if not p.is_dir() or p.is_symlink()]
    assert [(Path(path), is_file) for path, is_file in _files_under(root)] == expected
    assert (root / "file-link.yaml", True) in expected and (root / "dangling.yaml", False) in expected


def test_the_control_character_class_is_unicodes_cc_category_but_the_newline():
    """With the line and paragraph separators (Zl, Zp): a line break no reader
    expects, which broke the content catalog extracted from the record."""
    import sys
    import unicodedata
    from guide.validation import CONTROL
    for i in range(sys.maxunicode + 1):
        c = chr(i)
        expected = (unicodedata.category(c) in ("Cc", "Zl", "Zp") and c != "\n")
        assert bool(CONTROL.fullmatch(c)) == expected, f"U+{i:04X}"


def test_every_format_character_but_the_visible_signs_of_scripts_we_print_is_invisible():
    """Category Cf (soft hyphen, U+061C, direction and zero-width marks, …) is
    refused, as are the blanks that look like nothing (Hangul fillers, Braille blank)."""
    import unicodedata
    from guide.validation import INVISIBLE
    import sys
    # (Arabic, Syriac and Kaithi marks that are visible signs; nor the format
    # characters of scripts we print none of: Egyptian, Shorthand, musical)
    visible = {0x0600, 0x0601, 0x0602, 0x0603, 0x0604, 0x0605, 0x06DD, 0x070F, 0x0890, 0x0891, 0x08E2, 0x110BD, 0x110CD}
    elsewhere = range(0x10000, 0xE0000)
    for i in range(sys.maxunicode + 1):
        c = chr(i)
        if unicodedata.category(c) == "Cf" and i not in visible and i not in elsewhere:
            assert INVISIBLE.fullmatch(c), f"U+{i:04X}"
    assert INVISIBLE.fullmatch("\U000e0041")   # (a tag letter: text hidden in plain sight)
    for blank in "\u115f\u1160\u3164\uffa0\u2800\u034f":
        assert INVISIBLE.fullmatch(blank), f"U+{ord(blank):04X}"


def test_errors_on_duplicate_id_in_a_copy_with_other_mistakes(published):
    """A copy whose id was left as it was is said duplicate in the same run as
    its other mistakes, not once they are mended; and again when the build
    replays it from the record cache."""
    copy = replace(replace(textwrap.dedent(CONFERENCES_2023["ccs-2023"]), "2023-06-17", "2023/06/17"),
                   "field: ", "field: x")
    published.conference("ccs 2024 copy", copy)
    for _ in range(2):
        hits = expect(published, "duplicate-id", "content/editions/2023/conferences/ccs 2024 copy.yaml:1:5")
        assert "give this record (ccs 2024 copy.yaml) an id of its own" in hits[0], hits
        lines = [l for l in problems_of(published)[1] if "ccs 2024 copy.yaml" in l]
        assert len(lines) == 3, lines   # the date, the field and the id


def test_errors_on_duplicate_id_keep_the_record_named_for_it(project):
    """A copy in another file (which sorts first: the 2022 edition's) takes the
    error; the record in the file named for the id is the one checked further
    (an issued certificate's number is asked of it, not of the copy)."""
    from guide.content import load_project
    from guide.problems import Problems
    from guide.validation import validate
    project.conference("zz-again", textwrap.dedent(CONFERENCES_2023["ccs-2023"]), edition="2022")
    problems = Problems(root=project.root)
    content = validate(load_project(project.root, problems), problems)
    found = [p.format() for p in problems.items if p.code == "duplicate-id"]
    assert len(found) == 1 and found[0].startswith("content/editions/2022/conferences/zz-again.yaml:1:5: "), found
    assert "give this record (zz-again.yaml) an id of its own" in found[0]
    kept = [(e.id, c.source.path) for e in content.editions for c in e.conferences if c.id == "ccs-2023"]
    assert kept == [("2023", "content/editions/2023/conferences/ccs-2023.yaml")], kept


def test_warns_of_a_file_not_yaml_and_reads_a_record_saved_in_capitals(project):
    """"新会议.YAML" is a record like any other (Windows saves it so); a file of
    another kind in conferences/ is left out, with a warning naming it."""
    project.write("content/editions/2023/conferences/新会议.YAML",
                  GOOD.replace("cms-2023", "cms-capitals").replace("name: ", "name: 新"))
    project.write("content/editions/2023/conferences/notes.txt", "call the organizers\n")
    result, lines = problems_of(project)
    ignored = [l for l in lines if ": file-ignored: " in l]
    assert [l.split(":")[0] for l in ignored] == ["content/editions/2023/conferences/notes.txt"], lines
    assert result.ok and not [l for l in lines if "新会议" in l and ": warning: " not in l], lines
    assert (project.root / "site/zh/2023/conferences/cms-capitals/index.html").is_file()


@pytest.mark.parametrize("name", ["..zh.md", "About Us.en.md", "a?b#c.zh.md", "about_us.zh.md"])
def test_errors_on_page_name_that_is_no_address(published, name):
    """A page's slug is its address: ".." left the site (a traceback), and a
    space, "?" or "#" made an address that did not reach the page."""
    published.write(f"content/pages/{name}", "# 页面\n")
    hits = expect(published, "page-name", f"content/pages/{name}:1:1")
    assert "lowercase letters a-z, digits and single hyphens" in hits[0]


def test_a_file_named_with_terminal_escapes_is_printed_as_its_name(published):
    """ESC [ 31 m in a file's name would colour, retitle or clear the terminal
    that shows the problem: it is printed escaped, as in the messages."""
    name = "a\x1b[31mRED\x1b]0;TITLE\x07.yaml"
    published.conference("cms-2023", "id: [broken\n")
    (published.root / "content/editions/2023/conferences/cms-2023.yaml").rename(
        published.root / "content/editions/2023/conferences" / name)
    run = published.cli("check")
    assert run.returncode == 1
    assert "\x1b" not in run.stderr and "\x07" not in run.stderr
    assert "a\\x1b[31mRED\\x1b]0;TITLE\\x07.yaml:2:1: yaml-syntax" in run.stderr, run.stderr


def test_warns_on_about_page_missing(published):
    """Every page links the About page: a guide without one published dead links."""
    for lang in ("zh", "en"):
        (published.root / f"content/pages/about.{lang}.md").unlink()
    result, lines = problems_of(published)
    assert result.ok
    (line,) = [l for l in lines if ": about-page-missing: " in l]
    assert line.startswith("content/pages:1:1: about-page-missing: warning: no About page")


def test_a_yaml_syntax_error_after_a_lone_carriage_return_is_reported_not_raised():
    """libyaml counts a lone "\\r" as a line break (an old Mac's line end): the
    line it names is found as it counts them (hypothesis found an IndexError)."""
    from guide.problems import Problems
    from guide.yamldoc import load_text
    problems = Problems(root=Path("/tmp"))
    assert load_text("::\r!", "x.yaml", problems) is None
    (problem,) = problems.items
    assert (problem.code, problem.line) == ("yaml-syntax", 2) and "'!' is not 'key: value'" in problem.message
