"""Renders the site model into pages: a function of (model, language, template)."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import shutil
from dataclasses import dataclass, field
from functools import lru_cache, partial
from pathlib import Path
from typing import AbstractSet, Callable, Iterator

import jinja2
from jinja2 import nodes
from jinja2.compiler import CodeGenerator
from jinja2.visitor import NodeTransformer
import markdown
import nh3
from babel import Locale
from babel.dates import format_interval, format_skeleton, parse_pattern
from babel.numbers import format_decimal
from markupsafe import Markup, escape

from . import calendars, opendata
from .changes import REPORT, SNAPSHOT, snapshot_json
from .fingerprint import Fingerprints, code_digest, messages_digest
from .i18n import TOOL_ROOT
from .model import LANGS, SiteModel, index_letter, name_key, pinyin_key
from .pdfs import pdf_digests
from .problems import Problems
from .records import Conference, DateSpan, Text
from .translation import BABEL_LOCALE, HTML_LANG, ContentTranslator
from .validation import CERTIFICATE_NUMBER, CERTIFICATE_NUMBER_LENGTH, link_allowed
from .wording import tr

ALLOWED_SCHEMES = {"http", "https", "mailto"}
# Record descriptions sit inside a conference page under its own headings:
# paragraphs, lists, emphasis and links only.
RECORD_TAGS = {"p", "br", "ul", "ol", "li", "a", "em", "strong", "code", "blockquote"}
# Language names in their own language (autonyms): never translated.
LANG_NAMES = {"zh": "中文", "en": "English"}


@dataclass
class PageSpec:
    """A page to render in every language: its path below /<lang>/ and its data."""

    key: str                     # e.g. "2023/conferences/cncc-2023/index.html"
    template: str
    context: dict = field(default_factory=dict)
    edition: str | None = None   # the edition the page belongs to, for the sample banner
    sitemap: bool = True
    # What the page shows besides the guide-wide data (see fingerprint.py):
    # "all", ("view", id), or the conferences it lists. None: made on every
    # build (it depends on the previous build).
    inputs: object = ()
    # The record whose own page it is (its page, its verification page): see
    # Renderer.block_keys.
    block: str | None = None
    # A page serve leaves as the last build.py made it (see OutputJob.bulk).
    bulk: bool = False


@dataclass
class OutputJob:
    """One file of the site: its path, its fingerprint, and how to make it."""

    path: str
    fingerprint: str | None      # None: made on every build
    make: Callable[[], bytes]
    # A file of the whole guide for download or machines (calendars, feeds,
    # open data, sitemap): serve may leave it behind a save, like the search index.
    bulk: bool = False
    # A bulk file's: about how many conferences it prints (the renderer starts
    # the heaviest first, each on its own, so that no core is left with them
    # at the end).
    weight: int = 1
    block: str | None = None     # the record whose own output it is (Renderer.block_keys)


@dataclass
class LangFormats:
    """One language's text and formatting helpers, for outputs made outside Jinja."""

    lang: str
    html_lang: str
    tp: Callable[[Text | None], str]                   # content text, Chinese fallback
    translated: Callable[[Text | None], str | None]    # content text, None when untranslated
    dates: Callable[..., str]                          # (span, announced=True)
    gettext: Callable[[str], str]
    pgettext: Callable[[str, str], str]
    page_url: Callable[[str], str]                     # absolute URL of a page key
    month_name: Callable[[str], str]                   # "2023-06", as the listings name it
    # A conference's calendar event, serialized once: it goes into its own
    # calendar, the whole guide's and its field's.
    events: dict = field(default_factory=dict)       # conference id -> bytes

    def conference_url(self, c: Conference) -> str:
        return self.page_url(conference_key(c))


def page_url_path(key: str) -> str:
    return key[: -len("index.html")] if key.endswith("index.html") else key


def conference_key(c: Conference) -> str:
    return f"{c.edition}/conferences/{c.id}/index.html"


def unit_slug(code: str) -> str:
    return code.lower()


def calendar_key(c: Conference) -> str:
    """The one-event calendar beside a conference's page."""
    return f"{c.edition}/conferences/{c.id}/{c.id}.ics"


def field_calendar_key(field_id: str) -> str:
    return f"calendars/fields/{field_id}.ics"


GUIDE_CALENDAR_KEY = "calendars/all.ics"
FEED_KEY = "feed.xml"


def plan_pages(model: SiteModel, records: bool = True) -> Iterator[PageSpec]:
    """Every page of the site, language-independent (``records=False``: but the records' own pages)."""
    yield PageSpec("index.html", "home.html", {"view": model.current}, model.current.id, inputs="all")
    for slug in sorted({s for s, _ in model.pages}):
        yield PageSpec(f"{slug}/index.html", "page.html", {"slug": slug}, model.current.id)
    yield PageSpec("404.html", "404.html", {}, model.current.id, sitemap=False)
    # Its filters offer the months, units and cities of the records: it changes
    # when one of those does, not with every record.
    yield PageSpec("search/index.html", "search.html", {}, model.current.id, sitemap=False, inputs=("facets",))
    # Where a certificate's number is entered (each has its own page below it);
    # the 404 pages link it, certificates or none.
    yield PageSpec("verify/index.html", "verify_lookup.html", {"view": model.current}, model.current.id,
                   sitemap=False)
    # For staff after each round; not linked from public navigation nor indexed.
    # Made of the report (its text is its key): serve leaves it as the last
    # build.py made it, with the report it shows (staff/changes.json), so that
    # site/ never shows a save's report that the next build.py would not publish.
    yield PageSpec("staff/changes/index.html", "changes.html", {"report": model.changes},
                   model.current.id, sitemap=False, inputs=("keys", model.changes_json), bulk=True)
    for view in model.editions:
        e = view.id
        yield PageSpec(f"{e}/index.html", "edition.html", {"view": view}, e, inputs=("view", e))
        yield PageSpec(f"{e}/conferences/index.html", "names.html", {"view": view}, e, inputs=("view", e))
        for f in view.edition.fields:
            confs = view.by_field[f.id]
            yield PageSpec(f"{e}/fields/{f.id}/index.html", "field.html",
                           {"view": view, "field": f, "conferences": confs}, e, inputs=confs)
        for month, confs in view.by_month.items():
            yield PageSpec(f"{e}/months/{month}/index.html", "month.html",
                           {"view": view, "month": month, "conferences": confs}, e, inputs=confs)
        for code, confs in view.by_unit.items():
            yield PageSpec(f"{e}/units/{unit_slug(code)}/index.html", "unit.html",
                           {"view": view, "unit": model.units[code], "conferences": confs}, e, inputs=confs)
        if records:
            for c in view.conferences:
                yield _conference_page(model, view, c)
            for cert in view.certificates:
                yield _verify_page(view, cert)


def record_pages(model: SiteModel, ids) -> Iterator[PageSpec]:
    """The own pages of the records ``ids`` (as plan_pages gives them, in the order of ``ids``)."""
    for cid in ids:
        c = model.conference_index[cid]
        view = model.edition(c.edition)
        yield _conference_page(model, view, c)
        cert = model.certificate_of(c)
        if cert is not None:
            yield _verify_page(view, cert)


def _conference_page(model: SiteModel, view, c: Conference) -> PageSpec:
    return PageSpec(conference_key(c), "conference.html", {"view": view, "c": c}, c.edition,
                    inputs=conference_inputs(model, c), block=c.id)


def _verify_page(view, cert) -> PageSpec:
    # Found through a certificate's QR code or number, not by browsing.
    return PageSpec(cert.verify_key(), "verify.html", {"view": view, "cert": cert}, view.id, sitemap=False,
                    inputs=("verify", cert), block=cert.conference.id)


def sitemap_keys(model: SiteModel) -> str:
    """The keys of the pages the sitemap lists, without making every record's page
    spec (serve's saves): the other pages', then the conference pages'. (Not
    plan_pages' order, but a function of it: each conference key starts with its
    edition, which says where plan_pages puts it.)"""
    keys = [spec.key for spec in plan_pages(model, records=False) if spec.sitemap]
    keys.extend(conference_key(c) for view in model.editions for c in view.conferences)
    return "\n".join(keys)


def conference_inputs(model: SiteModel, c: Conference) -> list[Conference]:
    """What a conference's page shows besides the guide-wide data: the record and
    its other editions (linked from it)."""
    return [c, *model.other_editions(c)]


class Fragments:
    """Pieces made per conference (list items, calendar events), kept under the
    conference's fingerprint: serve keeps them between builds, so a save
    re-renders the listings around one record without re-rendering every item."""

    def __init__(self):
        self.base: str | None = None
        self.items: dict[tuple, object] = {}

    def view(self, fps: Fingerprints | None, lang: str, kind: str) -> "FragmentView":
        if fps is None:   # (no fingerprints: kept for this build only, by conference id)
            return FragmentView({}, {}, (lang, kind))
        # Anything guide-wide (templates, catalogs, code) changes every fragment.
        base = fps.base + fps.templates.digest("_item.html")
        if base != self.base:
            self.base, self.items = base, {}
        return FragmentView(self.items, fps.conf, (lang, kind))


class FragmentView:
    """A dict keyed by conference id (and extra parts) over a Fragments store."""

    def __init__(self, items: dict, conf: dict[str, str], prefix: tuple):
        self.items, self.conf, self.prefix = items, conf, prefix

    def _key(self, key):
        if isinstance(key, tuple):
            return (*self.prefix, self.conf.get(key[0], key[0]), *key[1:])
        return (*self.prefix, self.conf.get(key, key))

    def get(self, key, default=None):
        return self.items.get(self._key(key), default)

    def get_each(self, ids, *extra) -> list:
        """``get((id, *extra))`` of each of ``ids``, None where missing: a listing's
        10,000 items looked up in one comprehension, not a method call each
        (a listing of 10,000 took 35-42 ms, then 22-25)."""
        items, conf, (lang, kind) = self.items, self.conf, self.prefix
        return [items.get((lang, kind, conf.get(i, i), *extra)) for i in ids]

    def __contains__(self, key) -> bool:
        return self._key(key) in self.items

    def __getitem__(self, key):
        return self.items[self._key(key)]

    def __setitem__(self, key, value) -> None:
        self.items[self._key(key)] = value


@lru_cache(maxsize=None)
def babel_locale(lang: str) -> Locale:
    # A Locale object, not its name: Babel would parse the name on every call.
    return Locale.parse(BABEL_LOCALE[lang])


def format_dates(span: DateSpan, lang: str, gt) -> str:
    """A conference's dates in ``lang``; ``gt`` is that language's interface catalog.
    Months by their full names ("October 12 – 15, 2023"), as beside a month-only
    date ("July 2023 (dates to be announced)") and on the certificates."""
    if span.precision == "month":
        return gt.gettext("%(month)s (dates to be announced)") % {"month": format_months(span, lang)}
    return format_days(span.start, span.end, lang)


def format_months(span: DateSpan, lang: str) -> str:
    """The month or months of ``span``: "July 2023", "July – August 2023"."""
    locale = babel_locale(lang)
    if (span.start.year, span.start.month) != (span.end.year, span.end.month):
        return format_interval(span.start, span.end, "yMMMM", locale=locale)
    return format_skeleton("yMMMM", span.start, locale=locale)


def _full_months(pattern: str) -> str:
    # CLDR's skeleton matching widens a matched pattern's fields to the width
    # asked for (UTS #35, "adjusting the string value field's width"); Babel
    # matches yMMMMd to yMMMd's "MMM d, y" and does not widen it.
    return re.sub(r"(?<![M'])MMM(?![M'])", "MMMM", pattern)


# (Babel takes some 5 µs a call; pages print the same few hundred days and
# numbers thousands of times: the issue date on every verification page.)
@lru_cache(maxsize=None)
def format_days(start: dt.date, end: dt.date, lang: str) -> str:
    """A day ("June 30, 2023") or days ("October 12 – November 2, 2023") in ``lang``."""
    locale = babel_locale(lang)
    if start == end:
        return parse_pattern(_full_months(locale.datetime_skeletons["yMMMd"].pattern)).apply(start, locale)
    parts = locale.interval_formats["yMMMd"]
    field = "y" if start.year != end.year else "M" if start.month != end.month else "d"
    return "".join(parse_pattern(_full_months(part)).apply(day, locale) for part, day in zip(parts[field], (start, end)))


def format_day(d: dt.date, lang: str) -> str:
    return format_days(d, d, lang)


@lru_cache(maxsize=None)
def format_number(n, lang: str) -> str:
    return format_decimal(n, locale=babel_locale(lang))


# Ordinal suffixes by CLDR's ordinal plural category, for languages that write
# ordinals as a number and a suffix; the others write the number, and their
# translation places it ("第%(ordinal)s届").
ORDINAL_SUFFIXES = {"en": {"one": "st", "two": "nd", "few": "rd", "other": "th"}}


@lru_cache(maxsize=None)
def format_ordinal(n: int, lang: str) -> str:
    """15 -> "15th" in English, "15" in Chinese."""
    suffixes = ORDINAL_SUFFIXES.get(lang)
    number = format_number(n, lang)
    return number + suffixes[babel_locale(lang).ordinal_form(n)] if suffixes else number


def format_kind(c: Conference, lang: str, gt) -> str:
    """"Recurring conference, 15th edition": as the conference page, its verification
    page and its certificate print it."""
    if c.kind == "recurring" and c.edition_number:
        return gt.gettext("Recurring conference, %(ordinal)s edition") % {
            "ordinal": format_ordinal(c.edition_number, lang)}
    if c.kind == "recurring":
        return gt.gettext("Recurring conference")
    if c.edition_number:
        # (a first edition, or a series held once before, qualifies as one-off only)
        return gt.gettext("One-off conference, %(ordinal)s edition") % {
            "ordinal": format_ordinal(c.edition_number, lang)}
    return gt.gettext("One-off conference")


# schema.org's eventStatus for the statuses a page still describes (a
# withdrawn record's page says the Guide no longer lists it: no event data).
EVENT_STATUS = {"accredited": "EventScheduled", "postponed": "EventRescheduled", "cancelled": "EventCancelled"}


def event_data(c: Conference, tp: Callable[[Text | None], str], page: str) -> Markup:
    """The conference as a schema.org Event in JSON-LD, for search engines'
    event listings: the dates (start and end, which the page's ``<time>`` cannot
    both carry), place, organizers and status of the record in this language.
    Empty for a withdrawn record, and for one without the days or the city
    (search engines require both: a month would be read as its first day).
    Escaped for a ``<script>`` element: no ``<``, ``>`` or ``&``, and no
    U+2028/U+2029, whatever a record's text holds."""
    status = EVENT_STATUS.get(c.status)
    if status is None or c.dates.precision != "day" or not c.city:
        return Markup("")
    data = {"@context": "https://schema.org", "@type": "Event", "name": tp(c.name),
            "startDate": c.dates.start.isoformat(), "endDate": c.dates.end.isoformat(),
            "eventStatus": "https://schema.org/" + status}
    if c.status == "postponed" and c.postponed_from and c.postponed_from.precision == "day":
        data["previousStartDate"] = c.postponed_from.start.isoformat()
    place = {"@type": "Place", "address": {"@type": "PostalAddress", "addressLocality": tp(c.city)}}
    if c.venue:
        place["name"] = tp(c.venue)
    data["location"] = place
    data["organizer"] = [{"@type": "Organization", "name": tp(o)} for o in c.organizers]
    data["url"] = page
    if c.website:
        data["sameAs"] = c.website
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    for char, escaped in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"),
                          ("\u2028", "\\u2028"), ("\u2029", "\\u2029")):
        text = text.replace(char, escaped)
    return Markup('<script type="application/ld+json">%s</script>' % text)


def _link_filter(own_site: bool, base: str = "/"):
    """nh3 keeps relative addresses whatever the schemes allowed: a record's
    description links only to http(s) and mailto addresses; a page of the
    project (the About page) also to the site's own pages and anchors ("/en/…",
    "../search/", "#columns"), never a scheme-relative "//host". An address
    from the site's root ("/en/2023/") is read from the site's own (``base``:
    "/guides/jiangsu/" when base_url has a path), as the pages' own links are.
    (``cite`` is an address no scheme check covers: left out.)"""
    def keep(tag: str, attribute: str, value: str) -> str | None:
        if attribute == "cite":
            return None
        if attribute != "href":
            return value
        if not link_allowed(value, own_site):
            return None
        if own_site and base != "/" and value.startswith("/") and not (value + "/").startswith(base):
            return base + value[1:]
        return value
    return keep


# The project's own pages: nh3's tags but images (another host's, or a
# tracker: the pages load nothing from elsewhere) and image maps.
PAGE_TAGS = frozenset(nh3.ALLOWED_TAGS - {"img", "area", "map"})
PAGE_ATTRIBUTES = {tag: set(names) for tag, names in nh3.ALLOWED_ATTRIBUTES.items() if tag in PAGE_TAGS}


# Chinese characters (the unified ideographs and their extensions and
# compatibility forms), and the runs of letters and digits between them.
_HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f"
_SEARCH_TOKEN = re.compile(f"[{_HAN}]|(?:(?![{_HAN}])[^\\W_])+")
# A description's link targets and addresses: no words a reader searches for.
# (an address is ASCII: it ends where the Chinese resumes, with no space between)
_ADDRESSES = re.compile(r"\]\([^)]*\)|</?[A-Za-z][^<>]*>|(?:https?|mailto):[!-~]+")


def search_characters(texts) -> str:
    """The Chinese of ``texts`` one character at a time, for the search index.

    Pagefind cuts Chinese into words with jieba when it indexes and with the
    browser's Intl.Segmenter when it searches, and the two disagree: jieba
    indexes 中关村 as one word, Chromium asks for 中, 关 and 村, and a
    conference named 2023中关村论坛 was not found by 中关村. Indexed one
    character at a time, a name is found by any part of it: the search page
    asks for a Chinese query as the phrase of its characters (search.js).
    Letters and digits stay whole words, as the query keeps them. The texts
    are parted by " · ", which is no word (a phrase may run on from one text
    to the next) but shows in a result's excerpt, which search.js joins the
    characters of again."""
    return " · ".join(" ".join(_SEARCH_TOKEN.findall(_ADDRESSES.sub(" ", text))) for text in texts if text)


# The filters a page's environment adds to Jinja's (Renderer._make_env).
PAGE_FILTERS = ("dates", "iso_dates", "month_name", "num", "day")
# The functions a page's environment gives templates, by their code: the name a
# template calls each by (kind_of, not kind), for an error one of them raises.
TEMPLATE_NAMES: dict = {}


def check_templates(templates: Path, problems: Problems) -> None:
    """What ``check`` can tell of the templates without rendering a page: each
    one parses, and the templates it extends, includes or imports by name
    exist. (A build finds the rest, rendering; ``check`` said 0 errors for a
    broken tag, and the build then failed.)"""
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(templates)), extensions=["jinja2.ext.i18n"],
                             trim_blocks=True, lstrip_blocks=True)
    # (compiled, a template names its filters: an unknown one is an error then)
    env.filters.update(dict.fromkeys(PAGE_FILTERS, lambda value, *args: value))
    # The templates, not assets/: those are published as they are, never rendered.
    names = {n for n in env.list_templates() if "assets" not in n.split("/")}
    for name in sorted(n for n in names if n.endswith((".html", ".xml"))):
        path = templates / name
        source = path.read_text(encoding="utf-8", errors="replace")
        try:
            tree = env.parse(source, name, str(path))
            env.compile(tree, name, str(path))
        except jinja2.TemplateSyntaxError as exc:
            problems.error(path, (exc.lineno or 1, 1), "template-syntax", exc.message or str(exc))
            continue
        for node in tree.find_all((nodes.Extends, nodes.Include, nodes.Import, nodes.FromImport)):
            target = node.template
            if isinstance(target, nodes.Const) and isinstance(target.value, str) and target.value not in names \
                    and not getattr(node, "ignore_missing", False):
                problems.error(path, (node.lineno, 1), "template-error",
                               tr("TemplateNotFound: %(name)s (no such template in %(folder)s/)",
                                  name=target.value, folder=templates.name))


def sanitize_html(html: str, tags: set[str] | None = None, base: str = "/") -> str:
    """Only allowlisted tags and attributes, only http(s)/mailto links (and, in the
    project's own pages, links within the site, from ``base``), rel=noopener."""
    if tags is None:
        options = {"tags": PAGE_TAGS, "attributes": PAGE_ATTRIBUTES}
    else:
        options = {"tags": tags, "attributes": {"a": {"href", "title"}}}
    return nh3.clean(html, url_schemes=ALLOWED_SCHEMES, link_rel="noopener noreferrer",
                     attribute_filter=_link_filter(own_site=tags is None, base=base), **options)


def render_markdown(text: str, tags: set[str] | None = None, base: str = "/") -> Markup:
    html = markdown.markdown(text, extensions=["tables", "sane_lists"], output_format="html")
    return Markup(sanitize_html(html, tags, base))


def _install_fast_gettext(env: jinja2.Environment, gt) -> None:
    """Jinja's newstyle gettext, for an always-autoescaping environment, with
    each translation looked up once: pages call it some thirty times each.

    Same results as jinja2.ext's: the translation is trusted markup, always
    %-formatted (with no variables too, so %% is %), variables escaped.
    """
    plain: dict[str, Markup] = {}
    done: dict[str, Markup] = {}

    def gettext(__string: str, **variables) -> str:
        if not variables:
            rv = done.get(__string)
            if rv is None:
                rv = done[__string] = Markup(gt.gettext(__string)) % {}
            return rv
        rv = plain.get(__string)
        if rv is None:
            rv = plain[__string] = Markup(gt.gettext(__string))
        return rv % variables

    def ngettext(__singular: str, __plural: str, __num: int, **variables) -> str:
        variables.setdefault("num", __num)
        return Markup(gt.ngettext(__singular, __plural, __num)) % variables

    def pgettext(__string_ctx: str, __string: str, **variables) -> str:
        variables.setdefault("context", __string_ctx)
        return Markup(gt.pgettext(__string_ctx, __string)) % variables

    def npgettext(__string_ctx: str, __singular: str, __plural: str, __num: int, **variables) -> str:
        variables.setdefault("context", __string_ctx)
        variables.setdefault("num", __num)
        return Markup(gt.npgettext(__string_ctx, __singular, __plural, __num)) % variables

    assert env.autoescape is True and env.newstyle_gettext  # what the above assumes
    env.globals.update(gettext=gettext, _=gettext, ngettext=ngettext, pgettext=pgettext, npgettext=npgettext)


class _FoldGettext(NodeTransformer):
    """Translate ``_("literal")`` and ``pgettext("ctx", "literal")`` when compiling.

    A page calls gettext some thirty times, each a Jinja call through the
    context; the compiled template of a language holds its translations
    instead, as trusted markup, exactly what the call returns (so the
    environment's bytecode is per language and catalog: ``Renderer``).
    """

    def __init__(self, env: jinja2.Environment):
        self.calls = {"_": env.globals["_"], "gettext": env.globals["gettext"],
                      "pgettext": env.globals["pgettext"]}

    def visit_Call(self, node: nodes.Call) -> nodes.Node:
        node = self.generic_visit(node)
        fn = self.calls.get(node.node.name) if isinstance(node.node, nodes.Name) else None
        if (fn is None or node.kwargs or node.dyn_args or node.dyn_kwargs
                or not all(isinstance(a, nodes.Const) and isinstance(a.value, str) for a in node.args)
                or len(node.args) != (2 if fn is self.calls["pgettext"] else 1)):
            return node
        try:
            value = fn(*(a.value for a in node.args))
        except (KeyError, ValueError, TypeError):
            return node  # (fails when rendered, as without folding)
        return nodes.MarkSafe(nodes.Const(str(value)), lineno=node.lineno)


def _bound_names(tree: nodes.Template) -> set[str]:
    """Names a template binds itself: variables, parameters, macros, imports."""
    names = {n.name for n in tree.find_all(nodes.Name) if n.ctx in ("store", "param")}
    names.update(m.name for m in tree.find_all(nodes.Macro))
    names.update(i.target for i in tree.find_all(nodes.Import))
    for f in tree.find_all(nodes.FromImport):
        names.update(n[1] if isinstance(n, tuple) else n for n in f.names)
    return names


# This module's template functions that templates call most, none taking the
# context or raising StopIteration (see _DirectCalls).
DIRECT_CALLS = frozenset({"t", "tp", "md", "url", "asset", "site_file", "guide_description", "sha256_of", "list_item", "list_items",
                          "conference_key", "unit_slug", "calendar_key", "field_calendar_key", "page_url_path",
                          "kind_of", "has_pdf", "event_data", "search_characters", "_", "gettext", "ngettext", "pgettext", "npgettext"})


class _DirectCalls(NodeTransformer):
    """Marks the calls of ``DIRECT_CALLS`` to be compiled as plain Python calls.

    Jinja compiles every call as ``context.call(f, ...)``, which looks at ``f``
    for the context or environment it may take and turns a StopIteration into
    an undefined value: some 0.5 µs a call, and a page makes about thirty.
    These functions take neither nor raise it, so calling them directly
    gives the same result. (Jinja allows no node types of one's own: the
    mark is an attribute.)
    """

    def __init__(self, names: frozenset[str]):
        self.names = names

    def visit_Call(self, node: nodes.Call) -> nodes.Node:
        node = self.generic_visit(node)
        if isinstance(node.node, nodes.Name) and node.node.name in self.names:
            node.direct = True
        return node


try:
    # (markupsafe 3: the C function ``escape`` wraps; before 3, ``escape`` was C itself)
    from markupsafe import _escape_inner
except ImportError:  # pragma: no cover
    _escape_inner = None

# Output values escaped as plain str (see escape_text); off: as Jinja does.
PLAIN_ESCAPE = True


def escape_text(value) -> str:
    """What Jinja's autoescape makes of an output value, as a plain str when it
    is one: ``markupsafe.escape`` makes a Markup object in Python for each
    (0.39 µs against 0.07 here, some seventy a page), only for it to be joined
    into the page. Markup is itself (its ``__html__``); numbers, undefined values
    and other objects go through ``escape``."""
    kind = type(value)
    if kind is str:
        return _escape_inner(value)
    if kind is Markup:
        return value
    return escape(value)


class PageCodeGenerator(CodeGenerator):
    def visit_Template(self, node: nodes.Template, frame=None) -> None:
        super().visit_Template(node, frame)
        # (a global of the template's module, looked up as ``escape`` is)
        self.writeline("escape_text = environment.escape_text")

    def _output_child_pre(self, node: nodes.Expr, frame, finalize) -> None:
        # Every output value is joined into the page or into a buffer that
        # Jinja makes Markup of as a whole (macros, set and filter blocks).
        if PLAIN_ESCAPE and _escape_inner is not None and frame.eval_ctx.autoescape \
                and not frame.eval_ctx.volatile:
            self.write("escape_text(")
            if finalize.src is not None:
                self.write(finalize.src)
            return
        super()._output_child_pre(node, frame, finalize)

    def visit_Call(self, node: nodes.Call, frame, forward_caller: bool = False) -> None:
        if not getattr(node, "direct", False) or forward_caller:
            return super().visit_Call(node, frame, forward_caller=forward_caller)
        self.visit(node.node, frame)
        # (``signature`` starts each argument with a comma, as after context.call's first)
        self.write("(*()")
        self.signature(node, frame)
        self.write(")")


class PageEnvironment(jinja2.Environment):
    """Jinja for pages: gettext of literals folded when compiling, and one
    globals dict shared by every template.

    Jinja gives each template a ChainMap over the environment's globals, and
    copies it into a dict for every render and every ``{% from %}`` import,
    key by key through the ChainMap: a tenth of a millisecond per page. The
    templates here have no globals of their own, so they get the
    environment's dict itself (``rebind`` updates it in place, as before).
    """

    def make_globals(self, d):
        return self.globals if not d else super().make_globals(d)

    def get_template(self, name, parent=None, globals=None):
        # Jinja updates a cached template's globals with these: here that
        # would be every template's.
        if globals:
            raise TypeError("PageEnvironment templates share the environment's globals")
        return super().get_template(name, parent)

    code_generator_class = PageCodeGenerator
    escape_text = staticmethod(escape_text)

    def _parse(self, source, name, filename):
        tree = super()._parse(source, name, filename)
        bound = _bound_names(tree)
        # (a function of the template's own making under one of these names: its calls are left alone)
        tree = _DirectCalls(DIRECT_CALLS - bound).visit(tree)
        if bound & {"_", "gettext", "pgettext"}:
            return tree
        return _FoldGettext(self).visit(tree)


class Renderer:
    """One Jinja environment per language, sharing the model."""

    def __init__(self, model: SiteModel, templates: Path, pdf_sha256: dict[str, str] | None = None,
                 cache: Path | None = None, fps: Fingerprints | None = None,
                 fragments: Fragments | None = None):
        self.model = model
        self.fps = fps
        self.fragments = fragments or Fragments()
        # Compiled templates, kept between builds (compiling is most of a
        # small rebuild); the folder is per code version and code generator
        # switches (DIRECT_CALLS, PLAIN_ESCAPE), since the options below and
        # they change the compiled code but not Jinja's cache key, and per
        # language and interface catalog, whose translations it holds.
        self.bytecode: dict[str, jinja2.BytecodeCache] = {}
        if cache is not None:
            switches = repr((sorted(DIRECT_CALLS), PLAIN_ESCAPE and _escape_inner is not None)).encode()
            folder = cache / "jinja" / hashlib.sha256(code_digest().encode() + switches).hexdigest()[:16]
            try:
                folder.mkdir(parents=True, exist_ok=True)
                for old in folder.parent.iterdir():
                    if old != folder:
                        shutil.rmtree(old, ignore_errors=True)
                for lang in LANGS:
                    # The translations the templates are compiled with (not
                    # the file, which may have changed since it was read).
                    digest = messages_digest(model.catalogs, lang)[:16]
                    sub = folder / f"{lang}-{digest}"
                    for old in folder.glob(f"{lang}-*"):
                        if old != sub:
                            shutil.rmtree(old, ignore_errors=True)
                    sub.mkdir(exist_ok=True)
                    self.bytecode[lang] = jinja2.FileSystemBytecodeCache(str(sub))
            except OSError:
                self.bytecode = {}
        self.templates = templates
        self.pdf_sha256 = pdf_sha256 or {}
        self.base_path = "/" + calendars.base_path(model)
        self.formats: dict[str, LangFormats] = {}
        self._items: dict[str, FragmentView] = {}
        self._last_keys: tuple = (None, None, None)   # block_keys': (model, records' digests, keys)
        self.keys_made = 0                                   # by the last block_keys (for the tests)
        self._held = self._holds(model, templates)
        self.envs = {lang: self._make_env(lang) for lang in LANGS}
        self._page_specs: list[PageSpec] | None = None

    @property
    def page_specs(self) -> list[PageSpec]:
        """Every page (made when first asked: a save that carries most records over needs only some)."""
        if self._page_specs is None:
            self._page_specs = list(plan_pages(self.model))
        return self._page_specs

    @staticmethod
    def _holds(model: SiteModel, templates: Path) -> tuple:
        """What the environments hold besides the model: templates (compiled
        once, never reloaded), catalogs and the site's address."""
        files = []
        for path in sorted(templates.rglob("*")):
            st = path.stat()
            files.append((str(path), st.st_size, st.st_mtime_ns))
        catalogs = tuple(sorted((k, id(v)) for k, v in model.catalogs.translations.items()))
        return (tuple(files), catalogs, model.guide.base_url)

    def rebind(self, model: SiteModel, pdf_sha256: dict[str, str], fps: Fingerprints | None) -> bool:
        """serve: render another model with the same environments, keeping their
        compiled templates and caches; False when the templates, catalogs or
        address changed (then a new Renderer is needed)."""
        if self._holds(model, self.templates) != self._held:
            return False
        self.model, self.pdf_sha256, self.fps = model, pdf_sha256 or {}, fps
        for lang, env in self.envs.items():
            env.globals.update(model=model, today=model.today)
            self._items[lang] = self.fragments.view(fps, lang, "item")
            self.formats[lang].events = self.fragments.view(fps, lang, "event")
        self._page_specs = None
        return True

    def warm(self) -> None:
        """serve, between saves: render every list item, so that the listings
        around the next edited record need only its own, and a page of each kind."""
        for lang, env in self.envs.items():
            list_items = env.globals["list_items"]
            for view in self.model.editions:
                list_items(view.listed, view, True)
                list_items(view.listed, view, False)
            # One page of each template: loads what a first render loads
            # (compiled templates, Babel's locale data for dates and numbers).
            seen = set()
            for spec in self.page_specs:
                if spec.template not in seen:
                    seen.add(spec.template)
                    self.render_page(spec, lang)

    # -- environment ---------------------------------------------------------
    def _make_env(self, lang: str) -> jinja2.Environment:
        env = PageEnvironment(
            loader=jinja2.FileSystemLoader(str(self.templates)),
            autoescape=True, extensions=["jinja2.ext.i18n"],
            undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True,
            keep_trailing_newline=True, auto_reload=False, cache_size=-1,
            bytecode_cache=self.bytecode.get(lang))
        # auto_reload=False: one build renders thousands of pages; checking every
        # template's mtime on each get_template cost more than rendering some pages.
        # Extraction passes the same setting (see i18n.TEMPLATE_OPTIONS): jinja#1925.
        env.policies["ext.i18n.trimmed"] = True
        gt = self.model.catalogs.get(lang, "messages")
        env.install_gettext_translations(gt, newstyle=True)
        _install_fast_gettext(env, gt)
        tr = ContentTranslator(self.model.catalogs, lang)
        locale = babel_locale(lang)
        other = "en" if lang == "zh" else "zh"
        date_cache: dict[tuple, str] = {}
        self._items[lang] = self.fragments.view(self.fps, lang, "item")

        def t(text: Text | None) -> Markup:
            value, ok = tr.lookup(text)
            if ok:
                return escape(value)
            # Untranslated: show the Chinese, marked so screen readers and fonts cope.
            return Markup('<span lang="zh-CN">%s</span>') % value

        def tp(text: Text | None) -> str:
            return tr.lookup(text)[0]

        def md(text: Text | None) -> Markup:
            """Record Markdown in this language, sanitized; untranslated marked as Chinese."""
            value, ok = tr.lookup(text)
            html = render_markdown(value, RECORD_TAGS)
            return html if ok else Markup('<div lang="zh-CN">%s</div>') % html

        def dates(span: DateSpan, announced: bool = True) -> str:
            # (announced=False: dates that were, such as a postponed conference's
            # first ones, month-only without "dates to be announced")
            if not announced and span.precision == "month":
                return format_months(span, lang)
            key = (span.start, span.end, span.precision)
            if key not in date_cache:
                date_cache[key] = format_dates(span, lang, gt)
            return date_cache[key]

        def iso_dates(span: DateSpan) -> str:
            return span.start.isoformat() if span.precision == "day" else span.start.strftime("%Y-%m")

        month_names: dict[str, str] = {}

        def month_name(month: str) -> str:
            name = month_names.get(month)
            if name is None:
                y, m = map(int, month.split("-"))
                name = month_names[month] = format_skeleton("yMMMM", dt.date(y, m, 1), locale=locale)
            return name

        def day(d: dt.date | str) -> str:
            # (or an ISO date, as the change report keeps them)
            return format_day(dt.date.fromisoformat(d) if isinstance(d, str) else d, lang)

        def num(n) -> str:
            return format_number(n, lang)

        def kind(c: Conference) -> str:
            return format_kind(c, lang, gt)

        def url(key: str, in_lang: str | None = None) -> str:
            prefix = f"{in_lang or lang}/" if key != "" else ""
            return self.base_path + prefix + page_url_path(key)

        def asset(name: str) -> str:
            return self.base_path + "assets/" + name

        def absolute_url(key: str) -> str:
            """A page's or file's address with the host: what a reader copies into an app."""
            return self.model.guide.base_url + f"{lang}/" + page_url_path(key)

        def site_file(path: str) -> str:
            """A language-independent file of the site (PDFs, open data, search bundle)."""
            return self.base_path + path

        def sha256_of(path: str) -> str:
            return self.pdf_sha256[path]

        def field_of(view, fid):
            return next(f for f in view.edition.fields if f.id == fid)

        def unit_group(gid):
            return next((g for g in self.model.guide.unit_groups if g.id == gid), None)

        def search_facets():
            """Every value of the search filters, in reading order (Pagefind sorts by
            text), each with its name on the other language's search page: a reader
            who switches language keeps the filters (search.js)."""
            # (What it reads of the records, Fingerprints.facets digests.)
            there = self.formats[other]
            fields, months, units, cities = {}, set(), set(), {}
            for view in self.model.editions:
                for f in view.edition.fields:
                    fields.setdefault(tp(f.name), there.tp(f.name))
                for c in view.conferences:
                    months.update(c.dates.months)
                    units.add(c.recommender)
                    if c.city:
                        cities.setdefault(tp(c.city), there.tp(c.city))
            return {
                "edition": [(tp(v.edition.title), there.tp(v.edition.title)) for v in self.model.editions],
                "field": list(fields.items()),
                "month": [(month_name(m), there.month_name(m)) for m in sorted(months)],
                "unit": sorted(((tp(self.model.units[u].name), there.tp(self.model.units[u].name)) for u in units),
                               key=lambda pair: reading_key(pair[0])),
                "city": sorted(cities.items(), key=lambda pair: reading_key(pair[0])),
            }

        # Names in the order a reader of this language looks for them: pinyin,
        # or the alphabet (units and cities; a unit's code means nothing to readers).
        reading_key = pinyin_key if lang == "zh" else (lambda s: (s.casefold(), s))

        def units_by_name(by_unit: dict) -> list:
            return sorted(by_unit.items(), key=lambda kv: reading_key(tp(self.model.units[kv[0]].name)))

        def other_names():
            # The filter and kind names of the other language (_search.html's
            # variables, rendered in its environment).
            return self.envs[other].get_template("_search.html").module

        def list_item(c, view, show_field=True) -> Markup:
            # A conference appears in five listings per language: render its
            # list item once and reuse it.
            key, item_cache = (c.id, show_field), self._items[lang]
            if key not in item_cache:
                if c.edition != view.id:
                    # (the home page's next conferences may be of an earlier edition:
                    # an item is always made with its own, whose fields it names)
                    view = self.model.edition(c.edition)
                item_cache[key] = Markup(env.get_template("_item.html").render(c=c, view=view, show_field=show_field))
            return item_cache[key]

        def list_items(confs, view, show_field=True) -> Markup:
            # Each item on a line of its own, joined as plain strings (a Markup
            # concatenation escapes its operand): at N = 10,000 the listings
            # hold 50,000 items per language, and the four full listings took
            # 95 ms each when a template loop called list_item for each.
            found = self._items[lang].get_each([c.id for c in confs], show_field)
            out = [item if item is not None else list_item(c, view, show_field) for item, c in zip(found, confs)]
            out.append("")
            return Markup("\n".join(out))

        def guide_description(plain: bool = False) -> str:
            """What the guide is, in a sentence: guide.yaml's description, or one made
            of its title and publisher (plain: for an attribute, untranslated text
            unmarked). (A function, not a macro: base.html's default description
            imported the macros on every page that showed it, 20,000 verification
            pages at N = 10,000.)"""
            guide = self.model.guide
            if guide.description:
                return tp(guide.description) if plain else t(guide.description)
            gettext = env.globals["gettext"]
            return gettext("%(title)s: a yearly list of accredited high-quality academic conferences. "
                           "Publisher: %(publisher)s.", title=tp(guide.title), publisher=tp(guide.publisher))

        def by_letter(confs):
            # (For projects' own templates from before the model grouped the
            # name index, EditionView.by_letter, which names.html reads.)
            groups: dict[str, list] = {}
            for c in confs:
                groups.setdefault(index_letter(lang, name_key(lang, tr.lookup(c.name)[0])), []).append(c)
            return groups

        env.globals.update(
            # Between two sentences, or a colon and what follows: Chinese runs them
            # together (its punctuation is full-width); a space would show.
            sentence_space="" if lang == "zh" else " ",
            lang=lang, other_lang=other, other_lang_name=LANG_NAMES[other], html_lang=HTML_LANG[lang], other_html_lang=HTML_LANG[other],
            model=self.model, t=t, tp=tp, md=md, url=url, absolute_url=absolute_url, asset=asset, field_of=field_of,
            guide_description=guide_description,
            unit_group=unit_group, by_letter=by_letter, conference_key=conference_key, units_by_name=units_by_name,
            is_translated=lambda text: tr.lookup(text)[1],
            unit_slug=unit_slug, today=self.model.today, list_item=list_item, list_items=list_items, search_facets=search_facets, other_names=other_names,
            calendar_key=calendar_key, field_calendar_key=field_calendar_key,
            guide_calendar_key=GUIDE_CALENDAR_KEY, feed_key=FEED_KEY,
            open_data=opendata.FILES, page_url_path=page_url_path, site_file=site_file,
            sha256_of=sha256_of, has_pdf=lambda path: path in self.pdf_sha256, kind_of=kind,
            event_data=lambda c: event_data(c, tp, absolute_url(conference_key(c))),
            postponed_note=lambda c: calendars.postponed_note(c, self.formats[lang]),
            # (a markup pattern: an untranslated name's <span lang> kept, the rest escaped;
            # unlike other translations, this one's own markup would show as text)
            place_of=lambda c: calendars.place_of(c, t, lambda text: Markup(escape(gt.gettext(text)))),
            search_characters=lambda texts: search_characters(map(tp, texts)),
            certificate_number=(CERTIFICATE_NUMBER.pattern, *CERTIFICATE_NUMBER_LENGTH))
        # (PAGE_FILTERS: what check_templates compiles with)
        env.filters.update(zip(PAGE_FILTERS, (dates, iso_dates, month_name, num, day)))
        for name, value in (*env.globals.items(), *((f, env.filters[f]) for f in PAGE_FILTERS)):
            if (code := getattr(value, "__code__", None)) is not None:
                TEMPLATE_NAMES.setdefault(code, name)
        self.formats[lang] = LangFormats(
            lang=lang, html_lang=HTML_LANG[lang], tp=tp,
            translated=lambda text: (lambda v: v[0] if v[1] else None)(tr.lookup(text)),
            dates=dates, gettext=gt.gettext, pgettext=gt.pgettext,
            page_url=absolute_url,
            month_name=month_name,
            events=self.fragments.view(self.fps, lang, "event"))
        return env

    # -- pages ---------------------------------------------------------------
    def render_page(self, spec: PageSpec, lang: str) -> bytes:
        env = self.envs[lang]
        template = env.get_template(spec.template)
        edition = self.model.edition(spec.edition) if spec.edition else self.model.current
        context = dict(spec.context, key=spec.key, banner_edition=edition.edition)
        if spec.template == "page.html":
            page = self.model.pages[(spec.context["slug"], lang)]
            context.update(page=page, body=render_markdown(page.body_md, base=self.base_path))
        return template.render(context).encode("utf-8")

    def plan(self, fps: Fingerprints | None = None, carried: AbstractSet[str] = frozenset()
             ) -> list[OutputJob]:
        """Every output file with its fingerprint (None without ``fps``) and its maker,
        but the own outputs of the records in ``carried`` (serve's: see block_keys)."""
        jobs = []
        everyone = sum(len(view.conferences) for view in self.model.editions)

        def add(path: str, make: Callable[[], bytes], template: str | None = None, inputs=(), bulk=False,
                block=None, weight=None):
            fp = None
            if fps is not None and inputs is not None:
                fp = fps.output(path, template, *self._input_digests(fps, inputs))
            if weight is None:
                weight = (len(inputs) if isinstance(inputs, list) else everyone) if bulk else 1
            jobs.append(OutputJob(path, fp, make, bulk, max(weight, 1), block))

        # (carried: the other pages, then the own pages of the records not carried)
        specs = ([*plan_pages(self.model, records=False),
                  *record_pages(self.model, sorted(self.model.conference_index.keys() - carried))]
                 if carried else self.page_specs)
        for lang in LANGS:
            for spec in specs:
                # (a page, however it lags: one page's work)
                add(f"{lang}/{spec.key}", partial(self.render_page, spec, lang), spec.template, spec.inputs,
                    spec.bulk, block=spec.block, weight=1)
        model = self.model
        field_confs = calendars.calendared_by_field(model)
        for lang in LANGS:
            fmt = self.formats[lang]
            for view in model.editions:
                for c in view.conferences:
                    if c.id not in carried:
                        add(f"{lang}/{calendar_key(c)}", partial(calendars.conference_calendar, model, c, fmt),
                            None, [c], block=c.id)
            add(f"{lang}/{GUIDE_CALENDAR_KEY}", partial(calendars.guide_calendar, model, fmt), None, "all", True)
            for field_id, confs in field_confs.items():
                add(f"{lang}/{field_calendar_key(field_id)}",
                    partial(calendars.field_calendar, model, field_id, confs, fmt), None, confs, True)
            add(f"{lang}/{FEED_KEY}", partial(self.render_feed, lang), "feed.xml", "all", True)
        for path, make in opendata.makers(model, self.formats):
            add(path, make, None, "all", True)
        # The sitemap lists every page: it changes when a page comes or goes.
        keys = sitemap_keys(model)
        add("sitemap.xml", self.render_sitemap, "sitemap.xml", ("keys", keys), True)
        for path, make, template, inputs, *bulk in self.root_makers(fps):
            add(path, make, template, inputs, *bulk)
        return jobs

    # -- record blocks (serve) -------------------------------------------------
    # A record's own outputs (its page and its calendar in each language, its
    # verification pages) are about six of every seven a save plans at
    # N = 10,000. serve carries them over as one block per record when the
    # record's block key and the build's block base did not change: their
    # fingerprints are then those of the last build, without working them out.

    def block_base(self, fps: Fingerprints) -> tuple:
        """The parts every record's own outputs share: guide-wide data, code and
        catalogs, scan rules, their templates, the languages."""
        return (fps.base, fps.scanned, fps.templates.digest("conference.html"), fps.templates.digest("verify.html"),
                LANGS)

    def block_keys(self, fps: Fingerprints, patch: bool = True) -> dict[str, tuple]:
        """Each record's block key: its own outputs' paths and inputs, as plan_pages and
        plan give them (same key and same block base: same fingerprints).

        serve: the last model's keys, with those of the records patch_model put in
        and of their series made again, when the records' digests were patched
        from the last ones and no other certificate changed (``patch``: False for
        the check mode's whole ones)."""
        model, digests = self.model, self._input_digests

        def key(c):
            cert = model.certificate_of(c)
            return (conference_key(c), *digests(fps, conference_inputs(model, c)),
                    calendar_key(c), *digests(fps, [c]),
                    *((cert.verify_key(), *digests(fps, ("verify", cert))) if cert is not None else ()))

        last_model, last_conf, last_keys = self._last_keys
        delta = model.delta
        # (the records' digests patched from the last model's, whose PDFs' SHA-256s are known)
        if (patch and delta is not None and last_model is delta.last and last_conf is not None
                and fps.patched_from is last_conf and delta.last.certified_sha256 is not None):
            redo = {c.id: c for c in delta.came}
            for series in delta.touched_series():
                redo.update((c.id, c) for c in model.series.get(series, ()))
            if delta.only_own_pdfs_changed(model, redo.values(), self.pdf_sha256, delta.last.certified_sha256):
                keys = delta.patched(last_keys, redo, key)
                self._last_keys, self.keys_made = (model, fps.conf, keys), len(redo)
                return keys
        keys = {c.id: key(c) for view in model.editions for c in view.conferences}
        if patch:
            self._last_keys, self.keys_made = (model, fps.conf, keys), len(keys)
        return keys

    def _input_digests(self, fps: Fingerprints, inputs) -> list[str]:
        if type(inputs) is list:  # (the usual case: a record's pages, a listing)
            return [fps.conferences(inputs)]
        if inputs == "all":
            return [fps.everything()]
        if inputs == ("facets",):
            return [fps.facets()]
        if isinstance(inputs, tuple) and inputs and inputs[0] == "view":
            return [fps.view(inputs[1])]
        if isinstance(inputs, tuple) and inputs and inputs[0] == "keys":
            return [inputs[1]]
        if isinstance(inputs, tuple) and inputs and inputs[0] == "verify":
            cert = inputs[1]
            return [fps.conferences([cert.conference]), self.pdf_sha256.get(cert.pdf_path, "")]
        return [fps.conferences(list(inputs))]

    def render_feed(self, lang: str) -> bytes:
        return self.envs[lang].get_template("feed.xml").render(
            key=FEED_KEY, base=self.model.guide.base_url, host=calendars.host(self.model),
            tag_path=calendars.base_path(self.model),
            entries=self.model.feed_entries()).encode("utf-8")

    def render_root_page(self, name: str, part: str) -> bytes:
        # The root pages speak both languages: each half is rendered in its own.
        # (a half may set ``title``: the 404 page's, in each language, before the guide's)
        halves = [self.envs[lang].get_template(part).make_module({"banner_edition": self.model.current.edition})
                  for lang in LANGS]
        return self.envs["zh"].get_template("root.html").render(
            parts=[Markup(str(h)) for h in halves], titles=[h.title for h in halves if getattr(h, "title", None)],
            guide_titles=list(dict.fromkeys(self.envs[lang].globals["tp"](self.model.guide.title) for lang in LANGS)),
            is_404=name == "404.html", banner_edition=self.model.current.edition).encode("utf-8")

    def render_sitemap(self) -> bytes:
        return self.envs["en"].get_template("sitemap.xml").render(
            pages=[s for s in self.page_specs if s.sitemap], base=self.model.guide.base_url,
            page_url_path=page_url_path).encode("utf-8")

    def root_makers(self, fps: Fingerprints | None = None) -> list[tuple]:
        """Files outside the language folders: (path, maker, template, inputs[, bulk])."""
        robots = (f"User-agent: *\nDisallow: {self.base_path}staff/\nDisallow: {self.base_path}zh/staff/\n"
                  f"Disallow: {self.base_path}en/staff/\nSitemap: {self.model.guide.base_url}sitemap.xml\n")

        report = self.model.changes_json   # (its text is its key)

        def part(name):  # the halves are rendered by name, not referenced from root.html
            return ("keys", fps.templates.digest(name) if fps is not None else "")

        makers = [
            ("index.html", partial(self.render_root_page, "index.html", "root_part.html"), "root.html",
             part("root_part.html")),
            ("404.html", partial(self.render_root_page, "404.html", "404_part.html"), "root.html",
             part("404_part.html")),
            # Every record (the next build's change report compares with it):
            # bulk, so serve lets it lag, and build.py reports all changes
            # since the last build.py.
            (SNAPSHOT, lambda: snapshot_json(self.model.snapshot).encode("utf-8"), None,
             ("keys", (fps.everything() if fps is not None else "") + pdf_digests(self.pdf_sha256)), True),
            # The report, kept by a build that changes no record: like the
            # snapshot it is compared with, serve lets it lag (so the next
            # build.py keeps or replaces the last build.py's report, never a
            # save's); build.py makes it whenever its text changes.
            (REPORT, lambda: report.encode("utf-8"), None, ("keys", report), True),
            ("robots.txt", lambda: robots.encode("utf-8"), None, ("keys", robots)),
        ]
        # Where browsers, feed readers and bookmarks look for an icon without
        # reading the page (and where a browser without SVG icons finds one).
        # Every page links it: templates of a project that has none publish the tool's.
        icon = self.templates / "favicon.ico"
        icon_data = (icon if icon.is_file() else TOOL_ROOT / "templates" / "favicon.ico").read_bytes()
        makers.append(("favicon.ico", lambda: icon_data, None, ("keys", hashlib.sha256(icon_data).hexdigest())))
        assets = self.templates / "assets"
        for path in sorted(assets.rglob("*")) if assets.is_dir() else []:
            if path.is_file():
                data = path.read_bytes()
                makers.append(("assets/" + path.relative_to(assets).as_posix(), lambda data=data: data, None,
                               ("keys", hashlib.sha256(data).hexdigest())))
        return makers
