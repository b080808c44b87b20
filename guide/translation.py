"""gettext catalogs: the interface (``messages``) and record text (``content``).

Interface strings are written in English in templates and code and translated
to Chinese; records are written in Chinese and translated to English. Catalogs
are compiled in memory at build time, so a stale ``.mo`` can never be served.
"""

from __future__ import annotations

import datetime
import gettext
import io
import re
from dataclasses import dataclass, field
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import PoFileError, read_po

from .problems import Problems
from .wording import tr
from .recordcache import read_unless_unchanged
from .yamldoc import read_capped
from .records import Text

UNDATED = datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc)

# domain -> (source language, languages it is translated into)
DOMAINS = {"messages": ("en", ("zh",)), "content": ("zh", ("en",))}
BABEL_LOCALE = {"zh": "zh_Hans_CN", "en": "en"}
HTML_LANG = {"zh": "zh-CN", "en": "en"}
# A catalog of 10,000 conferences is a few MB; refuse what cannot be one.
MAX_CATALOG_BYTES = 32_000_000


def N_(message: str) -> str:
    """Marks an interface string for extraction; it is translated where it is used."""
    return message


def po_path(root: Path, lang: str, domain: str) -> Path:
    return root / "locales" / lang / "LC_MESSAGES" / f"{domain}.po"


def pot_path(root: Path, domain: str) -> Path:
    return root / "locales" / f"{domain}.pot"


_PO_LINE = re.compile(r'^(?:#.*|(?:msgctxt|msgid|msgid_plural|msgstr(?:\[\d+\])?)\s+(".*")|(".*")|\s*)$')
_PO_STRING = re.compile(r'^"(?:[^"\\]|\\.)*"$')


def lint_po(data: bytes, path: Path, problems: Problems) -> bool:
    """Babel's reader forgives broken lines; report them like msgfmt would."""
    ok = True
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        problems.error(path, (line, 1), "po-syntax", tr("catalog is not UTF-8"))
        return False
    # (split at newlines only: str.splitlines also splits at U+2028 and other
    # separators, which may stand inside a quoted string)
    for number, line in enumerate(text.split("\n"), 1):
        line = line.rstrip("\r")
        m = _PO_LINE.match(line.strip())
        literal = m and (m.group(1) or m.group(2))
        if not m or (literal and not _PO_STRING.match(literal)):
            problems.error(path, (number, 1), "po-syntax",
                           tr("not a valid catalog line: %(line)s", line=line.strip()[:60]))
            ok = False
    return ok


def read_catalog(path: Path, lang: str, problems: Problems | None) -> Catalog | None:
    if not path.is_file():
        return None
    if problems is None:
        data = path.read_bytes()
    else:
        data = read_capped(path, problems, MAX_CATALOG_BYTES)
        if data is None:
            return None
    if problems is not None and not lint_po(data, path, problems):
        return None
    try:
        catalog = read_po(io.BytesIO(data), locale=BABEL_LOCALE[lang], abort_invalid=True)
    except (PoFileError, ValueError, UnicodeDecodeError) as exc:
        if problems is not None:
            line = getattr(exc, "lineno", 1) or 1
            problems.error(path, (line, 1), "po-syntax", tr("cannot read the catalog: %(error)s", error=str(exc)))
        return None
    if problems is not None:
        check_entries(data.decode("utf-8"), catalog, path, problems, formatted=path.stem == "messages")
    if b'"POT-Creation-Date:' not in data:
        # Babel stamps a catalog without one (ours: i18n writes none) with the
        # time it reads it, into the compiled header: a catalog, and every
        # digest of it, must be a function of the file.
        catalog.creation_date = UNDATED
    return catalog


_PLACEHOLDER = re.compile(r"%\((\w+)\)")


class _AnyValue(dict):
    """Formats any %(name)s (a translation tried as the pages format it)."""

    def __missing__(self, key):
        return 0


def _entry_keys(lines: list[str]):
    """(msgctxt, msgid, line of msgid) of each entry, its strings joined as
    written (escapes kept; one msgid on one line or on several is the same):
    Babel keeps one of two equal entries without a word."""
    field = context = msgid = None
    line = 0
    for number, raw in enumerate(lines, 1):
        raw = raw.strip()
        if raw.startswith("msgctxt"):
            field, context = "msgctxt", raw[7:].strip()[1:-1]
        elif raw.startswith("msgid") and not raw.startswith("msgid_plural"):
            if field != "msgctxt":
                context = None
            field, msgid, line = "msgid", raw[5:].strip()[1:-1], number
        elif raw.startswith('"') and field in ("msgctxt", "msgid"):
            if field == "msgctxt":
                context += raw[1:-1]
            else:
                msgid += raw[1:-1]
        elif raw.startswith(("msgid_plural", "msgstr")):
            if field == "msgid":
                yield context, msgid, line
            field = "msgstr"
        elif not raw or raw.startswith("#"):
            field = None if field != "msgctxt" else field


def check_entries(text: str, catalog: Catalog, path: Path, problems: Problems, formatted: bool) -> None:
    """What msgfmt --check would refuse, and what no translation may hold:
    an entry given twice (the second is ignored), a translation whose
    %(name)s placeholders differ from the original's or that does not format
    (the page would fail to build, or lose the value), and invisible or
    control characters (they would be published as they are: a U+202E
    reverses a name, a U+0001 breaks the feed). ``formatted``: the interface
    catalog, whose texts are %-formatted; record texts are not."""
    from .validation import hidden_character

    lines = text.split("\n")
    seen: dict[tuple, int] = {}
    for context, msgid, line in _entry_keys(lines):
        if msgid == "" and context is None:
            continue   # (the header)
        first = seen.setdefault((context, msgid), line)
        if first != line:
            problems.error(path, (line, 1), "po-duplicate",
                           tr('msgid "%(msgid)s" is already at line %(line)s; keep one (this one is ignored)',
                              msgid=msgid[:60], line=first))

    def msgstr_at(message, k: int) -> tuple[int, int]:
        # (the line of the translation, after its msgid's: where to mend it)
        start = message.lineno or 1
        want = "msgstr" if not isinstance(message.string, tuple) else f"msgstr[{k}]"
        for n in range(start - 1, min(len(lines), start + 200)):
            if lines[n].lstrip().startswith(want):
                return n + 1, 1
        return start, 1

    for message in catalog:
        if not message.id or not message.string:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        for k, string in enumerate(strings):
            hidden = hidden_character(string)
            if hidden:
                problems.error(path, msgstr_at(message, k), "po-invisible-character",
                               tr("the translation of %(msgid)s contains the invisible or control character "
                                  "U+%(code)s; remove it", msgid=repr(ids[0][:40]), code=f"{ord(hidden.group()):04X}"))
                break
        if not formatted or message.fuzzy:
            continue
        names = {n for text_ in ids for n in _PLACEHOLDER.findall(text_)}
        try:
            for text_ in ids:
                text_ % _AnyValue()
        except (ValueError, TypeError):
            continue   # (not a format: used as it is)
        for k, string in enumerate(strings):
            used = set(_PLACEHOLDER.findall(string))
            extra, lost = used - names, (names - used if len(strings) == 1 else set())
            try:
                string % _AnyValue()
                bad = None
            except (ValueError, TypeError) as exc:
                bad = exc
            if extra or lost or bad:
                msgid = repr(ids[0][:60])
                what = (tr("the translation of %(msgid)s uses %(placeholders)s, which the original has not",
                           msgid=msgid, placeholders=", ".join(f"%({n})s" for n in sorted(extra)))
                        if extra else
                        tr("the translation of %(msgid)s lacks %(placeholders)s of the original",
                           msgid=msgid, placeholders=", ".join(f"%({n})s" for n in sorted(lost))) if lost else
                        tr("the translation of %(msgid)s is not a valid format (%(error)s); "
                           "a percent sign is written %%%%", msgid=msgid, error=str(bad)))
                problems.error(path, msgstr_at(message, k), "po-placeholder", what)
                break


def compile_catalog(catalog: Catalog) -> gettext.GNUTranslations:
    buf = io.BytesIO()
    write_mo(buf, catalog, use_fuzzy=False)  # fuzzy entries are not translations yet
    buf.seek(0)
    return gettext.GNUTranslations(buf)


@dataclass
class Catalogs:
    """Compiled translations for every (language, domain) pair of a project."""

    translations: dict[tuple[str, str], gettext.NullTranslations] = field(default_factory=dict)
    catalogs: dict[tuple[str, str], Catalog] = field(default_factory=dict)
    paths: dict[tuple[str, str], Path] = field(default_factory=dict)
    # Catalogs that exist but could not be read (already reported): checking
    # every text against them would only repeat that one problem.
    unreadable: set[tuple[str, str]] = field(default_factory=set)

    def get(self, lang: str, domain: str) -> gettext.NullTranslations:
        return self.translations.get((lang, domain), gettext.NullTranslations())

    def status(self, lang: str, domain: str, msgid, context=None) -> str:
        """'translated', 'fuzzy' or 'missing' for one message."""
        catalog = self.catalogs.get((lang, domain))
        if catalog is None:
            return "missing"
        message = catalog.get(msgid, context=context)
        if message is None or not message.string or (
                isinstance(message.string, tuple) and not all(message.string)):
            return "missing"
        return "fuzzy" if message.fuzzy else "translated"


def _read_compiled(path: Path, lang: str, problems: Problems):
    catalog = read_catalog(path, lang, problems)
    return catalog, (compile_catalog(catalog) if catalog is not None else None)


def load_catalogs(root: Path, problems: Problems, messages_base: Path | None = None) -> Catalogs:
    """Read and compile every catalog; the interface one may come from the tool."""
    out = Catalogs()
    for domain, (_source, targets) in DOMAINS.items():
        base = (messages_base or root) if domain == "messages" else root
        for lang in targets:
            path = po_path(base, lang, domain)
            catalog, compiled = read_unless_unchanged(
                "catalog", path, problems, lambda: _read_compiled(path, lang, problems))
            if catalog is None:
                if path.is_file():
                    out.unreadable.add((lang, domain))
                continue
            out.catalogs[(lang, domain)] = catalog
            out.paths[(lang, domain)] = path
            out.translations[(lang, domain)] = compiled
    return out


class ContentTranslator:
    """Translates record text for one language, falling back to the source text."""

    def __init__(self, catalogs: Catalogs, lang: str):
        self.lang = lang
        self.source = lang == DOMAINS["content"][0]
        self.gt = catalogs.get(lang, "content")

    def lookup(self, text: Text | None) -> tuple[str, bool]:
        """(string, is_translated). Untranslated text comes back in Chinese."""
        if text is None:
            return "", True
        if self.source:
            return text.zh, True
        if text.context:
            out = self.gt.pgettext(text.context, text.zh)
        else:
            out = self.gt.gettext(text.zh)
        return out, out != text.zh or not out
