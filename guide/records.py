"""The typed records the rest of the build works with, made by validation."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field


@dataclass(frozen=True, order=True)
class Text:
    """A piece of content text in the source language (Chinese).

    Other languages come from the ``content`` gettext catalog; ``context``
    becomes the msgctxt where one Chinese string needs two translations.
    """

    zh: str
    context: str | None = None

    def __str__(self) -> str:
        return self.zh


@dataclass(frozen=True)
class Source:
    """Where a value came from, for problems and for catalog references."""

    path: str
    line: int
    column: int

    def ref(self) -> str:
        return f"{self.path}:{self.line}"


@dataclass
class Field:
    id: str
    name: Text


@dataclass
class UnitGroup:
    id: str
    name: Text


@dataclass
class Unit:
    code: str
    name: Text
    group: str
    source: Source


@dataclass
class DateSpan:
    start: dt.date
    end: dt.date
    precision: str = "day"  # "day", or "month" when only the month is announced

    @property
    def months(self) -> list[str]:
        """Every YYYY-MM the span touches, for month listings."""
        out, y, m = [], self.start.year, self.start.month
        while (y, m) <= (self.end.year, self.end.month):
            out.append(f"{y:04d}-{m:02d}")
            y, m = (y + 1, 1) if m == 12 else (y, m + 1)
        return out


KINDS = ("recurring", "one-off")
STATUSES = ("accredited", "postponed", "cancelled", "withdrawn")
LISTED_STATUSES = ("accredited", "postponed")


@dataclass
class Conference:
    id: str
    edition: str
    series: str | None
    name: Text
    kind: str
    edition_number: int | None
    field: str
    dates: DateSpan
    city: Text | None
    venue: Text | None
    organizers: list[Text]
    hosts: list[Text]
    recommender: str
    co_recommenders: list[Text]
    website: str | None
    status: str
    sources: list[str]
    source: Source
    description: Text | None = None  # Markdown, rendered then sanitized (rendering.py)

    @property
    def listed(self) -> bool:
        return self.status in LISTED_STATUSES


@dataclass
class Edition:
    id: str
    year: int
    title: Text
    sample: bool
    window: DateSpan
    recurring_cutoff: dt.date | None
    fields: list[Field]
    source: Source
    conferences: list[Conference] = field(default_factory=list)


@dataclass
class GuideInfo:
    title: Text
    publisher: Text
    base_url: str
    current_edition: str
    unit_groups: list[UnitGroup]
    source: Source


@dataclass
class Page:
    """A Markdown page of the site (About), one file per language."""

    slug: str
    lang: str
    title: str
    body_md: str
    source: Source
