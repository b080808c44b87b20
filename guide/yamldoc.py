"""Reads YAML into plain values that remember where each came from.

PyYAML keeps the last of two equal keys silently, resolves YAML 1.1 words such
as ``NO`` to booleans and expands aliases without limit. We compose the node
graph ourselves so that each of those becomes a reported problem with a line
and column, instead of a surprise in the published site.
"""

from __future__ import annotations

from pathlib import Path

import yaml

try:  # the C composer is several times faster and keeps the same marks
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover - libyaml missing
    from yaml import SafeLoader as _Loader

from .problems import Problems

MAX_FILE_BYTES = 1_000_000  # a record is a few hundred bytes; refuse giants early
MAX_NODES = 50_000

STR_TAG = "tag:yaml.org,2002:str"
_constructor = yaml.constructor.SafeConstructor()


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


def _pos(node) -> tuple[int, int]:
    return (node.start_mark.line + 1, node.start_mark.column + 1)


class _Builder:
    def __init__(self, path, problems: Problems):
        self.path = path
        self.problems = problems
        self.seen: set[int] = set()
        self.count = 0

    def build(self, node):
        self.count += 1
        if self.count > MAX_NODES:
            raise _TooBig(node)
        if id(node) in self.seen:
            # The composer hands aliases back as the very same node object.
            raise _Alias(node)
        self.seen.add(id(node))
        if isinstance(node, yaml.MappingNode):
            out = MarkedMap()
            out.mark = _pos(node)
            for key_node, value_node in node.value:
                if key_node.tag == "tag:yaml.org,2002:merge":
                    raise _Alias(key_node)
                key = self.build(key_node)
                if not isinstance(key, (str, int)) or isinstance(key, bool):
                    self.problems.error(self.path, _pos(key_node), "yaml-key-type",
                                        f"keys must be plain text, not {key!r}")
                    continue
                if key in out:
                    first = out.key_marks[key]
                    self.problems.error(
                        self.path, _pos(key_node), "yaml-duplicate-key",
                        f"key '{key}' appears twice in one mapping "
                        f"(first at line {first[0]}); YAML would keep only the last")
                    continue
                out[key] = self.build(value_node)
                out.key_marks[key] = _pos(key_node)
                out.value_marks[key] = _pos(value_node)
                if isinstance(value_node, yaml.ScalarNode):
                    out.raw[key] = (value_node.tag, value_node.value)
            return out
        if isinstance(node, yaml.SequenceNode):
            out = MarkedList()
            out.mark = _pos(node)
            for item in node.value:
                out.append(self.build(item))
                out.marks.append(_pos(item))
                out.raw.append((item.tag, item.value) if isinstance(item, yaml.ScalarNode) else None)
            return out
        try:
            return _constructor.construct_object(node, deep=True)
        except (ValueError, yaml.constructor.ConstructorError) as exc:
            self.problems.error(self.path, _pos(node), "yaml-value",
                                f"cannot read '{node.value}': {exc}")
            return None


class _Alias(Exception):
    def __init__(self, node):
        self.node = node


class _TooBig(Exception):
    def __init__(self, node):
        self.node = node


def decode(data: bytes, path, problems: Problems) -> str | None:
    """Decode UTF-8 strictly, reporting the first bad byte by line and column."""
    if data.startswith(b"\xef\xbb\xbf"):
        problems.warning(path, (1, 1), "encoding-bom",
                         "file starts with a byte-order mark; save it as UTF-8 without BOM")
        data = data[3:]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        before = data[: exc.start]
        line = before.count(b"\n") + 1
        column = len(before) - (before.rfind(b"\n") + 1) + 1
        problems.error(path, (line, column), "encoding",
                       f"not UTF-8 (byte 0x{data[exc.start]:02x}); save the file as UTF-8")
        return None


def load_text(text: str, path, problems: Problems):
    """Parse one YAML document; returns None (with problems) when it cannot."""
    try:
        node = yaml.compose(text, Loader=_Loader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        reason = exc.problem or str(exc)
        problems.error(path, where, "yaml-syntax", f"YAML syntax: {reason}")
        return None
    except yaml.YAMLError as exc:
        problems.error(path, (1, 1), "yaml-syntax", f"YAML syntax: {exc}")
        return None
    if node is None:
        return None
    builder = _Builder(path, problems)
    try:
        return builder.build(node)
    except _Alias as exc:
        problems.error(path, _pos(exc.node), "yaml-alias",
                       "anchors, aliases and merge keys are not allowed in content files")
    except _TooBig as exc:
        problems.error(path, _pos(exc.node), "yaml-too-large",
                       f"more than {MAX_NODES} values in one file")
    return None


def load_file(path: Path, problems: Problems):
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            problems.error(path, (1, 1), "file-too-large",
                           f"{size:,} bytes; a content file may hold at most {MAX_FILE_BYTES:,}")
            return None
        data = path.read_bytes()
    except OSError as exc:
        problems.error(path, (1, 1), "file-unreadable", str(exc))
        return None
    text = decode(data, path, problems)
    if text is None:
        return None
    return load_text(text, path, problems)
