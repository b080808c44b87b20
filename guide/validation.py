"""Checks raw content against the schema and turns it into typed records.

Every problem is collected with its file, line and column; validation never
stops at the first one, so staff fix a whole accreditation round in one pass.
"""

from __future__ import annotations

import datetime as dt
import difflib
import hashlib
import html
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urlsplit

from .confidential import Rule, parse_rules
from .content import LANGS, RawDoc, RawProject
from .problems import Problems
from .records import (KIND_WORDS, KINDS, STATUSES, CertificateSettings, Conference, DateSpan, Edition,
                      Field, GuideInfo, Page, Quota, Resources, RuleException, Rules, Source,
                      Text, Unit, UnitGroup)
from .wording import tr
from .yamldoc import STR_TAG, MarkedList, MarkedMap, text_position

SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
UNIT_CODE = re.compile(r"^[A-Z]+-[0-9]+[A-Z]*$")
MONTH = re.compile(r"^(\d{4})-(\d{2})$")
ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
# Dates as people type them (the importer reads them; a record is told the date they are)
TYPED_DATE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:[ T]\d{1,2}:\d{2}(?::\d{2})?)?$")
COMPACT_DATE = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
TYPED_MONTH = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*月?$")


def unit_code_meant(text: str, units) -> str | None:
    """The code of ``units`` a code typed otherwise stands for: a-06, a-6 and
    Ａ－０６ (full-width) are A-06, before any code that merely looks alike."""
    typed = unicodedata.normalize("NFKC", text).strip().upper().replace("–", "-")
    padded = re.sub(r"-(\d)$", r"-0\1", typed)
    # (as typed first: with units both, a-6 is A-6)
    return next((k for k in units if k.upper() == typed), None) or \
        next((k for k in units if k.upper() == padded), None)


def typed_date(text: str) -> dt.date | tuple[int, int] | None:
    """A date typed as people type them ("2023/5/3", "2023年5月3日", "20230503",
    full-width), or (year, month) for a month alone ("2023年5月"); None when it is
    neither; ValueError when it has a date's shape but is none of the calendar."""
    narrow = unicodedata.normalize("NFKC", text).strip()
    m = TYPED_DATE.match(narrow) or COMPACT_DATE.match(narrow)
    if m:
        return dt.date(*map(int, m.groups()))
    m = TYPED_MONTH.match(narrow)
    if m and 1 <= int(m.group(2)) <= 12:
        return int(m.group(1)), int(m.group(2))
    return None


def date_meant(text: str, allow_month: bool = True) -> str | None:
    """The date (YYYY-MM-DD, or YYYY-MM) a date typed otherwise stands for
    ("2023/5/3", "2023年5月3日", "20230503", "２０２３－０５"), or None."""
    try:
        typed = typed_date(text)
    except ValueError:
        return None
    if isinstance(typed, dt.date):
        return typed.isoformat()
    return f"{typed[0]:04d}-{typed[1]:02d}" if typed is not None and allow_month else None
    m = TYPED_MONTH.match(narrow) if allow_month else None
    if m and 1 <= int(m.group(2)) <= 12:
        return f"{int(m.group(1)):04d}-{int(m.group(2)):02d}"
    return None
LIST_PUNCTUATION = re.compile(r"[、，；;]")   # (";": "[A; B]", typed as some write lists)
CERTIFICATE_NUMBER = re.compile(r"^[0-9A-Z]+(?:-[0-9A-Z]+)*$")
CERTIFICATE_NUMBER_LENGTH = (6, 32)   # (the certificate lookup's script checks the same)
# Crockford's base 32: no I, L, O or U, so a number read aloud or typed is unambiguous.
CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
# Characters that change how text is displayed, or look like a space or
# nothing, without being visible: zero-width and direction marks and controls
# (U+061C too), the soft hyphen, the combining grapheme joiner, the Hangul and
# Braille blanks, the Mongolian vowel separator, the byte order mark. Two names
# differing by one would be two conferences, and a U+202E reverses what follows.
INVISIBLE = re.compile("[\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180b-\u180f\u200b-\u200f"
                       "\u202a-\u202e\u2060-\u2064\u2066-\u206f\u2800\u3164\ufeff\uffa0\ufff9-\ufffb"
                       # (the tag characters, which hide text in plain sight)
                       "\U000e0001\U000e0020-\U000e007f]")
# Unicode's control characters (category Cc: C0, DEL, C1) but the newline,
# and the line and paragraph separators, as one class: checking each
# character's category cost 0.1 s per 10,000 records.
CONTROL = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u2028\u2029]")


def hidden_character(text: str) -> re.Match | None:
    """The first invisible or control character of ``text`` (a newline is neither)."""
    return INVISIBLE.search(text) or CONTROL.search(text)
NULL_TAG = "tag:yaml.org,2002:null"
_TYPE_NAMES = {
    "tag:yaml.org,2002:bool": tr("a boolean"),
    "tag:yaml.org,2002:int": tr("a number"),
    "tag:yaml.org,2002:float": tr("a number"),
    "tag:yaml.org,2002:null": tr("empty"),
    "tag:yaml.org,2002:timestamp": tr("a date"),
}


def describe(value) -> str:
    """What a YAML value is, in the words of the people who write records."""
    if isinstance(value, dict):
        return tr("a mapping")
    if isinstance(value, list):
        return tr("a list")
    if isinstance(value, bool):
        return tr("a boolean")
    if isinstance(value, (int, float)):
        return tr("a number")
    if isinstance(value, dt.datetime):
        return tr("a date and time")
    if isinstance(value, dt.date):
        return tr("a date")
    if isinstance(value, bytes):
        return tr("binary data (!!binary)")
    return type(value).__name__


@dataclass
class Content:
    """Everything validation accepted, plus where each translatable text is used."""

    root: Path
    guide: GuideInfo | None
    units: dict[str, Unit]
    editions: list[Edition]
    pages: dict[tuple[str, str], Page]
    text_uses: dict[Text, list[Source]] = field(default_factory=dict)
    confidential: list[Rule] = field(default_factory=list)  # never published (confidential.py)
    # The ids given by records that do not check (reported): not gone, for the
    # checks of issued certificates, whatever their files are named.
    unchecked_ids: set[str] = field(default_factory=set)


class Checker:
    """Reads typed values out of one mapping, reporting what is wrong with each."""

    def __init__(self, doc: MarkedMap, path: Path, problems: Problems, content: Content,
                 what: str, allowed: set[str]):
        self.doc, self.path, self.problems, self.content, self.what = doc, path, problems, content, what
        self.rel = problems._display(path)
        self.unreadable = False  # a value YAML could not read (see present)
        secret = {r.field for r in content.confidential if r.field}
        for key in doc:
            if key not in allowed and key not in secret:  # secret keys: reported by confidential.py
                hint = difflib.get_close_matches(str(key), sorted(allowed), n=1)
                message = (tr("%(what)s has no key '%(key)s'; did you mean '%(hint)s'?",
                              what=what, key=key, hint=hint[0]) if hint else
                           tr("%(what)s has no key '%(key)s'; known keys: %(keys)s",
                              what=what, key=key, keys=", ".join(sorted(allowed))))
                problems.error(path, doc.key_where(key), "unknown-key", message)

    def source(self, key=None) -> Source:
        line, col = self.doc.where(key) if key is not None else self.doc.mark
        return Source(self.rel, line, col)

    def err(self, key, code, message):
        self.problems.error(self.path, self.doc.where(key), code, tr("%(key)s: %(message)s", key=key, message=message))

    def present(self, key, required: bool) -> bool:
        if key not in self.doc or self.doc[key] is None:
            tag = self.doc.raw.get(key, (NULL_TAG, None))[0] if key in self.doc else NULL_TAG
            if tag != NULL_TAG:
                # Written but unreadable (yaml-value): reported already; the
                # record is not usable without it either way.
                self.unreadable = True
                return False
            if required:
                where = self.doc.key_where(key) if key in self.doc else self.doc.mark
                self.problems.error(self.path, where, "missing-field",
                                    tr("%(what)s needs '%(key)s'", what=self.what, key=key))
            return False
        return True

    def _coerced(self, key, value, raw) -> bool:
        tag, text = raw if raw else (STR_TAG, None)
        if not isinstance(value, str):
            if tag in _TYPE_NAMES and text is not None:
                self.err(key, "type-coerced",
                         tr("'%(text)s' was read as %(type)s, not text "
                            "(YAML 1.1 rules); put it in quotes: \"%(text)s\"", text=text, type=_TYPE_NAMES[tag]))
            else:
                self.err(key, "type", tr("expected text, found %(type)s", type=describe(value)))
            return True
        return False

    def _clean_text(self, key, value: str, where, multiline: bool = False) -> str | None:
        value = unicodedata.normalize("NFC", value.strip())
        if not value:
            self.problems.error(self.path, where, "empty-text", tr("%(key)s: is empty", key=key))
            return None
        if ch := INVISIBLE.search(value):
            self.problems.error(self.path, where, "invisible-character",
                                tr("%(key)s: contains the invisible character U+%(code)s; remove it",
                                   key=key, code=f"{ord(ch.group()):04X}"))
            return None
        if ch := CONTROL.search(value):
            self.problems.error(self.path, where, "control-character",
                                tr("%(key)s: contains the control character U+%(code)s; remove it",
                                   key=key, code=f"{ord(ch.group()):04X}"))
            return None
        if not multiline and "\n" in value:
            # (a name on two lines prints so on a certificate, and in one on its page)
            self.problems.error(self.path, where, "line-break",
                                tr("%(key)s: is one line of text; join its lines", key=key))
            return None
        return value

    def string(self, key, required=True, multiline=False) -> str | None:
        if not self.present(key, required):
            return None
        value = self.doc[key]
        if self._coerced(key, value, self.doc.raw.get(key)):
            return None
        return self._clean_text(key, value, self.doc.where(key), multiline)

    def _text_value(self, key, value, raw, where, multiline: bool = False) -> Text | None:
        context = None
        if isinstance(value, MarkedMap):
            extra = set(value) - {"text", "context"}
            if "text" not in value or extra:
                self.problems.error(self.path, where, "type",
                                    tr("%(key)s: write text, or a mapping with 'text' and 'context'", key=key))
                return None
            context = value.get("context")
            raw, value = value.raw.get("text"), value["text"]
            if context is not None and not isinstance(context, str):
                self.problems.error(self.path, where, "type", tr("%(key)s: context must be text", key=key))
                return None
        if isinstance(value, (MarkedList,)) or self._coerced(key, value, raw):
            if isinstance(value, MarkedList):
                self.err(key, "type", tr("expected text, found a list"))
            return None
        cleaned = self._clean_text(key, value, where, multiline)
        if cleaned is None:
            return None
        text = Text(cleaned, context)
        self.content.text_uses.setdefault(text, []).append(Source(self.rel, *where, multiline))
        return text

    def text(self, key, required=True, multiline=False) -> Text | None:
        if not self.present(key, required):
            return None
        return self._text_value(key, self.doc[key], self.doc.raw.get(key), self.doc.where(key), multiline)

    def text_list(self, key, required=False) -> list[Text]:
        if not self.present(key, required):
            return []
        value = self.doc[key]
        if not isinstance(value, MarkedList):
            one = self._text_value(key, value, self.doc.raw.get(key), self.doc.where(key))
            if one:
                self._one_entry(key, one, self.doc.where(key))
            return [one] if one else []
        out = []
        for i, item in enumerate(value):
            t = self._text_value(f"{key}[{i + 1}]", item, value.raw[i], value.where(i))
            if t is not None:
                self._one_entry(f"{key}[{i + 1}]", t, value.where(i))
                if t in out:
                    self.problems.error(self.path, value.where(i), "duplicate-value",
                                        tr("%(key)s: '%(value)s' is listed twice", key=key, value=t.zh))
                else:
                    out.append(t)
        if required and not out and not self.problems.errors:
            self.err(key, "missing-field", tr("needs at least one entry"))
        return out

    def _one_entry(self, key, text: Text, where) -> None:
        """Chinese list punctuation inside one entry ("中国化学会、青岛大学", or
        "[A，B]" typed with a Chinese input method) is most likely two entries."""
        parts = [p.strip() for p in LIST_PUNCTUATION.split(text.zh) if p.strip()]
        if len(parts) > 1:
            self.problems.warning(self.path, where, "one-entry-of-many",
                                  tr("%(key)s: '%(value)s' is one entry; if these are %(n)s, write a list: "
                                     "[%(entries)s]", key=key, value=text.zh, n=len(parts), entries=", ".join(parts)))

    def slug(self, key, required=True) -> str | None:
        value = self.string(key, required)
        if value is not None and not SLUG.match(value):
            self.err(key, "bad-id",
                     tr("'%(value)s' is not a valid id: use lowercase ASCII letters, digits "
                        "and single hyphens (no spaces, '/', '..' or other characters)", value=value))
            return None
        return value

    def choice(self, key, options, required=True, default=None, words=None):
        """One of ``options``; ``words``: other spellings of them, for the hint."""
        if not self.present(key, required):
            return default
        value = self.string(key, required)
        if value is not None and value not in options:
            meant = (words or {}).get(value.strip().lower()) or next(
                iter(difflib.get_close_matches(value.strip().lower(), options, n=1)), None)
            self.err(key, "bad-value",
                     tr("'%(value)s' is not one of: %(options)s; did you mean '%(hint)s'?",
                        value=value, options=", ".join(options), hint=meant) if meant else
                     tr("'%(value)s' is not one of: %(options)s", value=value, options=", ".join(options)))
            return None
        return value

    def boolean(self, key, default=False) -> bool:
        if key not in self.doc:
            return default
        value = self.doc[key]
        tag, text = self.doc.raw.get(key, (None, None))
        if not isinstance(value, bool) or (text or "").lower() not in ("true", "false"):
            self.err(key, "type", tr("write true or false"))
            return default
        return value

    def integer(self, key, required=False, minimum=None, maximum=None) -> int | None:
        if not self.present(key, required):
            return None
        value = self.doc[key]
        if not isinstance(value, int) or isinstance(value, bool):
            # (typed in full-width digits, ３４: say the number it is)
            narrow = unicodedata.normalize("NFKC", value).strip() if isinstance(value, str) else ""
            self.err(key, "type", tr("expected a whole number, found '%(value)s'; write %(number)s",
                                     value=value, number=narrow.lstrip("0") or "0")
                     if narrow.isascii() and narrow.isdigit() and len(narrow) <= 12 else
                     tr("expected a whole number, found '%(value)s'", value=value))
            return None
        if minimum is not None and value < minimum:
            self.err(key, "bad-value", tr("must be at least %(minimum)s", minimum=minimum))
            return None
        if maximum is not None and value > maximum:
            self.err(key, "bad-value", tr("must be at most %(maximum)s", maximum=f"{maximum:,}"))
            return None
        return value

    def date(self, key, required=True, allow_month=False):
        """A date; with allow_month also 'YYYY-MM' (returns (first, last, 'month'))."""
        if not self.present(key, required):
            return None
        value = self.doc[key]
        if isinstance(value, dt.datetime):
            self.err(key, "bad-date", tr("give a date (YYYY-MM-DD) without a time"))
            return None
        if isinstance(value, dt.date):
            return value
        if isinstance(value, str) and allow_month and MONTH.match(value.strip()):
            y, m = map(int, MONTH.match(value.strip()).groups())
            if 1 <= m <= 12:
                first = dt.date(y, m, 1)
                last = (dt.date(y + (m == 12), m % 12 + 1, 1) - dt.timedelta(days=1))
                return (first, last, "month")
        if isinstance(value, str) and ISO_DATE.match(value.strip()):
            # PyYAML only resolves zero-padded dates: say what to write instead.
            # (only YYYY-MM-DD: Python 3.11 also reads "20230705" and "2023-W27-3")
            try:
                parsed = dt.date.fromisoformat(value.strip())
                return parsed
            except ValueError:
                pass
        if isinstance(value, str):
            # (typed in full-width digits, ２０２３－０５－３０: say the date it is)
            narrow = unicodedata.normalize("NFKC", value).strip()
            if narrow != value.strip() and (ISO_DATE.match(narrow) or (allow_month and MONTH.match(narrow))):
                self.err(key, "bad-date", tr("'%(value)s' is written in full-width characters; write %(date)s",
                                             value=value, date=narrow))
                return None
        if isinstance(value, (str, int)) and not isinstance(value, bool):
            # (2023/5/3, 2023.05.03, 2023年5月3日, 20230503: as typed in a
            # spreadsheet, which the importer reads; say the date it is)
            meant = date_meant(str(value), allow_month)
            if meant is not None:
                self.err(key, "bad-date", tr("'%(value)s' is not written as records write dates; write %(date)s",
                                             value=value, date=meant))
                return None
        if isinstance(value, (str, int, float)):
            message = (tr("'%(value)s' is not a date; write YYYY-MM-DD or YYYY-MM when only the month is known",
                          value=value) if allow_month else
                       tr("'%(value)s' is not a date; write YYYY-MM-DD", value=value))
        else:
            message = (tr("%(value)s is not a date; write YYYY-MM-DD or YYYY-MM when only the month is known",
                          value=describe(value)) if allow_month else
                       tr("%(value)s is not a date; write YYYY-MM-DD", value=describe(value)))
        self.err(key, "bad-date", message)
        return None

    def url(self, key, required=False) -> str | None:
        value = self.string(key, required)
        if value is None:
            return None
        return check_url(value, lambda code, msg: self.err(key, code, msg))


_MAILTO_HEADERS = re.compile(r"[?&](?:to|cc|bcc)=|[\r\n]|%0[ad]", re.I)
_MAILTO_RECIPIENTS = re.compile(r"[,;]|%2c|%3b", re.I)
_SCHEME = re.compile(r"^[a-z][a-z0-9+.-]*:", re.I)
_UNSAFE_PATH = re.compile(r"[\x00-\x20\x7f\\]")
_HREF = re.compile(r'<a\b[^>]*?\shref="([^"]*)"')


def _adds_recipients(mailto: str) -> bool:
    """Several addresses, or a header naming more (cc, bcc, to; its name may be
    %-encoded), or a line break smuggling one in."""
    address, _, query = mailto.partition("?")
    return bool(_MAILTO_RECIPIENTS.search(address) or _MAILTO_HEADERS.search("?" + unquote(query)))


def link_allowed(href: str, own_site: bool) -> bool:
    """Whether a link of Markdown is published: a record's description links
    only to http(s) and mailto addresses (and no mailto that adds recipients);
    a page of the project (the About page) also to the site's own pages and
    anchors ("/en/…", "../search/", "#columns"), never a scheme-relative
    "//host". (nh3 keeps relative addresses whatever the schemes allowed.)"""
    bare = href.strip()
    lower = bare.lower()
    if lower.startswith(("http://", "https://")):
        return True
    if lower.startswith("mailto:"):
        return not _adds_recipients(bare)
    # (browsers drop tabs and line breaks anywhere in an address, and read
    # "/\t/evil" or "\\evil" as "//evil")
    return own_site and not _SCHEME.match(bare) and not bare.startswith("//") and not _UNSAFE_PATH.search(href)


def dropped_links(markdown_text: str) -> list[str]:
    """The links of a description that the page leaves out (their text stays)."""
    import markdown   # (imported here: only records with a description need it)
    out = []
    for href in _HREF.findall(markdown.markdown(markdown_text, extensions=["tables", "sane_lists"])):
        href = html.unescape(href)
        if not link_allowed(href, own_site=False) and href not in out:
            out.append(href)
    return out


def check_url(value: str, report) -> str | None:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc or any(c.isspace() for c in value):
        report("bad-url", tr("'%(value)s' must be an absolute http:// or https:// address", value=value))
        return None
    hidden = hidden_character(value)
    if hidden:
        # (a U+202E in a path shows …/exe.jpg for …/gpj.exe)
        report("invisible-character", tr("'%(value)s' contains the invisible character U+%(code)s; remove it",
                                         value=value.encode("unicode_escape").decode(),
                                         code=f"{ord(hidden.group()):04X}"))
        return None
    if "@" in parts.netloc:
        # A user name (and password) before the host: published with the link,
        # and 'https://www.cast.org.cn@example.com/' opens example.com.
        report("bad-url", tr("'%(value)s' names a user before its host ('…@'); give the address without it",
                             value=value))
        return None
    return value


def _mapping(doc: RawDoc | None, problems: Problems, what: str) -> MarkedMap | None:
    if doc is None or doc.data is None:
        if doc is not None and not any(p.path == problems._display(doc.path) for p in problems.errors):
            problems.error(doc.path, (1, 1), "empty-file", tr("%(what)s is empty", what=what))
        return None
    if not isinstance(doc.data, MarkedMap):
        problems.error(doc.path, getattr(doc.data, "mark", (1, 1)), "not-a-mapping",
                       tr("%(what)s must be a mapping of keys to values, not a list", what=what)
                       if isinstance(doc.data, list) else
                       tr("%(what)s must be a mapping of keys to values, not a single value", what=what))
        return None
    return doc.data


def validate_guide(doc, problems, content) -> GuideInfo | None:
    data = _mapping(doc, problems, tr("the guide's settings"))
    if data is None:
        return None
    content.confidential += parse_rules(data.get("confidential"), doc.path, data.where("confidential"), problems)
    c = Checker(data, doc.path, problems, content, "guide.yaml",
                {"title", "publisher", "description", "base_url", "current_edition", "unit_groups", "confidential"})
    groups = []
    raw_groups = data.get("unit_groups")
    if isinstance(raw_groups, MarkedMap):
        for gid in raw_groups:
            gc = Checker(raw_groups, doc.path, problems, content, "unit_groups", set(raw_groups))
            if not SLUG.match(str(gid)):
                gc.err(gid, "bad-id", tr("group ids are lowercase ASCII slugs"))
            name = gc.text(gid)
            if name:
                groups.append(UnitGroup(str(gid), name))
    else:
        c.present("unit_groups", True) and c.err("unit_groups", "type",
                                                      tr("expected a mapping of group id to name"))
    current = data.get("current_edition")
    if isinstance(current, int) and not isinstance(current, bool):
        current = str(current)  # a year typed without quotes is still an edition id
        data[ "current_edition"] = current
        data.raw["current_edition"] = (STR_TAG, current)
    info = GuideInfo(
        title=c.text("title"), publisher=c.text("publisher"),
        base_url=c.url("base_url", required=True), current_edition=c.string("current_edition"),
        unit_groups=groups, source=c.source(), description=c.text("description", required=False))
    if info.base_url and not info.base_url.endswith("/"):
        info.base_url += "/"
    return info


def validate_units(doc, problems, content, groups: set[str]) -> dict[str, Unit]:
    units: dict[str, Unit] = {}
    if doc is None or doc.data is None:
        return units
    if not isinstance(doc.data, MarkedList):
        problems.error(doc.path, getattr(doc.data, "mark", (1, 1)), "not-a-list",
                       tr("units.yaml must be a list of units"))
        return units
    for i, item in enumerate(doc.data):
        if not isinstance(item, MarkedMap):
            problems.error(doc.path, doc.data.where(i), "not-a-mapping", tr("each unit is a mapping"))
            continue
        c = Checker(item, doc.path, problems, content, tr("a unit"), {"code", "name", "group", "search_terms"})
        code = c.string("code")
        if code is not None and not UNIT_CODE.match(code):
            c.err("code", "bad-unit-code", tr("'%(code)s' is not a unit code such as A-01, P-11 or E-12T", code=code))
            code = None
        name, group, terms = c.text("name"), c.string("group"), c.text_list("search_terms")
        if group is not None and groups and group not in groups:
            c.err("group", "unknown-group", tr("'%(group)s' is not a group of guide.yaml's unit_groups", group=group))
        if code is None or name is None:
            continue
        if code in units:
            c.err("code", "duplicate-unit",
                  tr("'%(code)s' is listed twice (also line %(line)s)", code=code, line=units[code].source.line))
            continue
        units[code] = Unit(code, name, group, c.source(), tuple(terms))
    return units


EDITION_KEYS = {"year", "title", "sample", "window", "recurring_cutoff", "fields", "rules", "plans",
                "certificates", "published", "confidential"}
# More editions than any conference series has held (the oldest learned
# societies' meetings number in the hundreds).
MAX_EDITIONS = 10_000
CONFERENCE_KEYS = {"id", "series", "name", "kind", "edition_number", "field", "start", "end",
                   "city", "venue", "organizers", "hosts", "recommender", "co_recommenders",
                   "website", "status", "sources", "format", "editions_held", "status_date",
                   "postponed_from", "confirmed", "resources", "exceptions", "certificate",
                   "updated", "description"}
RULES_KEYS = {"recurring", "ineligible_formats", "review_name_patterns", "allowed_cities",
              "quotas", "freshness"}
# Rules staff may approve exceptions to: the call's "in principle" (原则上) rules
# and the review flag on names.
EXCEPTABLE_RULES = ("quota-exceeded", "quota-one-off", "ineligible-name")


def _sub(c: Checker, key: str, keys: set[str], what: str) -> Checker | None:
    """A Checker for a nested mapping, or None (with a problem) when it is not one."""
    value = c.doc.get(key)
    if value is None:
        return None
    if not isinstance(value, MarkedMap):
        c.err(key, "type", tr("expected a mapping (%(keys)s)", keys=", ".join(sorted(keys))))
        return None
    return Checker(value, c.path, c.problems, c.content, what, keys)


def _string_list(c: Checker, key: str) -> list[str]:
    value = c.doc.get(key)
    if value is None:
        return []
    if not isinstance(value, MarkedList):
        c.err(key, "type", tr("expected a list"))
        return []
    out = []
    for i, item in enumerate(value):
        if isinstance(item, str) and item.strip():
            out.append(unicodedata.normalize("NFC", item.strip()))
        else:
            c.problems.error(c.path, value.where(i), "type", tr("%(key)s: each entry is text", key=key))
    return out


def _share(c: Checker, key: str) -> float | None:
    if key not in c.doc:
        return None
    value = c.doc[key]
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= 1:
        c.err(key, "bad-value", tr("a share between 0 and 1, e.g. 0.10 for 10 %"))
        return None
    return float(value)


def validate_rules(c: Checker, groups: set[str]) -> Rules:
    rules = Rules()
    rc = _sub(c, "rules", RULES_KEYS, "rules")
    if rc is None:
        return rules
    rec = _sub(rc, "recurring", {"min_editions", "require_evidence"}, "rules.recurring")
    if rec is not None:
        rules.recurring_min_editions = rec.integer("min_editions", minimum=1) or rules.recurring_min_editions
        rules.recurring_require_evidence = rec.boolean("require_evidence", default=True)
    rules.ineligible_formats = _string_list(rc, "ineligible_formats")
    for f in rules.ineligible_formats:
        if not SLUG.match(f):
            rc.err("ineligible_formats", "bad-id", tr("'%(value)s' is not a format id (lowercase ASCII slug)", value=f))
    rules.review_name_patterns = _string_list(rc, "review_name_patterns")
    rules.allowed_cities = _string_list(rc, "allowed_cities")
    quotas = rc.doc.get("quotas")
    if isinstance(quotas, MarkedList):
        for i, item in enumerate(quotas):
            if not isinstance(item, MarkedMap):
                c.problems.error(c.path, quotas.where(i), "not-a-mapping", tr("each quota is a mapping"))
                continue
            qc = Checker(item, c.path, c.problems, c.content, tr("a quota"),
                         {"groups", "max", "own_share_of_plan", "one_off_share"})
            qgroups = _string_list(qc, "groups")
            for g in qgroups:
                if groups and g not in groups:
                    qc.err("groups", "unknown-group",
                           tr("'%(group)s' is not a group of guide.yaml's unit_groups", group=g))
            if not qgroups:
                qc.present("groups", True) and qc.err("groups", "missing-field",
                                                          tr("name at least one unit group"))
            quota = Quota(qgroups, qc.integer("max", minimum=0), _share(qc, "own_share_of_plan"),
                          _share(qc, "one_off_share"))
            if quota.max is None and quota.own_share_of_plan is None and quota.one_off_share is None:
                qc.err("groups", "missing-field", tr("a quota needs max, own_share_of_plan or one_off_share"))
            rules.quotas.append(quota)
    elif quotas is not None:
        rc.err("quotas", "type", tr("expected a list of quotas"))
    fc = _sub(rc, "freshness", {"confirm_within_days", "resources_after_end", "tracking_until"},
              "rules.freshness")
    if fc is not None:
        rules.confirm_within_days = fc.integer("confirm_within_days", minimum=0)
        rules.resources_after_end = fc.boolean("resources_after_end", default=False)
        rules.tracking_until = fc.date("tracking_until", required=False)
    return rules


def validate_plans(c: Checker, units) -> dict[str, int]:
    value = c.doc.get("plans")
    if value is None:
        return {}
    if not isinstance(value, MarkedMap):
        c.err("plans", "type", tr("expected a mapping of unit code to the size of its annual conference plan"))
        return {}
    pc = Checker(value, c.path, c.problems, c.content, "plans", set(value))
    plans = {}
    for code in value:
        if str(code) not in units:
            pc.err(code, "unknown-unit", tr("'%(code)s' is not a unit of units.yaml", code=code))
            continue
        n = pc.integer(code, required=True, minimum=0)
        if n is not None:
            plans[str(code)] = n
    return plans


def derived_certificate_number(year: int, edition_id: str, conference_id: str) -> str:
    """YYYY-XXXX-XXXX from the edition and the conference id alone.

    Adding or removing other conferences never changes it (no sequence
    numbers); 40 bits of SHA-256 make a collision unlikely, and validation
    reports one if it happens (then write an explicit ``certificate:``).
    """
    digest = int.from_bytes(hashlib.sha256(f"{edition_id}/{conference_id}".encode()).digest()[:5], "big")
    code = "".join(CROCKFORD[(digest >> shift) & 31] for shift in range(35, -1, -5))
    return f"{year:04d}-{code[:4]}-{code[4:]}"


def validate_edition(raw, problems, content) -> Edition | None:
    data = _mapping(raw.meta, problems, tr("the edition's data"))
    if data is None:
        return None
    path = raw.meta.path
    content.confidential += parse_rules(data.get("confidential"), path, data.where("confidential"), problems)
    c = Checker(data, path, problems, content, "edition.yaml", EDITION_KEYS)
    eid = raw.dir.name
    if not SLUG.match(eid):
        problems.error(path, (1, 1), "bad-id",
                       tr("edition folder '%(id)s' must be an ASCII slug such as 2023", id=eid))
        return None
    year = c.integer("year", required=True)
    window = None
    w = data.get("window")
    if isinstance(w, MarkedMap):
        wc = Checker(w, path, problems, content, "window", {"start", "end"})
        ws, we = wc.date("start"), wc.date("end")
        if ws and we:
            if we < ws:
                wc.err("end", "date-order", tr("the window ends before it starts"))
            else:
                window = DateSpan(ws, we)
    elif c.present("window", True):
        c.err("window", "type", tr("expected a mapping with start and end"))
    fields: list[Field] = []
    f = data.get("fields")
    if isinstance(f, MarkedList) and f:
        for i, item in enumerate(f):
            if not isinstance(item, MarkedMap):
                problems.error(path, f.where(i), "not-a-mapping",
                               tr("each field is a mapping with id and name"))
                continue
            fc = Checker(item, path, problems, content, tr("a field"), {"id", "name", "search_terms"})
            fid, name, terms = fc.slug("id"), fc.text("name"), fc.text_list("search_terms")
            if fid and any(x.id == fid for x in fields):
                fc.err("id", "duplicate-id", tr("field '%(id)s' is listed twice", id=fid))
            elif fid and name:
                fields.append(Field(fid, name, tuple(terms)))
    elif c.present("fields", True):
        c.err("fields", "type", tr("expected a list of fields"))
    certificates = None
    cert = data.get("certificates")
    if isinstance(cert, MarkedMap):
        cc = Checker(cert, path, problems, content, "certificates", {"issuer", "issue_date"})
        issuer, issue_date = cc.text("issuer"), cc.date("issue_date")
        if issuer is not None and issue_date is not None:
            certificates = CertificateSettings(issuer, issue_date)
    elif c.present("certificates", False):
        c.err("certificates", "type", tr("expected a mapping with issuer and issue_date"))
    groups = {g.id for g in content.guide.unit_groups} if content.guide else set()
    edition = Edition(
        id=eid, year=year, title=c.text("title"), sample=c.boolean("sample"),
        window=window, recurring_cutoff=c.date("recurring_cutoff", required=False),
        fields=fields, source=c.source(), rules=validate_rules(c, groups),
        plans=validate_plans(c, content.units), certificates=certificates,
        published=c.date("published", required=False))
    if edition.title is None or window is None or year is None:
        return None
    return edition


def _ends_before_it_starts(c: Checker, start: dt.date, end: dt.date) -> None:
    c.err("end", "date-order", tr("ends (%(end)s) before it starts (%(start)s)",
                                  end=end.isoformat(), start=start.isoformat()))


# What a record and an exception are called in problems (made once: a
# conference record is checked 10,000 times in a cold build).
A_CONFERENCE_RECORD = tr("a conference record")
AN_EXCEPTION = tr("an exception")


def validate_conference(doc: RawDoc, edition: Edition, problems: Problems, content: Content,
                        field_ids: set[str]) -> Conference | None:
    data = _mapping(doc, problems, A_CONFERENCE_RECORD)
    if data is None:
        return None
    c = Checker(data, doc.path, problems, content, A_CONFERENCE_RECORD, CONFERENCE_KEYS)
    before = problems.error_count
    cid = c.slug("id")
    series = c.slug("series", required=False)
    name = c.text("name")
    kind = c.choice("kind", KINDS, words=KIND_WORDS)
    # (a bound: a typo of many digits would otherwise reach the pages, where
    # Babel cannot format a number of over 28 digits)
    number = c.integer("edition_number", minimum=1, maximum=MAX_EDITIONS)
    fid = c.string("field")
    if fid is not None and field_ids is not None and fid not in field_ids:
        # (the field's id, or its name given instead: 化学科学 for chemistry)
        hint = [f.id for f in edition.fields if f.name.zh == fid.strip()][:1] or \
            difflib.get_close_matches(fid, sorted(field_ids), n=1)
        c.err("field", "unknown-field",
              tr("'%(id)s' is not a field of edition %(edition)s; did you mean '%(hint)s'?",
                 id=fid, edition=edition.id, hint=hint[0]) if hint else
              tr("'%(id)s' is not a field of edition %(edition)s (%(fields)s)",
                 id=fid, edition=edition.id, fields=", ".join(sorted(field_ids))))
        fid = None
    start = c.date("start", allow_month=True)
    end = c.date("end", required=False, allow_month=True)
    dates = None
    if start is not None and ("end" not in data or end is not None):
        precision = "month" if isinstance(start, tuple) else "day"
        s = start[0] if isinstance(start, tuple) else start
        if end is None:
            e = start[1] if isinstance(start, tuple) else start
        elif isinstance(end, tuple) != isinstance(start, tuple):
            c.err("end", "bad-date", tr("start and end must both be full dates or both be months"))
            e = None
        else:
            e = end[1] if isinstance(end, tuple) else end
        if e is not None:
            if e < s:
                _ends_before_it_starts(c, s, e)
            else:
                dates = DateSpan(s, e, precision)
    city, venue = c.text("city", required=False), c.text("venue", required=False)
    listed = problems.error_count
    organizers = c.text_list("organizers", required=True)
    # (an empty list, not one whose items were reported just now)
    if "organizers" in data and not organizers and problems.error_count == listed:
        c.err("organizers", "missing-field", tr("needs at least one organizer"))
    hosts = c.text_list("hosts")
    recommender = c.string("recommender")
    if recommender is not None and recommender not in content.units:
        meant = unit_code_meant(recommender, content.units)
        hint = [meant] if meant else \
            [k for k, u in content.units.items() if u.name.zh == recommender.strip()][:1] or \
            difflib.get_close_matches(recommender, sorted(content.units), n=1)
        c.err("recommender", "unknown-unit",
              tr("'%(code)s' is not a unit of units.yaml; did you mean '%(hint)s'?", code=recommender, hint=hint[0])
              if hint else tr("'%(code)s' is not a unit of units.yaml", code=recommender))
    co = c.text_list("co_recommenders")
    website = c.url("website")
    description = c.text("description", required=False, multiline=True)
    if description is not None:
        for href in dropped_links(description.zh):
            problems.warning(doc.path, data.where("description"), "link-dropped",
                             tr("description: the link to '%(href)s' is not published (its text is): "
                                "a description links only to http:// or https:// addresses and to mailto: "
                                "with one address; write the whole address", href=href[:80]))
    status = c.choice("status", STATUSES, required=False, default="accredited")
    if edition.rules is _UNKNOWN_RULES:
        # (a stand-in's: which formats the edition names is not known)
        fmt = c.string("format", required=False) or "conference"
    else:
        formats = ("conference", *edition.rules.ineligible_formats)
        fmt = c.choice("format", formats, required=False, default="conference")
    held = c.integer("editions_held", minimum=0, maximum=MAX_EDITIONS)
    status_date = c.date("status_date", required=False)
    if status in ("postponed", "cancelled", "withdrawn") and status_date is None and "status_date" not in data:
        if status == "postponed":
            needs = tr("a postponed conference needs status_date (when it was postponed)")
        elif status == "cancelled":
            needs = tr("a cancelled conference needs status_date (when it was cancelled)")
        else:
            needs = tr("a withdrawn conference needs status_date (when it was withdrawn)")
        c.err("status", "missing-field", needs)
    postponed_from = None
    if "postponed_from" in data:
        if status != "postponed":
            c.err("postponed_from", "bad-value", tr("only a postponed conference has postponed_from"))
        elif isinstance(data["postponed_from"], MarkedMap):
            # The first planned days of a conference of several: {start: ..., end: ...}
            pc = _sub(c, "postponed_from", {"start", "end"}, "postponed_from")
            first, last = pc.date("start"), pc.date("end", required=False)
            if first is not None and last is not None and last < first:
                _ends_before_it_starts(pc, first, last)
            elif first is not None:
                postponed_from = DateSpan(first, last or first)
        else:
            old = c.date("postponed_from", allow_month=True)
            if old is not None:
                postponed_from = DateSpan(old[0], old[1], "month") if isinstance(old, tuple) else DateSpan(old, old)
        # (an import of the accreditation sheet's first dates, say: the page would
        # say it moved to the dates it was first planned for)
        if postponed_from is not None and dates is not None and postponed_from.start == dates.start:
            start = postponed_from.start.isoformat()
            c.err("postponed_from", "bad-value",
                  tr("%(date)s is when the conference "
                     "starts now: give the first planned date here and the new dates in start and end",
                     date=start[:7] if postponed_from.precision == "month" else start))
    confirmed = c.date("confirmed", required=False)
    resources = Resources()
    rc = _sub(c, "resources", {"videos", "summary", "proceedings"}, "resources")
    if rc is not None:
        for i, v in enumerate(_string_list(rc, "videos")):
            url = check_url(v, lambda code, msg: rc.err("videos", code, msg))
            if url:
                resources.videos.append(url)
        resources.summary = rc.url("summary")
        resources.proceedings = rc.url("proceedings")
    exceptions = []
    ex = data.get("exceptions")
    if isinstance(ex, MarkedList):
        for i, item in enumerate(ex):
            if not isinstance(item, MarkedMap):
                problems.error(doc.path, ex.where(i), "not-a-mapping",
                               tr("each exception is a mapping with rule, reason and approved"))
                continue
            ec = Checker(item, doc.path, problems, content, AN_EXCEPTION, {"rule", "reason", "approved"})
            rule = ec.choice("rule", EXCEPTABLE_RULES)
            reason, approved = ec.string("reason", multiline=True), ec.date("approved")
            if rule and reason and approved:
                exceptions.append(RuleException(rule, reason, approved, ec.source()))
    elif ex is not None:
        c.err("exceptions", "type", tr("expected a list of exceptions"))
    certificate = c.string("certificate", required=False)
    shortest, longest = CERTIFICATE_NUMBER_LENGTH
    if certificate is not None and not (CERTIFICATE_NUMBER.match(certificate) and shortest <= len(certificate) <= longest):
        c.err("certificate", "bad-certificate-number",
              tr("'%(number)s' is not a certificate number: %(shortest)s to %(longest)s capital ASCII letters, "
                 "digits and single hyphens, such as 2023-K7QF-3M9D",
                 number=certificate, shortest=shortest, longest=longest))
        certificate = None
    prefix = re.match(r"(\d{4})-", certificate or "")
    if prefix and edition.year and int(prefix.group(1)) != edition.year:
        # (a number moved along with a record from another edition's folder, or copied from one)
        problems.warning(doc.path, data.where("certificate"), "certificate-year",
                         tr("certificate: %(number)s begins with %(prefix)s, but this record is of the "
                            "%(year)s edition, whose numbers begin with %(year)s: a certificate of "
                            "another edition stays with its conference in that edition",
                            number=certificate, prefix=prefix.group(1), year=edition.year))
    sources = []
    if isinstance(data.get("sources"), MarkedList):
        for i, s in enumerate(data["sources"]):
            if isinstance(s, str):
                ok = check_url(s, lambda code, msg: problems.error(doc.path, data["sources"].where(i), code,
                                                                      tr("%(key)s: %(message)s", key="sources", message=msg)))
                if ok:
                    sources.append(ok)
            else:
                problems.error(doc.path, data["sources"].where(i), "type",
                               tr("sources: each source is a URL"))
    elif "sources" in data:
        c.err("sources", "type", tr("expected a list of URLs"))
    updated = c.date("updated", required=False)
    if updated is not None and edition.published is not None and updated < edition.published:
        c.err("updated", "date-order",
              tr("%(date)s is before the edition was published (%(published)s)",
                 date=updated.isoformat(), published=edition.published.isoformat()))
    if problems.error_count != before or c.unreadable:
        return None
    return Conference(
        id=cid, edition=edition.id, series=series, name=name, kind=kind,
        edition_number=number, field=fid, dates=dates, city=city, venue=venue,
        organizers=organizers, hosts=hosts, recommender=recommender,
        co_recommenders=co, website=website, status=status or "accredited",
        sources=sources, source=c.source(), description=description, format=fmt or "conference", editions_held=held,
        status_date=status_date, postponed_from=postponed_from, confirmed=confirmed,
        resources=resources, exceptions=exceptions,
        marks={k: data.where(k) for k in data},
        certificate=certificate or derived_certificate_number(edition.year, edition.id, cid),
        updated=updated)


def validate_pages(raw: RawProject, problems: Problems) -> dict[tuple[str, str], Page]:
    pages = {}
    for (slug, lang), (path, text) in raw.pages.items():
        if text is None:
            continue  # unreadable: reported when it was read
        # (tabs and CRLF line ends are a page's own; as in records, a U+202E in
        # the About page reversed what followed it)
        lines_read = text.replace("\r\n", "\n")
        hidden = hidden_character(lines_read.replace("\t", " "))
        if hidden:
            problems.error(path, text_position(lines_read, hidden.start()), "invisible-character",
                           tr("contains the invisible or control character U+%(code)s; remove it",
                              code=f"{ord(hidden.group()):04X}"))
            continue
        lines = text.splitlines()
        title_line = next((i for i, l in enumerate(lines) if l.strip()), None)
        if title_line is None or not lines[title_line].startswith("# "):
            problems.error(path, (1 if title_line is None else title_line + 1, 1), "page-title",
                           tr("a page starts with its title as a '# ' heading"))
            continue
        body = "\n".join(lines[title_line + 1:])
        pages[(slug, lang)] = Page(slug, lang, lines[title_line][2:].strip(), body,
                                   Source(problems._display(path), title_line + 1, 1))
    slugs = {s for s, _ in pages}
    for slug in sorted(slugs):
        for lang in LANGS:
            if (slug, lang) not in raw.pages:
                other = next(p for (s, l), p in pages.items() if s == slug)
                problems.error(other.source.path, (1, 1), "page-missing-language",
                               tr("page '%(slug)s' has no %(lang)s version (%(slug)s.%(lang)s.md)",
                                  slug=slug, lang=lang))
    if not any(slug == "about" for slug, _ in raw.pages):
        # (every page's header and footer link it, and the home page its open data's columns)
        problems.warning(raw.root / "content" / "pages", (1, 1), "about-page-missing",
                         tr("no About page (content/pages/about.zh.md and about.en.md): every page links to "
                            "it, so the links lead nowhere; write it (what the guide is, how it is made, "
                            "the columns of its open data)"))
    return pages


def written_id(doc: RawDoc) -> tuple[str, tuple[int, int]] | None:
    """The id written in a record that does not check (or checks against a
    stand-in edition), when it is a valid one, and where: a copy whose id was left as it was usually has other mistakes
    too, and its duplicate id is said in the same run as they are."""
    if doc.cached:
        conf = doc.entry.conference   # (a record of an edition that does not check may)
        return doc.entry.ident if conf is None else (conf.id, conf.marks["id"])
    data = doc.data
    if isinstance(data, MarkedMap):
        value = data.get("id")
        if isinstance(value, str) and SLUG.match(value):
            return value, data.where("id")
    return None


def _conference(doc: RawDoc, edition: Edition, problems: Problems, content: Content,
                field_ids: set[str]) -> Conference | None:
    """A record checked, or replayed from the record cache (recordcache.py)."""
    entry = doc.entry
    if doc.cached:
        problems.replay(entry.problems)
        for text, source in entry.text_uses:
            content.text_uses.setdefault(text, []).append(source)
        return entry.conference
    if entry is None:
        return validate_conference(doc, edition, problems, content, field_ids)
    start, uses = len(problems.items), content.text_uses
    content.text_uses = {}
    try:
        conf = validate_conference(doc, edition, problems, content, field_ids)
    finally:
        mine, content.text_uses = content.text_uses, uses
    for text, sources in mine.items():
        uses.setdefault(text, []).extend(sources)
        entry.text_uses.extend((text, s) for s in sources)
    entry.problems.extend(problems.items[start:])
    entry.conference = conf
    if conf is None:
        entry.ident = written_id(doc)
    return conf


def _stand_in_edition(redition) -> Edition:
    """What the records of an edition whose data does not check are checked
    against: its folder's name, and nothing known of its fields, window or year
    (its year only when the folder is named for one)."""
    eid = redition.dir.name
    return Edition(id=eid, year=int(eid) if eid.isdigit() else 0, title=Text(eid), sample=False,
                   window=DateSpan(dt.date.min, dt.date.max), recurring_cutoff=None, fields=[],
                   source=Source(str(redition.dir / "edition.yaml"), 1, 1), rules=_UNKNOWN_RULES)


_UNKNOWN_RULES = Rules()   # (a stand-in edition's: validate_conference checks nothing they hold)


def _say_duplicate_id(problems: Problems, cid: str, first: tuple, this: tuple) -> tuple:
    """Two records giving id ``cid``: ``first`` and ``this`` are (path, mark, ...),
    ``first`` read first. Said at the record whose file is not named for the id
    when the other's is: the id most likely changed there (a copied record, a
    typo), not in the file that sorts second; and the record named for it is
    the one the later checks see (an issued certificate's number is asked of
    it, not of the copy). Returns the one said (dropped, when both check)."""
    named = Path(first[0]).stem != cid and Path(this[0]).stem == cid
    kept, dropped = (this, first) if named else (first, this)
    used = {"id": cid, "path": problems._display(kept[0]), "line": kept[1][0]}
    problems.error(dropped[0], dropped[1], "duplicate-id",
                   tr("id '%(id)s' is already used by %(path)s:%(line)s; "
                      "ids are unique across the whole guide: give this record (%(file)s) an id of its own",
                      **used, file=Path(dropped[0]).name)
                   if Path(dropped[0]).stem != cid else
                   tr("id '%(id)s' is already used by %(path)s:%(line)s; "
                      "ids are unique across the whole guide", **used))
    return dropped


def validate(raw: RawProject, problems: Problems) -> Content:
    content = Content(raw.root, None, {}, [], {})
    content.guide = validate_guide(raw.guide, problems, content)
    groups = {g.id for g in content.guide.unit_groups} if content.guide else set()
    content.units = validate_units(raw.units, problems, content, groups)
    # (where each was first seen: the document and its id's position, made a
    # Source only for a duplicate; 10,000 records, every build)
    seen_ids: dict[str, tuple] = {}   # id: (path, mark, record, edition)
    # The ids of records that do not check (written_id): said duplicate in the
    # same run as their other mistakes, not once those are mended.
    unchecked_ids: dict[str, tuple] = {}   # id: (path, mark)
    seen_numbers: dict[str, tuple[Path, tuple, bool]] = {}   # (+ whether written out)

    def unchecked(doc: RawDoc) -> None:
        ident = written_id(doc)
        if ident is None:
            return
        cid, mark = ident
        content.unchecked_ids.add(cid)
        first = seen_ids.get(cid) or unchecked_ids.get(cid)
        if first is not None:
            _say_duplicate_id(problems, cid, first, (doc.path, mark))
        else:
            unchecked_ids[cid] = (doc.path, mark)

    # Every edition's data first: its confidential rules hold for the records of
    # every edition (scanned with all of them), whichever folder sorts first.
    validated = [(redition, validate_edition(redition, problems, content)) for redition in raw.editions]
    for redition, edition in validated:
        if edition is None:
            # Its data does not check (reported): its records are still checked
            # for all that does not depend on it (keys, types, units, dates,
            # names), so that one run lists every problem; they join no edition.
            stand_in = _stand_in_edition(redition)
            for doc in redition.conferences:
                _conference(doc, stand_in, problems, content, None)
                unchecked(doc)
            continue
        # (none: the edition's error says its fields are missing; each record need not)
        field_ids = {f.id for f in edition.fields} or None
        for doc in redition.conferences:
            conf = _conference(doc, edition, problems, content, field_ids)
            if conf is None:
                unchecked(doc)
                continue
            if conf.id in unchecked_ids and conf.id not in seen_ids:
                # (the build fails on the other record's mistakes: nothing to drop)
                _say_duplicate_id(problems, conf.id, unchecked_ids[conf.id], (doc.path, conf.marks["id"]))
            if conf.id in seen_ids:
                first, this = seen_ids[conf.id], (doc.path, conf.marks["id"], conf, edition)
                if _say_duplicate_id(problems, conf.id, first, this) is this:
                    continue
                _, _, first_conf, first_edition = first
                first_edition.conferences[:] = [c for c in first_edition.conferences if c is not first_conf]
                if seen_numbers.get(first_conf.certificate, (None,))[0] == first[0]:
                    del seen_numbers[first_conf.certificate]
            seen_ids[conf.id] = (doc.path, conf.marks["id"], conf, edition)
            explicit = "certificate" in conf.marks   # (written out, else made from the id)
            if conf.certificate in seen_numbers:
                first_path, first_mark, first_explicit = seen_numbers[conf.certificate]
                if first_explicit and not explicit:
                    # The number written out is the one to change: the other
                    # record's is made from its id, and may be issued already.
                    problems.error(first_path, first_mark, "duplicate-certificate-number",
                                   tr("certificate number %(number)s is that of "
                                      "%(path)s:%(line)s (made from its id); "
                                      "give this conference another with 'certificate:'",
                                      number=conf.certificate, path=problems._display(doc.path),
                                      line=conf.marks["id"][0]))
                    continue
                first = Source(problems._display(first_path), *first_mark)
                problems.error(doc.path, conf.marks["certificate" if explicit else "id"],
                               "duplicate-certificate-number",
                               tr("certificate number %(number)s is already that of %(path)s:"
                                  "%(line)s; give this conference another with 'certificate:'",
                                  number=conf.certificate, path=first.path, line=first.line))
                continue
            seen_numbers[conf.certificate] = (doc.path, conf.marks["certificate" if explicit else "id"], explicit)
            edition.conferences.append(conf)
        content.editions.append(edition)
    current = content.guide.current_edition if content.guide else None
    if current and raw.editions and not any(r.dir.name == current for r in raw.editions):
        problems.error(raw.guide.path, raw.guide.data.where("current_edition"), "unknown-edition",
                       tr("current_edition '%(id)s' has no folder content/editions/%(id)s/", id=current))
    if not raw.editions and raw.guide is not None:
        problems.error(raw.root / "content", (1, 1), "no-edition",
                       tr("no edition folders under content/editions/"))
    content.pages = validate_pages(raw, problems)
    return content
