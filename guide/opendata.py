"""Open data: the whole guide as JSON and CSV, with both languages' names.

One file per format for both languages. Text that has no English translation
is empty in the English column (null in JSON) rather than repeated in
Chinese, so users of the data can tell the two apart. The CSV starts with a
byte order mark: spreadsheet programs then read it as UTF-8. The columns are
documented on the About page (content/pages/about.*.md); a test keeps the two
in step.

Spreadsheet programs run a cell that starts with = + - or @ (or a tab or a
carriage return) as a formula, which can fetch URLs or start programs (CSV
injection). As OWASP advises, such a cell of the CSV starts with a single
quote instead, which they read as "this is text"; the JSON keeps the text as
it is.
"""

from __future__ import annotations

import csv
import io
from typing import TYPE_CHECKING, Callable, Iterator

from . import jsonfile
from .records import Conference, Text

if TYPE_CHECKING:
    from .model import SiteModel
    from .rendering import LangFormats

FILES = {"json": "data/guide.json", "csv": "data/guide.csv"}
LIST_SEPARATOR = "; "

CSV_COLUMNS = (
    "id", "edition", "name_zh", "name_en", "kind", "edition_number",
    "field", "field_zh", "field_en", "start", "end", "date_precision",
    "city_zh", "city_en", "venue_zh", "venue_en",
    "organizers_zh", "organizers_en", "hosts_zh", "hosts_en",
    "recommender", "recommender_zh", "recommender_en",
    "co_recommenders_zh", "co_recommenders_en",
    "website", "status", "updated", "url_zh", "url_en",
    # (added after the columns above, which readers of older files may count on)
    "status_date", "postponed_from_start", "postponed_from_end", "certificate",
    "videos", "expert_summary", "proceedings", "postponed_from_precision",
)
# The columns of free text. The others hold values that validation restricts
# to forms that cannot start a formula: ids, unit codes, fixed words, ISO
# dates, numbers from 1 and http(s) addresses; so dates and numbers are never
# altered.
TEXT_COLUMNS = frozenset(f"{key}_{lang}" for lang in ("zh", "en") for key in (
    "name", "field", "city", "venue", "organizers", "hosts", "recommender", "co_recommenders"))
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _both(text: Text | None, formats: dict[str, LangFormats]) -> dict | None:
    if text is None:
        return None
    return {"zh": text.zh, "en": formats["en"].translated(text)}


def _record(model: SiteModel, c: Conference, formats: dict[str, LangFormats]) -> dict:
    edition = model.edition(c.edition).edition
    field = next(f for f in edition.fields if f.id == c.field)
    cert = model.certificate_of(c)
    return {
        "id": c.id,
        "edition": c.edition,
        "series": c.series,
        "name": _both(c.name, formats),
        "kind": c.kind,
        "edition_number": c.edition_number,
        "field": {"id": c.field, "name": _both(field.name, formats)},
        "start": c.dates.start.isoformat(),
        "end": c.dates.end.isoformat(),
        "date_precision": c.dates.precision,
        "city": _both(c.city, formats),
        "venue": _both(c.venue, formats),
        "organizers": [_both(o, formats) for o in c.organizers],
        "hosts": [_both(o, formats) for o in c.hosts],
        "recommender": {"code": c.recommender, "name": _both(model.units[c.recommender].name, formats)},
        "co_recommenders": [_both(o, formats) for o in c.co_recommenders],
        "website": c.website,
        "status": c.status,
        "updated": model.updated(c).isoformat(),
        "url": {lang: fmt.conference_url(c) for lang, fmt in formats.items()},
        "sources": c.sources,
        # When it was postponed, cancelled or withdrawn, and the dates it had before.
        "status_date": c.status_date.isoformat() if c.status_date else None,
        "postponed_from": ({"start": c.postponed_from.start.isoformat(), "end": c.postponed_from.end.isoformat(),
                            "date_precision": c.postponed_from.precision} if c.postponed_from else None),
        # Its inclusion certificate's number (its verification page is /zh/verify/<number>/).
        "certificate": cert.number if cert is not None else None,
        # What the recommending unit added after the conference.
        "resources": ({"videos": list(c.resources.videos), "expert_summary": c.resources.summary,
                       "proceedings": c.resources.proceedings} if c.resources else None),
    }


def _records(model: SiteModel, formats) -> list[dict]:
    return [_record(model, c, formats) for view in model.editions for c in view.conferences]


def guide_json(model: SiteModel, formats: dict[str, LangFormats], records: list[dict]) -> bytes:
    data = {
        "title": _both(model.guide.title, formats),
        "publisher": _both(model.guide.publisher, formats),
        "url": model.guide.base_url,
        "editions": [{
            "id": v.id,
            "year": v.edition.year,
            "title": _both(v.edition.title, formats),
            "sample": v.edition.sample,
            "published": model.published(v.edition).isoformat(),
            "window": {"start": v.edition.window.start.isoformat(), "end": v.edition.window.end.isoformat()},
            "fields": [{"id": f.id, "name": _both(f.name, formats)} for f in v.edition.fields],
        } for v in model.editions],
        "conferences": records,
    }
    return (jsonfile.dumps(data) + "\n").encode("utf-8")


def _row(r: dict) -> dict:
    def text(value, lang):
        return (value or {}).get(lang) or ""

    def joined(values, lang):
        # (positional, as the Chinese column: an untranslated entry is empty; with
        # none translated, the cell is empty, not a bare separator)
        parts = [text(v, lang) for v in values]
        return LIST_SEPARATOR.join(parts) if any(parts) else ""

    row = {"id": r["id"], "edition": r["edition"], "kind": r["kind"],
           "edition_number": r["edition_number"] or "", "field": r["field"]["id"],
           "start": r["start"], "end": r["end"], "date_precision": r["date_precision"],
           "recommender": r["recommender"]["code"], "website": r["website"] or "",
           "status": r["status"], "updated": r["updated"],
           "status_date": r["status_date"] or "", "certificate": r["certificate"] or ""}
    moved, resources = r["postponed_from"] or {}, r["resources"] or {}
    row["postponed_from_start"], row["postponed_from_end"] = moved.get("start", ""), moved.get("end", "")
    row["postponed_from_precision"] = moved.get("date_precision", "")
    row["videos"] = LIST_SEPARATOR.join(resources.get("videos", []))
    row["expert_summary"], row["proceedings"] = resources.get("expert_summary") or "", resources.get("proceedings") or ""
    for lang in ("zh", "en"):
        row[f"name_{lang}"] = text(r["name"], lang)
        row[f"field_{lang}"] = text(r["field"]["name"], lang)
        row[f"city_{lang}"] = text(r["city"], lang)
        row[f"venue_{lang}"] = text(r["venue"], lang)
        row[f"recommender_{lang}"] = text(r["recommender"]["name"], lang)
        for key in ("organizers", "hosts", "co_recommenders"):
            row[f"{key}_{lang}"] = joined(r[key], lang)
        row[f"url_{lang}"] = r["url"][lang]
    return row


def spreadsheet_text(value: str) -> str:
    """Free text as a spreadsheet program shows it rather than runs it (OWASP CSV injection)."""
    return "'" + value if value.startswith(FORMULA_START) else value


def guide_csv(records: list[dict]) -> bytes:
    buf = io.StringIO(newline="")
    writer = csv.DictWriter(buf, fieldnames=CSV_COLUMNS, lineterminator="\r\n")
    writer.writeheader()
    for r in records:
        row = _row(r)
        writer.writerow({key: spreadsheet_text(value) if key in TEXT_COLUMNS else value
                         for key, value in row.items()})
    return buf.getvalue().encode("utf-8-sig")


def render(model: SiteModel, formats: dict[str, LangFormats]) -> Iterator[tuple[str, bytes]]:
    records = _records(model, formats)
    yield FILES["json"], guide_json(model, formats, records)
    yield FILES["csv"], guide_csv(records)


def makers(model: SiteModel, formats: dict[str, LangFormats]) -> list[tuple[str, Callable[[], bytes]]]:
    """The open-data files, each made on demand (a build skips unchanged ones)."""
    memo: list[list[dict]] = []

    def records() -> list[dict]:
        if not memo:
            memo.append(_records(model, formats))
        return memo[0]

    return [(FILES["json"], lambda: guide_json(model, formats, records())),
            (FILES["csv"], lambda: guide_csv(records()))]
