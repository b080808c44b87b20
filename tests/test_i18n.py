"""Translation: catalogs, fallbacks, strictness and the i18n commands."""

from babel.messages.pofile import read_po

import pytest

from conftest import EN, REPO


def test_missing_translation_is_a_warning_and_english_page_falls_back_to_marked_chinese(project):
    entries = dict(EN)
    del entries["厦门大学"]
    project.translations(entries)
    result = project.build()
    assert result.ok
    warnings = [p for p in result.problems.warnings if p.code == "missing-translation"]
    assert len(warnings) == 1 and "厦门大学" in warnings[0].message
    assert warnings[0].path == "content/editions/2023/conferences/cms-2023.yaml"
    page = project.page("en/2023/conferences/cms-2023/index.html")
    assert '<span lang="zh-CN">厦门大学</span>' in page


def test_errors_on_missing_translation_in_strict_mode(project):
    entries = dict(EN)
    del entries["厦门大学"]
    project.translations(entries)
    result = project.build(strict=True)
    assert not result.ok
    assert [p.code for p in result.problems.errors] == ["missing-translation"]
    assert not (project.root / "site").exists()


def test_errors_on_fuzzy_translation_in_strict_mode(project):
    project.translations(EN, fuzzy={"重庆"})
    result = project.build(strict=True)
    assert [p.code for p in result.problems.errors] == ["fuzzy-translation"]
    result = project.build()
    assert result.ok
    assert '<span lang="zh-CN">重庆</span>' in project.page("en/2023/conferences/ccs-2023/index.html")


def test_translation_context_distinguishes_one_chinese_string(project):
    project.conference("ctx-2023", """\
        id: ctx-2023
        name: 世界生命科学大会
        kind: one-off
        field: life
        start: 2023-08-01
        city: {text: 长沙, context: venue district}
        organizers: [中国科协生命科学学会联合体]
        recommender: L-01
        """)
    po = (project.root / "locales/en/LC_MESSAGES/content.po").read_text(encoding="utf-8")
    po += '\nmsgctxt "venue district"\nmsgid "长沙"\nmsgstr "Changsha (district)"\n'
    project.write("locales/en/LC_MESSAGES/content.po", po)
    assert project.build(strict=True).ok
    assert "Changsha (district)" in project.page("en/2023/conferences/ctx-2023/index.html")
    assert "Changsha (district)" not in project.page("en/2023/conferences/wlsc-2023/index.html")


def test_i18n_update_keeps_translations_and_marks_changed_sources_fuzzy(project):
    out = project.cli("i18n", "update")
    assert out.returncode == 0, out.stdout + out.stderr
    po = project.root / "locales/en/LC_MESSAGES/content.po"
    catalog = read_po(po.open("rb"))
    assert catalog.get("厦门大学").string == "Xiamen University"
    assert any(loc[0].endswith("cms-2023.yaml") for loc in catalog.get("厦门大学").locations)
    # Rename the conference: its old translation is kept as a fuzzy suggestion.
    path = project.root / "content/editions/2023/conferences/ccs-2023.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("第33届学术年会", "第33届学术年会（青岛）"), encoding="utf-8")
    assert project.cli("i18n", "update").returncode == 0
    catalog = read_po(po.open("rb"))
    message = catalog.get("中国化学会第33届学术年会（青岛）")
    assert message.fuzzy and message.string == "33rd CCS Congress"
    # ... with the source it was translated from, as msgmerge writes it: the
    # translator sees what changed, not only that something did.
    text = po.read_text(encoding="utf-8")
    assert '#, fuzzy\n#| msgid "中国化学会第33届学术年会"\nmsgid "中国化学会第33届学术年会（青岛）"' in text, text[-600:]
    status = project.cli("i18n", "status")
    assert "en content:" in status.stdout and "1 fuzzy" in status.stdout
    assert "fuzzy: 中国化学会第33届学术年会（青岛）" in status.stdout and "ccs-2023.yaml:3" in status.stdout
    assert project.cli("--strict", "i18n", "status").returncode == 1
    # A second update with nothing new changes no file (the '#|' line kept as it is).
    again = project.cli("i18n", "update")
    assert "0 files changed" in again.stdout and po.read_text(encoding="utf-8") == text
    # Translated again (fuzzy dropped), the old source goes at the next update.
    po.write_text(text.replace('#, fuzzy\n#| msgid', '#| msgid'), encoding="utf-8")
    assert project.cli("i18n", "update").returncode == 0
    assert "#| msgid" not in po.read_text(encoding="utf-8")


def test_i18n_update_keeps_the_source_a_long_translation_was_made_from(project):
    """A source longer than a line: its '#|' lines read back as written (Babel
    wraps them as text, inside the quotes), stay through an update that
    changes nothing, and stay the one translated from when it changes again."""
    long = "中国化学会第33届学术年会暨化学与社会可持续发展国际研讨会，" * 3 + "重庆"
    path = project.root / "content/editions/2023/conferences/ccs-2023.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("中国化学会第33届学术年会", long), encoding="utf-8")
    assert project.cli("i18n", "update").returncode == 0
    po = project.root / "locales/en/LC_MESSAGES/content.po"
    catalog = read_po(po.open("rb"))
    catalog.get(long).string = "The long congress"
    from guide.i18n import write_catalog
    write_catalog(po, catalog)
    for edit in ("（第一次改名）", "（第二次改名）"):
        text = path.read_text(encoding="utf-8")
        path.write_text(text.replace("重庆", "重庆" + edit, 1) if "改名" not in text
                        else text.replace("（第一次改名）", edit), encoding="utf-8")
        assert project.cli("i18n", "update").returncode == 0
        written = po.read_text(encoding="utf-8")
        assert project.cli("i18n", "update").returncode == 0
        assert po.read_text(encoding="utf-8") == written       # (read back as written)
        block = written[written.index("#, fuzzy"):].split("\n\n")[0] if "#| msgid" in written else ""
        previous = "".join(line[3:].strip().removeprefix("msgid ").strip('"') for line in block.splitlines()
                           if line.startswith("#| "))
        assert previous == long, block                          # (the source translated from)
        assert '"The long congress"' in block


def test_i18n_extract_and_compile(project):
    out = project.cli("i18n", "extract")
    assert out.returncode == 0
    pot = (project.root / "locales/content.pot").read_text(encoding="utf-8")
    assert 'msgid "2023年中国数学会学术年会"' in pot and "cms-2023.yaml:3" in pot
    out = project.cli("i18n", "compile")
    assert out.returncode == 0
    assert (project.root / "locales/en/LC_MESSAGES/content.mo").is_file()


def test_i18n_status_lists_what_to_translate_even_when_a_rule_fails(project):
    # Right after an import that exceeds a quota, staff still need the list of
    # new names to translate: the rules are the build's to enforce.
    path = project.root / "content/editions/2023/conferences/cms-2023.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("city: 厦门", "city: 泉州")
                    .replace("start: 2023-05-30", "start: 2030-05-30").replace("end: 2023-06-02", "end: 2030-06-02"),
                    encoding="utf-8")
    assert "outside-window" in project.cli("check").stderr
    out = project.cli("i18n", "status")
    assert out.returncode == 0, out.stdout + out.stderr
    assert "untranslated: 泉州" in out.stdout


def test_interface_catalog_of_the_tool_is_complete():
    """Every interface string in templates and code has a Chinese translation."""
    from guide.i18n import TOOL_ROOT, extract_messages
    from guide.translation import load_catalogs
    from guide.problems import Problems
    catalogs = load_catalogs(TOOL_ROOT, Problems())
    missing = [m.id for m in extract_messages(TOOL_ROOT)
               if m.id and catalogs.status("zh", "messages", m.id, m.context) != "translated"]
    assert missing == []


def test_newstyle_gettext_plurals_and_placeholders(built):
    assert "本版指南中由该单位推荐的会议共1个。" in built.page("zh/2023/units/a-01/index.html")
    assert "1 conference recommended in this edition." in built.page("en/2023/units/a-01/index.html")


def test_folded_gettext_renders_as_jinja_does():
    # Pages are compiled with their translations in (rendering.PageEnvironment):
    # the result must be what Jinja's own newstyle gettext gives.
    import io

    import jinja2
    from babel.messages.catalog import Catalog
    from babel.messages.mofile import write_mo
    import gettext

    from guide.rendering import PageEnvironment, _install_fast_gettext

    catalog = Catalog(locale="zh")
    catalog.add("Search", "搜索")
    catalog.add("A & B <b>%%</b>", "甲 & 乙 <b>%%</b>")
    catalog.add("Hello %(name)s", "你好 %(name)s")
    catalog.add("Organizers", "主办", context="role")
    buf = io.BytesIO()
    write_mo(buf, catalog)
    buf.seek(0)
    gt = gettext.GNUTranslations(buf)
    source = ('{{ _("Search") }}|{{ _("A & B <b>%%</b>") }}|{{ _("Hello %(name)s", name="<x>") }}|'
              '{{ pgettext("role", "Organizers") }}|{% set label = _("Search") %}{{ label }}|'
              '{{ [_("Search"), "<"] | join(",") }}|{{ _("Untranslated \\"%%\\"") }}')

    def render(env_class, folded: bool):
        env = env_class(autoescape=True, extensions=["jinja2.ext.i18n"])
        env.install_gettext_translations(gt, newstyle=True)
        if folded:
            _install_fast_gettext(env, gt)
        return env.from_string(source).render()

    expected = render(jinja2.Environment, folded=False)
    assert expected.startswith("搜索|甲 & 乙 <b>%</b>|你好 &lt;x&gt;|主办|搜索|搜索,&lt;|")
    assert render(PageEnvironment, folded=True) == expected
    env = PageEnvironment(autoescape=True, extensions=["jinja2.ext.i18n"],
                          loader=jinja2.DictLoader({"m.html": "{% macro up(s) %}<{{ s }}>{% endmacro %}"}))
    env.install_gettext_translations(gt, newstyle=True)
    _install_fast_gettext(env, gt)
    # Folded: the compiled template calls nothing.
    assert "context.call" not in env.compile('{{ _("Search") }}{{ pgettext("role", "Organizers") }}', raw=True)
    # A template that binds _ itself keeps its calls.
    assert env.from_string('{% macro _(s) %}[{{ s }}]{% endmacro %}{{ _("Search") }}').render() == "[Search]"
    assert env.from_string('{% from "m.html" import up as _ %}{{ _("Search") }}').render() == "<Search>"
    assert env.from_string('{% set _ = up %}{{ _("Search") }}').render(up=str.upper) == "SEARCH"
    # A literal that only fails when formatted fails when rendered, as without folding.
    broken = env.from_string('{% if false %}{{ _("%(x)s") }}{% endif %}ok')
    assert broken.render() == "ok"


def test_python_extraction_skips_only_modules_without_messages(tmp_path):
    """i18n._python_messages tokenizes only modules that call a keyword; it must
    yield what Babel's extract_from_dir yields, in its order, for our package
    and for calls written in odd ways."""
    from babel.messages.extract import extract_from_dir
    from guide.i18n import KEYWORDS, PACKAGE_DIR, _python_messages

    def babel(base):
        return list(extract_from_dir(str(base), [("**.py", "python")], keywords=KEYWORDS,
                                     comment_tags=("TRANSLATORS:",), strip_comment_tags=True))

    assert list(_python_messages(PACKAGE_DIR)) == babel(PACKAGE_DIR) != []
    files = {
        "a.py": "x = _ (\n  'spaced')\ny = N_(  # a comment\n  'commented')\n",
        "a2.py": "x = _ \\\n  ('continued')\n",
        "b.py": "for _ in range(3):\n    pass\nz = 'no call here'\n",
        "c/d.py": "# TRANSLATORS: a note\nw = pgettext('ctx', 'nested')\nv = obj.gettext('method')\n",
        "_skip/e.py": "u = _('in a skipped folder')\n",
        ".hidden/f.py": "u = _('hidden')\n",
        "g.txt": "_('not python')\n",
    }
    for rel, text in files.items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(text, encoding="utf-8")
    found = list(_python_messages(tmp_path))
    assert found == babel(tmp_path)
    assert [(m[0], m[2], m[4]) for m in found] == [
        ("a.py", "spaced", None), ("a.py", "commented", None), ("a2.py", "continued", None),
        ("c/d.py", "nested", "ctx"), ("c/d.py", "method", None)]


def test_the_committed_interface_catalogs_are_what_i18n_update_writes():
    """Templates and code changed without `build.py i18n update` leave the
    catalogs behind: the next staff member to run it would commit the drift
    (moved references, new texts) with their own change."""
    from conftest import REPO
    from guide.i18n import extract_messages

    def entries(catalog):
        return [(m.id, m.context, sorted(m.locations)) for m in catalog if m.id]

    extracted = entries(extract_messages(REPO))
    with open(REPO / "locales/messages.pot", "rb") as f:
        assert entries(read_po(f)) == extracted, "run: python3 build.py i18n update"
    with open(REPO / "locales/zh/LC_MESSAGES/messages.po", "rb") as f:
        assert sorted(entries(read_po(f)), key=repr) == sorted(extracted, key=repr), "run: python3 build.py i18n update"


# -- what a catalog may not hold -------------------------------------------------

def _interface_catalog(project, old: str, new: str):
    """The tool's interface catalog in the project, with one text replaced."""
    text = (REPO / "locales/zh/LC_MESSAGES/messages.po").read_text(encoding="utf-8")
    assert old in text
    project.write("locales/zh/LC_MESSAGES/messages.po", text.replace(old, new, 1))
    return text[:text.index(old)].count("\n") + 1


@pytest.mark.parametrize("broken, says", [
    ("或在%(lookpu)s输入", "uses %(lookpu)s, which the original has not"),
    ("或在输入", "lacks %(lookup)s of the original"),
    ("或在%(lookup)输入", "is not a valid format"),
])
def test_errors_on_a_translation_whose_placeholder_differs(project, broken, says):
    """A mistyped placeholder failed the build with a traceback (and check said
    0 errors); a lost one was published without a word, even with --strict."""
    line = _interface_catalog(project, "或在%(lookup)s输入", broken)
    for write in (False, True):
        result = project.build(write=write)
        (problem,) = result.problems.errors
        assert (problem.code, problem.path, problem.line) == \
            ("po-placeholder", "locales/zh/LC_MESSAGES/messages.po", line), problem.format()
        assert says in problem.message
    assert not (project.root / "site").exists()


@pytest.mark.parametrize("markup", ['<a href="javascript:alert(1)">指南</a>', '<b onclick="alert(2)">指南</b>',
                                    '<img src=x onerror=alert(3)>', '指南" onload="alert(4)',
                                    "指南' onload='alert(5)"])
def test_errors_on_translation_markup_its_source_does_not_have(project, markup):
    """An interface translation is published as markup (a translator's tag is the
    page's): one the source does not have fails the build, check too."""
    line = _interface_catalog(project, 'msgstr "关于指南"', f'msgstr "关于{markup.replace(chr(34), chr(92) + chr(34))}"')
    for write in (False, True):
        result = project.build(write=write)
        (problem,) = result.problems.errors
        assert (problem.code, problem.path, problem.line) == \
            ("translation-markup", "locales/zh/LC_MESSAGES/messages.po", line - 1), problem.format()
    assert not (project.root / "site").exists()


def test_a_percent_sign_in_a_translation_is_written_twice(project):
    _interface_catalog(project, "或在%(lookup)s输入", "或在%(lookup)s（100%%）输入")
    assert project.build().ok


def test_errors_on_a_duplicate_entry_in_a_catalog(project):
    """Babel keeps one of two equal entries: a corrected translation added at
    the end was never used."""
    project.translations({"厦门": "Xiamen", "重庆": "Chongqing"})
    path = project.root / "locales/en/LC_MESSAGES/content.po"
    path.write_text(path.read_text(encoding="utf-8") + '\nmsgid "厦门"\nmsgstr "Amoy"\n', encoding="utf-8")
    result = project.build(write=False)
    (problem,) = result.problems.errors
    assert problem.code == "po-duplicate" and "already at line 6" in problem.message, problem.format()
    assert problem.line == path.read_text(encoding="utf-8").split("\n").index('msgid "厦门"', 7) + 1
    # (one msgid written on one line, then wrapped, is the same)
    project.translations({"厦门": "Xiamen", "重庆": "Chongqing"})
    path.write_text(path.read_text(encoding="utf-8") + '\nmsgid ""\n"厦"\n"门"\nmsgstr "Amoy"\n', encoding="utf-8")
    (problem,) = project.build(write=False).problems.errors
    assert problem.code == "po-duplicate", problem.format()


def test_errors_on_an_invisible_or_control_character_in_a_translation(project):
    """Record texts refuse them; their translations went to every page, the
    feed (a U+0001 made it ill-formed XML) and the calendars."""
    for bad in ("\u202e", "\x01", "\u2028", "\u00ad"):
        project.translations({"厦门": f"Xia{bad}men", "重庆": "Chongqing"})
        result = project.build(write=False)
        (problem,) = result.problems.errors
        assert (problem.code, problem.line) == ("po-invisible-character", 7), problem.format()
        assert f"U+{ord(bad):04X}" in problem.message
    # A line break: in a description's translation, as in the description...
    cms = project.root / "content/editions/2023/conferences/cms-2023.yaml"
    cms.write_text(cms.read_text(encoding="utf-8") + "description: 第一段。\n", encoding="utf-8")
    project.translations({"厦门": "Xiamen", "重庆": "Chongqing", "第一段。": "One.\\n\\nTwo."})
    assert project.build(write=False).ok
    # ... not in a city's (one line, as the record's)
    project.translations({"厦门": "Xiamen\\nCity", "重庆": "Chongqing", "第一段。": "One."})
    result = project.build(write=False)
    (problem,) = result.problems.errors
    assert (problem.code, problem.path, problem.line) == ("line-break", "locales/en/LC_MESSAGES/content.po", 6), \
        problem.format()


def test_a_description_of_a_record_beside_a_broken_edition_may_be_translated_on_two_lines(project):
    """The records of an edition whose data does not check are still checked
    (against a stand-in); a description there is still a description: a
    one-line one, translated on two lines, was a false line-break error."""
    edition = project.root / "content/editions/2023/edition.yaml"
    edition.write_text(edition.read_text(encoding="utf-8").replace("year: 2023", "year 2023", 1), encoding="utf-8")
    cms = project.root / "content/editions/2023/conferences/cms-2023.yaml"
    cms.write_text(cms.read_text(encoding="utf-8") + "description: 第一段。\n", encoding="utf-8")
    project.translations({"厦门": "Xiamen", "重庆": "Chongqing", "第一段。": "One.\\n\\nTwo."})
    result = project.build(write=False)
    assert [(p.code, p.path) for p in result.problems.errors] == \
        [("yaml-syntax", "content/editions/2023/edition.yaml")], [p.format() for p in result.problems.errors]
    # (and a one-line text of that record is still held to one line)
    project.translations({"厦门": "Xiamen\\nCity", "重庆": "Chongqing", "第一段。": "One."})
    codes = sorted(p.code for p in project.build(write=False).problems.errors)
    assert codes == ["line-break", "yaml-syntax"], codes


def test_a_long_text_without_translation_is_quoted_in_part(project):
    """A 200,000-character venue printed a warning line as long."""
    cms = project.root / "content/editions/2023/conferences/cms-2023.yaml"
    cms.write_text(cms.read_text(encoding="utf-8").replace("venue: 厦门大学", "venue: " + "会场" * 3000), encoding="utf-8")
    result = project.build(write=False)
    (warning,) = [p for p in result.problems.items if p.code == "missing-translation" and "会场会场" in p.message]
    assert len(warning.message) < 250 and "(6,000 characters)" in warning.message, warning.message


def test_previous_sources_go_on_their_own_entry(tmp_path):
    """Not on another entry with the same msgid and a context, nor on one whose
    msgid starts with the fuzzy one's (found in review: msgfmt failed)."""
    import subprocess
    from babel.messages.catalog import Catalog
    from guide.i18n import write_catalog
    catalog = Catalog(locale="zh_Hans_CN")
    catalog.add("Host", "主办方", context="conference role")
    catalog.add("Host", "东道主", flags=["fuzzy"], previous_id=("Hosts",))
    catalog.add("A long message that the fuzzy one starts with", "x")
    catalog.add("A long message", "y", flags=["fuzzy"], previous_id=("A longer message",))
    po = tmp_path / "t.po"
    write_catalog(po, catalog)
    text = po.read_text(encoding="utf-8")
    assert '#, fuzzy\n#| msgid "Hosts"\nmsgid "Host"\nmsgstr "东道主"' in text, text
    assert '#, fuzzy\n#| msgid "A longer message"\nmsgid "A long message"\nmsgstr "y"' in text, text
    assert text.count("#|") == 2
    assert subprocess.run(["msgfmt", "-c", "-o", "/dev/null", str(po)], capture_output=True).returncode == 0
