"""What must never be published: declared patterns and fields, checked everywhere.

The guide (content/guide.yaml) and each edition (edition.yaml) may declare
``confidential:`` rules, for example the format of the call's unit invitation
codes or of reviewers' phone numbers::

    confidential:
      - {label: mobile phone number, pattern: '(?<![0-9])1[3-9][0-9]{9}(?![0-9])'}
      - {label: unit invitation code, field: invitation_code}

A pattern is a Python regular expression searched in every text of every
content file, page and translation catalog, and finally in every file the
build would publish (which also covers templates and the interface catalog).
A field is a key that no content mapping may carry. Any hit is an error, so
the build writes nothing. Problems name the rule, never the matched text:
they end up in CI logs.
"""

from __future__ import annotations

import dataclasses
import functools
import html
import re
from dataclasses import dataclass
from pathlib import Path

try:  # re's own parser: the prefilters below read each rule's syntax tree
    from re import _compiler as sre_compiler, _constants as sre, _parser as sre_parser
except ImportError:  # a Python without them: every rule is searched in full, as before
    sre_compiler = sre = sre_parser = None

from .problems import Problems
from .recordcache import read_unless_unchanged
from .wording import Message, language, shown, tr
from .yamldoc import MarkedList, MarkedMap, text_position, yaml_lines

CODE = "confidential"
# Published files that are text; anything else (images, fonts) is not scanned.
TEXT_SUFFIXES = (".html", ".xml", ".txt", ".json", ".ics", ".js", ".css", ".atom", ".csv", ".svg")


@dataclass(frozen=True)
class Rule:
    label: str
    pattern: re.Pattern | None
    field: str | None
    where: str  # "path:line" of the rule, for messages


def parse_rules(value, path: Path, where, problems: Problems) -> list[Rule]:
    """The ``confidential:`` list of guide.yaml or edition.yaml."""
    if value is None:
        return []
    if not isinstance(value, MarkedList):
        problems.error(path, where, "type", tr("confidential: expected a list of {label, pattern} or {label, field}"))
        return []
    rules = []
    for i, item in enumerate(value):
        at = value.where(i)
        if not isinstance(item, MarkedMap) or not isinstance(item.get("label"), str) or \
                set(item) - {"label", "pattern", "field"} or ("pattern" in item) == ("field" in item):
            problems.error(path, at, "type",
                           tr("confidential: each rule is {label: text, pattern: regular expression} "
                              "or {label: text, field: key}"))
            continue
        label = item["label"].strip()
        ref = f"{problems._display(path)}:{at[0]}"
        if "field" in item:
            if not isinstance(item["field"], str) or not item["field"].strip():
                problems.error(path, item.where("field"), "type", tr("confidential: field must be a key name"))
                continue
            rules.append(Rule(label, None, item["field"].strip(), ref))
            continue
        source = item["pattern"]
        if not isinstance(source, str) or not source:
            problems.error(path, item.where("pattern"), "type", tr("confidential: pattern must be text"))
            continue
        try:
            pattern = re.compile(source)
        except re.error as exc:
            problems.error(path, item.where("pattern"), "bad-pattern",
                           tr("confidential: '%(source)s' is not a regular expression: %(error)s",
                              source=source, error=str(exc)))
            continue
        if pattern.search(""):
            problems.error(path, item.where("pattern"), "bad-pattern",
                           tr("confidential: '%(source)s' matches empty text, so it matches everything",
                              source=source))
            continue
        rules.append(Rule(label, pattern, None, ref))
    return rules


def _report(problems: Problems, path, where, rule: Rule, what: str) -> None:
    problems.error(path, where, CODE,
                   tr("%(what)s matches the confidential rule '%(label)s' (%(where)s); "
                      "it must never be published: remove it from the file",
                      what=what, label=rule.label, where=rule.where))


# Full-width digits and Latin letters as ASCII: a Chinese input method in
# full-width mode types a phone number as １３８…, which a rule's [0-9] would
# not see. Not the full-width punctuation (：，（）), which Chinese text and a
# project's rules are written with. One character for one, so positions hold.
_FULL_WIDTH = {i: i - 0xFEE0 for lo, hi in ((0xFF10, 0xFF19), (0xFF21, 0xFF3A), (0xFF41, 0xFF5A))
               for i in range(lo, hi + 1)}
_HAS_FULL_WIDTH = re.compile("[\uff10-\uff19\uff21-\uff3a\uff41-\uff5a]")


def as_half_width(text: str) -> str:
    return text.translate(_FULL_WIDTH) if _HAS_FULL_WIDTH.search(text) else text


# What stands between the words a reader reads: Markdown's emphasis, code and
# link marks, HTML tags and entities, and characters that show as nothing
# (format characters, variation selectors). "邀请码：**AB12CD34**",
# "[邀请码](https://…)：AB12CD34" and "邀请码\ufe0f：AB12CD34" read as
# "邀请码：AB12CD34", and a rule is searched in that reading too.
# (validation.INVISIBLE's characters, which a record may not hold, and the
# format characters and variation selectors it may)
_UNSEEN = ("\u00ad\u034f\u061c\u0600-\u0605\u06dd\u070f\u0890\u0891\u08e2\u115f\u1160\u17b4\u17b5"
           "\u180b-\u180f\u200b-\u200f\u202a-\u202e\u2060-\u206f\u2800\u3164\ufe00-\ufe0f\ufeff\uffa0"
           "\ufff9-\ufffb"
           "\U000110bd\U000110cd\U00013430-\U0001343f\U0001bca0-\U0001bca3\U0001d173-\U0001d17a"
           "\U000e0000-\U000e0fff")
_MARKED = re.compile(f"[*`~_\\[<&{_UNSEEN}]")
# (a link's text stops at the next "[": from each "[" the search never runs to
# the line's end, which made a line of 40,000 "[" take seconds; a reference
# link "[text][ref]" reads as its text too)
# (every branch starts with one of a few characters: re skips to them)
_MARKUP = re.compile(r"!?\[([^\[\]\n]*)\](?:\([^()\n]*\)|\[[^\[\]\n]*\])|<[^<>]*>|[*`~]+")
_UNDERSCORES = re.compile("_+")
_UNSEEN_CHARS = re.compile(f"[{_UNSEEN}]")


def _edge_underscores(m: re.Match) -> str:
    """An underscore inside a word (edition_number) is no emphasis: Markdown
    emphasises with one at a word's edge only."""
    text, start, end = m.string, m.start(), m.end()
    inside = 0 < start and end < len(text) and text[start - 1].isalnum() and text[end].isalnum()
    return m.group() if inside else ""


def reader_text(text: str) -> str | None:
    """``text`` as a reader reads it, when that differs (else None)."""
    if not _MARKED.search(text):
        return None
    read = _MARKUP.sub(lambda m: m.group(1) or "", text)
    if "_" in read:
        read = _UNDERSCORES.sub(_edge_underscores, read)
    if "&" in read:
        read = html.unescape(read)
    read = _UNSEEN_CHARS.sub("", read)
    return read if read != text else None


def scan_text(text: str, path, problems: Problems, rules: list[Rule], what: str = tr("text"),
              reported: set | None = None) -> bool:
    """Report each rule's first match in ``text`` (or, failing that, in its
    reading: reader_text); True when clean. ``reported``: rules reported
    already for this file (not again), added to."""
    text = as_half_width(text)
    found = {rule: text_position(text, start) for rule, start in _matches(_Haystack(text, None), rules)}
    _find_in_readings(text, rules, found)
    found = {rule: where for rule, where in found.items() if reported is None or rule not in reported}
    for rule, where in found.items():
        _report(problems, path, where, rule, what)
        if reported is not None:
            reported.add(rule)
    return not found


def _find_in_readings(text: str, rules: list[Rule], found: dict) -> None:
    """Each pattern rule not in ``found`` that a line of ``text`` matches as read
    (_read_lines), added with its line."""
    for where, read in _read_lines(text):
        for rule in rules:
            if rule.pattern is not None and rule not in found and rule.pattern.search(read):
                found[rule] = (where, 1)


def _read_lines(text: str):
    """(line number, reading) of each line that reads otherwise (reader_text):
    the lines holding a mark only (a 1.5 MB catalog has a few), not the
    whole text read again."""
    line, at, end = 1, 0, -1
    for m in _MARKED.finditer(text):
        if m.start() < end:
            continue
        start = text.rfind("\n", 0, m.start()) + 1
        line += text.count("\n", at, start)
        at = start
        end = text.find("\n", m.start())
        end = len(text) if end < 0 else end
        # (without a CRLF file's "\r": a rule's "$" holds before "\n" only)
        read = reader_text(text[start:end].rstrip("\r"))
        if read is not None:
            yield line, read


def _matches(hay: _Haystack, rules: list[Rule]) -> list[tuple[Rule, int]]:
    """Each pattern rule that matches, with where its first match starts."""
    found = []
    for rule in rules:
        if rule.pattern is None or not _prefilter(rule.pattern).may_match(hay):
            continue
        m = rule.pattern.search(hay.text)
        if m:
            found.append((rule, m.start()))
    return found


def scan_document(data, path, problems: Problems, rules: list[Rule], skip_key: str | None = None,
                  reported: set | None = None) -> None:
    """Every key and text value of one YAML document, reported where it is written
    (``reported``: the pattern rules found, added to)."""
    patterns = [r for r in rules if r.pattern is not None]
    fields = {r.field: r for r in rules if r.field is not None}
    stack = [(data, None)]
    while stack:
        node, name = stack.pop()
        if isinstance(node, MarkedMap):
            for key, value in node.items():
                if node is data and key == skip_key:
                    continue  # the rules themselves
                if key in fields:
                    _report(problems, path, node.key_where(key), fields[key], tr("the key '%(key)s'", key=key))
                    continue
                if isinstance(value, str):
                    _scan_value(value, path, node.where(key), problems, patterns, key, reported)
                else:
                    stack.append((value, key))
        elif isinstance(node, MarkedList):
            for i, value in enumerate(node):
                if isinstance(value, str):
                    _scan_value(value, path, node.where(i), problems, patterns, f"{name}[{i + 1}]", reported)
                else:
                    stack.append((value, name))


def _scan_value(value: str, path, where, problems, patterns, key, reported: set | None = None) -> None:
    value = as_half_width(value)
    read = reader_text(value)
    for rule in patterns:
        if rule.pattern.search(value) or (read is not None and rule.pattern.search(read)):
            _report(problems, path, where, rule, tr("'%(key)s'", key=key))
            if reported is not None:
                reported.add(rule)


# serve: the messages of the last call, withheld (most problems of a save are
# the last save's: 5,000 warnings at N = 10,000, two rules without literals to
# look for first, cost 50 ms a save searched again).
_WITHHELD: dict = {"rules": None, "messages": {}}
_CLEAN = object()   # (a message no rule matches in any text it can be shown as)


def withhold_matches(problems: Problems, rules: list[Rule]) -> None:
    """Other problems quote content (a text with no translation, a value that
    cannot be read): what a pattern rule matches in their messages is replaced
    by the rule's label, as the rule's own problem never shows it either.

    A message of the command line's catalog (wording.Message) is searched as
    this run shows it too, in the staff's language; what a rule matches is
    replaced in the texts it was filled with, so it still shows in that
    language. Where that is not enough (a match across the message's own
    words), it becomes its English text, withheld, as a plain str: shown in
    English, never translated. (Each run withholds again what it shows: a
    problem kept in the record cache is kept as found.)"""
    patterns = [r for r in rules if r.pattern is not None]
    if not patterns:
        return
    lang = language()
    key = ([(r.label, r.pattern.pattern, r.pattern.flags) for r in patterns], lang)
    last = _WITHHELD["messages"] if _WITHHELD["rules"] == key else {}
    now: dict[str, tuple] = {}
    for i, p in enumerate(problems.items):
        if p.code == CODE:
            continue
        # (a message is known by its English and, for a Message, how it was made:
        # the same English may be made otherwise, and be translated otherwise)
        made = _made(p.message)
        known = now.get(p.message) or last.get(p.message)
        if known is not None and known[0] == made:
            message = known[1]
        else:
            clean = not any(_hits(patterns, text) for text in _renderings(p.message, lang))
            message = _CLEAN if clean else _withheld_message(p.message, patterns, lang)
        now[p.message] = (made, message)
        if message is not _CLEAN:
            problems.items[i] = dataclasses.replace(p, message=message)
    _WITHHELD["rules"], _WITHHELD["messages"] = key, now


def _hits(patterns: list[Rule], text: str) -> bool:
    """Whether a rule matches ``text``."""
    hay = _Haystack(as_half_width(text), None)
    # (the prefilter first: it is most of what a clean message costs)
    if any(_prefilter(rule.pattern).may_match(hay) and rule.pattern.search(hay.text) is not None
           for rule in patterns):
        return True
    read = reader_text(hay.text)
    return read is not None and any(rule.pattern.search(read) is not None for rule in patterns)


def rules_matching(texts, rules: list[Rule]) -> list[Rule]:
    """The pattern rules that match any of ``texts`` (other values are skipped),
    as written or as read (reader_text)."""
    texts = [t for t in texts if isinstance(t, str)]
    return [rule for rule in rules if rule.pattern is not None and any(_hits([rule], t) for t in texts)]


def _made(message):
    """How ``message`` was made: None for a plain str; a Message's template,
    plural and values (compared, not hashed: values need not be hashable)."""
    if not isinstance(message, Message):
        return None
    return message.template, message.plural, message.values


def _renderings(message: str, lang: str) -> tuple[str, ...]:
    """The texts ``message`` can be shown as in this run: its English, and for
    a Message in another language, its translation (when it has one)."""
    if lang == "en" or not isinstance(message, Message):
        return (str(message),)
    translated = shown(message, lang)
    return (str(message),) if translated == message else (str(message), translated)


def _withheld_message(message: str, patterns: list[Rule], lang: str) -> str:
    """``message`` with what the rules match withheld, in every text it can be shown as."""
    def withhold(text: str) -> str:
        for rule in patterns:
            if _hits([rule], text):
                text = _withheld(rule, text)
        return text

    if isinstance(message, Message):
        redacted = message.mapped(withhold)
        if not any(_hits(patterns, text) for text in _renderings(redacted, lang)):
            return redacted
    # (its English, as a plain str: a translation could show what the English withholds)
    return withhold(str(message))


def _withheld(rule: Rule, message: str) -> str:
    """``message`` with what ``rule`` matches (in its half-width reading, whose
    positions are the message's) replaced by the rule's label."""
    def replaced(text: str) -> str:
        out, at = [], 0
        for m in rule.pattern.finditer(as_half_width(text)):
            out += [text[at:m.start()], f"[{rule.label}]"]
            at = m.end()
        return "".join(out) + text[at:]
    message = replaced(message)
    read = reader_text(as_half_width(message))
    # (a match only in the reading, across markup: the reading, withheld)
    return replaced(read) if read is not None and rule.pattern.search(read) else message


def scan_output(files: dict[str, bytes], out: Path, problems: Problems, rules: list[Rule]) -> None:
    """The last line of defence: every text file the build would publish."""
    for rel, data in files.items():
        if rel.endswith(TEXT_SUFFIXES):
            hay = _Haystack(None, data)
            # (``out / rel`` is made only for a report: making it took as long as the scan)
            for rule, start in _matches(hay, rules):
                _report(problems, out / rel, text_position(hay.text, start), rule, tr("published text"))


def scan_doc(doc, rules: list[Rule], problems: Problems, skip: str | None = None) -> None:
    """One content file read (a RawDoc; records also in recordpool.py): its values
    where they are written, then its whole text (comments; a key and its value
    read together, "邀请码: AB12CD34") for a rule its values did not match."""
    if doc is None or (doc.data is None and doc.text is None):
        return   # (a record the cache holds: its problems with it)
    start = len(problems.items)
    reported: set = set()
    if doc.data is not None:
        if isinstance(doc.data, str):
            scan_text(doc.data, doc.path, problems, rules, reported=reported)
        else:
            scan_document(doc.data, doc.path, problems, rules, skip, reported)
    patterns = [r for r in rules if r.pattern is not None and r not in reported]
    if doc.text is not None and patterns:
        text = doc.text
        if skip is not None and isinstance(doc.data, MarkedMap) and skip in doc.data:
            # (the rules themselves are not searched: their lines, blanked)
            text = _without_rules(text, doc.data, skip)
        _scan_lines(text, doc.path, problems, patterns)
    if doc.entry is not None:  # a record cached with what was found in it
        doc.entry.problems.extend(problems.items[start:])


def _scan_lines(text: str, path, problems: Problems, patterns: list[Rule]) -> None:
    """A file's text line by line, as written and as read: a comment, a key and
    its value. (Line by line: a rule's "\\s*" would join a value ending in
    "邀请码" to the next line's key, "sources".) Each rule once, at its first line."""
    text = as_half_width(text)
    hay = _Haystack(text, None)
    # (the clean case: no rule's literals in the file, no line searched)
    found = {}
    candidates = [r for r in patterns if _prefilter(r.pattern).may_match(hay)]
    lines = yaml_lines(text)
    for i, line in enumerate(lines if candidates else ()):
        for rule in candidates:
            if rule not in found and (m := rule.pattern.search(line)) is not None:
                found[rule] = (i + 1, m.start() + 1)
    # (and as read, the lines holding a mark: "# 邀请码：**X**"; numbered as
    # above, where a lone "\r" breaks a line too)
    _find_in_readings("\n".join(lines), patterns, found)
    for rule, where in sorted(found.items(), key=lambda kv: kv[1]):
        _report(problems, path, where, rule, tr("the file's text"))


def _without_rules(text: str, data: MarkedMap, key: str) -> str:
    """``text`` with the lines of ``key``'s value (and the key's own) blanked, to
    the next top-level key: the rules' patterns match what they describe."""
    lines = yaml_lines(text)
    first = data.key_where(key)[0] - 1
    end = first + 1
    while end < len(lines) and (not lines[end] or lines[end][0] in " \t-#"):
        end += 1
    return "\n".join(lines[:first] + [""] * (end - first) + lines[end:])


def scan_sources(raw, rules: list[Rule], catalog_paths, problems: Problems) -> None:
    """Every content file, page and translation catalog of a project."""
    if not rules:
        return
    docs = [(raw.guide, "confidential"), (raw.units, None)]
    for edition in raw.editions:
        docs.append((edition.meta, "confidential"))
        docs.extend((doc, None) for doc in edition.conferences)
    for doc, skip in docs:
        scan_doc(doc, rules, problems, skip)
    for path, text in raw.pages.values():
        if text is not None:
            scan_text(text, path, problems, rules)
    # serve: a catalog unchanged since the last save is not searched again, its
    # problems replayed (the English catalog is 1.5 MB at N = 10,000; searching
    # it was some 50 ms a save), while the rules stay the same
    kind = "confidential " + repr((str(problems.root), [(r.label, r.where, r.field, r.pattern and r.pattern.pattern,
                                                          r.pattern and r.pattern.flags) for r in rules]))
    for path in sorted(set(catalog_paths)):
        read_unless_unchanged(kind, Path(path), problems, lambda path=path: _scan_catalog(path, problems, rules))


def _scan_catalog(path, problems: Problems, rules: list[Rule]) -> None:
    try:
        text = Path(path).read_bytes().decode("utf-8", "replace")
    except OSError:
        return
    scan_text(text, path, problems, rules, tr("a catalog entry"))


# -- the clean case, fast -----------------------------------------------------
# Python's re tries a pattern at every position of the text unless the pattern
# starts with a literal or a character class; a rule that starts with a
# lookbehind, or is case-insensitive, costs some 25 ns a character, and a
# build publishes tens of megabytes (1,000 conferences: 6,500 files, 32 MB).
# Each rule therefore gets a necessary condition that is cheap to test: a few
# literals one of which every match contains (found with bytes.find at memory
# speed), or else the rule without its leading zero-width assertions (which re
# then searches with its fast scan for the first character). Only where the
# condition holds is the rule itself searched, so what is reported is exactly
# what the rule alone reports. (One alternation of all the rules, searched
# once, is slower than the rules one by one: no branch then starts the scan.)

# ASCII letters that re.IGNORECASE also matches to non-ASCII characters
# ('i' to 'İ' and 'ı', 'k' to the Kelvin sign, 's' to 'ſ'): comparing texts
# with ASCII lowered would miss those. A test checks this list against re.
FOLD_UNSAFE = frozenset("ikIKsS")
# Literals shorter than this (a digit, a letter pair) are in every page.
MIN_FACTOR_BYTES = 3
# Runs of digits shorter than this (dates, counts) are in every page.
MIN_DIGIT_RUN = 6


class _Haystack:
    """One text as str and as UTF-8 bytes, each made only when a test needs it."""

    __slots__ = ("_text", "_data", "_lower", "_digits")

    def __init__(self, text: str | None, data: bytes | None):
        self._text, self._data, self._lower, self._digits = text, data, None, None

    @property
    def text(self) -> str:
        if self._text is None:
            self._text = self._data.decode("utf-8", "replace")
        return self._text

    @property
    def data(self) -> bytes:
        # Any run of characters other than U+FFFD in the decoded text is also
        # a run of bytes of the data, whatever invalid bytes it holds.
        if self._data is None:
            self._data = self._text.encode("utf-8", "surrogatepass")
        return self._data

    @property
    def lower(self) -> bytes:
        if self._lower is None:
            self._lower = self.data.lower()  # ASCII letters only
        return self._lower

    @property
    def digits(self) -> bytes:
        """The data with every ASCII digit as 0 and every other byte as a space."""
        if self._digits is None:
            self._digits = self.data.translate(_DIGIT_TABLE)
        return self._digits


_DIGIT_TABLE = bytes(0x30 if 0x30 <= i <= 0x39 else 0x20 for i in range(256))


@dataclass(frozen=True)
class _Factor:
    data: bytes
    folded: bool  # compared with ASCII letters lowered on both sides


@dataclass(frozen=True)
class _Prefilter:
    """A condition that holds wherever the rule's pattern matches."""

    factors: frozenset[_Factor] | None  # one of them is in every match
    pattern: re.Pattern | None          # a pattern that matches wherever the rule does
    digits: bytes = b""                 # every match holds a run of this many ASCII digits (as 0s)

    def may_match(self, hay: _Haystack) -> bool:
        if self.digits and self.digits not in hay.digits:
            return False
        if self.factors is not None:
            return any(f.data in (hay.lower if f.folded else hay.data) for f in self.factors)
        if self.pattern is not None:
            return self.pattern.search(hay.text) is not None
        return True


@functools.cache
def _prefilter(pattern: re.Pattern) -> _Prefilter:
    if sre_parser is None:
        return _Prefilter(None, None)
    try:
        tree = sre_parser.parse(pattern.pattern, pattern.flags)
        run = min(digit_run(tree.data)[0], 64)   # (as rare as any longer run: [0-9]{10**9} needs no 1 GB needle)
        digits = b"0" * run if run >= MIN_DIGIT_RUN else b""
        factors = _required(tree.data, tree.state.flags | pattern.flags)
        if factors is not None and _score(factors)[0] >= MIN_FACTOR_BYTES:
            return _Prefilter(factors, None, digits)
        return _Prefilter(None, _without_leading_assertions(pattern, tree), digits)
    except Exception:  # noqa: BLE001 - a tree this code does not know: search the rule in full
        return _Prefilter(None, None)


def _score(factors: frozenset[_Factor]) -> tuple[int, int]:
    # A set is as rare as its shortest literal; fewer literals, fewer finds.
    return min(len(f.data) for f in factors), -len(factors)


def _required(items, flags: int) -> frozenset[_Factor] | None:
    """Literals one of which every match of the sequence ``items`` contains, or None."""
    best: frozenset[_Factor] | None = None
    run: list[str] = []
    folded = False

    def consider(factors):
        nonlocal best
        if factors and (best is None or _score(factors) > _score(best)):
            best = factors

    def close():
        nonlocal run, folded
        if run:
            literal = "".join(run).encode("utf-8")
            consider(frozenset({_Factor(literal.lower() if folded else literal, folded)}))
        run, folded = [], False

    for op, av in items:
        if op is sre.LITERAL:
            c = chr(av)
            if c == "\ufffd" or "\ud800" <= c <= "\udfff":
                close()  # not the same in the bytes as in the decoded text
            elif not flags & re.IGNORECASE or c.lower() == c == c.upper():
                run.append(c)  # matched by itself alone
            elif c.isascii() and c not in FOLD_UNSAFE:
                run.append(c)
                folded = True
            else:
                close()
            continue
        # Anything else ends the run of consecutive literals; some hold literals of their own.
        close()
        if op is sre.SUBPATTERN:
            _group, add, remove, sub = av
            consider(_required(sub.data, (flags | add) & ~remove))
        elif op is sre.ATOMIC_GROUP:
            consider(_required(av.data, flags))
        elif op in (sre.MAX_REPEAT, sre.MIN_REPEAT, sre.POSSESSIVE_REPEAT):
            low, _high, sub = av
            if low >= 1:
                consider(_required(sub.data, flags))
        elif op is sre.BRANCH:
            alternatives = [_required(sub.data, flags) for sub in av[1]]
            if all(alternatives):
                consider(frozenset().union(*alternatives))
        # Classes, anchors, assertions, references: no literal that must be there.
    close()
    return best


_ASCII_DIGITS = range(0x30, 0x3a)


def digit_run(items) -> tuple[int, int | None]:
    """For the sequence ``items`` of a parsed pattern: the length of a run of
    consecutive ASCII digits every match holds (0: none known), and how many
    characters it matches at least when every one it can match is an ASCII
    digit (else None).

    Phone and identity card numbers are runs of digits. Python's re tries
    such a rule at every digit of a page; a run of digits is found in the
    page's bytes with every digit turned to 0 (bytes.translate, then a find,
    both at memory speed). ASCII digits are single bytes in UTF-8, and \\d
    (any Unicode digit) does not count as one. Anything this does not know
    ends a run: the run it gives is never longer than the rule's.
    """
    best = run = 0
    whole: int | None = 0
    for op, av in items:
        if op is sre.LITERAL:
            part = (0, 1) if av in _ASCII_DIGITS else (0, None)
        elif op is sre.IN:
            part = (0, 1) if av and all(
                (o is sre.LITERAL and a in _ASCII_DIGITS)
                or (o is sre.RANGE and a[0] in _ASCII_DIGITS and a[1] in _ASCII_DIGITS) for o, a in av) else (0, None)
        elif op in (sre.AT, sre.ASSERT, sre.ASSERT_NOT):
            part = (0, 0)            # consumes nothing: the characters around are next to each other
        elif op is sre.SUBPATTERN:
            part = digit_run(av[3].data)
        elif op is sre.ATOMIC_GROUP:
            part = digit_run(av.data)
        elif op in (sre.MAX_REPEAT, sre.MIN_REPEAT, sre.POSSESSIVE_REPEAT):
            low, _high, sub = av
            inner, each = digit_run(sub.data)
            part = (max(inner if low else 0, low * each if each else 0), None if each is None else low * each)
        elif op is sre.BRANCH:
            alternatives = [digit_run(sub.data) for sub in av[1]]
            wholes = [w for _b, w in alternatives]
            part = (min(b for b, _w in alternatives), None if None in wholes else min(wholes))
        else:
            part = (0, None)
        inner, each = part
        best = max(best, inner)
        if each is None:
            run, whole = 0, None
        else:
            run += each
            best = max(best, run)
            if whole is not None:
                whole += each
    return best, whole


def _without_leading_assertions(pattern: re.Pattern, tree) -> re.Pattern | None:
    """The pattern without the zero-width assertions it starts with, or None.

    Without them it matches wherever the rule matches (and maybe elsewhere),
    and re can scan for its first character instead of trying every position.
    """
    zero_width = (sre.AT, sre.ASSERT, sre.ASSERT_NOT)
    k = 0
    while k < len(tree.data) and tree.data[k][0] in zero_width:
        k += 1
    if k == 0 or _captures(tree.data[:k]):
        return None  # a later reference to a group in them would then fail
    return sre_compiler.compile(sre_parser.SubPattern(tree.state, tree.data[k:]), pattern.flags)


def _captures(node) -> bool:
    """Whether a piece of a syntax tree holds a capturing group."""
    if isinstance(node, sre_parser.SubPattern):
        node = node.data
    if isinstance(node, tuple) and len(node) == 2 and node[0] is sre.SUBPATTERN and node[1][0] is not None:
        return True
    return isinstance(node, (list, tuple)) and any(_captures(x) for x in node)
