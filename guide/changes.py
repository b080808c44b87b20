"""What changed since the previous build: for staff, and for certificates to re-issue.

Each build publishes a snapshot of every record (``staff/records.json``); the
next build compares the model with the snapshot found in the published site.
A build that changes no record keeps the published report (``staff/changes.json``):
running the build again must not wipe the list of certificates to re-issue
before staff have read it (and leaves the published site as it is).

Each report also carries the certificates *awaiting* re-issue: those listed
by any earlier build and not yet marked re-issued (``build.py --reissued``).
A second build that changes other records must not drop the first one's:
staff may not have read its report in between.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from pathlib import Path

from . import jsonfile
from .fingerprint import _h
from .recordcache import RecordMemo
from .records import Conference
from .translation import ContentTranslator
from .wording import ntr, shown, tr

SNAPSHOT = "staff/records.json"
REPORT = "staff/changes.json"
# The SHA-256 of a record's certificate (model.record_certificates): when it
# changes, the certificate must be issued again.
CERTIFICATE_DIGEST = "certificate_sha256"
# ... its number, the address of its verification page (once issued, it stays),
# and the edition's issue date when it was published.
CERTIFICATE_NUMBER = "certificate"
CERTIFICATE_ISSUED = "certificate_issued"
# Kept by newer builds only: an older snapshot without them says nothing of them.
_NEWER_FIELDS = (CERTIFICATE_DIGEST, CERTIFICATE_NUMBER, CERTIFICATE_ISSUED, "resources", "description",
                 "sources", "updated", "postponed_from")
# A snapshot from before certificate digests were kept: what a certificate
# prints (both languages) and its validity, the best that can be told then.
LEGACY_CERTIFICATE_FIELDS = ("name", "name_en", "kind", "edition_number", "dates", "city", "city_en",
                             "organizers", "recommender", "edition", "status")
# ``build.py --reissued all``: every certificate the last report lists as awaiting.
REISSUED_ALL = "all"
AWAITING = "certificates_awaiting_reissue"
UNDATED = "changes_not_dated"
# What a record's calendar event and feed entry show (the snapshot's fields):
# clients keep the copy they hold until the record's date moves.
EVENT_FIELDS = frozenset({"name", "name_en", "kind", "edition_number", "field", "dates", "city", "city_en",
                          "venue", "organizers", "hosts", "recommender", "co_recommenders", "website", "status",
                          "postponed_from"})


def _texts(items) -> list[str]:
    return [t.zh for t in items]


# serve: an unchanged record with the same English catalog has the same snapshot.
_MEMO = RecordMemo()


def snapshot_records(confs, en: ContentTranslator) -> dict[str, dict]:
    """``snapshot_record`` of each record, by id (sorted)."""
    _MEMO.begin()
    return {c.id: _MEMO.get(c, (en.gt,), lambda: snapshot_record(c, en))
            for c in sorted(confs, key=lambda c: c.id)}


def snapshot_record(c: Conference, en: ContentTranslator) -> dict:
    d = c.dates
    return {
        "edition": c.edition, "series": c.series, "name": c.name.zh, "name_en": en.lookup(c.name)[0],
        "kind": c.kind, "edition_number": c.edition_number, "field": c.field,
        "dates": [d.start.isoformat(), d.end.isoformat(), d.precision],
        "city": c.city.zh if c.city else None, "city_en": en.lookup(c.city)[0] if c.city else None,
        "venue": c.venue.zh if c.venue else None,
        "organizers": _texts(c.organizers), "hosts": _texts(c.hosts), "recommender": c.recommender,
        "co_recommenders": _texts(c.co_recommenders), "website": c.website, "status": c.status,
        "status_date": c.status_date.isoformat() if c.status_date else None, "format": c.format,
        # What else the record's page shows (see _NEWER_FIELDS): the description
        # by a digest of both languages (Markdown of any length), so that its
        # change is reported without records.json carrying every description.
        "resources": {"videos": c.resources.videos, "summary": c.resources.summary,
                      "proceedings": c.resources.proceedings} if c.resources else None,
        "description": _h(c.description.zh, en.lookup(c.description)[0])[:16] if c.description else None,
        "sources": c.sources, "updated": c.updated.isoformat() if c.updated else None,
        "postponed_from": ([c.postponed_from.start.isoformat(), c.postponed_from.end.isoformat(),
                            c.postponed_from.precision] if c.postponed_from else None),
    }


@dataclass
class ChangeReport:
    previous: bool                                   # was there a previous build to compare with?
    added: list[str] = field(default_factory=list)
    removed: list[dict] = field(default_factory=list)  # {"id", "name", "edition"} of records gone
    changed: dict[str, list[str]] = field(default_factory=dict)
    reissue: list[str] = field(default_factory=list)
    # Every certificate to re-issue not yet marked re-issued, by record id:
    # {"certificate": its number, "since": the build date that first listed it,
    #  "previous_sha256": the digest of the file its organizer holds (None: not known)}
    awaiting: dict[str, dict] = field(default_factory=dict)
    # No record changed since the previous build: this is its report, kept.
    kept: bool = field(default=False, compare=False)
    # The ids this build marked re-issued (``--reissued``): for the console only.
    acknowledged: list[str] = field(default_factory=list, compare=False)
    # Records changed in what their calendar event or feed entry shows, with
    # their 'updated' left as it was (warned of, build after build, until it or
    # status_date moves), by record id: {"fields": the fields changed (none: added
    # so), "since": the build date that first found it, "updated" and
    # "status_date": the record's then (ISO or None)}.
    undated: dict[str, dict] = field(default_factory=dict)
    # The date of the build that made it (ISO; kept with the report; None: not known).
    date: str | None = None
    # The last report could not be read: what it listed as awaiting is not known.
    lost: bool = field(default=False, compare=False)
    # The editions the previous build's snapshot held records of: an edition new
    # on the site is published by this build, and nobody holds a copy of its events.
    editions_before: frozenset = field(default=frozenset(), compare=False)

    @property
    def empty(self) -> bool:
        return not (self.added or self.removed or self.changed)

    def to_dict(self) -> dict:
        return {"date": self.date, "previous_build": self.previous, "added": self.added, "removed": self.removed,
                "changed": self.changed, "certificates_to_reissue": self.reissue,
                AWAITING: [{"id": cid, **entry} for cid, entry in sorted(self.awaiting.items())],
                UNDATED: [{"id": cid, **entry} for cid, entry in sorted(self.undated.items())]}

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=2, sort_keys=True)

    @classmethod
    def from_dict(cls, data) -> "ChangeReport | None":
        """A published report (``to_dict``), or None when it is not one."""
        def ids(v) -> bool:
            return isinstance(v, list) and all(isinstance(x, str) for x in v)

        def optional_text(v) -> bool:
            return v is None or isinstance(v, str)

        def optional_date(v) -> bool:
            try:
                return v is None or bool(dt.date.fromisoformat(v))
            except (TypeError, ValueError):
                return False
        try:
            ok = (isinstance(data, dict) and isinstance(data["previous_build"], bool) and ids(data["added"])
                  and isinstance(data["removed"], list)
                  and all(isinstance(r, dict) and isinstance(r.get("id"), str) and "name" in r and "edition" in r
                          for r in data["removed"])
                  and isinstance(data["changed"], dict)
                  and all(isinstance(k, str) and ids(v) for k, v in data["changed"].items())
                  and ids(data["certificates_to_reissue"]))
            # (absent from the reports of versions before it)
            awaiting = data.get(AWAITING, []) if ok else None
            ok = ok and isinstance(awaiting, list) and all(
                isinstance(a, dict) and isinstance(a.get("id"), str)
                and optional_text(a.get("certificate")) and optional_text(a.get("previous_sha256"))
                and optional_date(a.get("since"))
                for a in awaiting) and optional_date(data.get("date"))
            undated = data.get(UNDATED, []) if ok else None
            ok = ok and isinstance(undated, list) and all(
                isinstance(u, dict) and isinstance(u.get("id"), str) and ids(u.get("fields"))
                and optional_date(u.get("since")) and u.get("since") is not None
                and optional_date(u.get("updated")) and optional_date(u.get("status_date"))
                for u in undated)
        except KeyError:
            return None
        if not ok:
            return None
        report = cls(data["previous_build"], list(data["added"]), [dict(r) for r in data["removed"]],
                     {k: list(v) for k, v in data["changed"].items()}, list(data["certificates_to_reissue"]))
        keys = ("certificate", "since", "previous_sha256")
        # (a report of an older version: what it lists is awaiting, since when not known)
        report.awaiting = {a["id"]: {k: a.get(k) for k in keys} for a in awaiting} if AWAITING in data else \
            {cid: dict.fromkeys(keys) for cid in report.reissue}
        report.undated = {u["id"]: {"fields": list(u["fields"]), "since": u["since"], "updated": u.get("updated"),
                                    "status_date": u.get("status_date")} for u in undated}
        report.date = data.get("date")
        return report

    def _counts(self) -> str:
        if not self.previous:
            return tr("the first build")
        if self.empty:
            return tr("no changes")
        return tr("%(added)s added, %(removed)s removed, %(changed)s changed",
                  added=len(self.added), removed=len(self.removed), changed=len(self.changed))

    def lines(self) -> list[str]:
        """What the console prints (``Message``s where there are words: shown in the staff's language)."""
        if self.kept:
            return [tr("changes: none since the previous build; the staff report keeps the last changes "
                       "(%(counts)s)", counts=self._counts())]
        if not self.previous:
            return [tr("changes: first build here, nothing to compare with")]
        if self.empty:
            return [tr("changes: none since the previous build")]
        out = [tr("changes since the previous build: %(counts)s", counts=self._counts())]
        out += [f"  + {cid}" for cid in self.added]
        out += [f"  - {r['id']} ({r['name']})" for r in self.removed]
        out += [f"  ~ {cid}: {', '.join(fields)}" for cid, fields in self.changed.items()]
        # (which certificates to re-issue: ``awaiting_lines``, one list for the
        # console, the page and the JSON; a certificate changed back to the
        # file its organizer holds is not among them)
        return out

    def awaiting_lines(self) -> list[str]:
        """What stays listed until staff mark it re-issued (after ``lines``)."""
        out = []
        if self.acknowledged:
            out.append(tr("marked re-issued: %(ids)s", ids=", ".join(self.acknowledged)))
        if self.awaiting:
            # (each item in the staff's language now: the lines are printed as they are made)
            listed = ", ".join(shown(tr("%(id)s (since %(date)s)", id=cid, date=a["since"])) if a["since"] else cid
                               for cid, a in sorted(self.awaiting.items()))
            out.append(tr("certificates awaiting re-issue (%(n)s): %(listed)s", n=len(self.awaiting), listed=listed))
            # (where the files are: named by number, which staff may not have at hand)
            numbers = [a["certificate"] for _cid, a in sorted(self.awaiting.items()) if a.get("certificate")]
            if numbers:
                out.append(ntr("  the new file, in the site's folder: %(files)s",
                               "  the new files, in the site's folder: %(files)s", len(numbers),
                               files=", ".join(f"certificates/{n}.pdf" for n in numbers)))
            out.append(tr("  once their organizers have the new files: "
                          "python3 build.py --reissued ID [ID ...] (or: --reissued all)"))
        return out


def read_snapshot(site: Path) -> dict | None:
    """The previous build's snapshot with its report (``"report"``, None when unreadable),
    or None when there is none (or it is unreadable)."""
    try:
        data = json.loads((site / SNAPSHOT).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not (isinstance(data, dict) and isinstance(data.get("records"), dict)):
        return None
    try:
        data["report"] = json.loads((site / REPORT).read_text(encoding="utf-8"))
    except OSError:
        data["report"] = None
    except ValueError:
        data["report"] = "unreadable"   # (not a report: compare says it is lost)
    return data


def compare(previous: dict | None, current: dict[str, dict], today: str | None = None,
            reissued=()) -> ChangeReport:
    """The report of a build whose snapshot is ``current`` on ``today`` (ISO), which
    marks ``reissued`` re-issued (ids awaiting in the previous report, or
    ``REISSUED_ALL``; see ``resolve_reissued``)."""
    if previous is None:
        return ChangeReport(previous=False, added=sorted(current), date=today)
    last = ChangeReport.from_dict(previous.get("report"))
    report = _compare(previous["records"], current, last)
    if not report.kept:
        report.date = today
    report.lost = last is None and previous.get("report") is not None
    awaiting = dict(last.awaiting) if last is not None else {}
    if reissued:
        report.acknowledged = sorted(awaiting) if REISSUED_ALL in reissued else \
            sorted(cid for cid in set(reissued) if cid in awaiting)
        for cid in report.acknowledged:
            del awaiting[cid]
    before = previous["records"]
    if not report.kept:
        # (read by the build's warnings on added and changed records only)
        if report.added or report.changed:
            report.editions_before = frozenset(e.get("edition") for e in before.values() if isinstance(e, dict))
        # A record whose id changed and that keeps its issued number ('certificate:')
        # is one removed and one added: its certificate is compared under its number.
        removed = {before[r["id"]].get(CERTIFICATE_NUMBER): r["id"] for r in report.removed
                   if before[r["id"]].get(CERTIFICATE_NUMBER)}
        renamed = {cid: removed[current[cid].get(CERTIFICATE_NUMBER)] for cid in report.added
                   if current[cid].get(CERTIFICATE_NUMBER) in removed}
        for cid in [*report.reissue, *renamed]:
            was = before[renamed.get(cid, cid)]
            # Changed again while awaiting: its organizer still holds the first file.
            # Before its issue date a certificate is in no one's hands.
            if cid not in awaiting and _issued(was, today) and _issued(current[cid], today) and \
                    current[cid].get(CERTIFICATE_DIGEST) != was.get(CERTIFICATE_DIGEST):
                awaiting[cid] = {"certificate": None, "since": today,
                                 "previous_sha256": was.get(CERTIFICATE_DIGEST)}
    if not report.kept and last is not None:
        # Still not dated: the record is there, with the 'updated' and
        # status_date it had when it was found.
        report.undated = {cid: entry for cid, entry in last.undated.items()
                          if cid in current and current[cid].get("updated") == entry["updated"]
                          and current[cid].get("status_date") == entry["status_date"]}
    # A record whose id changed keeps its issued number: its entry follows it.
    # (made only then: serve compares on every save, 10,000 records at N = 10,000)
    by_number: dict[str, str] | None = None
    report.awaiting = {}
    for cid, entry in awaiting.items():
        if cid not in current:
            if by_number is None:
                by_number = {e.get(CERTIFICATE_NUMBER): i for i, e in current.items() if e.get(CERTIFICATE_NUMBER)}
            # (an entry of an older version's report knows no number: the last snapshot does)
            number = entry["certificate"] or before.get(cid, {}).get(CERTIFICATE_NUMBER)
            cid = by_number.get(number, cid)
        now = current.get(cid, {}).get(CERTIFICATE_DIGEST)
        # Gone, back to the file its organizer holds, not issued (yet, or any more),
        # or no longer attesting anything (withdrawn, cancelled): nothing to re-issue.
        if now is None or now == entry["previous_sha256"] or not _issued(current[cid], today) \
                or current[cid].get("status") in ("withdrawn", "cancelled"):
            continue
        report.awaiting[cid] = {**entry, "certificate": current[cid].get(CERTIFICATE_NUMBER)}
    return report


def _issued(entry: dict, today: str | None) -> bool:
    """Whether the certificate of a snapshot entry had been issued by ``today``."""
    issued = entry.get(CERTIFICATE_ISSUED)
    return not (isinstance(issued, str) and today is not None and issued > today)


def resolve_reissued(previous: dict | None, values) -> tuple[tuple[str, ...], list[str], list[str] | None]:
    """``--reissued``'s values as record ids (each a record id or a certificate number
    the last report lists as awaiting, or ``REISSUED_ALL``), the values it does
    not list (a typing mistake must not go unnoticed: that certificate would
    stay listed), and the ids it lists (None: the last report cannot be read)."""
    report = previous.get("report") if previous is not None else None
    last = ChangeReport.from_dict(report)
    if last is None and report is not None:
        return (), [v for v in values if v != REISSUED_ALL], None
    awaiting = last.awaiting if last is not None else {}
    numbers = {a["certificate"]: cid for cid, a in awaiting.items() if a.get("certificate")}
    ids, unknown = [], []
    for value in values:
        if value == REISSUED_ALL or value in awaiting:
            ids.append(value)
        elif value in numbers:
            ids.append(numbers[value])
        else:
            unknown.append(value)
    return tuple(ids), unknown, sorted(awaiting)


def _compare(before: dict[str, dict], current: dict[str, dict], last: ChangeReport | None) -> ChangeReport:
    if before == current:
        kept = last
        if kept is not None and {*kept.added, *kept.changed, *kept.reissue} <= current.keys():
            kept.kept = True
            return kept
    report = ChangeReport(previous=True)
    report.added = sorted(set(current) - set(before))
    report.removed = [{"id": cid, "name": before[cid].get("name"), "edition": before[cid].get("edition")}
                      for cid in sorted(set(before) - set(current))]
    for cid in sorted(set(current) & set(before)):
        now, then = current[cid], before[cid]
        if now is then or now == then:  # (most records: the same dict in serve, else one comparison in C)
            continue
        # A snapshot made before certificate digests were kept says nothing of them.
        fields = sorted(k for k in now.keys() | then.keys() if now.get(k) != then.get(k)
                        and not (k in _NEWER_FIELDS and k not in then))
        if fields:
            report.changed[cid] = fields
        if CERTIFICATE_DIGEST in now and CERTIFICATE_DIGEST in then:
            if now[CERTIFICATE_DIGEST] != then[CERTIFICATE_DIGEST]:
                report.reissue.append(cid)
        elif CERTIFICATE_DIGEST in now and any(f in LEGACY_CERTIFICATE_FIELDS for f in fields):
            report.reissue.append(cid)
    return report


def snapshot_json(records: dict[str, dict]) -> str:
    return jsonfile.dumps({"records": records}, sort_keys=True)
