"""Targeted edits of a YAML mapping's top-level values, leaving the rest of the text alone.

Records are edited by hand (comments, key order, extra keys, quoting style),
so an importer that rewrites a whole file would undo those edits. We compose
the document once more to learn the source span of each top-level value and
replace only the spans of values that change, or insert one line per new key.
The result is parsed again and compared with what was meant; a file this
cannot edit safely is left alone and reported.

ruamel.yaml's round trip would do the same job with a second YAML library,
whose emitter re-indents and re-wraps what it rewrites; line edits keep every
byte we do not mean to change.
"""

from __future__ import annotations

import datetime as dt
import json

import yaml

from .wording import tr
from .yamldoc import _Loader


class PatchError(Exception):
    """The text cannot be edited safely (not a mapping, or the result differs from the intent)."""


class Month(str):
    """A 'YYYY-MM' date written when only the month is known; always quoted in YAML."""


def _loads(text: str):
    return yaml.load(text, Loader=_Loader)


def scalar(value, in_flow: bool = False) -> str:
    """``value`` as a YAML scalar that reads back as exactly the same value."""
    if isinstance(value, bool) or value is None:
        raise TypeError(f"cannot write {value!r}")
    if isinstance(value, int):
        return str(value)
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value.isoformat()
    if not isinstance(value, str):
        raise TypeError(f"cannot write {type(value).__name__}")
    quoted = json.dumps(str(value), ensure_ascii=False)  # a JSON string is a YAML double-quoted one
    if isinstance(value, Month) or not value or value != value.strip() or "\n" in value:
        return quoted
    # Plain only when YAML reads it back as the same text (not a number,
    # boolean, date, comment, or flow punctuation).
    probe = f"k: [{value}]" if in_flow else f"k: {value}"
    try:
        back = _loads(probe)
    except yaml.YAMLError:
        return quoted
    expected = {"k": [value]} if in_flow else {"k": value}
    return value if back == expected and "#" not in value else quoted


def flow(value) -> str:
    if isinstance(value, list):
        return "[" + ", ".join(scalar(v, in_flow=True) for v in value) + "]"
    return scalar(value)


def _plain(value):
    """The Python value YAML will read back for what ``flow`` writes."""
    if isinstance(value, list):
        return [str(v) if isinstance(v, str) else v for v in value]
    return str(value) if isinstance(value, str) else value


def render_mapping(values: dict) -> str:
    """A new file: one ``key: value`` line per entry, in the given order."""
    return "".join(f"{k}: {flow(v)}\n" for k, v in values.items())


def _content_end(node) -> int:
    """Where a value's own text ends (block collections include trailing comments in their mark)."""
    if isinstance(node, yaml.ScalarNode) or node.flow_style:
        return node.end_mark.index
    if isinstance(node, yaml.SequenceNode):
        return _content_end(node.value[-1]) if node.value else node.end_mark.index
    return _content_end(node.value[-1][1]) if node.value else node.end_mark.index


def _line_end(text: str, index: int) -> int:
    """Index just past the newline of the line holding ``index - 1``."""
    nl = text.find("\n", max(index - 1, 0))
    return len(text) if nl < 0 else nl + 1


def _line_start(text: str, index: int) -> int:
    return text.rfind("\n", 0, index) + 1


def update_mapping(text: str, changes: dict, order: list[str]) -> str:
    """Set each key of ``changes`` to its value; new keys go after their predecessor in ``order``."""
    try:
        root = yaml.compose(text, Loader=_Loader)
        before = _loads(text)
    except yaml.YAMLError as exc:
        raise PatchError(tr("not valid YAML: %(error)s", error=str(exc))) from None
    if not isinstance(root, yaml.MappingNode) or root.flow_style or not isinstance(before, dict):
        raise PatchError(tr("the file is not a block mapping of keys to values"))
    newline = "\r\n" if "\r\n" in text else "\n"
    pairs = {k.value: (k, v) for k, v in root.value if isinstance(k, yaml.ScalarNode)}
    edits: list[tuple[int, int, str, int]] = []  # (start, end, replacement, rank)
    for seq, (key, value) in enumerate(changes.items()):
        if key in pairs:
            knode, vnode = pairs[key]
            edits.append(_replace(text, knode, vnode, value, newline) + (seq,))
        else:
            at = _insert_at(text, root, pairs, key, order)
            prefix = newline if at == len(text) and text and not text.endswith("\n") else ""
            rank = order.index(key) if key in order else len(order) + seq
            edits.append((at, at, f"{prefix}{key}: {flow(value)}{newline}", rank))
    out = text
    # From the end backwards so earlier offsets stay valid; insertions at one
    # place keep the order of ``changes``.
    for start, end, replacement, _seq in sorted(edits, key=lambda e: (e[0], e[1], e[3]), reverse=True):
        out = out[:start] + replacement + out[end:]
    expected = dict(before)
    expected.update({k: _plain(v) for k, v in changes.items()})
    try:
        after = _loads(out)
    except yaml.YAMLError as exc:  # pragma: no cover - guarded by the comparison below
        raise PatchError(tr("the edit would break the file: %(error)s", error=str(exc))) from None
    if after != expected or [k for k in after if k in before] != list(before):
        raise PatchError(tr("the edit would not give the intended values"))
    return out


def _replace(text: str, knode, vnode, value, newline: str) -> tuple[int, int, str]:
    key_line = knode.start_mark.line
    if isinstance(vnode, yaml.ScalarNode) and vnode.start_mark.index == vnode.end_mark.index:
        # An empty value (``hosts:``): write after the colon, keep any comment.
        return knode.end_mark.index, vnode.end_mark.index, f": {flow(value)}"
    inline = isinstance(vnode, yaml.ScalarNode) or vnode.flow_style
    if inline and vnode.start_mark.line == key_line:
        return vnode.start_mark.index, vnode.end_mark.index, flow(value)
    end = _content_end(vnode)
    if isinstance(vnode, yaml.SequenceNode) and not vnode.flow_style and isinstance(value, list) and value:
        # A block list stays a block list, at its own indentation.
        first = vnode.value[0].start_mark if vnode.value else vnode.start_mark
        start = _line_start(text, first.index)
        dash = text[start:first.index]
        lines = [f"{dash}{scalar(v)}" for v in value]
        return start, end, newline.join(lines)
    return knode.end_mark.index, end, f": {flow(value)}"


def _insert_at(text: str, root, pairs: dict, key: str, order: list[str]) -> int:
    before = order[: order.index(key)] if key in order else order
    present = [k for k in before if k in pairs]
    if present:
        _k, vnode = pairs[present[-1]]
        return _line_end(text, _content_end(vnode))
    if root.value:
        return _line_start(text, root.value[0][0].start_mark.index)
    return len(text)
