"""The typed records the rest of the build works with, made by validation."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import NamedTuple


class Text(NamedTuple):
    """A piece of content text in the source language (Chinese).

    Other languages come from the ``content`` gettext catalog; ``context``
    becomes the msgctxt where one Chinese string needs two translations.
    """

    # A named tuple, not a frozen dataclass: texts are dict and set keys
    # everywhere (each build gathers 110,000 uses at N = 10,000), and a
    # tuple hashes and compares in C, a dataclass in Python (3x slower).

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
    # A text read where line breaks are allowed (a description): its
    # translation may hold them too (i18n.check_translations).
    multiline: bool = False

    def ref(self) -> str:
        return f"{self.path}:{self.line}"


@dataclass
class Field:
    id: str
    name: Text
    # Words a reader may search for that the name does not contain
    # ("chemistry" for 化学科学 / Chemical Sciences); indexed, not shown on
    # the page (a search result's excerpt may quote them).
    search_terms: tuple[Text, ...] = ()


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
    # What readers call the unit besides its name (an abbreviation such as CCF):
    # searched on its conferences' pages, not shown.
    search_terms: tuple[Text, ...] = ()


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
# The call's words for them (spreadsheets, and records typed by staff).
KIND_WORDS = {"机制性会议": "recurring", "机制性": "recurring", "recurring": "recurring",
              "单次会议": "one-off", "单次": "one-off", "one-off": "one-off"}
STATUSES = ("accredited", "postponed", "cancelled", "withdrawn")
LISTED_STATUSES = ("accredited", "postponed")


@dataclass
class RuleException:
    """An approved exception to an "in principle" (原则上) rule, with its reason."""

    rule: str
    reason: str
    approved: dt.date
    source: "Source"


@dataclass
class Resources:
    """What the recommending unit adds after the conference (§三.5)."""

    videos: list[str] = field(default_factory=list)
    summary: str | None = None       # expert-opinion summary (专家观点综述)
    proceedings: str | None = None   # proceedings (会议论文集)

    def __bool__(self) -> bool:
        return bool(self.videos or self.summary or self.proceedings)


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
    updated: dt.date | None = None  # last change to the record after publication
    format: str = "conference"
    editions_held: int | None = None
    status_date: dt.date | None = None     # when it was postponed, cancelled or withdrawn
    postponed_from: DateSpan | None = None
    confirmed: dt.date | None = None       # last time the unit confirmed the record
    resources: Resources = field(default_factory=Resources)
    exceptions: list[RuleException] = field(default_factory=list)
    marks: dict = field(default_factory=dict)  # key -> (line, column) of its value, for problems
    certificate: str | None = None         # the inclusion certificate's number (explicit or derived)
    description: Text | None = None  # Markdown, rendered then sanitized (rendering.py)

    @property
    def listed(self) -> bool:
        return self.status in LISTED_STATUSES

    @property
    def last_dated_change(self) -> dt.date | None:
        """The latest of ``updated`` and ``status_date``: what calendars' SEQUENCE,
        feeds' entries and the change report read as the record's last change."""
        return max((d for d in (self.updated, self.status_date) if d), default=None)

    def exception_for(self, rule: str) -> RuleException | None:
        return next((e for e in self.exceptions if e.rule == rule), None)


@dataclass
class Quota:
    """A recommending quota for the units of some groups (§一.4)."""

    groups: list[str]
    max: int | None = None                  # at most this many conferences
    own_share_of_plan: float | None = None  # own conferences ≤ share × the unit's annual plan
    one_off_share: float | None = None      # one-off ≤ share × what the unit recommends


@dataclass
class Rules:
    """The call's rules for one edition: data, never code."""

    recurring_min_editions: int = 2
    recurring_require_evidence: bool = True
    ineligible_formats: list[str] = field(default_factory=list)
    review_name_patterns: list[str] = field(default_factory=list)
    allowed_cities: list[str] = field(default_factory=list)
    quotas: list[Quota] = field(default_factory=list)
    confirm_within_days: int | None = None
    resources_after_end: bool = False
    tracking_until: dt.date | None = None


@dataclass
class CertificateSettings:
    """Who issues an edition's inclusion certificates (收录证书), and when."""

    issuer: Text
    issue_date: dt.date


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
    published: dt.date | None = None  # when the edition's catalog was published
    rules: Rules = field(default_factory=Rules)
    plans: dict[str, int] = field(default_factory=dict)  # unit code -> annual conference plan
    certificates: CertificateSettings | None = None  # None: this edition issues none (yet)


@dataclass
class GuideInfo:
    title: Text
    publisher: Text
    base_url: str
    current_edition: str
    unit_groups: list[UnitGroup]
    source: Source
    # What the guide is, in a sentence (the home page's lead, the pages'
    # description); None: made of the title and the publisher.
    description: Text | None = None


@dataclass
class Page:
    """A Markdown page of the site (About), one file per language."""

    slug: str
    lang: str
    title: str
    body_md: str
    source: Source
