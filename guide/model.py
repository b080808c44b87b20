"""The site model: every decision about what is published, built once per build.

Rendering is then a function of (model, language, template); nothing below
touches the disk.
"""

from __future__ import annotations

import bisect
import datetime as dt
import heapq
import itertools
import operator
import re
from pathlib import Path
from dataclasses import dataclass, field


from .cachefile import load_pickle, save_pickle
from .changes import (CERTIFICATE_DIGEST, CERTIFICATE_ISSUED, CERTIFICATE_NUMBER, EVENT_FIELDS, ChangeReport, compare,
                      snapshot_record, snapshot_records)
from .recordcache import RecordMemo
from .records import LISTED_STATUSES, Conference, Edition, GuideInfo, Page, Unit
from .translation import Catalogs, ContentTranslator
from .validation import Content
from .wording import tr

LANGS = ("zh", "en")
UPCOMING = 8  # how many next conferences the home page shows
FEED_ENTRIES = 100  # how many of the latest changes the Atom feeds carry


# "2023中国计算机大会", "2022-2023全国声学大会", "2023 China Space Conference":
# readers look these up by the series name, not by the year.
YEAR_PREFIX = re.compile(r"^\s*(?:19|20)\d{2}(?:\s*[-/–]\s*(?:19|20)\d{2})?\s*(?:年度|年)?\s*")


# ... nor by the edition's ordinal or an article: "第二十五届中国科协年会",
# "2023（第六届）中国航空科学技术大会", "首届国际基础科学大会", "The 22nd China ...",
# "23rd China ...", "First International ..." (ordinals in words up to the
# fifty-ninth, see below). ("20th Century Studies" is about a century, not an edition.)
_ORDINAL_WORD = (r"(?:(?:twenty|thirty|forty|fifty)-)?(?:first|second|third|fourth|fifth|sixth|seventh|eighth|ninth)"
                 r"|tenth|eleventh|twelfth|(?:thir|four|fif|six|seven|eigh|nine)teenth|(?:twen|thir|for|fif)tieth")
# An ordinal in words is an edition's only before a word that starts a
# conference's name: "Third Generation Semiconductor Forum", "First Principles
# Workshop", "Second Language ..." are filed under their first word.
_EDITION_NEXT = (r"(?:international|national|annual|joint|global|academic|china|chinese|asia|asian|asia-pacific"
                 r"|cross-strait|sino|conference|congress|symposium|forum|workshop|meeting|summit|seminar)\b")
ORDINAL_PREFIX = re.compile(r"^\s*[（(]?\s*(?:第\s*[0-9０-９一二三四五六七八九十百千零〇两]+\s*[届次]|首\s*届)\s*[）)]?\s*"
                            r"|^\s*\(?\s*[0-9]+(?:st|nd|rd|th)\)?\s+(?!century\b)(?=\S)"
                            r"|^\s*(?:" + _ORDINAL_WORD + r")\s+(?=" + _EDITION_NEXT + r")"
                            # "XIV Congress of the International Association ...": a Roman
                            # numeral (capitals, up to XCIX) before such a word
                            r"|^\s*(?-i:(?=[IVXL])(?:XC|XL|L?X{0,3})(?:IX|IV|V?I{0,3}))\s+(?=" + _EDITION_NEXT + r")",
                            re.IGNORECASE)
ARTICLE = re.compile(r"^\s*(?:the|an?)\s+(?=\S)", re.IGNORECASE)


def filing_name(text: str) -> str:
    """The name as it is filed: without a leading year, article or edition ordinal."""
    stripped = ARTICLE.sub("", YEAR_PREFIX.sub("", text, count=1), count=1)   # (one article: "The A Team")
    for _ in range(3):   # (year and ordinal, either first: "2023（第六届）", "第六届2023")
        shorter = ORDINAL_PREFIX.sub("", YEAR_PREFIX.sub("", stripped, count=1), count=1)
        if shorter == stripped:
            break
        stripped = shorter
    return stripped or text


# pypinyin takes ~0.15 ms a name (and ~0.5 s to import its phrase
# dictionary): keys are remembered here and, between builds, in .cache/.
_PINYIN: dict[str, str] = {}
_PINYIN_ADDED = [0]
# A name's readings are its words' (pypinyin segments it, then reads each
# word on its own): names share most of their words (学术, 会议, 全国...), so a
# build without the cache reads each word once (10,000 names: 1.0 s -> 0.2 s).
_WORDS: dict[str, list[str]] = {}
_READER: list = []


def _read_pinyin(text: str) -> list[str]:
    """``lazy_pinyin(text, style=Style.NORMAL, errors="default")``, word by word."""
    if not _READER:
        from pypinyin import Style
        from pypinyin.converter import UltimateConverter
        from pypinyin.core import Pinyin
        # (the converter lazy_pinyin makes with its default arguments)
        converter = UltimateConverter(v_to_u=False, neutral_tone_with_five=False, tone_sandhi=False)
        _READER[:] = [Pinyin(converter), converter, Style.NORMAL]
    segmenter, converter, style = _READER
    readings = []
    for word in segmenter.seg(text):
        read = _WORDS.get(word)
        if read is None:
            read = _WORDS[word] = [reading for char in converter.convert(word, style, False, "default", strict=True)
                                   for reading in char]
        readings += read
    return readings


def pinyin_key(text: str) -> tuple:
    key = _PINYIN.get(text)
    if key is None:
        # pypinyin's phrase dictionary reads 重庆 as chong-qing, 长沙 as chang-sha.
        key = _PINYIN[text] = " ".join(_read_pinyin(text)).casefold()
        _PINYIN_ADDED[0] += 1
    return (key, text)


def pinyin_texts(c: Conference) -> list[str]:
    """The texts of a record whose pinyin keys the model sorts by (its name, as
    filed too, and its city): made ahead where records are checked (recordpool.py)."""
    texts = [c.name.zh, filing_name(c.name.zh)]
    if c.city is not None:
        texts.append(c.city.zh)
    return texts


def add_pinyin_keys(keys: dict[str, str]) -> None:
    """Keys another process made."""
    for text, key in keys.items():
        if text not in _PINYIN:
            _PINYIN[text] = key
            _PINYIN_ADDED[0] += 1


PINYIN_FORMAT = "pinyin keys 1"


def load_pinyin(path: Path) -> None:
    if _PINYIN:
        return
    _PINYIN.update(load_pickle(path, PINYIN_FORMAT, dict) or {})


def save_pinyin(path: Path) -> None:
    """Write the keys when new ones were made."""
    if not _PINYIN_ADDED[0]:
        return
    try:
        save_pickle(path, PINYIN_FORMAT, dict(_PINYIN))
        _PINYIN_ADDED[0] = 0
    except OSError:
        pass


def name_key(lang: str, translated: str) -> tuple:
    """Sort key of a conference name in a name index: pinyin or case-insensitive."""
    core = filing_name(translated)
    return pinyin_key(core) if lang == "zh" else (core.casefold(), translated)


def index_letter(lang: str, key: tuple) -> str:
    first = key[0][:1].upper()
    return first if "A" <= first <= "Z" else "#"


@dataclass
class Certificate:
    """An inclusion certificate (收录证书): issued once, valid while the conference stays in the Guide."""

    number: str
    conference: Conference
    edition: Edition

    @property
    def valid(self) -> bool:
        return self.conference.status in LISTED_STATUSES

    @property
    def pdf_path(self) -> str:
        return f"certificates/{self.number}.pdf"

    def verify_key(self) -> str:
        return f"verify/{self.number}/index.html"


def _certified(entry: dict, digest: str, cert: "Certificate") -> dict:
    """A snapshot entry with its certificate: what the next build compares and keeps."""
    return {**entry, CERTIFICATE_DIGEST: digest, CERTIFICATE_NUMBER: cert.number,
            CERTIFICATE_ISSUED: cert.edition.certificates.issue_date.isoformat()}


def issues_certificate(edition: Edition, c: Conference) -> bool:
    """Whether a certificate exists for ``c``: the edition issues them, and the
    conference was still in the Guide on the issue date."""
    if edition.certificates is None:
        return False
    if c.listed or c.status_date is None:
        return True
    return c.status_date >= edition.certificates.issue_date


def check_issued_numbers_kept(content: Content, published: dict | None, problems, today: dt.date) -> None:
    """A certificate the published build issued keeps its number and its page: its
    holder's QR code and anyone verifying it open the page of that number.

    Removing the record, changing its id (which the number is made from),
    giving it another number, or leaving it no certificate (the edition's
    settings removed, a withdrawal dated before the issue date) would leave
    the issued certificate verifying nothing. A withdrawn record keeps its page
    (the certificate shows as no longer valid); a record that replaces another
    may carry its number with ``certificate:``. Before the issue date the
    certificates published are in no one's hands yet: records may come and go.
    ``published``: the snapshot of the build in site/ (serve: as its session
    started; its previews do not publish one).
    """
    if published is None:
        return
    records = {c.id: c for e in content.editions for c in e.conferences}
    editions = {e.id: e for e in content.editions}
    holders = {c.certificate: (e, c) for e in content.editions for c in e.conferences if issues_certificate(e, c)}
    failed = {p.path for p in problems.items if p.severity == "error"}
    for cid, entry in published["records"].items():
        if not isinstance(entry, dict) or CERTIFICATE_DIGEST not in entry:
            continue
        number, edition_id = entry.get(CERTIFICATE_NUMBER), entry.get("edition")
        if not isinstance(number, str) or not isinstance(edition_id, str):
            continue
        held = holders.get(number)
        if held is not None and held[0].id == edition_id:
            continue
        edition = editions.get(edition_id)
        try:
            issued = dt.date.fromisoformat(entry[CERTIFICATE_ISSUED])
        except (KeyError, TypeError, ValueError):   # (a snapshot from before it was kept)
            issued = edition.certificates.issue_date if edition is not None and edition.certificates else None
        if issued is None or issued > today:
            continue
        if held is not None:
            # A certificate attests inclusion in its edition: carried to a record
            # of another, its page would vouch for a conference it was not issued for.
            holder = held[1]
            problems.error(content.root / holder.source.path, holder.marks.get("certificate", holder.marks["id"]),
                           "certificate-of-another-edition",
                           tr("certificate %(number)s was issued for '%(id)s' of the %(edition)s edition; a record of "
                              "the %(other)s edition cannot carry it: keep '%(id)s' in the %(edition)s edition "
                              "(a new record of this edition gets its own number)",
                              number=number, id=cid, edition=edition_id, other=held[0].id))
            continue
        folder = content.root / "content/editions" / edition_id
        rel = f"content/editions/{edition_id}/conferences/{cid}.yaml"
        # (a record giving the id that does not check: not gone, whatever its file's name)
        if (rel in failed or (cid in content.unchecked_ids and cid not in records)
                or f"content/editions/{edition_id}/edition.yaml" in failed
                or (edition is None and (folder / "edition.yaml").is_file())):
            continue   # (reported already: this is told once the record or its edition reads)
        c = records.get(cid)
        renamed = None if c is not None else next((r for r in records.values() if r.source.path == rel), None)
        if renamed is not None:
            # (the file is there: its id was edited)
            problems.error(content.root / rel, renamed.marks.get("id", (1, 1)), "issued-certificate-number",
                           tr("id: '%(new_id)s' was '%(id)s' when its certificate %(number)s was issued, and a "
                              "derived number is made from the id: give back 'id: %(id)s', or keep the number with "
                              "'certificate: %(number)s'", new_id=renamed.id, id=cid, number=number))
        elif c is None:
            # Said at its edition's folder: the file it was read from is not
            # known (named for its id or not), and is gone anyway.
            problems.error(folder / "conferences", (1, 1), "issued-certificate-number",
                           tr("record '%(id)s' is gone, but its certificate %(number)s was issued and would verify "
                              "nothing: keep the record with 'status: withdrawn' (its certificate then shows as no "
                              "longer valid), or give the record of the %(edition)s edition that replaces it "
                              "'certificate: %(number)s'", id=cid, number=number, edition=edition_id))
        elif c.edition != edition_id:
            problems.error(content.root / c.source.path, c.marks["id"], "certificate-of-another-edition",
                           tr("'%(id)s' was in the %(edition)s edition, whose certificate %(number)s it holds; a "
                              "certificate attests inclusion in its edition: move the record back to "
                              "content/editions/%(edition)s/ (a conference of the %(other)s edition is a "
                              "new record, with an id of its own)",
                              id=cid, edition=edition_id, number=number, other=c.edition))
        elif c.certificate != number:
            key = "certificate" if "certificate" in c.marks else "id"
            problems.error(content.root / c.source.path, c.marks[key], "issued-certificate-number",
                           tr("certificate %(number)s of this conference was issued; its number would become "
                              "%(new_number)s, and the issued one would verify nothing: keep it with "
                              "'certificate: %(number)s'", number=number, new_number=c.certificate))
        elif c.status_date is not None and c.status_date < issued and not c.listed and c.edition in editions \
                and editions[c.edition].certificates is not None:
            # (cancelled or withdrawn before the issue date: it would have had none)
            problems.error(content.root / c.source.path, c.marks["status_date"], "issued-certificate-number",
                           tr("certificate %(number)s of this conference was issued on %(issued)s, but "
                              "'status: %(status)s' is dated before it ('status_date: %(date)s'): the conference "
                              "would have no certificate, and the issued one would verify nothing; give as "
                              "status_date the day the Guide learned of it, on or after %(issued)s (its "
                              "certificate then shows as no longer valid)",
                              number=number, issued=issued.isoformat(), status=c.status,
                              date=c.status_date.isoformat()))
        elif c.edition in editions and editions[c.edition].certificates is not None:
            # (dated after it was issued, but before the issue date the edition gives now)
            key = "status_date" if "status_date" in c.marks else "id"
            problems.error(content.root / c.source.path, c.marks[key], "issued-certificate-number",
                           tr("certificate %(number)s of this conference was issued on %(issued)s; with its "
                              "edition's issue_date now %(date)s, after this status_date, the conference would "
                              "have no certificate, and the issued one would verify nothing: give the edition "
                              "back 'issue_date: %(issued)s'", number=number, issued=issued.isoformat(),
                              date=editions[c.edition].certificates.issue_date.isoformat()))
        else:
            problems.error(content.root / c.source.path, c.marks["id"], "issued-certificate-number",
                           tr("certificate %(number)s of this conference was issued on %(issued)s; this "
                              "build would publish none for it, and the issued one would verify nothing: keep the "
                              "edition's certificates settings", number=number, issued=issued.isoformat()))


@dataclass
class EditionView:
    """One edition with its listings, all sorted once here."""

    edition: Edition
    conferences: list[Conference]           # every record, sorted by date
    listed: list[Conference]                # what listings show (not cancelled/withdrawn)
    by_field: dict[str, list[Conference]]
    by_month: dict[str, list[Conference]]   # YYYY-MM -> conferences touching that month
    by_unit: dict[str, list[Conference]]
    by_name: dict[str, list[Conference]]    # lang -> listed conferences in name order
    is_current: bool
    certificates: list[Certificate] = field(default_factory=list)  # by date, like conferences
    # lang -> initial letter ("#" for the rest) -> by_name[lang]'s conferences under it
    by_letter: dict[str, dict[str, list[Conference]]] = field(default_factory=dict)

    @property
    def catalog_path(self) -> str:
        return f"catalogs/{self.id}.pdf"

    @property
    def id(self) -> str:
        return self.edition.id


# serve: each snapshot entry's versions with a certificate digest (digest -> entry),
# kept by the entry (patch_model keeps an unchanged record's entry).
_CERTIFIED = RecordMemo()


def changed_pdfs(sha256: dict[str, str], last: dict[str, str]) -> set[str]:
    """The PDFs (site paths) whose SHA-256 differs from ``last``'s, or that only one has."""
    if sha256 == last:   # (compared in C: the usual case of a save)
        return set()
    return {*(sha256.keys() ^ last.keys()), *(path for path, d in sha256.items() if last.get(path) != d)}


@dataclass
class ModelDelta:
    """serve: the model a patched model was made from, and the records taken out
    and put in. What is made of every record (the records' fingerprints, the
    block keys, the certified snapshot) is then the last model's with those
    records' made again, not a pass over 10,000."""

    last: "SiteModel"
    gone: list[Conference]      # the old versions taken out
    came: list[Conference]      # the new versions put in

    def same_ids(self) -> bool:
        """The same records by id (edits only: none added or removed)."""
        return sorted(c.id for c in self.gone) == sorted(c.id for c in self.came)

    def patched(self, last: dict, redo: dict[str, Conference], make) -> dict:
        """``last`` (by record id) with the records taken out dropped and those of
        ``redo`` (id -> record) made again with ``make``: a pass over every record
        patched from the last model's."""
        out = dict(last)
        for c in self.gone:
            if c.id not in redo:
                del out[c.id]
        for cid, c in redo.items():
            out[cid] = make(c)
        return out

    def touched_series(self) -> set[str]:
        return {c.series for c in (*self.gone, *self.came) if c.series}

    def only_own_pdfs_changed(self, model: "SiteModel", records, sha256: dict[str, str],
                              last_sha256: dict[str, str]) -> bool:
        """Whether every PDF whose SHA-256 differs from ``last_sha256``'s is the
        certificate of one of ``records`` (in ``model``) or of a record taken out."""
        changed = changed_pdfs(sha256, last_sha256)
        return not changed or changed <= {
            cert.pdf_path for m, rs in ((model, records), (self.last, self.gone))
            for c in rs if (cert := m.certificate_of(c)) is not None}


@dataclass
class SiteModel:
    guide: GuideInfo
    units: dict[str, Unit]
    editions: list[EditionView]             # newest first
    pages: dict[tuple[str, str], Page]
    series: dict[str, list[Conference]]     # series id -> its conferences by start date, then edition id
    today: dt.date
    catalogs: Catalogs
    conference_index: dict[str, Conference] = field(default_factory=dict)
    snapshot: dict[str, dict] = field(default_factory=dict)   # what staff/records.json publishes
    _changes: ChangeReport | None = None                       # see ``changes``
    certificates: dict[str, Certificate] = field(default_factory=dict)  # number -> certificate
    previous: dict | None = None                               # the last build's snapshot
    # patch_model's (serve), until the plan has used it (it holds the last model)
    delta: ModelDelta | None = field(default=None, compare=False, repr=False)
    certified_patched: bool = field(default=False, compare=False, repr=False)   # see record_certificates
    # the PDFs' SHA-256s the snapshot holds (record_certificates; the next save patches it)
    certified_sha256: dict[str, str] | None = field(default=None, compare=False, repr=False)
    # ids this build marks re-issued (``build.py --reissued``; REISSUED_ALL: every one awaiting)
    reissued: tuple[str, ...] = field(default=(), compare=False, repr=False)
    _changes_json: str | None = field(default=None, compare=False, repr=False)   # see ``changes_json``

    def record_certificates(self, sha256: dict[str, str]) -> None:
        """Put each certificate's SHA-256 into the snapshot (``changes`` compares after).

        A certificate must be issued again exactly when its PDF's bytes
        changed, whatever changed them (a printed field, the edition's issuer
        or issue date, the PDF engine): the old file no longer verifies.
        """
        # (certified_patched: whether the last model's was patched, for the tests)
        snapshot, self.certified_patched = self.certified_snapshot(sha256)
        self.snapshot, self._changes, self.certified_sha256 = snapshot, None, dict(sha256)
        self._changes_json = None

    def certified_snapshot(self, sha256: dict[str, str], patch: bool = True) -> tuple[dict[str, dict], bool]:
        """The snapshot with each certificate's SHA-256 (``record_certificates``), and
        whether it was patched.

        serve: the last model's, with the entries of the records that changed
        made again, when the other certificates kept their SHA-256 (``patch``:
        False for the check mode's whole one)."""
        delta = self.delta
        last = delta.last if delta is not None else None
        if (patch and last is not None and last.certified_sha256 is not None and delta.same_ids()
                and delta.only_own_pdfs_changed(self, delta.came, sha256, last.certified_sha256)):
            def certified(c):
                cert = self.certificate_of(c)
                entry, digest = self.snapshot[c.id], sha256.get(cert.pdf_path) if cert is not None else None
                return _certified(entry, digest, cert) if digest else entry
            # (the last model's, certified; the same ids, so the same order)
            return delta.patched(last.snapshot, {c.id: c for c in delta.came}, certified), True
        # (a new dict: build_model's stays as it was, serve's next save patches it)
        snapshot = dict(self.snapshot)
        # serve: a record's entry with the same digest is the last build's very
        # dict, so comparing with the last snapshot is mostly identities.
        _CERTIFIED.begin()
        for cert in self.certificates.values():
            digest, cid = sha256.get(cert.pdf_path), cert.conference.id
            if digest and cid in snapshot:
                entry = snapshot[cid]
                versions = _CERTIFIED.get(entry, (), dict)
                version = (digest, cert.number, cert.edition.certificates.issue_date)
                if version not in versions:
                    versions[version] = _certified(entry, digest, cert)
                snapshot[cid] = versions[version]
        return snapshot, False

    @property
    def changes(self) -> ChangeReport:
        """Against the previous build's snapshot; compared when first asked (after the
        PDF stage has put the certificates' digests in)."""
        if self._changes is None:
            report = compare(self.previous, self.snapshot, self.today.isoformat(), self.reissued)
            if report.previous and not report.kept:
                self._note_undated(report)
            self._changes = report
        return self._changes

    @property
    def changes_json(self) -> str:
        """``changes`` as published (staff/changes.json): the key of its page too,
        made once (at N = 10,000 a first build's report lists every record)."""
        if self._changes_json is None:
            self._changes_json = self.changes.to_json()
        return self._changes_json

    def _note_undated(self, report: ChangeReport) -> None:
        """Put in ``report.undated`` the records this build finds changed in what
        their calendar event or feed entry shows, or added, after their
        edition's publication, with their 'updated' left as it was."""
        today = self.today
        for cid in [*report.added, *report.changed]:
            c = self.conference_index.get(cid)
            published = self.edition(c.edition).edition.published if c is not None else None
            # (before its edition's publication nobody holds a copy; an edition without a
            # 'published' date is taken as not published yet: no warning there; nor
            # on the build that first publishes it, after that date)
            if published is None or today <= published or c.edition not in report.editions_before:
                continue
            changed = report.changed.get(cid)
            fields = [f for f in changed or () if f in EVENT_FIELDS]
            if changed is not None and (not fields or {"updated", "status_date"} & set(changed)):
                continue
            if cid in report.added and c.last_dated_change:
                continue
            if c.updated == today:
                continue   # (changed again on the day it says: nothing more to do today)
            entry = report.undated.get(cid)
            if entry is not None:   # (changed again, still not dated: since the first time)
                entry["fields"] = sorted({*entry["fields"], *fields})
                continue
            report.undated[cid] = {"fields": fields, "since": today.isoformat(),
                                   "updated": c.updated.isoformat() if c.updated else None,
                                   "status_date": c.status_date.isoformat() if c.status_date else None}

    def certificate_of(self, conf: Conference) -> Certificate | None:
        cert = self.certificates.get(conf.certificate or "")
        return cert if cert is not None and cert.conference is conf else None

    @property
    def current(self) -> EditionView:
        return next(e for e in self.editions if e.is_current)

    def edition(self, eid: str) -> EditionView:
        return next(e for e in self.editions if e.id == eid)

    def upcoming(self, limit: int = UPCOMING) -> list[Conference]:
        """Next listed conferences that have not ended: the current edition's, and an
        earlier edition's still to come (the current edition switched before the
        last one's window ended). Not a later edition's: it is being prepared."""
        # (the first few, in date order: not a pass over every record, for each
        # language's home page; an earlier edition whose listed conferences all
        # touch months before this one is passed over by its month index)
        month = self.today.strftime("%Y-%m")
        views = [v for v in self.editions if v.is_current or (
            v.edition.year <= self.current.edition.year and max(v.by_month, default="") >= month)]
        return list(itertools.islice(heapq.merge(
            *((c for c in v.listed if c.dates.end >= self.today) for v in views), key=date_key), limit))

    def published(self, edition: Edition) -> dt.date:
        """When an edition was published: its ``published`` date, else its window's start.

        Feeds and calendars carry dates derived from the data only, never the
        build time, so that a rebuild of unchanged content is byte-identical.
        """
        return edition.published or edition.window.start

    def updated(self, conf: Conference) -> dt.date:
        """When a record last changed: the latest of its ``updated`` and ``status_date``
        and its edition's publication."""
        published = self.published(self.edition(conf.edition).edition)
        return max(d for d in (conf.last_dated_change, published) if d)

    def feed_entries(self, limit: int = FEED_ENTRIES) -> list[Conference]:
        """Every record of every edition, most recently accredited or changed first."""
        everything = [c for view in self.editions for c in view.conferences]
        everything.sort(key=date_key)
        everything.sort(key=self.updated, reverse=True)  # stable: same day keeps date order
        return everything[:limit]

    def other_editions(self, conf: Conference) -> list[Conference]:
        if not conf.series:
            return []
        return [c for c in self.series.get(conf.series, []) if c.id != conf.id]


def date_key(c: Conference) -> tuple:
    return (c.dates.start, c.dates.end, pinyin_key(c.name.zh), c.id)


def name_order(lang: str, lookup):
    """The name index's sort key in ``lang``: the name's key, then date order among
    equal names (its first part gives the initial letter). build_model gets this
    order from a stable sort of date-ordered records by the first part alone."""
    return lambda c: (name_key(lang, lookup(c.name)[0]), date_key(c))


def series_order(c: Conference) -> tuple:
    """A series' order: by start, then edition; the same start within an edition in date order."""
    return (c.dates.start, c.edition, date_key(c))


def build_model(content: Content, catalogs: Catalogs, today: dt.date,
                previous: dict | None = None) -> SiteModel:
    """Decide everything that is published; ``previous`` is the last build's snapshot."""
    translators = {lang: ContentTranslator(catalogs, lang) for lang in LANGS}
    views = []
    series: dict[str, list[Conference]] = {}
    index = {}
    for edition in sorted(content.editions, key=lambda e: (e.year, e.id), reverse=True):
        confs = sorted(edition.conferences, key=date_key)
        listed = [c for c in confs if c.listed]
        by_field: dict[str, list[Conference]] = {f.id: [] for f in edition.fields}
        for c in listed:  # (one pass, not one per field)
            if c.field in by_field:
                by_field[c.field].append(c)
        by_month: dict[str, list[Conference]] = {}
        by_unit: dict[str, list[Conference]] = {}
        for c in listed:
            for month in c.dates.months:
                by_month.setdefault(month, []).append(c)
            by_unit.setdefault(c.recommender, []).append(c)
            index[c.id] = c
        for c in confs:
            index[c.id] = c
            if c.series:
                series.setdefault(c.series, []).append(c)
        by_name, by_letter = {}, {}
        for lang in LANGS:
            lookup = translators[lang].lookup
            # name_order's: sorted by name alone, a stable sort of date-ordered
            # records keeps date order among equal names (the date keys are not made again)
            keyed = [(name_key(lang, lookup(c.name)[0]), c) for c in listed]
            keyed.sort(key=lambda kc: kc[0])
            by_name[lang] = [c for _key, c in keyed]
            # The name index's letters, from the keys the order was made of.
            groups: dict[str, list[Conference]] = {}
            for key, c in keyed:
                groups.setdefault(index_letter(lang, key), []).append(c)
            by_letter[lang] = groups
        by_unit = dict(sorted(by_unit.items(), key=lambda kv: kv[0]))
        certificates = [Certificate(c.certificate, c, edition) for c in confs if issues_certificate(edition, c)]
        views.append(EditionView(edition, confs, listed, by_field, dict(sorted(by_month.items())),
                                 by_unit, by_name, edition.id == content.guide.current_edition,
                                 certificates, by_letter))
    for confs in series.values():
        confs.sort(key=series_order)
    snapshot = snapshot_records(index.values(), translators["en"])
    # The search page sorts cities by pinyin: keyed here, so the keys are kept
    # in .cache/ with the names' (rendering may happen in worker processes).
    for c in index.values():
        if c.city:
            pinyin_key(c.city.zh)
    numbered = sorted((cert for v in views for cert in v.certificates), key=lambda x: x.number)
    return SiteModel(content.guide, content.units, views, content.pages, series, today,
                     catalogs, index, snapshot, None,
                     {cert.number: cert for cert in numbered}, previous)


# -- serve: a save patches the last model --------------------------------------
# A save changes a record or two, and build_model keys and sorts all of them
# (about a quarter of a second at N = 10,000). patch_model takes the records
# that changed out of the last model and puts their new versions in, where
# build_model would put them. (serve replays an unchanged record as the very
# same object: identity says which records changed.)

PATCH_LIMIT = 64  # records changed (old and new versions) beyond which a whole model is made


@dataclass
class ModelBasis:
    """What a model was made of, for ``patch_model``."""

    editions: dict[str, Edition]   # id -> the edition as validated, its records in file order
    current: str | None
    translations: dict             # the catalogs' (compared by identity)
    model: SiteModel
    snapshot: dict[str, dict]      # build_model's (record_certificates makes another)


def model_basis(content: Content, catalogs: Catalogs, model: SiteModel) -> ModelBasis:
    """Right after build_model or patch_model made ``model`` of ``content``."""
    return ModelBasis({e.id: e for e in content.editions}, content.guide.current_edition,
                      dict(catalogs.translations), model, model.snapshot)


def patch_model(basis: ModelBasis, content: Content, catalogs: Catalogs, today: dt.date,
                previous: dict | None = None) -> SiteModel | None:
    """What build_model makes of ``content``, made from the last model: None when
    what build_model reads besides the records changed (an edition's year,
    fields or certificate settings, the editions, the catalogs, the current
    edition), or more than PATCH_LIMIT records. (The views hold the new
    Edition objects, whatever else changed in them.)"""
    if (content.guide is None or content.guide.current_edition != basis.current
            or len(content.editions) != len(basis.editions)
            or catalogs.translations.keys() != basis.translations.keys()
            or not all(map(operator.is_, catalogs.translations.values(),
                           (basis.translations[k] for k in catalogs.translations)))):
        return None
    changed: dict[str, tuple[Edition, list[Conference], list[Conference]]] = {}
    count = 0
    for edition in content.editions:
        old = basis.editions.get(edition.id)
        # (what build_model reads of an edition besides its records)
        if (old is None or old.year != edition.year or old.fields != edition.fields
                or old.certificates != edition.certificates):
            return None
        before, after = set(map(id, old.conferences)), set(map(id, edition.conferences))
        gone_ids, came_ids = before - after, after - before
        count += len(gone_ids) + len(came_ids)
        if count > PATCH_LIMIT:
            return None
        changed[edition.id] = (edition,
                               [c for c in old.conferences if id(c) in gone_ids] if gone_ids else [],
                               [c for c in edition.conferences if id(c) in came_ids] if came_ids else [])
    translators = {lang: ContentTranslator(catalogs, lang) for lang in LANGS}
    views = []
    series = dict(basis.model.series)
    gone_all, came_all = [], []
    for view in basis.model.editions:
        edition, gone, came = changed[view.id]
        gone_all += gone
        came_all += came
        views.append(_patched_view(view, edition, gone, came, translators,
                                   edition.id == content.guide.current_edition))
    _patch_series(series, gone_all, came_all)
    index = {}
    for view in views:
        index.update({c.id: c for c in view.listed})
        index.update({c.id: c for c in view.conferences})
    # The records' snapshot, by id: an edited record keeps its place.
    snapshot = dict(basis.snapshot)
    for c in came_all:
        snapshot[c.id] = snapshot_record(c, translators["en"])
        if c.city:
            pinyin_key(c.city.zh)
    came_ids = {c.id for c in came_all}
    for c in gone_all:
        if c.id not in came_ids:
            del snapshot[c.id]
    if came_ids != {c.id for c in gone_all}:
        snapshot = dict(sorted(snapshot.items()))
    numbered = sorted((cert for v in views for cert in v.certificates), key=lambda x: x.number)
    # (the last model's delta is used up: a chain of models, one per save, is not kept)
    basis.model.delta = None
    return SiteModel(content.guide, content.units, views, content.pages, series, today,
                     catalogs, index, snapshot, None,
                     {cert.number: cert for cert in numbered}, previous,
                     ModelDelta(basis.model, gone_all, came_all))


def _patched_view(view: EditionView, edition: Edition, gone: list[Conference], came: list[Conference],
                  translators: dict, is_current: bool) -> EditionView:
    """``view`` without ``gone`` and with ``came``, in build_model's orders. Lists no
    record changed are the last view's (a model's lists are never changed in place)."""
    gone_ids = {id(c) for c in gone}

    def patched(items: list, new, key=date_key) -> list:
        out = [c for c in items if id(c) not in gone_ids] if gone_ids else list(items)
        for c in new:
            bisect.insort(out, c, key=key)
        return out

    def grouped(old: dict, group, keep_empty=False) -> dict:
        """A listing dict with the touched groups patched, in its order (sorted keys)."""
        touched = {g for c in gone + came if c.listed for g in group(c)}
        out = dict(old)
        for g in touched:
            out[g] = patched(old.get(g, []), [c for c in came if c.listed and g in group(c)])
            if not out[g] and not keep_empty:
                del out[g]
        return out if out.keys() == old.keys() else dict(sorted(out.items()))

    confs = patched(view.conferences, came) if gone or came else view.conferences
    touched = [c for c in gone + came if c.listed]
    listed = patched(view.listed, [c for c in came if c.listed]) if touched else view.listed
    # (every field of the edition, listed or not; validation admits no other)
    by_field = (grouped(view.by_field, lambda c: (c.field,) if c.field in view.by_field else (), keep_empty=True)
                if touched else view.by_field)
    by_month = grouped(view.by_month, lambda c: c.dates.months) if touched else view.by_month
    by_unit = grouped(view.by_unit, lambda c: (c.recommender,)) if touched else view.by_unit
    by_name, by_letter = dict(view.by_name), dict(view.by_letter)
    for lang in LANGS if touched else ():
        key = name_order(lang, translators[lang].lookup)
        new = [c for c in came if c.listed]
        by_name[lang] = patched(view.by_name[lang], new, key)
        letters = view.by_letter[lang]
        groups = dict(letters)
        for letter in {index_letter(lang, key(c)[0]) for c in touched}:
            groups[letter] = patched(letters.get(letter, []),
                                     [c for c in new if index_letter(lang, key(c)[0]) == letter], key)
            if not groups[letter]:
                del groups[letter]
        # build_model's letters come in the order of their first names in by_name
        by_letter[lang] = dict(sorted(groups.items(), key=lambda kv: key(kv[1][0])))
    certificates = [Certificate(c.certificate, c, edition) for c in confs if issues_certificate(edition, c)]
    return EditionView(edition, confs, listed, by_field, by_month, by_unit, by_name, is_current,
                       certificates, by_letter)


def _patch_series(series: dict[str, list[Conference]], gone: list[Conference], came: list[Conference]) -> None:
    """build_model's series lists (series_order) with ``gone`` out and ``came`` in.
    (Their order in the dict says nothing.)"""
    gone_ids = {id(c) for c in gone}
    for sid in {c.series for c in gone + came if c.series}:
        members = [c for c in series.get(sid, []) if id(c) not in gone_ids]
        members += [c for c in came if c.series == sid]
        members.sort(key=series_order)
        if members:
            series[sid] = members
        else:
            series.pop(sid, None)


def model_differences(a: SiteModel, b: SiteModel) -> list[str]:
    """Where two models of the same content differ, orders included (serve's check
    of patch_model against build_model, GUIDE_CHECK_BLOCKS=1)."""
    out = []

    def same_list(what, x, y):
        if len(x) != len(y) or not all(map(operator.is_, x, y)):
            out.append(what)

    def same_lists(what, x: dict, y: dict, ordered=True):
        if (list(x) if ordered else set(x)) != (list(y) if ordered else set(y)):
            out.append(f"{what}: keys")
            return
        for k in x:
            same_list(f"{what}[{k}]", x[k], y[k])

    for name in ("guide", "units", "pages", "today", "previous"):
        if getattr(a, name) != getattr(b, name):
            out.append(name)
    if a.catalogs is not b.catalogs:
        out.append("catalogs")
    if [v.id for v in a.editions] != [v.id for v in b.editions]:
        return out + ["editions"]
    for x, y in zip(a.editions, b.editions):
        e = x.id
        if x.edition is not y.edition or x.is_current != y.is_current:
            out.append(f"{e}: edition")
        same_list(f"{e}: conferences", x.conferences, y.conferences)
        same_list(f"{e}: listed", x.listed, y.listed)
        for name in ("by_field", "by_month", "by_unit", "by_name"):
            same_lists(f"{e}: {name}", getattr(x, name), getattr(y, name))
        if list(x.by_letter) != list(y.by_letter):
            out.append(f"{e}: by_letter")
        for lang in x.by_letter:
            same_lists(f"{e}: by_letter[{lang}]", x.by_letter[lang], y.by_letter.get(lang, {}))
        if [(c.number, id(c.conference), id(c.edition)) for c in x.certificates] != \
                [(c.number, id(c.conference), id(c.edition)) for c in y.certificates]:
            out.append(f"{e}: certificates")
    same_lists("series", a.series, b.series, ordered=False)
    if list(a.conference_index) != list(b.conference_index):
        out.append("conference_index: order")
    same_list("conference_index", list(a.conference_index.values()), list(b.conference_index.values()))
    if list(a.snapshot.items()) != list(b.snapshot.items()):
        out.append("snapshot")
    if [(n, c.number, id(c.conference), id(c.edition)) for n, c in a.certificates.items()] != \
            [(n, c.number, id(c.conference), id(c.edition)) for n, c in b.certificates.items()]:
        out.append("certificates")
    return out
