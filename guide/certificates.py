"""Inclusion certificates (收录证书): what one says, in both languages, and how it is drawn.

``certificate_doc`` decides every string on a certificate (in the main
process, from the model and the gettext catalogs); ``draw_certificate`` turns
that into PDF bytes with ReportLab and may run in a worker process. The doc is
plain data, so its hash is the cache key of the PDF.
"""

from __future__ import annotations

import datetime as dt
import io
import weakref
from dataclasses import dataclass

from .fonts import printable
from .model import LANGS, Certificate, SiteModel
from .pdfcanvas import ACCENT, INK, MUTED, Column, TextBlock, draw_qr, make_canvas, text_width
from .rendering import format_dates, format_day, format_kind
from .translation import N_, ContentTranslator


# Interface strings of the certificate (messages domain, English source).
TITLE = N_("Certificate of inclusion")
STATEMENT = N_("This is to certify that the conference below is included in the %(guide)s.")
NAME = N_("Conference name")
CITY = N_("City")
ISSUED_BY = N_("Issued by")
ISSUE_DATE = N_("Issue date")
NUMBER = N_("Certificate No.")
SCAN = N_("Scan to verify")
SAMPLE = N_("Sample certificate, not an issued certificate of inclusion.")

PAGE_W, PAGE_H = 842.0, 595.0  # A4 landscape, in points


@dataclass(frozen=True)
class Side:
    """Everything one language says on the certificate."""

    lang: str
    title: str
    statement: str
    name_label: str
    name: str
    rows: tuple[tuple[str, str], ...]
    issuer_label: str
    issuer: str
    date_label: str
    date: str
    number_label: str
    scan: str
    sample: str


@dataclass(frozen=True)
class CertificateDoc:
    number: str
    url: str            # the verification page the QR code opens
    created: str        # ISO date: the PDF's creation date (the issue date)
    sample: bool
    zh: Side
    en: Side

    def texts(self):
        for side in (self.zh, self.en):
            yield from (side.title, side.statement, side.name_label, side.name, side.issuer_label,
                        side.issuer, side.date_label, side.date, side.number_label, side.scan, side.sample)
            for label, value in side.rows:
                yield label
                yield value
        yield self.number
        yield self.url


def verify_url(model: SiteModel, cert: Certificate, lang: str = "zh") -> str:
    return f"{model.guide.base_url}{lang}/{cert.verify_key()[:-len('index.html')]}"


class _Phrases:
    """What the certificates of one model say alike, per language, worked out once:
    the edition's strings, and dates and numbers that many conferences share
    (babel formats a date range in a fraction of a millisecond, 10,000 times over)."""

    def __init__(self, model: SiteModel) -> None:
        self.model = weakref.ref(model)
        self.memo: dict = {}

    def get(self, key, make):
        try:
            return self.memo[key]
        except KeyError:
            value = self.memo[key] = make()
            return value


_phrases: _Phrases | None = None


def _phrases_of(model: SiteModel) -> _Phrases:
    global _phrases
    if _phrases is None or _phrases.model() is not model:
        _phrases = _Phrases(model)
    return _phrases


def _edition_side(model: SiteModel, edition, lang: str, tr) -> dict:
    gt = model.catalogs.get(lang, "messages")
    settings = edition.certificates
    return dict(
        lang=lang, title=gt.gettext(TITLE),
        statement=gt.gettext(STATEMENT) % {"guide": tr.lookup(edition.title)[0]},
        name_label=gt.gettext(NAME),
        issuer_label=gt.gettext(ISSUED_BY), issuer=tr.lookup(settings.issuer)[0],
        date_label=gt.gettext(ISSUE_DATE), date=printable(format_day(settings.issue_date, lang)),
        number_label=gt.gettext(NUMBER), scan=gt.gettext(SCAN),
        sample=gt.gettext(SAMPLE) if edition.sample else "")


def record_texts(model: SiteModel, c) -> list:
    """The texts of a record (and its unit) that its certificate prints, as
    ``certificate_doc`` prints them: what must be translated for its English side."""
    return [c.name, *([c.city] if c.city else []), *c.organizers, model.units[c.recommender].name]


def certificate_doc(model: SiteModel, cert: Certificate) -> CertificateDoc:
    c, edition = cert.conference, cert.edition
    settings = edition.certificates
    memo = _phrases_of(model).get
    sides = {}
    for lang in LANGS:
        gt = model.catalogs.get(lang, "messages")
        tr = memo(("translator", lang), lambda: ContentTranslator(model.catalogs, lang))

        def t(text):
            return tr.lookup(text)[0]

        kind = memo(("kind", lang, c.kind, c.edition_number), lambda: format_kind(c, lang, gt))
        rows = (
            (gt.gettext("Type"), kind),
            (gt.gettext("Dates"), memo(("dates", lang, c.dates.start, c.dates.end, c.dates.precision),
                                       lambda: printable(format_dates(c.dates, lang, gt)))),
            (gt.gettext(CITY), t(c.city) if c.city else gt.gettext("To be announced")),
            (gt.pgettext("conference role", "Organizers"), gt.gettext("; ").join(t(o) for o in c.organizers)),
            (gt.gettext("Recommending unit"), t(model.units[c.recommender].name)),
        )
        common = memo(("edition", lang, edition.id), lambda: _edition_side(model, edition, lang, tr))
        sides[lang] = Side(name=t(c.name), rows=rows, **common)
    return CertificateDoc(cert.number, verify_url(model, cert), settings.issue_date.isoformat(),
                          edition.sample, sides["zh"], sides["en"])


# -- drawing -------------------------------------------------------------------
MARGIN = 56.0
GUTTER = 40.0
COL_W = (PAGE_W - 2 * MARGIN - GUTTER) / 2
TOP = PAGE_H - 140.0     # where the columns start
FOOT = 150.0             # where they must end: the footer band is below


def _column(side: Side, scale: float) -> Column:
    col = Column(side.lang, COL_W)
    col.paragraph(side.statement, 11.5 * scale, INK, leading=1.5)
    col.gap(10 * scale)
    col.paragraph(side.name_label, 8.5 * scale, MUTED)
    col.gap(1)
    col.paragraph(side.name, 17 * scale, INK, leading=1.3, bold=True)
    for label, value in side.rows:
        col.gap(6 * scale)
        col.paragraph(label, 8.5 * scale, MUTED)
        col.paragraph(value, 11.5 * scale, INK, leading=1.35)
    return col


def _fitted_columns(doc: CertificateDoc) -> tuple[Column, Column]:
    """Both columns at the largest common scale that fits above the footer."""
    scale = 1.0
    while True:
        cols = _column(doc.zh, scale), _column(doc.en, scale)
        if max(c.height for c in cols) <= TOP - FOOT or scale <= 0.55:
            return cols
        scale -= 0.04


def draw_certificate(doc: CertificateDoc) -> bytes:
    """The certificate as PDF bytes; the same doc always gives the same bytes."""
    buf = io.BytesIO()
    canvas = make_canvas(buf, (PAGE_W, PAGE_H), dt.date.fromisoformat(doc.created), doc_key=repr(doc),
                         title=f"{doc.zh.title} {doc.number} · {doc.en.title}",
                         subject=f"{doc.zh.name} · {doc.en.name}", author=f"{doc.zh.issuer} · {doc.en.issuer}")
    # Frame: a double rule in the accent colour.
    canvas.setStrokeColor(ACCENT)
    canvas.setLineWidth(2.2)
    canvas.rect(22, 22, PAGE_W - 44, PAGE_H - 44)
    canvas.setLineWidth(0.6)
    canvas.rect(29, 29, PAGE_W - 58, PAGE_H - 58)
    mid = PAGE_W / 2
    canvas.setStrokeColor(MUTED)
    canvas.setLineWidth(0.4)
    canvas.line(mid, FOOT + 6, mid, TOP + 6)
    canvas.setStrokeColor(ACCENT)
    canvas.line(MARGIN, FOOT - 8, PAGE_W - MARGIN, FOOT - 8)

    text = TextBlock()
    if doc.sample:
        text.add(mid, PAGE_H - 48, f"{doc.zh.sample} · {doc.en.sample}", 8.5, ACCENT, "center")
    spaced = len(doc.zh.title) <= 6
    text.add(mid + (6 if spaced else 0), PAGE_H - 90, doc.zh.title, 30, INK, "center",
             bold=0.7, char_space=12 if spaced else 0)
    text.add(mid, PAGE_H - 114, doc.en.title.upper(), 12.5, MUTED, "center", char_space=1.5)

    left, right = _fitted_columns(doc)
    left.draw(text, MARGIN, TOP)
    right.draw(text, MARGIN + COL_W + GUTTER, TOP)

    # Footer: issuer and date on the left, the number in the middle, the QR code on the right.
    y = FOOT - 34
    for label_zh, label_en, value_zh, value_en in (
            (doc.zh.issuer_label, doc.en.issuer_label, doc.zh.issuer, doc.en.issuer),
            (doc.zh.date_label, doc.en.date_label, doc.zh.date, doc.en.date)):
        text.add(MARGIN, y, f"{label_zh}  {label_en}", 8.5, MUTED)
        for value, size, step in ((value_zh, 11, 15), (value_en, 9.5, 13)):
            for line, fitted in _fit_line(value, size, mid - MARGIN - 20):
                y -= step
                text.add(MARGIN, y, line, fitted, INK)
        y -= 20
    nx = mid + GUTTER / 2
    text.add(nx, FOOT - 34, f"{doc.zh.number_label}  {doc.en.number_label}", 8.5, MUTED)
    text.add(nx, FOOT - 56, doc.number, 17, INK, bold=0.4)

    qr_size = 96.0
    qx, qy = PAGE_W - MARGIN - qr_size + 8, 40.0
    text.add(qx - 14, qy + qr_size - 20, doc.zh.scan, 8.5, MUTED, "right")
    text.add(qx - 14, qy + qr_size - 32, doc.en.scan, 8, MUTED, "right")
    text.add(qx - 14, qy + 10, doc.url, 6.5, MUTED, "right")
    text.draw(canvas)
    draw_qr(canvas, doc.url, qx, qy, qr_size)
    canvas.showPage()
    canvas.save()
    return buf.getvalue()


def _fit_line(text: str, size: float, width: float) -> list[tuple[str, float]]:
    """One line, shrunk to fit when it can; else wrapped at the given size."""
    from .linebreaking import wrap
    for s in (size, size * 0.9, size * 0.8):
        if text_width(text, s) <= width:
            return [(text, s)]
    lang = "zh" if any(ord(ch) > 0x2E80 for ch in text) else "en"
    return [(line, size * 0.8) for line in wrap(text, lang, width, lambda x: text_width(x, size * 0.8), no_orphan=True)]
