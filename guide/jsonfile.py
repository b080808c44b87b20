"""JSON files that people read as well as programs, made by the json module's C encoder.

``json.dumps`` with ``indent`` runs the pure-Python encoder: at N = 10,000
the open data, the records snapshot and the certificate list took 1.0 s of
a core that way. Here only the outer levels are laid out an item a line;
each value below them is one line from the C encoder, so a conference
record or a certificate reads, greps and diffs as one line.
"""

from __future__ import annotations

import json


def _key(key) -> str:
    """A mapping key as the json module writes it: a str, or a number, bool or None as text."""
    if isinstance(key, str):
        return key
    if key is None or isinstance(key, (int, float)):   # (bool is an int; NaN, infinities as json writes them)
        return json.dumps(key)
    raise TypeError(f"keys must be str, int, float, bool or None, not {type(key).__name__}")


def dumps(value, levels: int = 2, sort_keys: bool = False) -> str:
    """``value`` as JSON text: containers above depth ``levels`` one item a line
    (indented by one space a level, as ``indent=1``), those at it on one line."""
    encode = json.JSONEncoder(ensure_ascii=False, sort_keys=sort_keys).encode

    def layout(item, level: int) -> str:
        if level >= levels or not isinstance(item, (dict, list)) or not item:
            return encode(item)
        pad = "\n" + " " * (level + 1)
        end = "\n" + " " * level
        if isinstance(item, dict):
            pairs = sorted(item.items()) if sort_keys else item.items()
            return "{" + ",".join(f"{pad}{encode(_key(key))}: {layout(v, level + 1)}" for key, v in pairs) + end + "}"
        return "[" + ",".join(pad + layout(v, level + 1) for v in item) + end + "]"

    return layout(value, 0)
