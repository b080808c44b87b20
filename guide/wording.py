"""The command line's words in the staff's language.

Problems, summaries and reports are written in English in the code, through
``tr`` and ``ntr``, and shown in Chinese when the environment asks for it
(``LANGUAGE``, ``LC_ALL``, ``LC_MESSAGES`` or ``LANG`` starting with ``zh``,
as gettext reads them): the catalog is ``locales/zh/LC_MESSAGES/cli.po``,
extracted by ``build.py i18n update`` and kept complete by a test.

A message is translated when it is shown, not when it is made: ``tr``
returns a ``Message``, a ``str`` holding the English text that also keeps
its template and values. So problems kept in caches (the record cache, the
preview's) and compared in tests stay the same whatever the language, and
one build's problems can be shown in either.
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

TOOL_ROOT = Path(__file__).resolve().parent.parent
DOMAIN = "cli"
KEYWORDS = {"tr": None, "ntr": (1, 2)}


class Message(str):
    """English text that remembers its template (a msgid of the cli catalog),
    its values and, for ``ntr``, its plural and count."""

    template: str
    values: dict
    plural: str | None
    n: int | None

    def __reduce__(self):
        # (str's own pickling would call Message(text) without the rest)
        return (_remade, (str(self), self.template, self.values, self.plural, self.n))

    def localized(self, translations: dict) -> str:
        """The text in the catalog's language; English where it has no translation."""
        found = translations.get(self.template)
        if found is None:
            return str(self)
        values = {k: v.localized(translations) if isinstance(v, Message) else v
                  for k, v in self.values.items()}
        try:
            return found % values if values else found   # (an ntr's values hold its n)
        except (KeyError, ValueError, TypeError):
            return str(self)   # (a broken translation: a test keeps the catalog from holding one)

    def mapped(self, change) -> "Message":
        """The message with ``change`` applied to each text it was filled with."""
        values = {k: v.mapped(change) if isinstance(v, Message) else change(v) if isinstance(v, str) else v
                  for k, v in self.values.items()}
        return _made(self.template, values, self.plural, self.n)


def _made(template: str, values: dict, plural: str | None = None, n: int | None = None) -> Message:
    """The Message of ``template`` (or ``plural``, for a count ``n`` other than 1) filled with ``values``."""
    english = plural if plural is not None and n != 1 else template
    return _remade(english % values if values else english, template, values, plural, n)


def _remade(text: str, template: str, values: dict, plural: str | None, n: int | None) -> Message:
    message = Message(text)
    message.template, message.values, message.plural, message.n = template, values, plural, n
    return message


def _kept(value):
    # (what a message keeps: text and numbers as they are; anything else, e.g.
    # a YAML node quoted in a message, as the text it was shown as: a message
    # is pickled into the record cache, and must not hold a document)
    return value if isinstance(value, (str, int, float)) else str(value)


def tr(template: str, /, **values) -> Message:
    """A command-line message: English with %(name)s placeholders, filled with ``values``."""
    return _made(template, {k: _kept(v) for k, v in values.items()})


def ntr(singular: str, plural: str, n: int, /, **values) -> Message:
    """A message whose English depends on a count, ``n`` (also the placeholder %(n)s)."""
    return _made(singular, {"n": n, **{k: _kept(v) for k, v in values.items()}}, plural, n)


def said(exc: BaseException) -> str:
    """What an exception says, as ``str(exc)`` does, but its ``Message`` itself
    when it was raised with one (so that it is shown in the staff's language)."""
    if len(exc.args) == 1 and isinstance(exc.args[0], Message):
        return exc.args[0]
    return str(exc)


def language() -> str:
    """The staff's language, as GNU gettext reads the environment: "zh" or "en".

    LANGUAGE, when set, is a list of preferences (``fr:zh_CN``): the first
    that is Chinese or English decides, and English (the source, always
    there) when none is. Otherwise the first of LC_ALL, LC_MESSAGES and
    LANG that is set."""
    preferences = os.environ.get("LANGUAGE", "")
    if preferences:
        for preferred in preferences.split(":"):
            if preferred.lower().startswith("zh"):
                return "zh"
            if preferred.lower().startswith("en"):
                return "en"
        return "en"
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(name)
        if value:
            return "zh" if value.lower().startswith("zh") else "en"
    return "en"


def shown(text: str, lang: str | None = None) -> str:
    """``text`` in the staff's language (or ``lang``)."""
    lang = lang or language()
    if lang == "en" or not isinstance(text, Message):
        return str(text)
    return text.localized(translations(lang))


@lru_cache(maxsize=None)
def translations(lang: str) -> dict:
    """msgid -> translation, of the tool's cli catalog (fuzzy and empty ones left out)."""
    from babel.messages.pofile import read_po

    path = TOOL_ROOT / "locales" / lang / "LC_MESSAGES" / f"{DOMAIN}.po"
    try:
        with path.open("rb") as f:
            catalog = read_po(f, locale=None)
    except (OSError, ValueError):
        return {}
    found = {}
    for m in catalog:
        if not m.id or m.fuzzy:
            continue
        key = m.id[0] if isinstance(m.id, tuple) else m.id
        string = m.string[0] if isinstance(m.string, tuple) else m.string
        if string:
            found[key] = string
    return found
