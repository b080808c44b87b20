"""iCalendar files (RFC 5545): one per conference, one for the whole guide, one per field.

Every value comes from the content: UIDs from conference ids, DTSTAMP and
LAST-MODIFIED from the record's ``updated`` date (or its edition's
publication), so a rebuild of unchanged content writes the same bytes and
calendar clients see a change only when a record changed.

The text is written here, not with the ``icalendar`` package: at 1,000
conferences its serializer took 2 s of a 7 s render (4,000 events); these
string operations take a tenth of that (the tests read every file back with
``icalendar``). The bytes are those icalendar 7.3 wrote (the same properties
in the same order, folded the same way) but for commas in NAME and
X-WR-CALNAME, now escaped as in any TEXT value; X-PUBLISHED-TTL, now a
duration (it was "1 day, 0:00:00"); and, rarely, a fold after a caret or
after an escaped backslash.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from typing import TYPE_CHECKING
from urllib.parse import quote, urlsplit

from .records import Conference

if TYPE_CHECKING:
    from .model import SiteModel
    from .rendering import LangFormats

# Calendar apps that subscribe poll this often (RFC 7986 REFRESH-INTERVAL).
REFRESH = dt.timedelta(days=1)
SEQUENCE_EPOCH = dt.date(2000, 1, 1)
STATUS = {"accredited": "CONFIRMED", "postponed": "CONFIRMED",
          "cancelled": "CANCELLED", "withdrawn": "CANCELLED"}


# -- RFC 5545 syntax ----------------------------------------------------------
CRLF = b"\r\n"
# A content line holds at most 75 octets; a folded one continues after CRLF and
# a space. Each piece here holds at most 74 octets besides that space, as
# icalendar writes them.
FOLD_OCTETS = 74
_NOT_URI = re.compile(r"[\x00-\x20\x7f]")


def _text(value: str) -> str:
    """A TEXT value (3.3.11): backslash, semicolon, comma and line breaks escaped."""
    # Backslash first, so that the escapes added after it stay single. (Chained
    # replace: str.translate with a mapping is some ten times slower here.)
    return (value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
            .replace("\r\n", "\\n").replace("\n", "\\n").replace("\r", "\\n"))


def _uri(value: str) -> str:
    """A URI value (3.3.13) is not escaped: controls and spaces have no place in it."""
    return _NOT_URI.sub(lambda m: quote(m.group()), value)


def _date(day: dt.date) -> str:
    """A DATE (3.3.4)."""
    return f"{day.year:04d}{day.month:02d}{day.day:02d}"


def _utc(day: dt.date) -> str:
    """Midnight UTC of ``day`` as a DATE-TIME (3.3.5, form 2)."""
    return _date(day) + "T000000Z"


def _duration(span: dt.timedelta) -> str:
    """A DURATION (3.3.6) of whole days or seconds."""
    if span.seconds == 0 and span.microseconds == 0:
        return f"P{span.days}D"
    return f"P{span.days}DT{span.seconds}S" if span.days else f"PT{span.seconds}S"


def _line(name: str, value: str) -> bytes:
    """One content line (3.1), folded without cutting a UTF-8 character or an escape.

    Readers join the pieces before they unescape, so an escape cut in two is
    still one; some clients do not (icalendar issue 1501), so none is cut.
    """
    data = f"{name}:{value}".encode("utf-8")
    if len(data) <= FOLD_OCTETS:
        return data + CRLF
    pieces = []
    start, size = 0, len(data)
    while size - start > FOLD_OCTETS:
        end = start + FOLD_OCTETS
        while data[end] & 0xC0 == 0x80:  # inside a character: cut before it
            end -= 1
        # Every backslash in a value starts or ends an escape: an odd run of
        # them before the cut ends with the start of one.
        run = 0
        while data[end - 1 - run] == 0x5C:
            run += 1
        if run % 2:
            end -= 1
        pieces.append(data[start:end])
        start = end
    pieces.append(data[start:])
    return b"\r\n ".join(pieces) + CRLF


# -- the calendars --------------------------------------------------------------


@functools.lru_cache(maxsize=8)
def _address(base_url: str) -> tuple[str, str]:
    """(host, path below it) of the guide's address, read once: every event asks."""
    parts = urlsplit(base_url)
    path = parts.path.strip("/")
    return parts.hostname or "guide", path + "/" if path else ""


def host(model: SiteModel) -> str:
    """The host of the guide's address: it names events (UIDs) and feed entries (tag URIs)."""
    return _address(model.guide.base_url)[0]


def base_path(model: SiteModel) -> str:
    """The path of the guide's address below its host, "" or "guides/js/": with
    the host it names events and feed entries, so that two guides on one host
    (example.org/guides/js/, example.org/guides/zj/) with a record id in common
    do not name the same event; pages' links start with it."""
    return _address(model.guide.base_url)[1]


def field_ids(model: SiteModel) -> list[str]:
    """Field ids of all editions, first seen first (newest edition first)."""
    seen: dict[str, None] = {}
    for view in model.editions:
        for f in view.edition.fields:
            seen.setdefault(f.id, None)
    return list(seen)


def _field_name(model: SiteModel, c: Conference, fmt: LangFormats) -> str:
    edition = model.edition(c.edition).edition
    return fmt.tp(next(f.name for f in edition.fields if f.id == c.field))


def event(model: SiteModel, c: Conference, fmt: LangFormats) -> bytes:
    """One conference as an all-day event over its dates (DTEND is exclusive), serialized."""
    updated = _utc(model.updated(c))
    url = fmt.conference_url(c)
    # A month without announced days is an event in the calendar's sense only
    # tentatively: clients show it as such.
    status = STATUS[c.status]
    if status == "CONFIRMED" and c.dates.precision == "month":
        status = "TENTATIVE"
    summary = fmt.tp(c.name)
    _ = fmt.gettext  # (named so that extraction finds the strings)
    place = place_of(c, fmt.tp, _)
    if status == "TENTATIVE":
        # (a calendar shows the event over the whole month: the title says why)
        summary = _("%(name)s (dates to be announced)") % {"name": summary}
    elif c.status == "cancelled":
        # Many clients show a CANCELLED event as any other (Google Calendar,
        # Etar) or only strike it through: the title says so in words.
        summary = _("%(name)s (cancelled)") % {"name": summary}
    elif c.status == "withdrawn":
        summary = _("%(name)s (withdrawn from the Guide)") % {"name": summary}
    # Each revision of the event counts up (RFC 5545 3.8.7.4): clients keep
    # the copy they have of an event whose SEQUENCE did not rise, even with new
    # dates or cancelled. Days from a fixed day (SEQUENCE_EPOCH) to the record's
    # last dated change (``updated``, ``status_date``), 0 without one: from the
    # data, so an unchanged guide rebuilds to the same bytes, and it rises with
    # each later date (a change left undated is warned of:
    # pipeline.warn_of_the_report). Not from an edition's dates, which may be
    # added or corrected.
    changed = c.last_dated_change
    sequence = max(1, (changed - SEQUENCE_EPOCH).days) if changed else 0
    # The order icalendar wrote: its canonical properties first, then by name.
    lines = [
        b"BEGIN:VEVENT\r\n",
        _line("SUMMARY", _text(summary)),
        _line("DTSTART;VALUE=DATE", _date(c.dates.start)),
        _line("DTEND;VALUE=DATE", _date(c.dates.end + dt.timedelta(days=1))),
        _line("DTSTAMP", updated),
        _line("UID", _text(f"{c.id}@{host(model)}/{base_path(model)}".rstrip("/"))),
        _line("CATEGORIES", _text(_field_name(model, c, fmt))),
        _line("DESCRIPTION", _text(_description(model, c, fmt, url))),
        _line("LAST-MODIFIED", updated),
    ]
    if sequence:
        lines.append(_line("SEQUENCE", str(sequence)))
    if place:
        lines.append(_line("LOCATION", _text(place)))
    lines += [
        _line("STATUS", status),
        _line("TRANSP", "TRANSPARENT"),
        _line("URL", _uri(url)),
        b"END:VEVENT\r\n",
    ]
    return b"".join(lines)


def place_of(c: Conference, text, gettext) -> str:
    """Where, as pages and calendars write it (the venue, then its city, in
    English); ``text`` gives a content text in the language (as markup, on a page)."""
    _ = gettext  # (named so that extraction finds the string)
    if c.city and c.venue:
        return _("%(venue)s, %(city)s") % {"venue": text(c.venue), "city": text(c.city)}
    return text(c.city or c.venue) if c.city or c.venue else ""


def postponed_note(c: Conference, fmt: LangFormats) -> str:
    """What a calendar or feed says of a postponed conference before its (new) dates."""
    _ = fmt.gettext  # (named so that extraction finds the strings)
    if c.postponed_from:
        return _("This conference was postponed from %(dates)s.") % {"dates": fmt.dates(c.postponed_from, announced=False)}
    return _("This conference was postponed; these are its new dates.")


def _description(model: SiteModel, c: Conference, fmt: LangFormats, url: str) -> str:
    """The facts of the conference page as plain text lines, in the calendar's language."""
    _ = fmt.gettext  # named so that extraction finds the strings
    pgettext = fmt.pgettext
    unit = model.units[c.recommender]
    edition = model.edition(c.edition).edition
    sep = _("; ")
    lines = []
    if c.status == "cancelled":
        lines.append(_("This conference was cancelled. It is no longer part of the Guide."))
    elif c.status == "withdrawn":
        lines.append(_("This conference was withdrawn from the Guide."))
    elif c.status == "postponed":
        lines.append(postponed_note(c, fmt))
    facts = [
        (_("Dates"), fmt.dates(c.dates)),
        (_("Field"), _field_name(model, c, fmt)),
        (pgettext("conference role", "Organizers"), sep.join(fmt.tp(o) for o in c.organizers)),
        (pgettext("conference role", "Hosts"), sep.join(fmt.tp(o) for o in c.hosts)),
        (_("Recommending unit"), fmt.tp(unit.name)),
        (_("Website"), c.website),
        (_("Edition of the Guide"), fmt.tp(edition.title)),
    ]
    lines += [_("%(label)s: %(value)s") % {"label": label, "value": value} for label, value in facts if value]
    if edition.sample:
        lines.append(_("Sample data, not the official list."))
    lines.append(url)
    return "\n".join(lines)


def _calendar(model: SiteModel, fmt: LangFormats, name: str, confs: list[Conference],
              subscription: bool) -> bytes:
    head = [
        b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\n",
        _line("PRODID", _text(f"-//{host(model)}//Guide to Important Academic Conferences//{fmt.lang.upper()}")),
        b"CALSCALE:GREGORIAN\r\nMETHOD:PUBLISH\r\n",
    ]
    if subscription:
        # Only a calendar of its own is named: Outlook files an event from a
        # named one into a new calendar of that name, not the reader's own
        # (MS-OXCICAL 2.1.3.1.1.17: omitted for a single appointment).
        head += [_line("NAME", _text(name)), _line("X-WR-CALNAME", _text(name)),
                 _line("REFRESH-INTERVAL;VALUE=DURATION", _duration(REFRESH)),
                 _line("X-PUBLISHED-TTL", _duration(REFRESH))]
    events = []
    for c in confs:
        if c.id not in fmt.events:
            fmt.events[c.id] = event(model, c, fmt)
        events.append(fmt.events[c.id])
    return b"".join(head) + b"".join(events) + b"END:VCALENDAR\r\n"


def conference_calendar(model: SiteModel, c: Conference, fmt: LangFormats) -> bytes:
    return _calendar(model, fmt, "", [c], subscription=False)


def _calendared(model: SiteModel) -> list[Conference]:
    """Every record, cancelled and withdrawn ones too: a subscriber's calendar
    holds their events, and only a CANCELLED one takes them out. Oldest edition
    first, each by date: the order a reader scrolls a calendar."""
    return [c for view in reversed(model.editions) for c in view.conferences]


def calendared_by_field(model: SiteModel) -> dict[str, list[Conference]]:
    """What each field's calendar holds (the records it prints, its inputs)."""
    out: dict[str, list[Conference]] = {f: [] for f in field_ids(model)}
    for c in _calendared(model):
        out[c.field].append(c)
    return out


def guide_calendar(model: SiteModel, fmt: LangFormats) -> bytes:
    return _calendar(model, fmt, fmt.tp(model.guide.title), _calendared(model), subscription=True)


def field_calendar(model: SiteModel, field_id: str, confs: list[Conference], fmt: LangFormats) -> bytes:
    """``confs``: the field's, as ``calendared_by_field`` lists them."""
    # The field's name as the newest edition that has it calls it.
    view = next(v for v in model.editions if any(f.id == field_id for f in v.edition.fields))
    fname = fmt.tp(next(f.name for f in view.edition.fields if f.id == field_id))
    pgettext = fmt.pgettext  # (named so that extraction finds the string)
    name = fmt.tp(model.guide.title) + pgettext("punctuation", ": ") + fname
    return _calendar(model, fmt, name, confs, subscription=True)
