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

from .problems import Problems
from .recordcache import RecordMemo
from .records import Conference, Edition, Quota, Unit
from .wording import ntr, tr


@functools.lru_cache(maxsize=1 << 16)
def _nfkc(text: str) -> str:
    # Every record's name, twice per build: remembered (serve checks all
    # records on every save; normalizing 20,000 names took some 40 ms).
    return unicodedata.normalize("NFKC", text)


@functools.lru_cache(maxsize=1 << 16)
def _compact(text: str) -> str:
    # (every organizer of every record, per quota: remembered, as _nfkc)
    return "".join(_nfkc(text).split())


# A place named with its kind or without: 嘉兴市 is 嘉兴, 南湖区 南湖.
_PLACE_SUFFIX = ("市", "区", "县", "镇")


def _place(name: str) -> str:
    name = _compact(name)
    return name[:-1] if len(name) > 2 and name.endswith(_PLACE_SUFFIX) else name


# edition id -> (the settings its records were checked with, their problems by record)
_RECORD_RULES: dict[str, tuple[tuple, RecordMemo]] = {}


class RuleCheck:
    def __init__(self, edition: Edition, units: dict[str, Unit], problems: Problems, today: dt.date):
        self.edition, self.units, self.problems, self.today = edition, units, problems, today
        self.rules = edition.rules

    @functools.cached_property
    def unit_names(self) -> frozenset[str]:
        return frozenset(_compact(u.name.zh) for u in self.units.values())

    @functools.cached_property
    def places(self) -> frozenset[str]:
        return frozenset(_place(a) for a in self.rules.allowed_cities)

    def hosts_own(self, c: Conference, unit_name: str) -> bool:
        """A conference the unit (or a branch) organizes, not recommended jointly with an
        international or foreign organization (those are unlimited, §一.4.2; another
        recommending unit of the guide, recommending jointly (§一.2), is neither).
        A branch: an organizer whose name starts with the unit's. "以全国学会为推荐单位的，
        学术会议计划应包含本级学会和分支机构的会议" (§一.3.1): a branch's conference counts
        as the society's own ("中国数学会计算数学分会", "中国数学会（CMS）")."""
        if c.co_recommenders and not all(self.of_a_unit(o.zh) for o in c.co_recommenders):
            return False
        unit = _compact(unit_name)
        for o in c.organizers:
            if _compact(o.zh).startswith(unit):
                return True
        return False

    def of_a_unit(self, name: str) -> bool:
        """A recommending unit of the guide, or one of its branches (中国化学会（CCS）):
        a unit's name begins it (its beginnings looked up, not every unit tried)."""
        compact = _compact(name)
        return any(compact[:k] in self.unit_names for k in range(1, len(compact) + 1))

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
                                  tr("approved exception (%(approved)s): %(message)s; reason: %(reason)s",
                                     approved=e.approved.isoformat(), message=message, reason=e.reason),
                                  "info")
            return
        first = next(c for c in records if not c.exception_for(code))
        need = excess - len(excepted)
        self.report(first, "recommender", code,
                    tr("%(message)s: %(counted)s counted, %(allowed)s allowed "
                       "(%(ids)s); approve an exception with a reason "
                       "on %(need)s more of them, or recommend fewer",
                       message=message, counted=len(records), allowed=allowed,
                       ids=', '.join(c.id for c in records), need=need))

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
            message = tr("%(start)s..%(end)s is outside edition "
                         "%(edition)s's window %(window_start)s..%(window_end)s",
                         start=c.dates.start.isoformat(), end=c.dates.end.isoformat(), edition=self.edition.id,
                         window_start=w.start.isoformat(), window_end=w.end.isoformat())
            if c.status == "postponed":
                message = tr("%(message)s; a conference postponed beyond it leaves this edition: record that with "
                             "'status: withdrawn' and its status_date, the dates it was listed with in start and "
                             "end, and no postponed_from", message=message)
            self.report(c, key, "outside-window", message)

    def check_recurring(self, c: Conference) -> None:
        need = self.rules.recurring_min_editions
        cutoff = self.edition.recurring_cutoff
        by = cutoff.isoformat() if cutoff else None
        if c.kind != "recurring":
            # A one-off may have a number (a first edition; a series held once
            # before): the call defines it by its purpose (§一.3.2), not its past.
            held = c.editions_held if c.editions_held is not None else (
                c.edition_number - 1 if c.edition_number else None)
            if held is not None and need and held >= need:
                key = "editions_held" if c.editions_held is not None else "edition_number"
                self.report(c, key, "one-off-recurring", ntr(
                    "a one-off conference held %(n)s time before; one held at least %(need)s times "
                    "in a row is recurring (机制性会议): check its kind",
                    "a one-off conference held %(n)s times before; one held at least %(need)s times "
                    "in a row is recurring (机制性会议): check its kind", held, need=need), "warning")
            return
        if c.editions_held is not None:
            if c.editions_held < need:
                if by:
                    message = ntr("held %(n)s time by %(cutoff)s; a recurring conference must have been "
                                  "held at least %(need)s times in a row",
                                  "held %(n)s times by %(cutoff)s; a recurring conference must have been "
                                  "held at least %(need)s times in a row", c.editions_held, cutoff=by, need=need)
                else:
                    message = ntr("held %(n)s time; a recurring conference must have been "
                                  "held at least %(need)s times in a row",
                                  "held %(n)s times; a recurring conference must have been "
                                  "held at least %(need)s times in a row", c.editions_held, need=need)
                self.report(c, "editions_held", "recurring-too-few", message)
            if c.edition_number is not None and c.edition_number <= c.editions_held:
                self.report(c, "edition_number", "edition-number-inconsistent",
                            tr("edition %(number)s cannot come after %(held)s editions already held",
                               number=c.edition_number, held=c.editions_held))
        elif c.edition_number is not None:
            # Edition N in the window means at most N-1 editions were held by the cut-off.
            if c.edition_number - 1 < need:
                if by:
                    message = tr("edition %(number)s means at most %(held)s held by %(cutoff)s; "
                                 "a recurring conference must have been held at least %(need)s times in a row",
                                 number=c.edition_number, held=c.edition_number - 1, cutoff=by, need=need)
                else:
                    message = tr("edition %(number)s means at most %(held)s held; "
                                 "a recurring conference must have been held at least %(need)s times in a row",
                                 number=c.edition_number, held=c.edition_number - 1, need=need)
                self.report(c, "edition_number", "recurring-too-few", message)
        elif self.rules.recurring_require_evidence:
            if by:
                message = tr("give editions_held (editions held by %(cutoff)s) or edition_number, so the "
                             "recurring rule (at least %(need)s in a row) can be checked", cutoff=by, need=need)
            else:
                message = tr("give editions_held (editions held) or edition_number, so the "
                             "recurring rule (at least %(need)s in a row) can be checked", need=need)
            self.report(c, "kind", "recurring-unverified", message)

    def check_eligibility(self, c: Conference) -> None:
        if c.format in self.rules.ineligible_formats:
            self.report(c, "format", "ineligible-format",
                        tr("format '%(format)s' is never eligible for the Guide", format=c.format))
        name = _nfkc(c.name.zh)
        hits = [p for p in self.rules.review_name_patterns if p in name]
        if hits:
            e = c.exception_for("ineligible-name")
            message = tr("the name contains '%(word)s', which suggests a format that is never eligible "
                         "(training course, teaching seminar, celebration, anniversary, award ceremony)",
                         word=hits[0])
            if e:
                self.problems.add(e.source.path, e.source.line, e.source.column, "ineligible-name",
                                  tr("reviewed (%(approved)s): %(message)s; reason: %(reason)s",
                                     approved=e.approved.isoformat(), message=message, reason=e.reason), "info")
            else:
                self.report(c, "name", "ineligible-name", tr("%(message)s; review it", message=message), "warning")

    def check_area(self, c: Conference) -> None:
        allowed = self.rules.allowed_cities
        if allowed and (c.city is None or _place(c.city.zh) not in self.places):
            if c.city:
                message = tr("'%(city)s' is not a place of this edition (%(allowed)s)",
                             city=c.city.zh, allowed=', '.join(allowed))
            else:
                message = tr("no city given: this edition lists only conferences held in its places "
                             "(%(allowed)s); give the city", allowed=', '.join(allowed))
            self.report(c, "city" if c.city else None, "outside-area", message)

    def check_freshness(self, c: Conference) -> None:
        r = self.rules
        if not c.listed or (r.tracking_until and self.today > r.tracking_until):
            return
        days = (c.dates.start - self.today).days
        if r.confirm_within_days is not None and 0 <= days <= r.confirm_within_days and c.confirmed is None:
            values = dict(start=c.dates.start.isoformat(), within=r.confirm_within_days)
            if days == 0:
                message = tr("starts today (%(start)s) and the record was never "
                             "confirmed: update it and set 'confirmed' (at least %(within)s days "
                             "before the conference)", **values)
            elif days == 1:
                message = tr("starts tomorrow (%(start)s) and the record was never "
                             "confirmed: update it and set 'confirmed' (at least %(within)s days "
                             "before the conference)", **values)
            else:
                message = tr("starts in %(days)s days (%(start)s) and the record was never "
                             "confirmed: update it and set 'confirmed' (at least %(within)s days "
                             "before the conference)", days=days, **values)
            self.report(c, None, "unconfirmed", message, "warning")
        if r.resources_after_end and c.dates.end < self.today and not c.resources:
            self.report(c, None, "resources-missing",
                        tr("ended on %(end)s; add its resources (talk videos, "
                           "expert-opinion summary, proceedings)", end=c.dates.end.isoformat()), "warning")

    def check_past_dates(self, c: Conference) -> None:
        """Dates of what already happened (a typo such as 2033 for 2023 would keep the
        record at the top of the feed for ten years)."""
        for key in ("updated", "confirmed", "status_date"):
            day = getattr(c, key)
            if day is not None and day > self.today:
                values = dict(key=key, day=day.isoformat(), today=self.today.isoformat())
                if key == "updated":
                    message = tr("'%(key)s' says the record was last changed on %(day)s, after the build date "
                                 "(%(today)s); check the year", **values)
                elif key == "confirmed":
                    message = tr("'%(key)s' says the record was confirmed on %(day)s, after the build date "
                                 "(%(today)s); check the year", **values)
                else:
                    message = tr("'%(key)s' says the record was postponed, cancelled or withdrawn on %(day)s, "
                                 "after the build date (%(today)s); check the year", **values)
                self.report(c, key, "date-in-future", message, "warning")
        for e in c.exceptions:
            if e.approved > self.today:
                self.problems.add(e.source.path, e.source.line, e.source.column, "date-in-future",
                                  tr("the exception to %(rule)s says it was approved on %(day)s, after the build "
                                     "date (%(today)s); check the year", rule=e.rule, day=e.approved.isoformat(),
                                     today=self.today.isoformat()), "warning")

    def check_duplicates(self) -> None:
        seen: dict[tuple, Conference] = {}
        for c in self.edition.conferences:
            key = ("".join(_nfkc(c.name.zh).split()).casefold(),
                   c.dates.start, c.dates.end)
            if key in seen:
                first = seen[key]
                self.report(c, "name", "duplicate-conference",
                            tr("the same conference (name and dates) is also %(path)s:"
                               "%(line)s (id %(id)s, recommended by %(first_recommender)s); "
                               "here recommended by %(recommender)s (a joint recommendation is one record: "
                               "the other unit in its co_recommenders)",
                               path=first.source.path, line=first.source.line, id=first.id,
                               first_recommender=first.recommender, recommender=c.recommender))
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
                              ntr("%(code)s %(name)s may recommend at most %(n)s conference",
                                  "%(code)s %(name)s may recommend at most %(n)s conferences",
                                  quota.max, code=unit.code, name=name))
        if quota.own_share_of_plan is not None:
            # Its own conferences; those it does not host, and joint recommendations
            # with international or foreign organizations, are not limited.
            own = [c for c in records if self.hosts_own(c, name)]
            if own:
                plan = self.edition.plans.get(unit.code)
                if plan is None:
                    self.report(own[0], "recommender", "quota-plan-missing",
                                tr("%(code)s %(name)s recommends its own conferences, but edition "
                                   "%(edition)s has no annual plan size for it (plans: in edition.yaml)",
                                   code=unit.code, name=name, edition=self.edition.id))
                else:
                    allowed = math.floor(quota.own_share_of_plan * plan + 1e-9)
                    self.in_principle(own, allowed, "quota-exceeded",
                                      tr("%(code)s %(name)s: own conferences at most "
                                         "%(share)s of its plan of %(plan)s", code=unit.code, name=name,
                                         share=f"{quota.own_share_of_plan:.0%}", plan=plan))
        if quota.one_off_share is not None:
            # "其中单次会议数量占比原则上不得超过推荐总量的20%" (§一.4.1): said of
            # the conferences it hosts ("其中"), as a share of all it recommends.
            one_off = [c for c in records if c.kind == "one-off" and self.hosts_own(c, name)]  # (few one-offs)
            allowed = math.floor(quota.one_off_share * len(records) + 1e-9)
            self.in_principle(one_off, allowed, "quota-one-off",
                              tr("%(code)s %(name)s: one-off conferences of its own at most "
                                 "%(share)s of the %(count)s it recommends", code=unit.code, name=name,
                                 share=f"{quota.one_off_share:.0%}", count=len(records)))


def check_rules(content, problems: Problems, today: dt.date) -> None:
    for edition in content.editions:
        RuleCheck(edition, content.units, problems, today).check()
