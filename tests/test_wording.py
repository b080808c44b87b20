"""The command line in the staff's language: problems, summaries and reports
in Chinese when the environment asks for it (guide/wording.py, domain cli)."""

from __future__ import annotations

import io
import os
import pickle
import re
import subprocess
import sys

import pytest
from babel.messages.pofile import read_po

from conftest import REPO, TODAY
from guide import wording
from guide.problems import Problem, Problems, one_line
from guide.wording import ntr, shown, tr

CLI_PO = REPO / "locales" / "zh" / "LC_MESSAGES" / "cli.po"
CLI_POT = REPO / "locales" / "cli.pot"
HAN = re.compile(r"[\u4e00-\u9fff]")


def run_in(lang: str, project, *args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG")}
    env["LANG"] = lang
    return subprocess.run([sys.executable, str(REPO / "build.py"), "--project", str(project.root),
                           "--today", TODAY.isoformat(), *args],
                          capture_output=True, text=True, cwd=REPO, env=env)


def test_a_message_is_its_english_text_and_keeps_how_it_was_made():
    m = tr("%(key)s: is empty", key="city")
    assert m == "city: is empty" and isinstance(m, str)
    assert (m.template, m.values) == ("%(key)s: is empty", {"key": "city"})
    # Kept in caches (the record cache is pickled): the template survives.
    again = pickle.loads(pickle.dumps(m))
    assert again == m and again.template == m.template and again.values == m.values
    assert ntr("%(n)s file", "%(n)s files", 1) == "1 file"
    assert ntr("%(n)s file", "%(n)s files", 3) == "3 files"


def test_a_message_is_shown_in_the_language_of_the_environment(monkeypatch):
    problems = Problems()
    problems.warning("x.yaml", (3, 4), "some-code", tr("%(n)s warning", n=1))
    for name in ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("LANG", "zh_CN.UTF-8")
    assert wording.language() == "zh"
    assert problems.summary() == "0个错误，1个警告"
    assert problems.items[0].format().startswith("x.yaml:3:4: some-code: 警告：")
    monkeypatch.setenv("LANGUAGE", "en_GB:zh_CN")   # (gettext's list of languages comes first)
    assert wording.language() == "en"
    assert problems.summary() == "0 errors, 1 warning"
    assert problems.items[0].format() == "x.yaml:3:4: some-code: warning: 1 warning"


def test_values_quoted_in_a_translated_message_stay_on_one_line():
    message = one_line(tr("%(errors)s, %(warnings)s", errors="a\nb", warnings="\u202ec"))
    assert message == "a\\nb, \\u202ec"
    assert shown(message, "zh") == "a\\nb，\\u202ec"
    # A problem kept before the change of language shows in the new one.
    p = Problem("x", 1, 1, "c", message)
    assert pickle.loads(pickle.dumps(p)).message.template == "%(errors)s, %(warnings)s"


def test_the_cli_catalog_is_current_complete_and_well_formed():
    """Code changed without `build.py i18n update`, or a message left
    untranslated, fails here; so does a translation that loses a placeholder."""
    from guide.i18n import extract_cli
    from guide.translation import check_entries

    extracted = [(m.id, m.context) for m in extract_cli() if m.id]
    with CLI_POT.open("rb") as f:
        assert [(m.id, m.context) for m in read_po(f) if m.id] == extracted, "run: python3 build.py i18n update"
    text = CLI_PO.read_text(encoding="utf-8")
    catalog = read_po(io.StringIO(text))
    entries = {(m.id, m.context): m for m in catalog if m.id}
    assert sorted(entries, key=repr) == sorted(extracted, key=repr), "run: python3 build.py i18n update"
    untranslated = [m.id for m in entries.values()
                    if m.fuzzy or not all(m.string if isinstance(m.string, tuple) else (m.string,))]
    assert untranslated == []
    problems = Problems()
    check_entries(text, catalog, CLI_PO, problems, formatted=True)
    assert [p.format() for p in problems.items] == []
    # Every message the code makes can be shown in Chinese.
    assert len(wording.translations("zh")) == len(entries)


def test_errors_of_a_broken_record_are_reported_in_chinese_under_a_chinese_locale(project):
    project.conference("broken", """\
        id: broken
        name: 坏记录会议
        city: 北京
        """)
    zh = run_in("zh_CN.UTF-8", project, "check")
    en = run_in("C.UTF-8", project, "check")
    assert zh.returncode == en.returncode == 1
    zh_lines = [l for l in zh.stderr.splitlines() if "broken.yaml" in l]
    en_lines = [l for l in en.stderr.splitlines() if "broken.yaml" in l]
    # The same problems, at the same places, with the same codes...
    assert len(zh_lines) == len(en_lines) > 0
    for z, e in zip(zh_lines, en_lines):
        assert z.split(": ")[:2] == e.split(": ")[:2]
    # ...said in Chinese, and in English under any other locale.
    assert all(HAN.search(l.split(": ", 2)[2]) for l in zh_lines), zh_lines
    assert "missing-field" in zh.stderr and "缺少" in zh.stderr, zh.stderr
    assert "错误" in zh.stdout and "errors" in en.stdout
    assert not any(HAN.search(re.sub("'[^']*'", "", l.split(": ", 2)[2])) for l in en_lines)


def test_help_is_in_the_staff_language(project):
    out = run_in("zh_CN.UTF-8", project, "--help")
    assert out.returncode == 0 and HAN.search(out.stdout)


@pytest.mark.parametrize("columns", [60, 80])
@pytest.mark.parametrize("command", [[], ["i18n"], ["build"], ["serve"]])
def test_chinese_help_fits_the_terminal_and_says_what_each_command_does(project, monkeypatch, command, columns):
    """Wrapped by display width (a Chinese character takes two columns), between
    characters but not inside a word, no line starting with a closing mark;
    headings with a full-width colon; each command's help has its description."""
    import unicodedata
    monkeypatch.setenv("COLUMNS", str(columns))
    out = run_in("zh_CN.UTF-8", project, *command, "--help")
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    assert "选项：" in lines and "选项:" not in lines
    usage = lines[:lines.index("")]   # (argparse's own: options are not broken)
    for line in lines[len(usage):]:
        # (argparse wraps at COLUMNS - 2: a closing mark kept at a line's end stays within COLUMNS)
        assert sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in line) <= columns, line
        assert not line.strip().startswith(tuple("，。、；：）")), line
        assert not line.endswith(tuple("（“「『")), line
    assert not any(line.rstrip().endswith(("compi", "upd")) for line in lines), lines
    if command:
        assert lines[lines.index("") + 1].strip() and HAN.search(lines[lines.index("") + 1]), lines[:6]


@pytest.mark.parametrize("args, zh, en", [
    (["--format", "xml"], "build.py：错误：参数 --format：无效的取值：'xml'（可选值：'text', 'json'）",
     "build.py: error: argument --format: invalid choice: 'xml' (choose from 'text', 'json')"),
    (["import"], "build.py import：错误：缺少必需的参数：file",
     "build.py import: error: the following arguments are required: file"),
    (["--nope"], "build.py：错误：无法识别的参数：--nope", "build.py: error: unrecognized arguments: --nope"),
    (["--reissued"], "build.py：错误：参数 --reissued：至少需要一个值",
     "build.py: error: argument --reissued: expected at least one argument"),
])
def test_argparse_reasons_are_in_the_staff_language(project, args, zh, en):
    """argparse has no catalog here: its reasons stayed English inside the Chinese line."""
    chinese, english = run_in("zh_CN.UTF-8", project, *args), run_in("C", project, *args)
    assert chinese.returncode == english.returncode == 2
    assert chinese.stderr.splitlines()[-1] == zh, chinese.stderr
    assert english.stderr.splitlines()[-1] == en, english.stderr


def zh_only(monkeypatch):
    for name in ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("LANG", "zh_CN.UTF-8")


def withheld_line(text: str, label: str, pattern: str) -> str:
    """An untranslated-text warning quoting ``text``, as shown after a
    confidential rule of ``pattern`` withheld what it matches."""
    import re as re_
    from guide.confidential import Rule, withhold_matches

    problems = Problems()
    problems.warning("a.yaml", (1, 1), "missing-translation", tr(
        "no %(lang)s translation for '%(text)s' in locales/%(lang)s/LC_MESSAGES/content.po",
        lang="en", text=text))
    withhold_matches(problems, [Rule(label, re_.compile(pattern), None, "content/guide.yaml:3")])
    return problems.items[0].format()


def test_a_secret_quoted_in_a_message_is_withheld_in_the_language_it_is_shown_in(monkeypatch):
    zh_only(monkeypatch)
    line = withheld_line("联系13812345678", "phone", r"1[3-9]\d{9}")
    # (withheld in the value: the message still shows in Chinese)
    assert "13812345678" not in line and "[phone]" in line and "译文" in line, line
    # A rule that matches the Chinese words of a message, not its values:
    # the message is shown in English, withheld.
    line = withheld_line("北京", "words", "译文")
    assert "译文" not in line and "no en translation for '北京'" in line


def test_language_follows_the_first_chinese_or_english_preference(monkeypatch):
    for name in ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"):
        monkeypatch.delenv(name, raising=False)
    assert wording.language() == "en"
    monkeypatch.setenv("LANGUAGE", "fr:zh_CN:en")
    assert wording.language() == "zh"
    # (none of them: the source's, English, as GNU gettext falls back)
    monkeypatch.setenv("LANGUAGE", "fr")
    monkeypatch.setenv("LC_ALL", "zh_CN.UTF-8")
    assert wording.language() == "en"
    monkeypatch.delenv("LANGUAGE")
    assert wording.language() == "zh"
    monkeypatch.setenv("LC_ALL", "C.UTF-8")
    assert wording.language() == "en"
