"""The bilingual brief catalog (中英文双语简版目录) of an edition, as one PDF.

A cover, then the listed conferences grouped by field and sorted by date, one
table row each, with the table header repeated on every page and
"第 X 页 / 共 Y 页 · Page X of Y" in the footer. Like certificates,
``catalog_doc`` decides the text and ``draw_catalog`` draws it.
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass

from reportlab.lib.colors import HexColor
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (BaseDocTemplate, Flowable, Frame, NextPageTemplate, PageBreak,
                                PageTemplate, Spacer, Table, TableStyle)

from .fonts import printable
from .linebreaking import wrap
from .model import EditionView, SiteModel
from .pdfcanvas import ACCENT, CREATOR, INK, MUTED, draw_text, fix_document, font_name, text_width
from .rendering import format_dates, format_number
from .translation import N_, ContentTranslator


SUBTITLE = N_("Bilingual brief catalog")
NUMBER = N_("No.")
PAGE = N_("Page %(page)s of %(pages)s")
CONFERENCE = N_("Conference name")
CITY = N_("City")

PAGE_W, PAGE_H = A4
MARGIN = 42.0
COLUMNS = (26.0, 205.0, 104.0, 60.0, 116.0)   # No., name, dates, city, unit: 511 pt in all
PAD = 3.5
RULE = HexColor("#c9c9cf")
HEAD_BG = HexColor("#f1ece4")


@dataclass(frozen=True)
class Row:
    number: str
    cells: tuple[tuple[str, str], ...]   # (zh, en) per column after the number


@dataclass(frozen=True)
class Group:
    title: tuple[str, str]
    count: tuple[str, str]
    rows: tuple[Row, ...]


@dataclass(frozen=True)
class CatalogDoc:
    edition: str
    created: str
    title: tuple[str, str]
    subtitle: tuple[str, str]
    publisher: tuple[str, str]
    summary: tuple[str, str]
    sample: tuple[str, str]
    headers: tuple[tuple[str, str], ...]
    groups: tuple[Group, ...]
    page: tuple[str, str]

    def texts(self):
        for pair in (self.title, self.subtitle, self.publisher, self.summary, self.sample, *self.headers):
            yield from pair
        yield from (p % {"page": 0, "pages": 0} for p in self.page)
        for group in self.groups:
            yield from group.title
            yield from group.count
            for row in group.rows:
                yield row.number
                for pair in row.cells:
                    yield from pair


def catalog_doc(model: SiteModel, view: EditionView) -> CatalogDoc:
    edition = view.edition
    gts = {lang: model.catalogs.get(lang, "messages") for lang in ("zh", "en")}
    trs = {lang: ContentTranslator(model.catalogs, lang) for lang in ("zh", "en")}

    def both(fn):
        return tuple(fn(lang, gts[lang], trs[lang]) for lang in ("zh", "en"))

    def count(n):
        return both(lambda l, gt, tr: gt.ngettext("%(count)s conference", "%(count)s conferences", n)
                    % {"count": format_number(n, l)})

    groups, number = [], 0
    for f in edition.fields:
        rows = []
        for c in view.by_field[f.id]:
            number += 1
            unit = model.units[c.recommender]
            rows.append(Row(str(number), (
                both(lambda l, gt, tr: tr.lookup(c.name)[0]),
                # (a postponed conference's dates are its new ones: said so, as its page does)
                both(lambda l, gt, tr: printable(format_dates(c.dates, l, gt)) + (
                    gt.pgettext("punctuation", " (") + gt.pgettext("status after the dates", "postponed") + gt.pgettext("punctuation", ")")
                    if c.status == "postponed" else "")),
                both(lambda l, gt, tr: tr.lookup(c.city)[0] if c.city else gt.gettext("To be announced")),
                both(lambda l, gt, tr: tr.lookup(unit.name)[0]),
            )))
        if rows:
            groups.append(Group(both(lambda l, gt, tr: tr.lookup(f.name)[0]), count(len(rows)), tuple(rows)))
    created = edition.certificates.issue_date if edition.certificates else edition.window.start
    return CatalogDoc(
        edition=edition.id, created=created.isoformat(),
        title=both(lambda l, gt, tr: tr.lookup(edition.title)[0]),
        subtitle=both(lambda l, gt, tr: gt.gettext(SUBTITLE)),
        publisher=both(lambda l, gt, tr: tr.lookup(model.guide.publisher)[0]),
        summary=count(len(view.listed)),
        sample=both(lambda l, gt, tr: gt.gettext("Sample data, not the official list.")) if edition.sample else ("", ""),
        headers=(both(lambda l, gt, tr: gt.gettext(NUMBER)), both(lambda l, gt, tr: gt.gettext(CONFERENCE)),
                 both(lambda l, gt, tr: gt.gettext("Dates")), both(lambda l, gt, tr: gt.gettext(CITY)),
                 both(lambda l, gt, tr: gt.gettext("Recommending unit"))),
        groups=tuple(groups),
        page=both(lambda l, gt, tr: gt.gettext(PAGE)))


# -- drawing -------------------------------------------------------------------
class Lines(Flowable):
    """Pre-wrapped lines of text in blocks (zh, then en), drawn top-down."""

    def __init__(self, blocks, width: float):
        super().__init__()
        self.width = width
        self.blocks = []
        self.height = 0.0
        for text, lang, size, color, bold in blocks:
            if not text:
                continue
            lines = wrap(text, lang, width, lambda s, size=size: text_width(s, size), no_orphan=True)
            self.blocks.append((lines, size, color, bold))
            self.height += size * 1.28 * len(lines)

    def wrap(self, available_width, available_height):
        return self.width, self.height

    def draw(self):
        y = self.height
        for lines, size, color, bold in self.blocks:
            for line in lines:
                y -= size * 1.28
                draw_text(self.canv, 0, y + size * 0.25, line, size, color, bold=size / 40 if bold else 0.0)


def _cell(pair: tuple[str, str], width: float, size: float = 8.2, bold: bool = False) -> Lines:
    zh, en = pair
    return Lines([(zh, "zh", size, INK, bold), (en, "en", size * 0.9, MUTED, False)], width - 2 * PAD)


def _table(doc: CatalogDoc, group: Group) -> Table:
    header = [_cell(h, w, 8, bold=True) for h, w in zip(doc.headers, COLUMNS)]
    data = [header]
    for row in group.rows:
        data.append([Lines([(row.number, "en", 8.2, INK, False)], COLUMNS[0] - 2 * PAD)]
                    + [_cell(pair, w) for pair, w in zip(row.cells, COLUMNS[1:])])
    table = Table(data, colWidths=COLUMNS, repeatRows=1)
    table.setStyle(TableStyle([
        ("FONT", (0, 0), (-1, -1), font_name(), 8.2),  # the cell default; else Table sets Helvetica
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LEFTPADDING", (0, 0), (-1, -1), PAD), ("RIGHTPADDING", (0, 0), (-1, -1), PAD),
        ("TOPPADDING", (0, 0), (-1, -1), PAD), ("BOTTOMPADDING", (0, 0), (-1, -1), PAD),
        ("BACKGROUND", (0, 0), (-1, 0), HEAD_BG),
        ("LINEBELOW", (0, 0), (-1, -1), 0.4, RULE),
        ("LINEABOVE", (0, 0), (-1, 0), 0.8, ACCENT), ("LINEBELOW", (0, 0), (-1, 0), 0.8, ACCENT),
    ]))
    return table


class _Heading(Flowable):
    def __init__(self, group: Group, width: float):
        super().__init__()
        self.group, self.width, self.height = group, width, 30.0
        self.keepWithNext = True

    def wrap(self, available_width, available_height):
        return self.width, self.height

    def draw(self):
        (zh, en), (count_zh, count_en) = self.group.title, self.group.count
        draw_text(self.canv, 0, 9, zh, 13, INK, bold=0.35)
        draw_text(self.canv, text_width(zh, 13) + 10, 9, en, 10.5, MUTED)
        draw_text(self.canv, self.width, 9, f"{count_zh} · {count_en}", 8.5, MUTED, "right")


def draw_catalog(doc: CatalogDoc) -> bytes:
    buf = io.BytesIO()
    created = dt.date.fromisoformat(doc.created)
    key = repr(doc)

    class PagedCanvas(Canvas):
        """Holds pages back until the total is known, then stamps the footers."""

        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            fix_document(self._doc, created, key)
            self._held = []

        def showPage(self):
            self._held.append(dict(self.__dict__))
            self._startPage()

        def save(self):
            total = len(self._held)
            for state in self._held:
                self.__dict__.update(state)
                n = self._pageNumber
                if n > 1:
                    zh, en = (p % {"page": n, "pages": total} for p in doc.page)
                    draw_text(self, PAGE_W / 2, 24, f"{zh} · {en}", 8, MUTED, "center")
                super().showPage()
            super().save()

    def body_page(canvas, _template):
        canvas.saveState()
        draw_text(canvas, MARGIN, PAGE_H - 28, f"{doc.title[0]} · {doc.title[1]}", 7.5, MUTED)
        if doc.sample[0]:
            draw_text(canvas, PAGE_W - MARGIN, PAGE_H - 28, f"{doc.sample[0]} {doc.sample[1]}", 7.5, ACCENT, "right")
        canvas.setStrokeColor(RULE)
        canvas.setLineWidth(0.4)
        canvas.line(MARGIN, PAGE_H - 33, PAGE_W - MARGIN, PAGE_H - 33)
        canvas.restoreState()

    def cover_page(canvas, _template):
        canvas.saveState()
        mid = PAGE_W / 2
        canvas.setStrokeColor(ACCENT)
        canvas.setLineWidth(2)
        canvas.rect(28, 28, PAGE_W - 56, PAGE_H - 56)
        y = PAGE_H * 0.68
        for line in wrap(doc.title[0], "zh", PAGE_W - 140, lambda s: text_width(s, 26), no_orphan=True):
            draw_text(canvas, mid, y, line, 26, INK, "center", bold=0.6)
            y -= 36
        for line in wrap(doc.title[1], "en", PAGE_W - 140, lambda s: text_width(s, 15)):
            draw_text(canvas, mid, y, line, 15, MUTED, "center")
            y -= 21
        y -= 24
        draw_text(canvas, mid, y, doc.subtitle[0], 18, ACCENT, "center", bold=0.3)
        draw_text(canvas, mid, y - 22, doc.subtitle[1], 12, ACCENT, "center")
        draw_text(canvas, mid, y - 58, f"{doc.summary[0]} · {doc.summary[1]}", 10.5, INK, "center")
        y -= 100
        for group in doc.groups:
            draw_text(canvas, mid - 200, y, f"{group.title[0]}  {group.title[1]}", 9, INK)
            draw_text(canvas, mid + 200, y, f"{group.count[0]} · {group.count[1]}", 9, MUTED, "right")
            y -= 15
        draw_text(canvas, mid, 92, doc.publisher[0], 13, INK, "center")
        draw_text(canvas, mid, 74, doc.publisher[1], 10, MUTED, "center")
        if doc.sample[0]:
            draw_text(canvas, mid, 46, f"{doc.sample[0]} · {doc.sample[1]}", 9, ACCENT, "center")
        canvas.restoreState()

    width = PAGE_W - 2 * MARGIN
    template = BaseDocTemplate(
        buf, pagesize=A4, leftMargin=MARGIN, rightMargin=MARGIN, topMargin=44, bottomMargin=40,
        invariant=1, initialFontName=font_name(), pageCompression=1, lang="zh-CN",
        title=f"{doc.title[0]} {doc.subtitle[0]} · {doc.title[1]} {doc.subtitle[1]}",
        subject=f"{doc.subtitle[0]} · {doc.subtitle[1]}", author=f"{doc.publisher[0]} · {doc.publisher[1]}",
        creator=CREATOR)
    frame = Frame(MARGIN, 40, width, PAGE_H - 84, id="body", leftPadding=0, rightPadding=0,
                  topPadding=0, bottomPadding=0)
    template.addPageTemplates([PageTemplate("cover", [frame], onPage=cover_page),
                               PageTemplate("body", [frame], onPage=body_page)])
    story = [NextPageTemplate("body"), PageBreak()]
    for group in doc.groups:
        story += [_Heading(group, width), _table(doc, group), Spacer(1, 14)]
    template.build(story, canvasmaker=PagedCanvas)
    return buf.getvalue()
