"""ReportLab set-up shared by the certificates and the catalog.

One embedded font, registered once per process; a canvas that references no
other font (not even ReportLab's default Helvetica) and whose bytes depend
only on what is drawn: invariant mode, the creation date given by the
caller, and a document ID derived from the document's content.
"""

from __future__ import annotations

import calendar
import datetime as dt
import operator
import re
import time
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Callable

from reportlab.lib.colors import HexColor
from reportlab.lib.rl_accel import escapePDF, fp_str
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas

from .linebreaking import wrap

INK = HexColor("#1d1d1f")
MUTED = HexColor("#5a5a60")
ACCENT = HexColor("#8c1c13")
CREATOR = "Guide to Important Academic Conferences site builder"

_font: str | None = None


class _SubsetFont(TTFont):
    """ReportLab's TrueType font, whose per-document subsets carry only the
    characters printed (no ASCII block reserved), and whose widths array is
    written in one C call: ReportLab formats it number by number, a tenth of
    a certificate's time."""

    def __init__(self, name: str, path: Path) -> None:
        super().__init__(name, str(path), asciiReadable=False)

    def addObjects(self, doc) -> None:
        state = self.state.get(doc)
        names = [self.getSubsetInternalName(n, doc)[1:] for n in range(len(state.subsets))] if state else []
        super().addObjects(doc)
        fonts = doc.idToObject["BasicFonts"].dict
        for name in names:
            pdf_font = fonts[name]
            pdf_font.Widths = f"[ {fp_str(*pdf_font.Widths.sequence)} ]".encode("ascii")


def register_font(path: Path) -> None:
    """Register a trimmed font, once per process and font file.

    Each file gets its own name (it stays inside ReportLab: the PDF names the
    font by its PostScript name, so output does not depend on it).
    """
    global _font
    path = Path(path)
    name = "GuideSerif-" + path.stem.rsplit("-", 1)[-1]
    if _font == name:
        return
    if name not in pdfmetrics.getRegisteredFontNames():
        font = _SubsetFont(name, path)
        # ReportLab aliases a new name to the font first registered with the
        # same face (PostScript) name, which every trimmed font shares: forget
        # that face so this file, with its own characters, is the one used.
        pdfmetrics._dynFaceNames.pop(font.face.name, None)
        pdfmetrics.registerFont(font)
    _font = name
    text_width.cache_clear()
    wrapped.cache_clear()


def font_name() -> str:
    if _font is None:
        raise RuntimeError("register_font() first")
    return _font


@lru_cache(maxsize=65536)
def text_width(text: str, size: float) -> float:
    return pdfmetrics.stringWidth(text, _font, size)


@lru_cache(maxsize=4096)
def wrapped(text: str, lang: str, width: float, size: float) -> tuple[str, ...]:
    """``text`` wrapped to ``width`` at ``size``, no Chinese character alone on its last
    line: the labels and the statement of an edition are the same on each of its
    certificates, and wrapped once."""
    return tuple(wrap(text, lang, width, lambda s: text_width(s, size), no_orphan=True))


def _timestamp(day: dt.date):
    from reportlab.lib.utils import TimeStamp
    stamp = TimeStamp(invariant=1)
    t = calendar.timegm(day.timetuple())
    stamp.t, stamp.lt = t, time.gmtime(t)
    stamp.YMDhms = tuple(stamp.lt)[:6]
    return stamp


def fix_document(doc, created: dt.date, doc_key: str) -> None:
    """Creation date = ``created``; the file ID digests ``doc_key`` (the content)."""
    doc._timeStamp = _timestamp(created)
    doc.updateSignature(doc_key)


def make_canvas(out, pagesize, created: dt.date, doc_key: str, title: str, subject: str = "",
                author: str = "", canvas_class=Canvas) -> Canvas:
    canvas = canvas_class(out, pagesize=pagesize, invariant=1, initialFontName=font_name(), initialFontSize=10,
                          pageCompression=1, lang="zh-CN")
    fix_document(canvas._doc, created, doc_key)
    describe(canvas, title, subject, author)
    return canvas


def describe(canvas, title: str, subject: str = "", author: str = "") -> None:
    canvas.setTitle(title)
    canvas.setSubject(subject)
    canvas.setAuthor(author)
    canvas.setCreator(CREATOR)


def draw_text(canvas, x: float, y: float, text: str, size: float, color=INK, align: str = "left",
              bold: float = 0.0, char_space: float = 0.0) -> None:
    """One line of text; ``bold`` > 0 emboldens with fill-and-stroke (Noto Serif SC
    ships one weight here). Leaves the canvas's graphics state as it was.
    Many lines at once: a TextBlock."""
    block = TextBlock()
    block.add(x, y, text, size, color, align, bold, char_space)
    block.draw(canvas)


class TextBlock:
    """Lines of text gathered and drawn as one PDF text object, setting font, colour,
    render mode and spacing only when they change: a certificate's forty lines
    cost one pass instead of forty ReportLab text objects.

    ``add`` takes the arguments of ``draw_text``; ``bold`` > 0 emboldens with
    fill-and-stroke at that line width.
    """

    def __init__(self) -> None:
        self.lines: list[tuple] = []

    def add(self, x: float, y: float, text: str, size: float, color=INK, align: str = "left",
            bold: float = 0.0, char_space: float = 0.0) -> None:
        if align != "left":
            width = text_width(text, size) + (len(text) - 1) * char_space if char_space else text_width(text, size)
            x -= width if align == "right" else width / 2
        self.lines.append((x, y, text, size, color, bold, char_space))

    def draw(self, canvas) -> None:
        if not self.lines:
            return
        font = pdfmetrics.getFont(font_name())
        doc = canvas._doc
        encode = self._encoder(font, doc)
        ops = ["q BT"]
        face = size_now = fill = stroke = width = None
        mode = spacing = 0
        for x, y, text, size, color, bold, char_space in self.lines:
            if color is not fill:
                ops.append(f"{fp_str(color.red, color.green, color.blue)} rg")
                fill = color
            if bold:
                if color is not stroke:
                    ops.append(f"{fp_str(color.red, color.green, color.blue)} RG")
                    stroke = color
                if bold != width:
                    ops.append(f"{fp_str(bold)} w")
                    width = bold
            if (2 if bold else 0) != mode:
                mode = 2 if bold else 0
                ops.append(f"{mode} Tr")
            if char_space != spacing:
                ops.append(f"{fp_str(char_space)} Tc")
                spacing = char_space
            ops.append(f"1 0 0 1 {fp_str(x, y)} Tm")
            for name, encoded in encode(text):
                if name != face or size != size_now:
                    ops.append(f"{name} {fp_str(size)} Tf")
                    face, size_now = name, size
                ops.append(f"({escapePDF(encoded)}) Tj")
        ops.append("ET Q")
        canvas.addLiteral("\n".join(ops))

    def _encoder(self, font, doc):
        """text -> [(font resource, bytes)] in the document's font subsets.

        ReportLab numbers characters in the order they first appear; handing it
        each distinct character once, in that order, gives the same numbers
        without walking every line in Python, and then a line is one
        str.translate. More than one subset (over 255 distinct characters): line
        by line through ReportLab."""
        distinct = "".join(dict.fromkeys("".join(line[2] for line in self.lines)))
        chunks = font.splitString(distinct, doc)
        if len(chunks) != 1:
            return lambda text: [(font.getSubsetInternalName(subset, doc), encoded)
                                 for subset, encoded in font.splitString(text, doc)]
        subset, codes = chunks[0]
        name = font.getSubsetInternalName(subset, doc)
        table = dict(zip(map(ord, distinct), codes))
        return lambda text: [(name, text.translate(table).encode("latin-1"))]


@dataclass
class _Block:
    lines: tuple[str, ...]
    size: float
    color: object
    leading: float
    bold: bool


@dataclass
class Column:
    """Paragraphs stacked top-down in one language, wrapped to a width."""

    lang: str
    width: float
    items: list = field(default_factory=list)
    height: float = 0.0

    def paragraph(self, text: str, size: float, color, leading: float = 1.3, bold: bool = False) -> None:
        lines = wrapped(text, self.lang, self.width, size)
        self.items.append(_Block(lines, size, color, size * leading, bold))
        self.height += size * leading * len(lines)

    def gap(self, points: float) -> None:
        self.items.append(points)
        self.height += points

    def draw(self, text: TextBlock, x: float, top: float) -> None:
        y = top
        for item in self.items:
            if not isinstance(item, _Block):
                y -= item
                continue
            for line in item.lines:
                y -= item.leading
                baseline = y + (item.leading - item.size) / 2 + item.size * 0.18
                text.add(x, baseline, line, item.size, item.color, bold=item.size / 40 if item.bold else 0.0)


# -- QR codes ------------------------------------------------------------------
# segno makes the codewords (segments, version, error correction); placing them
# and choosing the mask is most of its time (eight masked copies scored module
# by module in Python). Here the placement is one precomputed permutation per
# version, found by segno's own add_codewords, and the eight candidates are
# scored with exactly segno's penalty rules on the whole matrix held as one
# integer (its rows, then its columns: bit operations and C string searches),
# so the chosen mask, and so the matrix, are the ones segno.make gives (a test
# compares them on many URLs).
_N3_PATTERN = "1011101"
_BITS_TO_DIGITS = bytes.maketrans(b"\0\1", b"01")
_DIGITS_TO_BITS = bytes.maketrans(b"01", b"\0\1")


def _bits(rows) -> int:
    """Rows of 0 and 1, concatenated into one integer, the first module the highest bit."""
    return int(b"".join(bytes(row) for row in rows).translate(_BITS_TO_DIGITS), 2)


@dataclass(frozen=True)
class _QrLayout:
    """Per version, as bits of the rows and then the columns of the matrix
    (2 n² bits): where each codeword bit goes, each mask's bits, and where
    runs and blocks may be."""

    size: int
    data_bits: int             # modules of the encoding region
    place: Callable            # codeword bits + b"\0\1" -> every module of rows and columns
    masks: tuple[int, ...]
    runs: int                  # bit p set: modules p and p + 1 are in the same line
    blocks: int                # bit p set: p, p + 1, p + n, p + n + 1 form a 2×2 block of rows


def _with_columns(matrix) -> int:
    return _bits(list(matrix) + [bytes(col) for col in zip(*matrix)])


@lru_cache(maxsize=64)
def _qr_layout(version: int) -> _QrLayout:
    from segno import encoder
    n = version * 4 + 17
    # As segno's find_and_apply_best_mask builds it: the function patterns over
    # a matrix whose still unset modules (0x2) are the encoding region.
    template = encoder.make_matrix(n, n)
    encoder.add_finder_patterns(template, n, n)
    encoder.add_alignment_patterns(template, n, n)
    region = [[v == 0x2 for v in row] for row in template]
    region[-8][8] = False  # the dark module
    masks = tuple(_with_columns([[region[i][j] and bool(fn(i, j)) for j in range(n)] for i in range(n)])
                  for fn in encoder.get_data_mask_functions(False))
    # Where segno puts codeword bit k: let it place the markers 3, 4, ... instead.
    marked = [list(row) for row in template]
    data_bits = sum(row.count(0x2) for row in marked)
    encoder.add_codewords(marked, range(3, 3 + data_bits), version)
    # Index k < data_bits takes codeword bit k; data_bits and data_bits + 1 give
    # the fixed modules 0 and 1 (the reserved format areas are 0 while scoring).
    source = [[v - 3 if v >= 3 else data_bits + v for v in row] for row in marked]
    order = [k for row in source for k in row] + [k for col in zip(*source) for k in col]
    lines = 2 * n
    runs = sum(1 << p for p in range(lines * n) if (p + 1) % n)
    rows_low = n * n  # the rows are the high half: blocks need a row below (p + n) in the rows
    blocks = sum(1 << p for p in range(rows_low, 2 * rows_low - n) if (p + 1) % n)
    return _QrLayout(n, data_bits, operator.itemgetter(*order), masks, runs, blocks)


def _qr_codewords(data: str) -> tuple[int, int, bytearray]:
    """(version, error level, final message bits) as segno.make(data, error="m",
    micro=False) makes them: segno's encode up to its codeword placement."""
    from segno import consts, encoder
    segments = encoder.prepare_data(data, None, None)
    version = encoder.find_version(segments, consts.ERROR_LEVEL_M, eci=False, micro=False)
    error = encoder.boost_error_level(version, consts.ERROR_LEVEL_M, segments, False)
    buff = encoder.Buffer()
    for segment in segments:
        encoder.write_segment(buff, segment, None, encoder.version_range(version), False)
    capacity = consts.SYMBOL_CAPACITY[version][error]
    encoder.write_terminator(buff, capacity, None, len(buff))
    encoder.write_padding_bits(buff, version, len(buff))
    encoder.write_pad_codewords(buff, version, capacity, len(buff))
    return version, error, encoder.make_final_message(version, error, buff).getbits()


def _n3_score(lines: str, n: int) -> int:
    """segno's N3 over rows and columns of n modules, concatenated: 1:1:3:1:1 with
    four light modules on one side within the line (or the pattern at an edge).
    Matches across two lines are skipped; within a line the scan goes as segno's."""
    count = 0
    idx = lines.find(_N3_PATTERN)
    while idx != -1:
        col = idx % n
        if col > n - 7:
            idx = lines.find(_N3_PATTERN, idx + 1)
            continue
        start = idx - col
        offset = idx + 7
        if col in (0, n - 7) or "1" not in lines[start + max(col - 4, 0):idx] \
                or "1" not in lines[offset:min(offset + 4, start + n)]:
            count += 40
        else:
            offset = idx + 4
        idx = lines.find(_N3_PATTERN, offset)
    return count


def _qr_penalty(bits: int, layout: _QrLayout, form: str) -> int:
    """segno's mask_scores (N1 + N2 + N3 + N4) of a matrix given as its rows and columns."""
    n = layout.size
    same = ~(bits ^ (bits >> 1)) & layout.runs
    fives = same & (same >> 1) & (same >> 2) & (same >> 3)
    # A run of k ≥ 5 alike modules costs k - 2: its k - 4 windows of five, plus 2.
    n1 = fives.bit_count() + 2 * (fives & ~(fives << 1)).bit_count()
    vertical = ~(bits ^ (bits >> n))
    n2 = (vertical & (vertical >> 1) & same & layout.blocks).bit_count()
    n3 = _n3_score(format(bits, form), n)
    percent = float((bits >> (n * n)).bit_count()) / (n ** 2)
    n4 = 10 * int(abs(percent * 100 - 50) / 5)
    return n1 + 3 * n2 + n3 + n4


def qr_matrix(data: str) -> list[str]:
    """The QR code segno.make(data, error="m", micro=False) draws, as rows of "0"/"1"."""
    from segno import encoder
    version, error, bits = _qr_codewords(data)
    layout = _qr_layout(version)
    if len(bits) != layout.data_bits:
        raise ValueError(f"QR version {version}: {len(bits)} bits for {layout.data_bits} modules")
    n = layout.size
    unmasked = int(bytes(layout.place(bits + b"\0\1")).translate(_BITS_TO_DIGITS), 2)
    form = f"0{2 * n * n}b"
    scores = [_qr_penalty(unmasked ^ mask, layout, form) for mask in layout.masks]
    best = scores.index(min(scores))  # the first of the lowest, as segno
    digits = format((unmasked ^ layout.masks[best]) >> (n * n), f"0{n * n}b").encode()
    matrix = tuple(bytearray(digits[i:i + n].translate(_DIGITS_TO_BITS)) for i in range(0, n * n, n))
    encoder.add_format_info(matrix, version, error, best)
    encoder.add_version_info(matrix, version)
    return [bytes(row).translate(_BITS_TO_DIGITS).decode() for row in matrix]


def draw_qr(canvas, data: str, x: float, y: float, size: float) -> None:
    """A QR code as vector modules (no image): one rectangle per dark run of a
    row, stacked with the same run of the rows below into one taller rectangle.
    Drawn in module units (whole numbers) under one scaling transform."""
    rows = qr_matrix(data)
    n = len(rows)
    rects = []       # [first row, last row, start column, end column]
    open_runs = {}   # (start, end) -> index into rects, for runs of the previous row
    for row_index, row in enumerate(rows):
        now = {}
        for run in _DARK_RUN.finditer(row):
            span = run.span()
            i = open_runs.get(span)
            if i is None:
                i = len(rects)
                rects.append([row_index, row_index, *span])
            else:
                rects[i][1] = row_index
            now[span] = i
        open_runs = now
    # PDF's y axis points up: row r spans n - r - 1 .. n - r.
    ops = [f"{start} {n - last - 1} {end - start} {last - first + 1} re" for first, last, start, end in rects]
    module = size / n
    canvas.addLiteral(f"q {fp_str(INK.red, INK.green, INK.blue)} rg {fp_str(module, 0, 0, module, x, y)} cm\n"
                      + "\n".join(ops) + "\nf Q")


_DARK_RUN = re.compile("1+")
