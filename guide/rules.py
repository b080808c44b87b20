"""The call's accreditation rules, applied as configured in each edition's data.

Nothing here names a date, a quota or a unit type: all of it comes from
``edition.yaml`` (``window``, ``recurring_cutoff``, ``rules``, ``plans``), so a
municipal or provincial issuer runs the same checks with its own numbers.
"""

from __future__ import annotations

import datetime as dt
import functools
import math
import unicodedata
from collections import defaultdict

from .problems import Problems, counted
from .recordcache import RecordMemo
from .records import Conference, Edition, Quota, Unit


@functools.lru_cache(maxsize=1 << 16)
def _nfkc(text: str) -> str:
    # Every record's name, twice per build: remembered (serve checks all
    # records on every save; normalizing 20,000 names took some 40 ms).
    return unicodedata.normalize("NFKC", text)


# edition id -> (the settings its records were checked with, their problems by record)
_RECORD_RULES: dict[str, tuple[tuple, RecordMemo]] = {}


class RuleCheck:
    def __init__(self, edition: Edition, units: dict[str, Unit], problems: Problems, today: dt.date):
        self.edition, self.units, self.problems, self.today = edition, units, problems, today
        self.rules = edition.rules

    # -- reporting -----------------------------------------------------------
    def report(self, c: Conference, key: str | None, code: str, message: str, severity="error"):
        line, column = c.marks.get(key, (c.source.line, c.source.column)) if key else (c.source.line, c.source.column)
        self.problems.add(c.source.path, line, column, code, message, severity)

    def in_principle(self, records: list[Conference], allowed: int, code: str, message: str):
        """A rule that holds "in principle": approved exceptions can cover the excess."""
        excess = len(records) - allowed
        if excess <= 0:
            return
        excepted = [c for c in records if c.exception_for(code)]
        if len(excepted) >= excess:
            for c in excepted:
                e = c.exception_for(code)
                self.problems.add(e.source.path, e.source.line, e.source.column, code,
                                  f"approved exception ({e.approved.isoformat()}): {message}; reason: {e.reason}",
                                  "info")
            return
        first = next(c for c in records if not c.exception_for(code))
        need = excess - len(excepted)
        self.report(first, "recommender", code,
                    f"{message}: {len(records)} counted, {allowed} allowed "
                    f"({', '.join(c.id for c in records)}); approve an exception with a reason "
                    f"on {need} more of them, or recommend fewer")

    # -- rules ---------------------------------------------------------------
    def check(self) -> None:
        # A record's own rules are a function of the record, the edition's
        # settings and the date: serve replays an unchanged record's problems.
        settings = (self.edition.id, self.edition.window, self.edition.recurring_cutoff, self.rules,
                    self.today, self.problems.root)
        last = _RECORD_RULES.get(self.edition.id)
        memo = last[1] if last is not None and last[0] == settings else RecordMemo()
        _RECORD_RULES[self.edition.id] = (settings, memo)
        memo.begin()
        problems = self.problems
        for c in self.edition.conferences:
            found = memo.get(c, (), lambda: self.record_problems(c))
            if found:
                problems.replay(found)
        self.check_duplicates()
        self.check_quotas()

    def record_problems(self, c: Conference) -> list:
        """The problems of the rules that look at one record alone."""
        problems, self.problems = self.problems, Problems(root=self.problems.root)
        try:
            self.check_window(c)
            self.check_recurring(c)
            self.check_eligibility(c)
            self.check_area(c)
            self.check_freshness(c)
            self.check_past_dates(c)
            return self.problems.items
        finally:
            self.problems = problems

    def check_window(self, c: Conference) -> None:
        w = self.edition.window
        if c.dates.start < w.start or c.dates.end > w.end:
            key = "start" if c.dates.start < w.start else "end"
            self.report(c, key, "outside-window",
                        f"{c.dates.start.isoformat()}..{c.dates.end.isoformat()} is outside edition "
                        f"{self.edition.id}'s window {w.start.isoformat()}..{w.end.isoformat()}"
                        + ("; a conference postponed beyond it leaves this edition: record that with "
                           "'status: withdrawn' and its status_date, the dates it was listed with in start and "
                           "end, and no postponed_from"
                           if c.status == "postponed" else ""))

    def check_recurring(self, c: Conference) -> None:
        if c.kind != "recurring":
            return
        need = self.rules.recurring_min_editions
        cutoff = self.edition.recurring_cutoff
        by = f" by {cutoff.isoformat()}" if cutoff else ""
        if c.editions_held is not None:
            if c.editions_held < need:
                self.report(c, "editions_held", "recurring-too-few",
                            f"held {counted(c.editions_held, 'time')}{by}; a recurring conference must have been "
                            f"held at least {need} times in a row")
            if c.edition_number is not None and c.edition_number <= c.editions_held:
                self.report(c, "edition_number", "edition-number-inconsistent",
                            f"edition {c.edition_number} cannot come after {c.editions_held} editions "
                            "already held")
        elif c.edition_number is not None:
            # Edition N in the window means at most N-1 editions were held by the cut-off.
            if c.edition_number - 1 < need:
                self.report(c, "edition_number", "recurring-too-few",
                            f"edition {c.edition_number} means at most {c.edition_number - 1} held{by}; "
                            f"a recurring conference must have been held at least {need} times in a row")
        elif self.rules.recurring_require_evidence:
            self.report(c, "kind", "recurring-unverified",
                        f"give editions_held (editions held{by}) or edition_number, so the "
                        f"recurring rule (at least {need} in a row) can be checked")

    def check_eligibility(self, c: Conference) -> None:
        if c.format in self.rules.ineligible_formats:
            self.report(c, "format", "ineligible-format",
                        f"format '{c.format}' is never eligible for the Guide")
        name = _nfkc(c.name.zh)
        hits = [p for p in self.rules.review_name_patterns if p in name]
        if hits:
            e = c.exception_for("ineligible-name")
            message = (f"the name contains '{hits[0]}', which suggests a format that is never eligible "
                       "(training course, teaching seminar, celebration, anniversary, award ceremony)")
            if e:
                self.problems.add(e.source.path, e.source.line, e.source.column, "ineligible-name",
                                  f"reviewed ({e.approved.isoformat()}): {message}; reason: {e.reason}", "info")
            else:
                self.report(c, "name", "ineligible-name", message + "; review it", "warning")

    def check_area(self, c: Conference) -> None:
        allowed = self.rules.allowed_cities
        if allowed and (c.city is None or c.city.zh not in allowed):
            where = f"'{c.city.zh}'" if c.city else "no city"
            self.report(c, "city" if c.city else None, "outside-area",
                        f"{where} is not a place of this edition ({', '.join(allowed)})")

    def check_freshness(self, c: Conference) -> None:
        r = self.rules
        if not c.listed or (r.tracking_until and self.today > r.tracking_until):
            return
        days = (c.dates.start - self.today).days
        if r.confirm_within_days is not None and 0 <= days <= r.confirm_within_days and c.confirmed is None:
            self.report(c, None, "unconfirmed",
                        f"starts {_in_days(days)} ({c.dates.start.isoformat()}) and the record was never "
                        f"confirmed: update it and set 'confirmed' (at least {r.confirm_within_days} days "
                        "before the conference)", "warning")
        if r.resources_after_end and c.dates.end < self.today and not c.resources:
            self.report(c, None, "resources-missing",
                        f"ended on {c.dates.end.isoformat()}; add its resources (talk videos, "
                        "expert-opinion summary, proceedings)", "warning")

    def check_past_dates(self, c: Conference) -> None:
        """Dates of what already happened (a typo such as 2033 for 2023 would keep the
        record at the top of the feed for ten years)."""
        for key, what in (("updated", "last changed"), ("confirmed", "confirmed"),
                          ("status_date", "postponed, cancelled or withdrawn")):
            day = getattr(c, key)
            if day is not None and day > self.today:
                self.report(c, key, "date-in-future",
                            f"'{key}' says the record was {what} on {day.isoformat()}, after the build date "
                            f"({self.today.isoformat()}); check the year", "warning")

    def check_duplicates(self) -> None:
        seen: dict[tuple, Conference] = {}
        for c in self.edition.conferences:
            key = ("".join(_nfkc(c.name.zh).split()).casefold(),
                   c.dates.start, c.dates.end)
            if key in seen:
                first = seen[key]
                self.report(c, "name", "duplicate-conference",
                            f"the same conference (name and dates) is also {first.source.path}:"
                            f"{first.source.line} (id {first.id}, recommended by {first.recommender}); "
                            f"here recommended by {c.recommender}")
            else:
                seen[key] = c

    def check_quotas(self) -> None:
        by_unit: dict[str, list[Conference]] = defaultdict(list)
        for c in self.edition.conferences:
            if c.listed:
                by_unit[c.recommender].append(c)
        for code, records in sorted(by_unit.items()):
            unit = self.units.get(code)
            if unit is None:
                continue
            for quota in self.rules.quotas:
                if unit.group in quota.groups:
                    self.apply_quota(unit, quota, records)

    def apply_quota(self, unit: Unit, quota: Quota, records: list[Conference]) -> None:
        name = unit.name.zh
        if quota.max is not None:
            self.in_principle(records, quota.max, "quota-exceeded",
                              f"{unit.code} {name} may recommend at most {counted(quota.max, 'conference')}")
        if quota.own_share_of_plan is not None:
            # Its own conferences; those it does not host, and joint recommendations
            # with international or foreign organizations, are not limited.
            own = [c for c in records if any(o.zh == name for o in c.organizers) and not c.co_recommenders]
            if own:
                plan = self.edition.plans.get(unit.code)
                if plan is None:
                    self.report(own[0], "recommender", "quota-plan-missing",
                                f"{unit.code} {name} recommends its own conferences, but edition "
                                f"{self.edition.id} has no annual plan size for it (plans: in edition.yaml)")
                else:
                    allowed = math.floor(quota.own_share_of_plan * plan + 1e-9)
                    self.in_principle(own, allowed, "quota-exceeded",
                                      f"{unit.code} {name}: own conferences at most "
                                      f"{quota.own_share_of_plan:.0%} of its plan of {plan}")
        if quota.one_off_share is not None:
            one_off = [c for c in records if c.kind == "one-off"]
            allowed = math.floor(quota.one_off_share * len(records) + 1e-9)
            self.in_principle(one_off, allowed, "quota-one-off",
                              f"{unit.code} {name}: one-off conferences at most "
                              f"{quota.one_off_share:.0%} of the {len(records)} it recommends")


def check_rules(content, problems: Problems, today: dt.date) -> None:
    for edition in content.editions:
        RuleCheck(edition, content.units, problems, today).check()


def _in_days(days: int) -> str:
    return "today" if days == 0 else "tomorrow" if days == 1 else f"in {days} days"
