"""ReportLab set-up shared by the certificates and the catalog.

One embedded font, registered once per process; a canvas that references no
other font (not even ReportLab's default Helvetica) and whose bytes depend
only on what is drawn: invariant mode, the creation date given by the
caller, and a document ID derived from the document's content.
"""

from __future__ import annotations

import calendar
import datetime as dt
import time
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from reportlab.lib.colors import HexColor
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas

from .linebreaking import wrap

INK = HexColor("#1d1d1f")
MUTED = HexColor("#5a5a60")
ACCENT = HexColor("#8c1c13")
CREATOR = "Guide to Important Academic Conferences site builder"

_font: str | None = None


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
        font = TTFont(name, str(path))
        # ReportLab aliases a new name to the font first registered with the
        # same face (PostScript) name, which every trimmed font shares: forget
        # that face so this file, with its own characters, is the one used.
        pdfmetrics._dynFaceNames.pop(font.face.name, None)
        pdfmetrics.registerFont(font)
    _font = name
    text_width.cache_clear()


def font_name() -> str:
    if _font is None:
        raise RuntimeError("register_font() first")
    return _font


@lru_cache(maxsize=65536)
def text_width(text: str, size: float) -> float:
    return pdfmetrics.stringWidth(text, _font, size)


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
    ships one weight here)."""
    canvas.setFont(font_name(), size)
    canvas.setFillColor(color)
    mode = None
    if bold:
        canvas.setStrokeColor(color)
        canvas.setLineWidth(bold)
        mode = 2
    draw = {"left": canvas.drawString, "center": canvas.drawCentredString,
            "right": canvas.drawRightString}[align]
    draw(x, y, text, mode=mode, charSpace=char_space)


@dataclass
class _Block:
    lines: list[str]
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
        lines = wrap(text, self.lang, self.width, lambda s: text_width(s, size))
        self.items.append(_Block(lines, size, color, size * leading, bold))
        self.height += size * leading * len(lines)

    def gap(self, points: float) -> None:
        self.items.append(points)
        self.height += points

    def draw(self, canvas, x: float, top: float) -> None:
        y = top
        for item in self.items:
            if not isinstance(item, _Block):
                y -= item
                continue
            for line in item.lines:
                y -= item.leading
                baseline = y + (item.leading - item.size) / 2 + item.size * 0.18
                draw_text(canvas, x, baseline, line, item.size, item.color,
                          bold=item.size / 40 if item.bold else 0.0)


def draw_qr(canvas, data: str, x: float, y: float, size: float) -> None:
    """A QR code as vector modules (no image), one rectangle per dark run of a row."""
    import segno
    qr = segno.make(data, error="m", micro=False)
    matrix = qr.matrix
    n = len(matrix)
    module = size / n
    canvas.saveState()
    canvas.setFillColor(INK)
    path = canvas.beginPath()
    for row_index, row in enumerate(matrix):
        top = y + size - (row_index + 1) * module
        col = 0
        while col < n:
            if row[col]:
                start = col
                while col < n and row[col]:
                    col += 1
                path.rect(x + start * module, top, (col - start) * module, module)
            else:
                col += 1
    canvas.drawPath(path, stroke=0, fill=1)
    canvas.restoreState()
