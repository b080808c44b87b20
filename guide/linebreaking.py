"""Line breaking for the PDFs: Chinese by character, English by word.

Chinese may break between any two characters, except that closing
punctuation never starts a line and opening punctuation never ends one
(禁则, the rules of GB/T 15834 and W3C's clreq); a run of Latin letters or
digits inside Chinese ("2023", "CNCC") stays whole. English breaks at spaces
only; a single word wider than the line (a long URL) is cut as a last resort.
"""

from __future__ import annotations

import re
from typing import Callable

# Never at the start of a line: the list "，。；：！？）》" and their kin.
NO_START = set("，。；：！？）》、〉」』】〕〗”’…—·%％,.;:!?)]}")
# Never at the end of a line.
NO_END = set("（《〈「『【〔〖“‘([{")
_UNITS = re.compile(r"[A-Za-z0-9][A-Za-z0-9.\-/&'+]*|\s+|.", re.S)

Measure = Callable[[str], float]


def _may_break(before: str, after: str) -> bool:
    if after.isspace() or before.isspace():
        return True
    return after[0] not in NO_START and before[-1] not in NO_END


def wrap_zh(text: str, width: float, measure: Measure, no_orphan: bool = False) -> list[str]:
    lines: list[str] = []
    line: list[str] = []
    widths: list[float] = []   # text widths add up: one font, no kerning
    for unit in _UNITS.findall(text):
        if not line and unit.isspace():
            continue
        w = measure(unit)
        if not line or sum(widths) + w <= width:
            line.append(unit)
            widths.append(w)
            continue
        # Overflow: break at the last allowed place, carrying along what may
        # not be separated (the character before a closing mark, an opening mark).
        seq, seq_w = line + [unit], widths + [w]
        cut = len(line)
        while cut > 0 and not _may_break(seq[cut - 1], seq[cut]):
            cut -= 1
        if cut == 0:
            if unit[0] in NO_START:
                line.append(unit)  # no legal break at all: let the mark hang
                widths.append(w)
                continue
            cut = len(line)
        lines.append("".join(seq[:cut]).rstrip())
        line, widths = seq[cut:], seq_w[cut:]
        while line and line[0].isspace():
            line.pop(0)
            widths.pop(0)
        if len(line) == 1 and len(line[0]) > 1 and widths[0] > width:
            # A Latin run wider than the line: cut it by character.
            pieces = _cut_word(line[0], width, measure)
            lines.extend(pieces[:-1])
            line, widths = [pieces[-1]], [measure(pieces[-1])]
    if line:
        lines.append("".join(line).rstrip())
    lines = [l for l in lines if l] or [""]
    if no_orphan:
        _avoid_orphan(lines)
    return lines


def _avoid_orphan(lines: list[str]) -> None:
    """A paragraph's last line with one character (and its closing marks) alone, as
    "特发此" / "证。": the character before it goes down too (clreq avoids 孤字),
    where that break is allowed and no Latin run is split. (The line gets one
    character wider than one that fitted, which its closing marks already hung past.)"""
    if len(lines) < 2:
        return
    last, prev = lines[-1], lines[-2]
    if len(last.rstrip("".join(NO_START))) != 1 or not last[0].strip() or last[0] in NO_START:
        return
    if len(prev) < 4 or prev[-1].isascii() or prev[-2].isspace() or not _may_break(prev[-2], prev[-1]):
        return
    lines[-2:] = [prev[:-1], prev[-1] + last]


def _cut_word(word: str, width: float, measure: Measure) -> list[str]:
    pieces, cur, cur_w = [], "", 0.0
    for ch in word:
        w = measure(ch)
        if cur and cur_w + w > width:
            pieces.append(cur)
            cur, cur_w = "", 0.0
        cur += ch
        cur_w += w
    return pieces + [cur]


def wrap_en(text: str, width: float, measure: Measure) -> list[str]:
    lines: list[str] = []
    cur, cur_w = "", 0.0
    space = measure(" ")
    for word in text.split():
        w = measure(word)
        if cur and cur_w + space + w <= width:
            cur, cur_w = f"{cur} {word}", cur_w + space + w
            continue
        if not cur and w <= width:
            cur, cur_w = word, w
            continue
        if cur:
            lines.append(cur)
        if w > width:
            pieces = _cut_word(word, width, measure)
            lines.extend(pieces[:-1])
            cur = pieces[-1]
            cur_w = measure(cur)
        else:
            cur, cur_w = word, w
    if cur:
        lines.append(cur)
    return lines or [""]


def wrap(text: str, lang: str, width: float, measure: Measure, no_orphan: bool = False) -> list[str]:
    """Lines of ``text`` no wider than ``width`` (by the rules of ``lang``).
    ``no_orphan``: a Chinese paragraph's last line has two characters at least."""
    out: list[str] = []
    for paragraph in text.split("\n"):
        out.extend(wrap_zh(paragraph, width, measure, no_orphan) if lang == "zh" else wrap_en(paragraph, width, measure))
    return out
