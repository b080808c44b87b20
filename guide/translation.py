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
        problems.error(path, (line, 1), "po-syntax", "catalog is not UTF-8")
        return False
    for number, line in enumerate(text.splitlines(), 1):
        m = _PO_LINE.match(line.strip())
        literal = m and (m.group(1) or m.group(2))
        if not m or (literal and not _PO_STRING.match(literal)):
            problems.error(path, (number, 1), "po-syntax", f"not a valid catalog line: {line.strip()[:60]}")
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
            problems.error(path, (line, 1), "po-syntax", f"cannot read the catalog: {exc}")
        return None
    if b'"POT-Creation-Date:' not in data:
        # Babel stamps a catalog without one (ours: i18n writes none) with the
        # time it reads it, into the compiled header: a catalog, and every
        # digest of it, must be a function of the file.
        catalog.creation_date = UNDATED
    return catalog


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
