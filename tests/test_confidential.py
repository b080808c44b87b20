"""Nothing confidential is published: declared patterns and fields fail the build.

Every value here is made up (a phone number of zeros, a code of nines); real
invitation codes never appear anywhere in the repository.
"""

from __future__ import annotations

import shutil
import textwrap

import pytest

from conftest import CONFERENCES_2023, EN, REPO

PHONE = "13800000000"
RULES = r"""
confidential:
  - {label: mobile phone number, pattern: '(?<![0-9])1[3-9][0-9]{9}(?![0-9])'}
  - {label: unit invitation code, pattern: '(?:邀请码|invitation code)\s*[:：]?\s*[A-Za-z0-9]{4,}'}
  - {label: unit invitation code, field: invitation_code}
"""
GOOD = textwrap.dedent(CONFERENCES_2023["cms-2023"])
CMS = "content/editions/2023/conferences/cms-2023.yaml"


@pytest.fixture
def guarded(project):
    """The small project declaring confidential rules, with a good site built."""
    guide = project.root / "content/guide.yaml"
    guide.write_text(guide.read_text(encoding="utf-8") + RULES, encoding="utf-8")
    assert project.build().ok
    project.before = project.site_snapshot()
    return project


def failing(project):
    result = project.build()
    assert not result.ok
    assert project.site_snapshot() == project.before
    lines = [p.format() for p in result.problems.sorted() if p.severity == "error"]
    for line in lines:
        assert PHONE not in line and "ZZ9999" not in line, "a problem repeats the secret"
    return lines


def test_errors_on_confidential_pattern_in_a_record(guarded):
    guarded.conference("cms-2023", GOOD.replace("venue: 厦门大学", f"venue: 厦门大学（联系人 {PHONE}）"))
    assert failing(guarded) == [
        f"{CMS}:10:8: confidential: 'venue' matches the confidential rule 'mobile phone number' "
        "(content/guide.yaml:11); it must never be published: remove it from the file"]


def test_errors_on_confidential_field_without_an_unknown_key_report(guarded):
    guarded.conference("cms-2023", GOOD + "invitation_code: ZZ9999\n")
    assert failing(guarded) == [
        f"{CMS}:15:1: confidential: the key 'invitation_code' matches the confidential rule "
        "'unit invitation code' (content/guide.yaml:13); it must never be published: remove it from the file"]


def test_errors_on_confidential_text_in_a_page(guarded):
    guarded.write("content/pages/about.zh.md", "# 关于\n\n请联系办公室。\n推荐单位邀请码：ZZ9999\n")
    assert failing(guarded) == [
        "content/pages/about.zh.md:4:5: confidential: text matches the confidential rule "
        "'unit invitation code' (content/guide.yaml:12); it must never be published: remove it from the file"]


def test_errors_on_confidential_text_in_a_translation(guarded):
    guarded.translations(dict(EN, 厦门=f"Xiamen (call {PHONE})"))
    (line,) = failing(guarded)
    assert line.startswith("locales/en/LC_MESSAGES/content.po:") and "a catalog entry matches" in line


def test_errors_on_confidential_text_that_only_a_template_publishes(guarded):
    shutil.copytree(REPO / "templates", guarded.root / "templates")
    base = guarded.root / "templates/base.html"
    base.write_text(base.read_text(encoding="utf-8").replace(
        "</footer>", f"<p>{{{{ '{PHONE[:5]}' ~ '{PHONE[5:]}' }}}}</p></footer>"), encoding="utf-8")
    lines = failing(guarded)
    assert lines and all(": confidential: published text matches the confidential rule 'mobile phone number'" in l
                         for l in lines)
    assert any(l.startswith("site/zh/index.html:") for l in lines), lines


def test_edition_rules_apply_too(guarded):
    edition = guarded.root / "content/editions/2023/edition.yaml"
    edition.write_text(edition.read_text(encoding="utf-8")
                       + "confidential:\n  - {label: review score, pattern: '评审得分'}\n", encoding="utf-8")
    guarded.conference("cms-2023", GOOD.replace("venue: 厦门大学", "venue: 厦门大学 评审得分 91"))
    (line,) = failing(guarded)
    assert line.startswith(f"{CMS}:10:8: confidential: 'venue' matches the confidential rule 'review score' "
                           "(content/editions/2023/edition.yaml:13)")


@pytest.mark.parametrize("rule, code", [
    ("{label: x, pattern: '(unclosed'}", "bad-pattern"),
    ("{label: x, pattern: 'a*'}", "bad-pattern"),
    ("{label: x}", "type"),
    ("{label: x, pattern: 'a', field: b}", "type"),
])
def test_errors_on_bad_confidential_rule(project, rule, code):
    guide = project.root / "content/guide.yaml"
    guide.write_text(guide.read_text(encoding="utf-8") + f"confidential:\n  - {rule}\n", encoding="utf-8")
    result = project.build()
    assert [p.code for p in result.problems.errors] == [code]
    assert result.problems.errors[0].path == "content/guide.yaml"


def test_the_demo_guide_declares_rules_and_publishes_nothing_they_match():
    from guide.pipeline import Build
    build = Build(REPO, out=REPO / "build" / "unused")
    checked = build.check()
    assert checked is not None, [p.format() for p in build.problems.errors]
    content, _ = checked
    labels = {r.label for r in content.confidential}
    assert {"unit invitation code", "mobile phone number"} <= labels


def test_demo_rules_match_numbers_but_not_digests():
    """A SHA-256 in hex holds runs of digits (certificates.json, verify pages):
    found at random in a 1,000-conference benchmark. The rules must not fire on them."""
    from guide.confidential import scan_text
    from guide.problems import Problems
    from guide.pipeline import Build
    content, _ = Build(REPO, out=REPO / "build" / "unused").check()
    for text, hits in [("sha256 a13812345678b0c1", 0), ('"13812345678ab09f"', 0), ("5113812345678", 0),
                       ("联系电话 13812345678。", 1), ("(13812345678)", 1)]:
        problems = Problems()
        scan_text(text, "page.html", problems, content.confidential)
        assert len(problems.errors) == hits, text
