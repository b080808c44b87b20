"""Nothing confidential is published: declared patterns and fields fail the build.

Every value here is made up (a phone number of zeros, a code of nines); real
invitation codes never appear anywhere in the repository.
"""

from __future__ import annotations

import re
import shutil
import string
import textwrap
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, event, given, settings
from hypothesis import strategies as st

from conftest import CONFERENCES_2023, EN, REPO
from guide.confidential import FOLD_UNSAFE, Rule, _Haystack, _prefilter, scan_output, scan_text
from guide.problems import Problems

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


def add_rules(project, rel: str, rules: str) -> None:
    """Give a content file (guide.yaml, an edition.yaml) confidential rules."""
    path = project.root / rel
    path.write_text(path.read_text(encoding="utf-8") + "confidential:\n" + rules, encoding="utf-8")


def failing(project):
    result = project.build()
    assert not result.ok
    assert project.site_snapshot() == project.before
    for line in (p.format() for p in result.problems.sorted()):   # (warnings too)
        assert PHONE not in line and "ZZ9999" not in line, f"a problem repeats the secret: {line}"
    return [p.format() for p in result.problems.sorted() if p.severity == "error"]


def test_errors_on_confidential_pattern_in_a_record(guarded):
    guarded.conference("cms-2023", GOOD.replace("venue: 厦门大学", f"venue: 厦门大学（联系人 {PHONE}）"))
    assert failing(guarded) == [
        f"{CMS}:10:8: confidential: 'venue' matches the confidential rule 'mobile phone number' "
        "(content/guide.yaml:11); it must never be published: remove it from the file"]


def test_errors_on_confidential_text_typed_in_full_width_characters(guarded):
    """A Chinese input method in full-width mode types １３８… and ＡＢＣＤ: the rules'
    [0-9] and [A-Za-z] see them as the digits and letters they are."""
    wide = PHONE.translate({i: i + 0xFEE0 for i in range(0x30, 0x3A)})
    guarded.conference("cms-2023", GOOD.replace("venue: 厦门大学", f"venue: 厦门大学（联系人 {wide}）")
                       .replace("hosts: [厦门大学]", "hosts: [厦门大学（邀请码：ＺＺ９９９９）]"))
    assert [line.split(": confidential: ")[1].split(" matches")[0] for line in failing(guarded)] == \
        ["'venue'", "'hosts[1]'"]
    # A warning quoting the text shows the rule's label there too, not the number.
    guarded.conference("cms-2023", GOOD.replace("venue: 厦门大学", f"venue: 厦门大学（联系人 {wide}）"))
    result = guarded.build()
    (warning,) = [p.message for p in result.problems.items if p.code == "missing-translation"]
    assert wide not in warning and "厦门大学（联系人 [mobile phone number]）" in warning, warning
    guarded.conference("cms-2023", GOOD)
    guarded.translations(dict(EN, 厦门=f"Xiamen (call {wide})"))
    (line,) = failing(guarded)
    assert line.startswith("locales/en/LC_MESSAGES/content.po:") and "mobile phone number" in line


def test_a_rule_written_with_chinese_punctuation_still_matches():
    """Only digits and letters are read half-width: a rule's ： or （ stays as written."""
    import re as _re
    from guide.confidential import as_half_width
    text = "会议内部编号：123456（１２３）"
    assert _re.search("内部编号：[0-9]+", as_half_width(text)) and "（123）" in as_half_width(text)


def test_problems_quoting_a_text_show_the_rule_not_what_it_matched(guarded):
    """A text with no translation is quoted by its warning: what a rule matches
    in it is shown as the rule's label."""
    guarded.conference("cms-2023", GOOD.replace("venue: 厦门大学", f"venue: 厦门大学（邀请码：ZZ9999，电话 {PHONE}）"))
    result = guarded.build()
    warnings = [p.message for p in result.problems.items if p.code == "missing-translation"]
    assert ["no en translation for '厦门大学（[unit invitation code]，电话 [mobile phone number]）' in "
            "locales/en/LC_MESSAGES/content.po"] == warnings
    assert len(failing(guarded)) == 2


@pytest.mark.parametrize("description", [
    "参会单位请使用邀请码：**ZZ9999** 登录平台。",          # emphasis between the label and the code
    "[邀请码](https://platform.example.org/)：ZZ9999",     # the label a link's text
    "邀请码<b>：</b>ZZ9999",                                # a tag
    "邀请码&#65306;ZZ9999",                                 # an entity
    "邀请码\ufe0f：ZZ9999",                                 # a variation selector (shows as nothing)
    "邀请码\u0600：ZZ9999",                                 # a format character
])
def test_errors_on_confidential_text_split_by_markup_or_unseen_characters(guarded, description):
    """What a reader reads: Markdown, tags, entities and characters that show as
    nothing between a label and its code do not hide the code."""
    guarded.conference("cms-2023", GOOD + "description: |\n  " + description + "\n")
    (line,) = failing(guarded)
    assert line.startswith(f"{CMS}:15:14:") and "'description' matches the confidential rule 'unit invitation code'" in line


def test_errors_on_confidential_text_in_a_comment_or_as_a_key_and_its_value(guarded):
    """A comment is not published, but it is in the repository: a credential in
    it is one too. A key and its value read together ("邀请码: ZZ9999")."""
    guarded.conference("cms-2023", "# 本单位邀请码：ZZ9999（内部备注）\n" + GOOD)
    (line,) = failing(guarded)
    assert line.startswith(f"{CMS}:1:") and "the file's text matches the confidential rule" in line
    guarded.conference("cms-2023", GOOD + "notes:\n  邀请码: ZZ9999\n")
    assert [l for l in failing(guarded) if ": confidential: " in l][0].startswith(f"{CMS}:16:")
    # once per rule and file: a value that matches is not also reported as the file's text
    guarded.conference("cms-2023", GOOD.replace("venue: 厦门大学", "venue: 厦门大学（邀请码：ZZ9999）"))
    (line,) = failing(guarded)
    assert "'venue' matches" in line


def test_a_comment_read_through_its_markup_is_reported_at_its_line_after_lone_carriage_returns(guarded):
    """YAML counts a lone "\r" as a line break: so does the line-by-line reading."""
    guarded.conference("cms-2023", GOOD.replace("\n", "\r", 3) + "# 本单位邀请码：**ZZ9999**\n")
    (line,) = failing(guarded)
    assert line.startswith(f"{CMS}:15:") and "the file's text matches the confidential rule" in line


def test_a_rule_ending_at_the_line_end_holds_in_a_file_saved_with_crlf(guarded):
    """A line read through its markup ("# 口令：**ZZ9999**") ends before "\r\n" too."""
    guide = guarded.root / "content/guide.yaml"   # (its confidential: list is the file's last key)
    guide.write_text(guide.read_text(encoding="utf-8") + "  - {label: room password, pattern: '口令：ZZ[0-9]{4}$'}\n",
                     encoding="utf-8")
    path = guarded.root / CMS
    path.write_bytes((GOOD + "# 口令：**ZZ9999**\n").replace("\n", "\r\n").encode("utf-8"))
    assert any(line.startswith(f"{CMS}:15:") and "'room password'" in line for line in failing(guarded))


def test_a_value_ending_in_a_label_is_not_joined_to_the_next_key(guarded):
    """The whole text is read line by line: "…凭邀请码" then "sources:" is no code
    (a rule's \\s* crossed the line break and failed an ordinary record)."""
    guarded.conference("cms-2023", GOOD + "description: 会议不对外开放，参会人员凭单位发放的邀请码\n"
                       "sources:\n  - https://www.cms.org.cn/\n")
    result = guarded.build()
    assert not [p for p in result.problems.items if p.code == "confidential"], result.problems.items


def test_a_line_of_brackets_is_read_in_linear_time():
    """A link's text stops at the next "[": a 1 MB line of them took minutes."""
    import time
    from guide.confidential import reader_text
    start = time.perf_counter()
    reader_text("[" * 200_000)
    reader_text("![x](" * 40_000)
    assert time.perf_counter() - start < 2
    assert reader_text("[邀请码][c]：ZZ9999") == "邀请码：ZZ9999"           # a reference link
    assert reader_text("邀请码\u3164ZZ9999") == "邀请码ZZ9999"             # a filler that shows as nothing


def test_a_comment_in_units_yaml_is_reported_by_every_build_of_a_session(guarded):
    """guide.yaml, units.yaml and edition.yaml are read once per process while
    unchanged: their text stays for the next build (serve) to search."""
    from guide.pipeline import Build
    units = guarded.root / "content/units.yaml"
    units.write_text("# 本单位邀请码：ZZ9999\n" + units.read_text(encoding="utf-8"), encoding="utf-8")
    for _ in range(2):
        result = Build(guarded.root).run(write=False)
        assert [p.code for p in result.problems.errors] == ["confidential"], result.problems.items


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
    add_rules(guarded, "content/editions/2023/edition.yaml", "  - {label: review score, pattern: '评审得分'}\n")
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
    from guide.pipeline import Build
    content, _ = Build(REPO, out=REPO / "build" / "unused").check()
    for text, hits in [("sha256 a13812345678b0c1", 0), ('"13812345678ab09f"', 0), ("5113812345678", 0),
                       ("联系电话 13812345678。", 1), ("(13812345678)", 1)]:
        problems = Problems()
        scan_text(text, "page.html", problems, content.confidential)
        assert len(problems.errors) == hits, text


# -- the prefilters: each rule's cheap necessary condition --------------------
# scan_text and scan_output search a rule only where its prefilter holds. A
# prefilter that missed a match would publish a secret, so these tests hold
# them to the rule itself: wherever the rule matches, its prefilter holds.

EVERY_CHARACTER = "".join(map(chr, range(0x110000)))


def test_fold_unsafe_letters_are_the_ascii_letters_re_ignorecase_matches_beyond_ascii():
    beyond = {c for c in re.findall("(?i)[a-z]", EVERY_CHARACTER) if not c.isascii()}
    assert beyond  # 'İ', 'ı', 'ſ', the Kelvin sign: re matches them to ASCII letters
    letters = {letter for letter in string.ascii_letters for c in beyond if re.fullmatch("(?i)" + letter, c)}
    assert letters == FOLD_UNSAFE


def test_characters_without_case_are_matched_by_themselves_alone_under_ignorecase():
    """The prefilters take a character whose lower and upper case are itself as is,
    under re.IGNORECASE too; re's compiler does the same when it finds it uncased."""
    import _sre
    assert not any(_sre.unicode_iscased(i) for i, c in enumerate(EVERY_CHARACTER) if c.lower() == c == c.upper())


def demo_rules():
    from guide.pipeline import Build
    content, _ = Build(REPO, out=REPO / "build" / "unused").check()
    return [r for r in content.confidential if r.pattern is not None]


def test_demo_rules_get_prefilters_that_save_the_full_search():
    """Each demo rule starts with a lookbehind or is case-insensitive: searched
    alone, re tries it at every character (1,000 conferences: 2 s a build)."""
    for rule in demo_rules():
        prefilter = _prefilter(rule.pattern)
        assert prefilter.factors or prefilter.pattern is not None, rule.label


def reference_problems(rules, text):
    """What the scan reported before it had prefilters: each rule searched in full."""
    problems = Problems()
    for rule in rules:
        m = rule.pattern.search(text)
        if m:
            before = text[: m.start()]
            problems.error("page.html", (before.count("\n") + 1, m.start() - before.rfind("\n")), "confidential",
                           rule.label)
    return [(p.line, p.column) for p in problems.items]


@pytest.mark.parametrize("text", [
    "Invitation code: ABCD1234", "INVITATION CODE ABCD", "İnvitation code: abcd1234", "ınvıtatıon code: wxyz",
    "invitation\ncode: ZZ99", "邀请码：ZZ9999", "注册码为 abcd", "邀请 码 abcd", "on code abcd",
    "联系 13812345678。", "x13812345678", "\ufffd13812345678\ufffd", "身份证 110105199003071234",
    "sha256 a13812345678b0c1 110105199003071234ab", "",
])
def test_scans_report_exactly_what_the_rules_alone_report(text):
    rules = demo_rules()
    expected = reference_problems(rules, text)
    for scan in ("text", "output"):
        problems = Problems()
        if scan == "text":
            scan_text(text, "page.html", problems, rules)
        else:
            scan_output({"page.html": text.encode("utf-8")}, Path("."), problems, rules)
        assert [(p.line, p.column) for p in problems.items] == expected, (scan, text)


def test_published_bytes_that_are_not_utf8_are_scanned_as_decoded():
    rules = demo_rules()
    for data in (b"\xff\xfeinvitation code: ABCD\xff", "邀请码".encode() + b"\x80: ZZ99 " + "邀请码".encode() + b" QQ88",
                 b"\xe9\x82" + "邀请码：ZZ99".encode(), b"\xc4\xb0nvitation code ABCD"):
        problems = Problems()
        scan_output({"page.html": data}, Path("."), problems, rules)
        expected = reference_problems(rules, data.decode("utf-8", "replace"))
        assert expected and [(p.line, p.column) for p in problems.items] == expected, data


# Characters that re.IGNORECASE matches beyond ASCII, U+FFFD (what invalid
# UTF-8 decodes to) and Chinese; words make literals long enough for the
# prefilters to search for them.
CHARACTERS = "ab1İıiIkKKsſS码邀\ufffd \n"
WORDS = ["ab1", "invitation", "on code", "ON CODE", "邀请码", "İnK", "ſks", "a\ufffdb", "码1码"]
ALPHABET = "".join(sorted(set(CHARACTERS + "".join(WORDS))))
EXOTIC = str.maketrans("iIkKsS", "ıİKKſſ")
ATOMS = [re.escape(c) for c in CHARACTERS] + [re.escape(w) for w in WORDS] * 2 + \
    ["[0-9]", r"\d", ".", "[a-z]", r"\w", r"\s", r"\1"]
ASSERTIONS = [r"(?<![0-9A-Za-z])", r"(?<=a)", "(?=b)", "(?!1)", r"\b", "^", "$"]


@st.composite
def patterns(draw, assertions: bool, depth=0):
    parts = []
    for _ in range(draw(st.integers(1, 5))):
        kind = draw(st.sampled_from(["atom"] * 4 + (["assert"] if assertions else []) + (["group"] if depth < 2 else [])))
        if kind == "atom":
            piece = draw(st.sampled_from(ATOMS))
        elif kind == "assert":
            piece = draw(st.sampled_from(ASSERTIONS))
        else:
            alternatives = draw(st.lists(patterns(assertions, depth + 1), min_size=1, max_size=3))
            opener = draw(st.sampled_from(["(?:", "(", "(?i:", "(?-i:", "(?>"]))
            piece = opener + "|".join(alternatives) + ")"
        # Few unbounded repeats, none of groups, and short texts: re backtracks
        # exponentially in nested repeats that fail to match.
        if kind == "atom":
            piece += draw(st.sampled_from(["", "", "", "", "?", "{2}", "{1,3}", "*", "+?"]))
        elif kind == "group":
            piece += draw(st.sampled_from(["", "", "?", "{2}"]))
        parts.append(piece)
    return "".join(parts)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(flags=st.sampled_from(["", "(?i)"]), lead=st.sampled_from(["", "", "", r"(?<![0-9A-Za-z])", "(?<=a)", "(?<=(a))", r"\b", "^"]),
       inner_assertions=st.sampled_from([False, False, True]), data=st.data(), exotic=st.booleans(),
       junk=st.booleans())
def test_a_prefilter_holds_wherever_its_rule_matches(flags, lead, inner_assertions, data, exotic, junk):
    core = data.draw(patterns(inner_assertions))
    source = flags + lead + core
    try:
        pattern = re.compile(source)
    except re.error:  # a reference to a group it does not have
        assume(False)
    # Random text, or text around a match of the pattern without its leading
    # assertions, where Hypothesis can write one; the rule itself decides.
    texts = [st.text(alphabet=ALPHABET, max_size=16)]
    if not inner_assertions and r"\1" not in core:
        around = st.one_of(st.sampled_from(["", " ", "a", "1"]), st.text(alphabet=ALPHABET, max_size=3))
        match = st.from_regex(flags + core, fullmatch=True, alphabet=ALPHABET).filter(lambda t: len(t) <= 16)
        texts = [st.tuples(around, match, around).map("".join)] * 3 + texts
    text = data.draw(st.one_of(texts))
    if exotic:  # the letters re.IGNORECASE matches to the ASCII i, k and s
        text = text.translate(EXOTIC)
    prefilter = _prefilter(pattern)
    kind = "factors" if prefilter.factors else "pattern" if prefilter.pattern else "none"
    raw = text.encode("utf-8", "surrogatepass")
    if junk:  # invalid UTF-8 in a published file, scanned as decoded: U+FFFD
        raw = raw.replace("\ufffd".encode(), b"\xff")
    decoded = raw.decode("utf-8", "replace")
    for hay, searched in ((_Haystack(text, None), text), (_Haystack(None, raw), decoded)):
        if pattern.search(searched):
            event(f"matches, prefilter by {kind}")
            assert prefilter.may_match(hay), (source, searched)


DIGIT_ATOMS = ["[0-9]", "[1-9]", "[0-35-9]", "1", "0", r"\d", "[0-9Xx]", "[^a]", "a", "码", ".", "１"]


@st.composite
def digit_patterns(draw, depth=0):
    parts = []
    for _ in range(draw(st.integers(1, 6))):
        kind = draw(st.sampled_from(["atom"] * 5 + ["assert"] + (["group"] if depth < 2 else [])))
        if kind == "atom":
            piece = draw(st.sampled_from(DIGIT_ATOMS)) + draw(st.sampled_from(["", "", "", "?", "{2}", "{1,3}", "*", "+"]))
        elif kind == "assert":
            piece = draw(st.sampled_from(ASSERTIONS))
        else:
            alternatives = draw(st.lists(digit_patterns(depth + 1), min_size=1, max_size=3))
            piece = draw(st.sampled_from(["(?:", "(", "(?>"])) + "|".join(alternatives) + ")"
            # (no unbounded repeat of a group: re backtracks exponentially where nested repeats fail)
            piece += draw(st.sampled_from(["", "", "?", "{2}"]))
        parts.append(piece)
    return "".join(parts)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(source=digit_patterns(), data=st.data())
def test_every_match_holds_the_run_of_ascii_digits_found_for_its_rule(source, data):
    from re import _parser as sre_parser
    from guide.confidential import _DIGIT_TABLE, digit_run
    pattern = re.compile(source)
    run, whole = digit_run(sre_parser.parse(source).data)
    text = data.draw(st.one_of(st.from_regex(pattern).filter(lambda t: len(t) <= 24),
                               st.text(alphabet="0123456789ab码１Xx ", max_size=20)))
    for m in pattern.finditer(text):
        digits = m.group().encode("utf-8").translate(_DIGIT_TABLE)
        event(f"a match, run {min(run, 3)}")
        assert b"0" * run in digits, (source, m.group(), run)
        if whole is not None:
            assert digits == b"0" * len(digits) and len(digits) >= whole, (source, m.group(), whole)


def test_rules_for_numbers_are_prefiltered_by_their_runs_of_digits():
    phone = re.compile(r"(?<![0-9A-Za-z])1[3-9][0-9]{9}(?![0-9A-Za-z])")
    card = re.compile(r"[1-9][0-9]{5}(?:19|20)[0-9]{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12][0-9]|3[01])[0-9]{3}[0-9Xx]")
    assert _prefilter(phone).digits == b"0" * 11 and _prefilter(card).digits == b"0" * 17
    assert _prefilter(re.compile(r"\d{11}")).digits == b""        # any Unicode digit: not a byte
    assert not _prefilter(phone).may_match(_Haystack(None, "电话 138-0000-0000，2023年".encode()))
    assert _prefilter(phone).may_match(_Haystack(None, "电话13800000000".encode()))


@pytest.mark.parametrize("source, published", [
    ("(?i)invitation code", "İnvitatıon code".encode()),        # re matches 'İ' and 'ı' to 'i'
    ("(?i)kick off", "\u212aic\u212a off".encode()),            # the Kelvin sign to 'k'
    ("(?i)sessions", "ſeſſions".encode()),                       # the long s to 's'
    ("(?i)邀请码", "邀请码".encode()),
    ("a\ufffdb", b"a\xffb"),                                     # invalid UTF-8 decodes to U+FFFD
    ("(?:abcd|[0-9])", b"5"),                                    # an alternative without a literal
    ("x?(?:abcd)*efg", b"efg"),                                  # a repeat that may be absent
    (r"(?<![0-9])1[3-9][0-9]{9}", b"a13800000000"),
    (r"(?<=(a))b\1", b"aba"),                                    # a group in the leading lookbehind
])
def test_a_prefilter_holds_where_re_matches_beyond_the_obvious(source, published):
    pattern = re.compile(source)
    decoded = published.decode("utf-8", "replace")
    assert pattern.search(decoded)
    assert _prefilter(pattern).may_match(_Haystack(None, published))
    assert _prefilter(pattern).may_match(_Haystack(decoded, None))


def test_a_rule_with_a_group_in_its_leading_lookbehind_is_searched_in_full():
    """Without the lookbehind, the reference to its group could never match."""
    pattern = re.compile(r"(?<=(a))b\1")
    assert _prefilter(pattern).pattern is None and _prefilter(pattern).may_match(_Haystack("aba", None))
    problems = Problems()
    scan_text("xaba", "page.html", problems, [Rule("x", pattern, None, "guide.yaml:1")])
    assert [(p.line, p.column) for p in problems.items] == [(1, 3)]


def test_errors_on_a_new_rule_matching_text_already_published(project):
    # A rule added later (a new kind of code) checks every published page
    # again, not only those rendered anew: here the text comes from a
    # template, which no source scan reads.
    shutil.copytree(REPO / "templates", project.root / "templates")
    page = project.root / "templates/conference.html"
    page.write_text(page.read_text(encoding="utf-8").replace("{% block main %}", "{% block main %}<!-- ZZ9999 -->"),
                    encoding="utf-8")
    assert project.build().ok
    project.before = project.site_snapshot()
    add_rules(project, "content/guide.yaml", "  - {label: room code, pattern: 'ZZ[0-9]{4}'}\n")
    lines = failing(project)
    assert all("room code" in line for line in lines)
    assert "site/zh/2023/conferences/cms-2023/index.html" in "\n".join(lines)


def test_errors_on_a_record_matching_a_rule_new_in_another_editions_data(guarded):
    # A record is scanned with the rules of every edition: one added to
    # another edition's data must find it, though neither the record's file
    # nor its own edition's changed (the record cache replays neither).
    guarded.conference("cms-2023", GOOD.replace("venue: 厦门大学", "venue: 厦门大学 评审得分 91"))
    assert guarded.build().ok
    guarded.before = guarded.site_snapshot()
    add_rules(guarded, "content/editions/2022/edition.yaml", "  - {label: review score, pattern: '评审得分'}\n")
    lines = failing(guarded)
    assert any(line.startswith(f"{CMS}:10:8: confidential: 'venue' matches the confidential rule 'review score'")
               for line in lines), lines


def test_a_catalog_is_searched_again_only_when_it_changes_and_says_so_every_build(guarded):
    """serve: an unchanged catalog's findings are replayed, not lost; a changed one is searched."""
    guarded.translations(dict(EN, 厦门=f"Xiamen (call {PHONE})"))
    for _ in range(2):
        (line,) = failing(guarded)
        assert line.startswith("locales/en/LC_MESSAGES/content.po:") and "mobile phone number" in line
    guarded.translations(dict(EN))
    assert guarded.build().ok
