"""iCalendar files (RFC 5545): one per conference, one for the whole guide, one per field.

Every value comes from the content: UIDs from conference ids, DTSTAMP and
LAST-MODIFIED from the record's ``updated`` date (or its edition's
publication), so a rebuild of unchanged content writes the same bytes and
calendar clients see a change only when a record changed.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from icalendar import Calendar, Event

from .records import Conference

if TYPE_CHECKING:
    from .model import SiteModel
    from .rendering import LangFormats

# Calendar apps that subscribe poll this often (RFC 7986 REFRESH-INTERVAL).
REFRESH = dt.timedelta(days=1)
STATUS = {"accredited": "CONFIRMED", "postponed": "CONFIRMED",
          "cancelled": "CANCELLED", "withdrawn": "CANCELLED"}


def _stamp(day: dt.date) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, tzinfo=dt.timezone.utc)


def _host(model: SiteModel) -> str:
    return urlsplit(model.guide.base_url).hostname or "guide"


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


def event(model: SiteModel, c: Conference, fmt: LangFormats) -> Event:
    """One conference as an all-day event over its dates (DTEND is exclusive)."""
    ev = Event()
    ev.add("uid", f"{c.id}@{_host(model)}")
    stamp = _stamp(model.updated(c))
    ev.add("dtstamp", stamp)
    ev.add("last-modified", stamp)
    ev.add("dtstart", c.dates.start)
    ev.add("dtend", c.dates.end + dt.timedelta(days=1))
    ev.add("summary", fmt.tp(c.name))
    # As the conference page writes the place: city, venue.
    place = [fmt.tp(x) for x in (c.city, c.venue) if x]
    if place:
        ev.add("location", ", ".join(place))
    url = fmt.conference_url(c)
    ev.add("url", url)
    ev.add("description", _description(model, c, fmt, url))
    # A month without announced days is an event in the calendar's sense only
    # tentatively: clients show it as such.
    status = STATUS[c.status]
    if status == "CONFIRMED" and c.dates.precision == "month":
        status = "TENTATIVE"
    ev.add("status", status)
    ev.add("categories", [_field_name(model, c, fmt)])
    ev.add("transp", "TRANSPARENT")
    return ev


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
        lines.append(_("This conference was postponed; the dates below are the new ones."))
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
    cal = Calendar()
    cal.add("prodid", f"-//{_host(model)}//Guide to Important Academic Conferences//{fmt.lang.upper()}")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("name", name)
    cal.add("x-wr-calname", name)
    if subscription:
        cal.add("refresh-interval", REFRESH, parameters={"VALUE": "DURATION"})
        cal.add("x-published-ttl", REFRESH)
    head = cal.to_ical()
    end = b"END:VCALENDAR\r\n"
    assert head.endswith(end)
    events = []
    for c in confs:
        if c.id not in fmt.events:
            fmt.events[c.id] = event(model, c, fmt).to_ical()
        events.append(fmt.events[c.id])
    # The same bytes icalendar writes for a calendar holding these events.
    return head[: -len(end)] + b"".join(events) + end


def conference_calendar(model: SiteModel, c: Conference, fmt: LangFormats) -> bytes:
    return _calendar(model, fmt, fmt.tp(c.name), [c], subscription=False)


def _listed(model: SiteModel) -> list[Conference]:
    # Oldest edition first, each by date: the order a reader scrolls a calendar.
    return [c for view in reversed(model.editions) for c in view.listed]


def guide_calendar(model: SiteModel, fmt: LangFormats) -> bytes:
    return _calendar(model, fmt, fmt.tp(model.guide.title), _listed(model), subscription=True)


def field_calendar(model: SiteModel, field_id: str, fmt: LangFormats) -> bytes:
    # The field's name as the newest edition that has it calls it.
    view = next(v for v in model.editions if any(f.id == field_id for f in v.edition.fields))
    fname = fmt.tp(next(f.name for f in view.edition.fields if f.id == field_id))
    name = f"{fmt.tp(model.guide.title)}: {fname}"
    return _calendar(model, fmt, name, [c for c in _listed(model) if c.field == field_id],
                     subscription=True)
