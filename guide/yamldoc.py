"""Reads YAML into plain values that remember where each came from.

PyYAML keeps the last of two equal keys silently, resolves YAML 1.1 words such
as ``NO`` to booleans and expands aliases without limit. We build values from
the parser's events ourselves so that each of those becomes a reported problem
with a line and column, instead of a surprise in the published site, and so
that no input (an alias bomb, 100,000 nested brackets, a 50 MB file) costs
more than a bounded amount of time and memory.
"""

from __future__ import annotations

import re
from pathlib import Path

import yaml

try:  # the C parser is several times faster and keeps the same marks
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover - libyaml missing
    from yaml import SafeLoader as _Loader

from .problems import Problems
from .wording import tr

MAX_FILE_BYTES = 1_000_000  # a record is a few hundred bytes; refuse giants early
MAX_NODES = 50_000
MAX_DEPTH = 32  # records nest two or three levels; libyaml's composer crashes near 100,000

STR_TAG = "tag:yaml.org,2002:str"


class Where:
    """Position helpers shared by mappings and sequences."""

    mark: tuple[int, int] = (1, 1)


class MarkedMap(dict, Where):
    """A mapping that knows the line and column of itself, its keys and values."""

    def __init__(self, *a, **kw):
        super().__init__(*a, **kw)
        self.key_marks: dict = {}
        self.value_marks: dict = {}
        self.raw: dict = {}  # key -> (yaml tag, source text) of scalar values

    def where(self, key) -> tuple[int, int]:
        return self.value_marks.get(key, self.key_marks.get(key, self.mark))

    def key_where(self, key) -> tuple[int, int]:
        return self.key_marks.get(key, self.mark)


class MarkedList(list, Where):
    def __init__(self, *a):
        super().__init__(*a)
        self.marks: list = []
        self.raw: list = []

    def where(self, index: int) -> tuple[int, int]:
        return self.marks[index] if index < len(self.marks) else self.mark


def text_position(text: str, offset: int) -> tuple[int, int]:
    """(line, column), from 1, of ``offset`` in ``text``."""
    before = text[:offset]
    return before.count("\n") + 1, offset - (before.rfind("\n") + 1) + 1


def _pos(node_or_event) -> tuple[int, int]:
    return (node_or_event.start_mark.line + 1, node_or_event.start_mark.column + 1)


class _Refused(Exception):
    """A document the reader will not build: code, message, and where."""

    def __init__(self, where, code: str, message: str):
        self.where, self.code, self.message = where, code, message


# The first characters of plain scalars the resolver may read as other than
# text. The short cut holds while the resolver has no path resolvers and no
# wildcard entry (PyYAML's default; another version could differ).
_IMPLICIT_FIRST = frozenset(k for k in yaml.resolver.Resolver.yaml_implicit_resolvers if k)
_TEXT_SHORT_CUT = (not yaml.resolver.Resolver.yaml_path_resolvers
                   and None not in yaml.resolver.Resolver.yaml_implicit_resolvers)
_SCALAR = yaml.ScalarEvent

_MAP_TAGS = (None, "!", "tag:yaml.org,2002:map")
_SEQ_TAGS = (None, "!", "tag:yaml.org,2002:seq")
MERGE_TAG = "tag:yaml.org,2002:merge"
# An anchor is refused where it stands, used or not: it is only there to be
# repeated by an alias, and a record says each thing once.
ANCHORS_REFUSED = tr("anchors, aliases and merge keys are not allowed in content files")
TOO_MANY_VALUES = tr("more than %(n)s values in one file", n=f"{MAX_NODES:,}")

# What the YAML parser (libyaml's words, and PyYAML's) and Python's dates say
# most often, in the staff's language: the English as they say it is the
# msgid. Any other reason is shown as they say it.
_KNOWN_REASONS = {str(m): m for m in (
    tr("mapping values are not allowed in this context"),
    tr("mapping values are not allowed here"),
    tr("block sequence entries are not allowed in this context"),
    tr("did not find expected key"),
    tr("did not find expected ',' or ']'"),
    tr("did not find expected ',' or '}'"),
    tr("did not find expected '-' indicator"),
    tr("did not find expected node content"),
    tr("did not find expected comment or line break"),
    tr("found character that cannot start any token"),
    tr("found unexpected end of stream"),
    tr("found unknown escape character"),
    tr("found undefined tag handle"),
    tr("found a tab character that violates indentation"),
    tr("found a tab character where an indentation space is expected"),
    tr("could not find expected ':'"),
    tr("day is out of range for month"),
    tr("month must be in 1..12"),
)}


def _reason(text: str) -> str:
    return _KNOWN_REASONS.get(text, text)


class _Builder:
    """Builds marked values straight from the parser's events.

    Composing a node graph first would expand nothing (aliases share nodes),
    but libyaml's composer recurses once per nesting level and crashes the
    interpreter on a file of 100,000 '[' (a segfault, not an exception); a
    recursive builder hits Python's recursion limit. Events keep memory flat
    and let us refuse aliases, tags, depth and size before building anything.
    """

    def __init__(self, path, problems: Problems):
        self.path = path
        self.problems = problems
        # One constructor per file: SafeConstructor caches every node it
        # constructs until construct_document() resets it, which we never call.
        self.constructor = yaml.constructor.SafeConstructor()
        self.resolver = yaml.resolver.Resolver()

    def scalar(self, event, stack=None):
        """(tag, value) of a scalar event; ``stack``: the open collections, to name
        the key of a value that cannot be read."""
        if event.anchor is not None:
            raise _Refused(_pos(event), "yaml-alias", ANCHORS_REFUSED)
        tag = event.tag
        if tag is None or tag == "!":
            value = event.value
            # Resolver.resolve's answer without the call (281,000 scalars at
            # N = 10,000): text when quoted, or when a plain scalar cannot
            # start a number, boolean, null or date.
            if _TEXT_SHORT_CUT and (not event.implicit[0] or (value and value[0] not in _IMPLICIT_FIRST)):
                return STR_TAG, value
            tag = self.resolver.resolve(yaml.ScalarNode, value, event.implicit)
        if tag == STR_TAG:
            return tag, event.value   # (what SafeConstructor.construct_yaml_str makes of it)
        node = yaml.ScalarNode(tag, event.value, event.start_mark, event.end_mark, style=event.style)
        if tag == MERGE_TAG:
            raise _Refused(_pos(event), "yaml-alias", ANCHORS_REFUSED)
        try:
            return tag, self.constructor.construct_object(node, deep=True)
        except (ValueError, yaml.constructor.ConstructorError) as exc:
            reason = _reason(getattr(exc, "problem", None) or str(exc))
            key = _key_of(stack)
            if key is not None:   # ("start", "dates[2]")
                message = tr("%(key)s: cannot read '%(value)s': %(reason)s",
                             key=key, value=event.value[:80], reason=reason)
            else:
                message = tr("cannot read '%(value)s': %(reason)s", value=event.value[:80], reason=reason)
            self.problems.error(self.path, _pos(event), "yaml-value", message)
            return tag, None
        finally:
            self.constructor.constructed_objects.clear()

    def build(self, events):
        """The single document of ``events`` as MarkedMap/MarkedList/scalar, or None."""
        # Each open collection: [container, pending key (maps), key mark, key is bad].
        stack: list[list] = []
        root = None
        documents = count = 0
        for event in events:
            if type(event) is _SCALAR and stack:   # (most events: a value in a record)
                count += 1
                if count > MAX_NODES:
                    raise _Refused(_pos(event), "yaml-too-large", TOO_MANY_VALUES)
                tag, value = self.scalar(event, stack)
                mark = event.start_mark
                self._place(stack, value, (tag, event.value), (mark.line + 1, mark.column + 1))
                continue
            if isinstance(event, yaml.DocumentStartEvent):
                documents += 1
                if documents > 1:
                    raise _Refused(_pos(event), "yaml-syntax",
                                   tr("more than one YAML document ('---') in one file"))
                continue
            if isinstance(event, (yaml.StreamStartEvent, yaml.StreamEndEvent, yaml.DocumentEndEvent)):
                continue
            if isinstance(event, yaml.AliasEvent):
                raise _Refused(_pos(event), "yaml-alias", ANCHORS_REFUSED)
            if isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
                done = stack.pop()[0]
                self._place(stack, done, None, None)
                if not stack:
                    root = done
                continue
            count += 1
            if count > MAX_NODES:
                raise _Refused(_pos(event), "yaml-too-large", TOO_MANY_VALUES)
            if isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
                is_map = isinstance(event, yaml.MappingStartEvent)
                if event.anchor is not None:
                    raise _Refused(_pos(event), "yaml-alias", ANCHORS_REFUSED)
                if event.tag not in (_MAP_TAGS if is_map else _SEQ_TAGS):
                    raise _Refused(_pos(event), "yaml-tag",
                                   tr("the YAML tag '%(tag)s' is not allowed in content files", tag=event.tag))
                if len(stack) >= MAX_DEPTH:
                    raise _Refused(_pos(event), "yaml-too-deep",
                                   tr("values nested more than %(depth)s levels deep", depth=MAX_DEPTH))
                out = MarkedMap() if is_map else MarkedList()
                out.mark = _pos(event)
                if stack and isinstance(stack[-1][0], MarkedMap) and stack[-1][1] is _NO_KEY:
                    # A mapping or list used as a key.
                    stack[-1][3] = True
                stack.append([out, _NO_KEY, None, False])
                continue
            tag, value = self.scalar(event)
            if not stack:
                root = value
                continue
            self._place(stack, value, (tag, event.value), _pos(event))
        return root

    def _place(self, stack, value, raw, where):
        """Put a finished value into the collection on top of the stack."""
        if not stack:
            return
        top = stack[-1]
        container = top[0]
        if where is None:
            where = value.mark
        if isinstance(container, MarkedList):
            container.append(value)
            container.marks.append(where)
            container.raw.append(raw)
            return
        if top[1] is _NO_KEY:  # this value is a key
            top[1], top[2] = value, where
            if top[3] or not isinstance(value, (str, int)) or isinstance(value, bool):
                self.problems.error(self.path, where, "yaml-key-type",
                                    tr("keys must be plain text, not %(key)s", key=_short(value)))
                top[3] = True
            return
        key, key_mark, bad = top[1], top[2], top[3]
        top[1], top[2], top[3] = _NO_KEY, None, False
        if bad:
            return
        if key in container:
            first = container.key_marks[key]
            self.problems.error(
                self.path, key_mark, "yaml-duplicate-key",
                tr("key '%(key)s' appears twice in one mapping "
                   "(first at line %(line)s); YAML would keep only the last", key=key, line=first[0]))
            return
        container[key] = value
        container.key_marks[key] = key_mark
        container.value_marks[key] = where
        if raw is not None:
            container.raw[key] = raw


_NO_KEY = object()


def _short(value) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def decode(data: bytes, path, problems: Problems) -> str | None:
    """Decode UTF-8 strictly, reporting the first bad byte by line and column."""
    if data.startswith(b"\xef\xbb\xbf"):
        problems.warning(path, (1, 1), "encoding-bom",
                         tr("file starts with a byte-order mark; save it as UTF-8 without BOM"))
        data = data[3:]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        before = data[: exc.start]
        line = before.count(b"\n") + 1
        column = len(before) - (before.rfind(b"\n") + 1) + 1
        problems.error(path, (line, column), "encoding",
                       tr("not UTF-8 (byte 0x%(byte)s); save the file as UTF-8", byte=f"{data[exc.start]:02x}"))
        return None


# The line breaks the parser counts (its marks' line numbers): a lone "\r" too.
_YAML_BREAK = re.compile("\r\n|[\r\n\x85\u2028\u2029]")


def yaml_lines(text: str) -> list[str]:
    return _YAML_BREAK.split(text)


_WIDE_COLON_KEY = re.compile(r"^[ \t]*(?:-[ \t]+)?(?P<key>[A-Za-z_][A-Za-z0-9_]*)[ \t]*(?P<colon>：)", re.MULTILINE)


def _wide_colon_before(text: str, mark) -> tuple[int, int, str] | None:
    """(line, column, key) of a key with a full-width colon on the line the parser
    stopped at or on the last line with text before it (blank lines between):
    not a colon elsewhere, inside a text, that has nothing to do with the error."""
    looked = 0
    for i, line in reversed(list(enumerate(yaml_lines(text)[:mark.line + 1]))):
        if not line.strip():
            continue
        found = _WIDE_COLON_KEY.match(line)
        if found is not None:
            return i + 1, found.start("colon") + 1, found.group("key")
        looked += 1
        if looked == 2:
            break
    return None


def _key_of(stack) -> str | None:
    """"start" or "dates[2]": where the value being read goes, as a problem names it (None: unnamed)."""
    def named(key):
        return isinstance(key, (str, int)) and not isinstance(key, bool)
    if not stack:
        return None
    container, key = stack[-1][0], stack[-1][1]
    if isinstance(container, MarkedMap):
        return str(key)[:80] if named(key) else None
    if len(stack) > 1 and isinstance(stack[-2][0], MarkedMap) and named(stack[-2][1]):
        return f"{str(stack[-2][1])[:80]}[{len(container) + 1}]"
    return None


def load_text(text: str, path, problems: Problems):
    """Parse one YAML document; returns None (with problems) when it cannot."""
    builder = _Builder(path, problems)
    try:
        return builder.build(yaml.parse(text, Loader=_Loader))
    except _Refused as exc:
        problems.error(path, exc.where, exc.code, exc.message)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        # A key typed with a Chinese input method ("city：重庆") is reported by
        # the parser a line later, as a missing ':': name the colon instead.
        wide = _wide_colon_before(text, mark) if mark is not None else None
        if wide is not None:
            line, column, key = wide
            problems.error(path, (line, column), "yaml-syntax",
                           tr("YAML syntax: '：' after '%(key)s' is a full-width colon; "
                              "a key needs ':' (the ASCII colon)", key=key))
            return None
        reason = _reason(exc.problem or str(exc).splitlines()[0])
        if mark is not None and mark.index < len(text) and text[mark.index] == "\t":
            reason = tr("a tab; YAML indents with spaces only")
        context = exc.context_mark
        if exc.problem == "could not find expected ':'" and context is not None:
            # The parser notices a line later; the line it began is the one to mend.
            line = yaml_lines(text)[context.line]
            where = (context.line + 1, context.column + 1)
            shown = line.strip(" \t")[:60]
            if "\u3000" in line:
                reason = tr("'%(line)s' holds a full-width space (U+3000), which YAML does not read as one: "
                            "a key needs ': ' (colon and ASCII space) and lines are indented with ASCII spaces",
                            line=shown)
            else:
                reason = tr("'%(line)s' is not 'key: value': a key needs ':' and a space after it", line=shown)
        problems.error(path, where, "yaml-syntax", tr("YAML syntax: %(reason)s", reason=reason))
    except yaml.reader.ReaderError as exc:  # a character YAML does not allow
        where = text_position(text, exc.position)
        ch = exc.character
        code = ch if isinstance(ch, int) else ord(ch[:1] or "\0")
        problems.error(path, where, "yaml-syntax",
                       tr("YAML syntax: the character U+%(code)s is not allowed", code=f"{code:04X}"))
    except yaml.YAMLError as exc:
        problems.error(path, (1, 1), "yaml-syntax", tr("YAML syntax: %(reason)s", reason=_reason(str(exc).splitlines()[0])))
    except UnicodeEncodeError as exc:  # a lone surrogate: text that never was UTF-8 (the C parser encodes)
        where = text_position(text, exc.start)
        problems.error(path, where, "encoding",
                       tr("the character U+%(code)s cannot be stored as UTF-8", code=f"{ord(text[exc.start]):04X}"))
    return None


def read_capped(path: Path, problems: Problems, limit: int = MAX_FILE_BYTES) -> bytes | None:
    """The file's bytes, or None (with a problem) when it is larger than ``limit``.

    Reads at most ``limit + 1`` bytes whatever the file system says its size
    is, so a 50 MB file costs no more memory or time than a 1 MB one.
    """
    try:
        with path.open("rb") as handle:
            data = handle.read(limit + 1)
            if len(data) > limit:
                size = max(path.stat().st_size, len(data))
                problems.error(path, (1, 1), "file-too-large",
                               tr("%(size)s bytes; a content file may hold at most %(limit)s",
                                  size=f"{size:,}", limit=f"{limit:,}"))
                return None
    except OSError as exc:
        problems.error(path, (1, 1), "file-unreadable", exc.strerror or str(exc))
        return None
    return data


def read_text(path: Path, problems: Problems) -> str | None:
    data = read_capped(path, problems)
    return None if data is None else decode(data, path, problems)


def load_file(path: Path, problems: Problems):
    text = read_text(path, problems)
    return None if text is None else load_text(text, path, problems)
