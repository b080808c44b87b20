"""Fingerprints: what each output is made of, so unchanged outputs are not rendered again.

An output's fingerprint is a digest of everything that can change its bytes:
this code and the libraries it renders with, the templates it is rendered
from (its own, those it extends, includes or imports, and the list item every
listing uses), the interface catalog, the guide-wide data (guide, units,
editions without their records, pages, build date), and the records it shows,
each with its translations; and the confidential rules, which do not change
the bytes but must scan every output again when they change. Two builds that give an output the same
fingerprint give it the same bytes; the build then reuses the published file
instead of rendering it.

Getting a dependency wrong would publish a stale page, so the rule is: when in
doubt, depend on more. A page listing conferences depends on every record it
lists; the pages that summarize a whole edition depend on all its records.
tests/test_incremental.py changes a template, a translation, edition data and
a record and checks that the incremental build equals a clean one.
"""

from __future__ import annotations

import dataclasses
import hashlib
import pickle
import re
import sys
from functools import lru_cache
from importlib import metadata
from pathlib import Path

from .recordcache import RecordMemo
from .records import Conference, Text
from .translation import ContentTranslator

# Libraries whose version can change rendered bytes.
LIBRARIES = ("jinja2", "markupsafe", "babel", "markdown", "nh3", "pypinyin", "icalendar")
_REF = re.compile(r"""\{%-?\s*(?:extends|include|import|from)\s+["']([^"']+)["']""")
_DYNAMIC_REF = re.compile(r"""\{%-?\s*(?:extends|include|import|from)\s+[^"'\s]""")
# Not referenced by name in templates: the list_items() global renders it.
IMPLICIT_TEMPLATES = ("_item.html",)


def _h(*parts: bytes | str) -> str:
    try:
        joined = "\0".join(parts)
    except TypeError:  # bytes among the parts
        joined = None
    if joined is not None and joined.count("\0") == len(parts) - 1:
        # The common case (paths and hex digests, no NUL in any), in one update.
        return hashlib.sha256(joined.encode("utf-8")).hexdigest()
    h = hashlib.sha256(b"\1")
    for part in parts:
        data = part.encode("utf-8") if isinstance(part, str) else part
        h.update(len(data).to_bytes(8, "little"))
        h.update(data)
    return h.hexdigest()


@lru_cache(maxsize=None)
def code_digest() -> str:
    here = Path(__file__).resolve().parent
    parts = [p.read_bytes() for p in sorted(here.glob("*.py"))]
    parts.append(f"python={sys.version}")
    for dist in LIBRARIES:
        try:
            parts.append(f"{dist}={metadata.version(dist)}")
        except metadata.PackageNotFoundError:
            parts.append(f"{dist}=none")
    return _h(*parts)


class TemplateDigests:
    """The digest of a template and every template it can pull in."""

    def __init__(self, templates: Path):
        self.dir = templates
        self._own: dict[str, bytes] = {}
        self._closure: dict[str, str] = {}

    def _source(self, name: str) -> bytes:
        if name not in self._own:
            path = self.dir / name
            self._own[name] = path.read_bytes() if path.is_file() else b"\0missing"
        return self._own[name]

    def _references(self, name: str) -> set[str] | None:
        """Templates ``name`` names; None when one is computed at run time."""
        source = self._source(name).decode("utf-8", "replace")
        # Parsing every template on every build costs more than a small
        # rebuild; a reference that is not a plain quoted name means "any".
        if _DYNAMIC_REF.search(source):
            return None
        return set(_REF.findall(source))

    def _names(self) -> list[str]:
        """Every file of the folder (relative POSIX paths), assets too."""
        return sorted(p.relative_to(self.dir).as_posix() for p in self.dir.rglob("*") if p.is_file())

    def _digest_of(self, names) -> str:
        return _h(*(f"{t}\0".encode() + self._source(t) for t in sorted(names)))

    def whole(self) -> str:
        """Every file of the folder, assets too (each read once with the templates)."""
        return self._digest_of(self._names())

    def digest(self, name: str) -> str:
        if name in self._closure:
            return self._closure[name]
        seen: set[str] = set()
        todo = [name, *IMPLICIT_TEMPLATES]
        while todo:
            t = todo.pop()
            if t in seen:
                continue
            seen.add(t)
            refs = self._references(t)
            if refs is None:  # depend on every template
                seen.update(t for t in self._names() if "assets" not in t.split("/"))
                break
            todo.extend(refs)
        self._closure[name] = self._digest_of(seen)
        return self._closure[name]


def messages_digest(catalogs, lang: str) -> str:
    """The interface translations of ``lang`` as compiled, header (plural rule) included:
    pages are compiled with them. (translation.read_catalog keeps the header a
    function of the file: Babel would stamp it with the minute it read the file.)"""
    compiled = getattr(catalogs.get(lang, "messages"), "_catalog", {})
    return _h(repr(sorted(compiled.items(), key=repr)))


def _texts(obj) -> list[Text]:
    """The content texts directly in a record (fields and lists of texts)."""
    out = []
    for f in dataclasses.fields(obj):
        value = getattr(obj, f.name)
        if isinstance(value, Text):
            out.append(value)
        elif isinstance(value, list):
            out.extend(v for v in value if isinstance(v, Text))
    return out


def _walk_texts(obj, out: list[Text]) -> None:
    if isinstance(obj, Text):
        out.append(obj)
    elif dataclasses.is_dataclass(obj):
        for f in dataclasses.fields(obj):
            if f.name != "conferences":
                _walk_texts(getattr(obj, f.name), out)
    elif isinstance(obj, (list, tuple)):
        for v in obj:
            _walk_texts(v, out)
    elif isinstance(obj, dict):
        for v in obj.values():
            _walk_texts(v, out)


_CONF_MEMO = RecordMemo()
_CONF_LAST: list = [None, None]   # the last model, its records' digests


class DigestMemo:
    """Digests by their parts, of the last build and this one (serve's: after a
    save, nearly every output has the parts it had).

    A digest is a function of its parts alone, so a remembered one is never
    stale; the memo only spares hashing 60,000 fingerprints per save at
    N = 10,000. Two generations: what the last build did not ask for is dropped.
    """

    def __init__(self):
        self.last: dict[tuple, str] = {}
        self.now: dict[tuple, str] = {}

    def begin(self) -> None:
        # (a build that stopped before fingerprinting leaves ``now`` empty)
        self.last, self.now = self.now or self.last, {}

    def digest(self, *parts: str) -> str:
        found = self.now.get(parts)
        if found is None:
            found = self.last.get(parts)
            if found is None:
                found = _h(*parts)
            self.now[parts] = found
        return found


class Fingerprints:
    """Fingerprints of a model's outputs; rendering is a function of (model, language, template)."""

    def __init__(self, model, templates: Path, langs: tuple[str, ...], rules=(),
                 memo: DigestMemo | None = None):
        """``memo``: serve's, kept between builds."""
        self.model = model
        if memo is not None:
            memo.begin()
            self._h = memo.digest
        else:
            self._h = _h
        self.templates = TemplateDigests(templates)
        self.translators = translators = [ContentTranslator(model.catalogs, lang) for lang in langs]
        # The interface translations compiled in the load stage (the file may
        # have been saved again since).
        catalogs = [messages_digest(model.catalogs, lang) for lang in langs]
        editions = [dataclasses.replace(v.edition, conferences=[]) for v in model.editions]
        shared = [model.guide, model.units, editions, sorted(model.pages.items()), model.today]
        texts: list[Text] = []
        _walk_texts(shared, texts)
        self.base = _h(code_digest(), *catalogs, pickle.dumps(shared, 4),
                       repr([tr.lookup(t) for tr in translators for t in texts]),
                       repr([(v.id, v.is_current) for v in model.editions]))
        # The patterns outputs are scanned with, and the code that scans them: a
        # carried file is not scanned again, nor a file made again with its
        # published bytes (the build state records this digest), so new
        # patterns or a new scanner must make every output anew and scan it.
        # (Not in ``base``, which also keys the PDF documents.)
        self.scanned = _h(code_digest(),
                          repr([(r.pattern.pattern, r.pattern.flags) for r in rules if r.pattern is not None]))
        # (patched_from: the last model's digests these were patched from, else None)
        self.conf, self.patched_from = self.record_digests()
        self._views: dict[str, str] = {}
        self._lists: dict[int, tuple[list[Conference], str]] = {}
        self._all: str | None = None
        self._facets: str | None = None

    def record_digests(self, patch: bool = True) -> tuple[dict[str, str], dict | None]:
        """Each record's digest, by id; and the last model's digests they were
        patched from (serve: the same catalogs, and the records patch_model put in
        made again), else None. ``patch``: False for the check mode's whole ones."""
        model, translators = self.model, self.translators
        # serve: an unchanged record with the same content catalogs has the same fingerprint.
        catalogs = tuple(model.catalogs.translations.get((tr.lang, "content")) for tr in translators)

        def digest(c):
            return _h(pickle.dumps(c, 4), repr([tr.lookup(t) for tr in translators for t in _texts(c)]))

        last_model, last_conf = _CONF_LAST
        delta = model.delta
        # (patch_model makes a whole model when the catalogs are other objects:
        # the last model's are these)
        if patch and delta is not None and last_model is delta.last:
            conf = delta.patched(last_conf, {c.id: c for c in delta.came}, digest)
            _CONF_LAST[:] = [model, conf]
            return conf, last_conf
        conf = {}
        # (the memo is left as it is while saves patch: at the next whole pass,
        # the records unchanged since the last whole pass are found in it)
        _CONF_MEMO.begin()
        for view in model.editions:
            for c in view.conferences:
                conf[c.id] = _CONF_MEMO.get(c, catalogs, lambda: digest(c))
        if patch:
            _CONF_LAST[:] = [model, conf]
        return conf, None

    def conferences(self, confs: list[Conference]) -> str:
        # A record's digest covers its id (it is made of the pickled record):
        # one record's is its own, a list's is made of theirs in order.
        if len(confs) == 1:
            return self.conf[confs[0].id]
        # The same lists come back (a listing's, in both languages): known by
        # identity, each held with its digest. (Hashed directly, not through the
        # memo: keying it by 10,000 digests cost more than hashing them.)
        hit = self._lists.get(id(confs))
        if hit is not None and hit[0] is confs:
            return hit[1]
        conf = self.conf
        digest = _h("list", *[conf[c.id] for c in confs])
        self._lists[id(confs)] = (confs, digest)
        return digest

    def view(self, view_id: str) -> str:
        """Every record of an edition, in order: for pages that summarize it."""
        if view_id not in self._views:
            self._views[view_id] = self.conferences(self.model.edition(view_id).conferences)
        return self._views[view_id]

    def everything(self) -> str:
        if self._all is None:
            self._all = _h(*(self.view(v.id) for v in self.model.editions))
        return self._all

    def facets(self) -> str:
        """What the search page's filters are made of (rendering's search_facets): the
        months, recommending units and cities of every record, with the cities'
        translations. (Fields, units' names and the month names are guide-wide.)"""
        if self._facets is not None:
            return self._facets
        months, units, cities = set(), set(), set()
        for view in self.model.editions:
            months.update(view.by_month)  # (the listed records' months, found once in the model)
            for c in view.conferences:
                if not c.listed:
                    months.update(c.dates.months)
                units.add(c.recommender)
                if c.city:
                    cities.add(c.city)
        named = sorted((t.zh, t.context or "", [tr.lookup(t) for tr in self.translators]) for t in cities)
        self._facets = _h(repr((sorted(months), sorted(units), named)))
        return self._facets

    def site(self, *more: str) -> str:
        """What the whole site is made of (every output's inputs, and ``more``)."""
        return _h(self.base, self.scanned, self.everything(), self.templates.whole(), *more)

    def output(self, path: str, template: str | None, *inputs: str) -> str:
        """The fingerprint of one output file from its template and inputs."""
        return self._h(self.base, self.scanned, path, self.templates.digest(template) if template else "",
                       *inputs)
