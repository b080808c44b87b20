"""Translation workflow around Babel: extract, update, compile, status, and the build's check.

We call Babel's Python API rather than the ``pybabel`` command: ``pybabel
update --check`` fails whenever pgettext is used (babel#1307), and
``compile --statistics`` miscounts; our status counts itself.
"""

from __future__ import annotations

import functools
import io
import os
import re
from dataclasses import dataclass
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract as extract_from_source, extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import denormalize, normalize, write_po

from .cachefile import load_pickle, save_pickle
from . import wording
from .wording import ntr, tr
from .problems import Problems
from .records import Text
from .translation import BABEL_LOCALE, DOMAINS, Catalogs, po_path, pot_path, read_catalog

TOOL_ROOT = wording.TOOL_ROOT
PACKAGE_DIR = Path(__file__).resolve().parent
# Must match the runtime policy in rendering.py (jinja#1925: whitespace
# trimming differs between extraction and runtime unless both say so).
TEMPLATE_OPTIONS = {"trimmed": "true", "extensions": "jinja2.ext.i18n",
                    "trim_blocks": "true", "lstrip_blocks": "true"}
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "pgettext": ((1, "c"), 2),
            "npgettext": ((1, "c"), 2, 3), "N_": None}
PROJECT_ID = "guide-conferences"


def templates_dir(root: Path) -> Path:
    """A project's own templates, or the tool's when it brings none."""
    own = root / "templates"
    return own if own.is_dir() else TOOL_ROOT / "templates"


def messages_root(root: Path) -> Path:
    """Where the interface catalog lives: the project's, or the tool's."""
    return root if (root / "locales" / "zh" / "LC_MESSAGES" / "messages.po").exists() else TOOL_ROOT


# A call of one of the keywords (spaces, line breaks, backslash continuations or
# comments may come before its parenthesis): a module without one has no
# message to extract.
@functools.lru_cache(maxsize=None)
def _keyword_call(names: tuple[str, ...]) -> re.Pattern:
    return re.compile(r"(?<![\w])(?:%s)\s*(?:(?:#[^\n]*|\\\r?)\n\s*)*\(" % "|".join(map(re.escape, names)))


COMMENT_TAGS = ("TRANSLATORS:",)


def _python_messages(base: Path, keywords: dict = KEYWORDS):
    """What ``extract_from_dir(base, [("**.py", "python")])`` yields for
    ``keywords``, in its order (folders starting with "." or "_" skipped),
    without tokenizing the modules that call no keyword: most of them, and
    tokenizing was about 0.2 s of every build that finds no extraction in
    .cache/ (a cold one)."""
    keyword_call = _keyword_call(tuple(keywords))
    for folder, dirnames, filenames in os.walk(base):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith((".", "_")))
        for filename in sorted(filenames):
            if not filename.endswith(".py"):
                continue
            path = Path(folder) / filename
            source = path.read_bytes()
            if not keyword_call.search(source.decode("utf-8", "replace")):
                continue
            for lineno, message, comments, context in extract_from_source(
                    "python", io.BytesIO(source), keywords=keywords, comment_tags=COMMENT_TAGS,
                    strip_comment_tags=True):
                yield path.relative_to(base).as_posix(), lineno, message, comments, context


def extract_messages(root: Path) -> Catalog:
    catalog = Catalog(project=PROJECT_ID, fuzzy=False, charset="utf-8", locale=None)
    base = templates_dir(root)
    options = {"**.html": TEMPLATE_OPTIONS, "**.xml": TEMPLATE_OPTIONS}
    templates = extract_from_dir(str(base), [("**.html", "jinja2"), ("**.xml", "jinja2")], options_map=options,
                                 keywords=KEYWORDS, comment_tags=COMMENT_TAGS, strip_comment_tags=True)
    for base, found in ((base, templates), (PACKAGE_DIR, _python_messages(PACKAGE_DIR))):
        for filename, lineno, message, comments, context in found:
            rel = (base / filename).relative_to(base.parent).as_posix()
            catalog.add(message, None, [(rel, lineno)], auto_comments=comments, context=context)
    return catalog


_EXTRACTED: dict[tuple, Catalog] = {}


def interface_template(root: Path) -> Catalog:
    """extract_messages, remembered while no template or module changes.

    Extraction parses every template and module (most of a failing build's
    time); tests and long-running tools build many times in one process.
    Callers must not change the catalog it returns.
    """
    files = []
    for base, suffixes in ((templates_dir(root), (".html", ".xml")), (PACKAGE_DIR, (".py",))):
        for path in sorted(base.rglob("*")):
            if path.suffix in suffixes:
                st = path.stat()
                files.append((str(path), st.st_mtime_ns, st.st_size))
    key = tuple(files)
    if key not in _EXTRACTED:
        _EXTRACTED.clear()
        _EXTRACTED[key] = _remembered_extraction(root, key)
    return _EXTRACTED[key]


def _remembered_extraction(root: Path, key: tuple) -> Catalog:
    """extract_messages, kept in .cache/ for the next build while the files keep their stat."""
    path = root / ".cache" / "interface-messages.pickle"
    catalog = load_pickle(path, key, Catalog)
    if catalog is None:
        catalog = extract_messages(root)
        if (root / "content").is_dir():   # (not a project: leave no .cache/ in a folder that is none)
            try:
                save_pickle(path, key, catalog)
            except OSError:
                pass
    return catalog


def extract_cli() -> Catalog:
    """The command line's messages (wording.tr / ntr in the tool's code): the
    tool's own catalog, kept in the tool like its interface catalog."""
    catalog = Catalog(project=PROJECT_ID, fuzzy=False, charset="utf-8", locale=None)
    for filename, lineno, message, comments, context in _python_messages(PACKAGE_DIR, wording.KEYWORDS):
        catalog.add(message, None, [(f"{PACKAGE_DIR.name}/{filename}", lineno)],
                    auto_comments=comments, context=context)
    return catalog


def _tool_catalogs(root: Path) -> dict[str, Catalog]:
    """The tool's command-line catalog, when ``root`` is the tool itself."""
    try:
        tool = root.resolve() == TOOL_ROOT
    except OSError:
        tool = False
    return {wording.DOMAIN: extract_cli()} if tool else {}


def extract_content(text_uses: dict[Text, list]) -> Catalog:
    catalog = Catalog(project=PROJECT_ID, fuzzy=False, charset="utf-8", locale=None)
    for text in sorted(text_uses, key=lambda t: (t.context or "", t.zh)):
        uses = sorted({(s.path, s.line) for s in text_uses[text]})
        catalog.add(text.zh, None, uses, context=text.context)
    return catalog


def templates_for(root: Path, content) -> dict[str, Catalog]:
    return {"messages": extract_messages(root), "content": extract_content(content.text_uses)}


def write_catalog(path: Path, catalog: Catalog) -> bool:
    """Write a .po/.pot only when its text changes; True when written."""
    _read_previous_ids(catalog)   # (a catalog read by another path: its '#|' lines kept)
    buf = io.BytesIO()
    # (the '#|' lines written here: Babel wraps them as text, cutting a long
    # source inside its quotes, and then reads it back otherwise)
    write_po(buf, catalog, width=76, omit_header=False, ignore_obsolete=False,
             include_previous=False, sort_output=False)
    data = _stable_header(_with_previous_ids(buf.getvalue().decode("utf-8"), catalog).encode("utf-8"))
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.exists() and _stable_header(path.read_bytes()) == data:
        return False
    path.write_bytes(data)
    return True


_PREVIOUS_KEYWORDS = ("msgctxt", "msgid_plural", "msgid")


def _with_previous_ids(text: str, catalog: Catalog) -> str:
    """``text`` (the catalog as Babel wrote it) with each fuzzy entry's previous
    source as msgmerge writes it: '#| msgid' lines just before its msgctxt or msgid."""
    for message in catalog:
        if not (message.id and message.fuzzy and message.previous_id):
            continue
        first, context = _key(message)
        head = (f"msgctxt {normalize(context, width=76)}\n" if context else "") + f"msgid {normalize(first, width=76)}\n"
        at = _own_head(text, head)
        if at < 0:
            continue
        # (normalize's own prefix narrows its lines by the prefix twice over)
        lines = "".join(f"#| {word} " + normalize(value, width=73).replace("\n", "\n#| ") + "\n"
                        for word, value in zip(("msgid", "msgid_plural"), message.previous_id))
        text = text[:at + 1] + lines + text[at + 1:]
    return text


def _own_head(text: str, head: str) -> int:
    """Where a fuzzy entry's ``head`` (its msgctxt and msgid lines) starts in ``text``
    (the newline before it), or -1: just after its fuzzy flags line, and whole (not
    the start of a longer msgid, nor another entry's msgid after its msgctxt)."""
    at = text.find("\n" + head)
    while at >= 0:
        flags = text[text.rfind("\n", 0, at) + 1:at]
        if flags.startswith("#,") and "fuzzy" in flags and text.startswith(("msgstr", "msgid_plural"),
                                                                           at + 1 + len(head)):
            return at
        at = text.find("\n" + head, at + 1)
    return -1


def _key(message) -> tuple:
    return (message.id if isinstance(message.id, str) else message.id[0], message.context)


def _read_previous_ids(catalog: Catalog) -> dict[tuple, tuple]:
    """Babel reads the '#| msgid "..."' lines it writes back as comments
    ('| msgid "..."') and would write them again as '# |' comments: made
    previous ids again, so that an update leaves them as they are; returned
    by message (``_key``)."""
    found = {}
    for message in catalog:
        if not any(c.startswith("| ") for c in message.user_comments):
            continue
        parts: dict[str, list[str]] = {}
        key = None
        for comment in message.user_comments:
            if not comment.startswith("| "):
                continue
            line = comment[2:].strip()
            word = next((k for k in _PREVIOUS_KEYWORDS if line.startswith(k + " ")), None)
            if word is not None:
                key, line = word, line[len(word):].strip()
            if key is not None:
                parts.setdefault(key, []).append(line)
        message.user_comments = [c for c in message.user_comments if not c.startswith("| ")]
        ids = tuple(denormalize("\n".join(parts[k])) for k in ("msgid", "msgid_plural") if k in parts)
        message.previous_id = ids if message.fuzzy else ()
        if message.previous_id:
            found[_key(message)] = message.previous_id
    return found


def _stable_header(data: bytes) -> bytes:
    # Babel stamps creation/revision dates on every write; dropping them keeps
    # re-runs from changing files that say nothing new.
    lines = [l for l in data.split(b"\n")
             if not l.startswith((b'"POT-Creation-Date:', b'"PO-Revision-Date:', b"# Copyright (C)"))]
    return b"\n".join(lines)


def project_catalog_root(root: Path, domain: str) -> Path:
    return messages_root(root) if domain == "messages" else root


def update(root: Path, content) -> list[str]:
    """Refresh .pot files and merge them into each language's .po."""
    changed = []
    for domain, template in (templates_for(root, content) | _tool_catalogs(root)).items():
        base = project_catalog_root(root, domain)
        if domain == "messages" and base != root:
            continue  # the tool's own interface catalog is maintained in the tool
        if write_catalog(pot_path(base, domain), template):
            changed.append(str(pot_path(base, domain).relative_to(root)))
        for lang in DOMAINS[domain][1] if domain in DOMAINS else ("zh",):
            path = po_path(base, lang, domain)
            catalog = read_catalog(path, lang, None) or Catalog(locale=BABEL_LOCALE[lang],
                                                                  project=PROJECT_ID, fuzzy=False)
            previous = _read_previous_ids(catalog)
            # Changed sources are matched to their old translation and marked
            # fuzzy, with the source they were translated from ('#| msgid'):
            # the translator sees what changed, not only that something did.
            catalog.update(template, no_fuzzy_matching=False, update_header_comment=False)
            for message in catalog:
                if not message.fuzzy:
                    message.previous_id = ()   # (translated again: its old source says nothing now)
                elif not message.previous_id:
                    # (still fuzzy from an earlier update: Babel keeps the template's, none)
                    message.previous_id = previous.get(_key(message), ())
                else:
                    # Matched to an entry fuzzy already: the source its translation
                    # was made from, as msgmerge keeps it, not the one between.
                    message.previous_id = previous.get((message.previous_id[0], message.context),
                                                       tuple(message.previous_id))
            if write_catalog(path, catalog):
                changed.append(str(path.relative_to(root)))
    return changed


def extract(root: Path, content) -> list[str]:
    changed = []
    for domain, template in (templates_for(root, content) | _tool_catalogs(root)).items():
        base = project_catalog_root(root, domain)
        if domain == "messages" and base != root:
            continue
        if write_catalog(pot_path(base, domain), template):
            changed.append(str(pot_path(base, domain).relative_to(root)))
    return changed


def compile_all(root: Path, problems: Problems) -> list[str]:
    """Write .mo files for tools that want them; the build compiles in memory."""
    written = []
    for domain, (_src, targets) in DOMAINS.items():
        base = project_catalog_root(root, domain)
        for lang in targets:
            path = po_path(base, lang, domain)
            catalog = read_catalog(path, lang, problems)
            if catalog is None:
                continue
            buf = io.BytesIO()
            write_mo(buf, catalog, use_fuzzy=False)
            mo = path.with_suffix(".mo")
            if not mo.exists() or mo.read_bytes() != buf.getvalue():
                mo.write_bytes(buf.getvalue())
                written.append(str(mo))
    return written


@dataclass
class DomainStatus:
    lang: str
    domain: str
    translated: int
    fuzzy: list[tuple[str, str | None, list]]
    missing: list[tuple[str, str | None, list]]


def status(root: Path, content, catalogs: Catalogs) -> list[DomainStatus]:
    out = []
    for domain, template in templates_for(root, content).items():
        for lang in DOMAINS[domain][1]:
            translated, fuzzy, missing = 0, [], []
            for message in template:
                if not message.id:
                    continue
                state = catalogs.status(lang, domain, message.id, message.context)
                entry = (message.id, message.context, message.locations)
                if state == "translated":
                    translated += 1
                elif state == "fuzzy":
                    fuzzy.append(entry)
                else:
                    missing.append(entry)
            out.append(DomainStatus(lang, domain, translated, fuzzy, missing))
    return out


_TAG = re.compile(r"<[^<>]*>?")
# (a translation inside an attribute, title="…": a quote it adds ends the attribute)
_QUOTES = ('"', "'")


def _translations_with_markup_of_their_own(catalog) -> dict[tuple, tuple[int, str]]:
    """(msgid, msgctxt) -> (line, tag) of each interface translation holding a tag
    its source does not (kept on the catalog, as _translations_with_line_breaks).
    Jinja publishes a translation as markup: a tag or an attribute (an onclick,
    a javascript: link) the source does not have is a translator's own page."""
    found = getattr(catalog, "_guide_own_markup", None)
    if found is None:
        found = {}
        for m in catalog:
            if not m.id or not m.string:
                continue
            sources = m.id if isinstance(m.id, (list, tuple)) else (m.id,)
            strings = m.string if isinstance(m.string, (list, tuple)) else (m.string,)
            allowed = {tag for source in sources for tag in _TAG.findall(source)}
            own = next((tag for string in strings if string and "<" in string
                        for tag in _TAG.findall(string) if tag not in allowed), None)
            if own is None:
                own = next((q for q in _QUOTES if not any(q in s for s in sources)
                            and any(s and q in s for s in strings)), None)
            if own is not None:
                found[(sources[0], m.context)] = (m.lineno or 1, own)
        catalog._guide_own_markup = found
    return found


def _translations_with_line_breaks(catalog) -> dict[tuple, int]:
    """(msgid, msgctxt) -> line of each translation holding a line break, kept on
    the catalog (serve reads an unchanged catalog once: 30,000 entries at
    N = 10,000, looked up on every save otherwise)."""
    found = getattr(catalog, "_guide_line_breaks", None)
    if found is None:
        found = {(m.id, m.context): m.lineno or 1 for m in catalog
                 if m.id and isinstance(m.string, str) and "\n" in m.string}
        catalog._guide_line_breaks = found
    return found


def check_translations(content, catalogs: Catalogs, problems: Problems) -> None:
    """Each untranslated or fuzzy text is a warning at its first use (an error in --strict)."""
    for lang in DOMAINS["content"][1]:
        if (lang, "content") in catalogs.unreadable:
            continue
        catalog = catalogs.catalogs.get((lang, "content"))
        broken = _translations_with_line_breaks(catalog) if catalog is not None else {}
        for text, uses in sorted(content.text_uses.items(), key=lambda kv: (kv[0].zh, kv[0].context or "")):
            state = catalogs.status(lang, "content", text.zh, text.context)
            if state == "translated":
                line = broken.get((text.zh, text.context)) if broken else None
                # (a text used where line breaks are allowed, a description, may hold them
                # in translation too, whether or not its record joined an edition)
                if line is not None and not any(use.multiline for use in uses):
                    # (as in the record: a name on two lines prints so on a certificate)
                    problems.add(catalogs.paths[(lang, "content")], line, 1, "line-break",
                                 tr("the translation of '%(text)s' is one line of text, as its source is; "
                                    "join its lines", text=text.zh[:60]), "error")
                continue
            first = uses[0]
            code = "fuzzy-translation" if state == "fuzzy" else "missing-translation"
            # (a text of thousands of characters would print a line as long)
            shown = text.zh if len(text.zh) <= 120 else tr("%(text)s… (%(n)s characters)",
                                                          text=text.zh[:100], n=f"{len(text.zh):,}")
            more = len(uses) - 1
            if state == "fuzzy" and more:
                message = ntr("only a fuzzy %(lang)s translation for '%(text)s' (and %(n)s more use) in "
                              "locales/%(lang)s/LC_MESSAGES/content.po",
                              "only a fuzzy %(lang)s translation for '%(text)s' (and %(n)s more uses) in "
                              "locales/%(lang)s/LC_MESSAGES/content.po", more, lang=lang, text=shown)
            elif state == "fuzzy":
                message = tr("only a fuzzy %(lang)s translation for '%(text)s' in "
                             "locales/%(lang)s/LC_MESSAGES/content.po", lang=lang, text=shown)
            elif more:
                message = ntr("no %(lang)s translation for '%(text)s' (and %(n)s more use) in "
                              "locales/%(lang)s/LC_MESSAGES/content.po",
                              "no %(lang)s translation for '%(text)s' (and %(n)s more uses) in "
                              "locales/%(lang)s/LC_MESSAGES/content.po", more, lang=lang, text=shown)
            else:
                message = tr("no %(lang)s translation for '%(text)s' in "
                             "locales/%(lang)s/LC_MESSAGES/content.po", lang=lang, text=shown)
            problems.add(first.path, first.line, first.column, code, message, "warning")
    template = interface_template(content.root)
    for lang in DOMAINS["messages"][1]:
        if (lang, "messages") in catalogs.unreadable:
            continue
        for message in template:
            if not message.id:
                continue
            state = catalogs.status(lang, "messages", message.id, message.context)
            if state == "translated":
                continue
            path, line = message.locations[0] if message.locations else ("templates", 1)
            code = "fuzzy-translation" if state == "fuzzy" else "missing-translation"
            msgid = message.id if isinstance(message.id, str) else message.id[0]
            if state == "fuzzy":
                said = tr("interface text '%(msgid)s' has only a fuzzy %(lang)s translation in "
                          "locales/%(lang)s/LC_MESSAGES/messages.po", msgid=msgid, lang=lang)
            else:
                said = tr("interface text '%(msgid)s' has no %(lang)s translation in "
                          "locales/%(lang)s/LC_MESSAGES/messages.po", msgid=msgid, lang=lang)
            problems.add(path, line, 1, code, said, "warning")
    for lang in DOMAINS["messages"][1]:
        catalog = catalogs.catalogs.get((lang, "messages"))
        if catalog is None:
            continue
        for (msgid, _context), (line, tag) in _translations_with_markup_of_their_own(catalog).items():
            problems.error(catalogs.paths[(lang, "messages")], (line, 1), "translation-markup",
                           tr("the translation of '%(msgid)s' holds the markup %(tag)s, which its source does "
                              "not: interface texts are published as markup, so a translation keeps its "
                              "source's tags and ASCII quotes as they are (Chinese quotes “” are text)",
                              msgid=msgid[:60], tag=tag[:80]))
