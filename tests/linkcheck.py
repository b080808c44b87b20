"""An internal link checker over a built site tree.

Every href, src and srcset of every page must resolve to a file of the tree
(a folder means its index.html), every #fragment to an id of its target, and
absolute links to the site's own base URL (canonical, alternates) likewise;
each page's language switch must lead to the same page in the other language.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

LINK_ATTRS = {"href", "src", "poster", "data", "action"}


@dataclass
class PageLinks:
    links: list[tuple[str, str]] = field(default_factory=list)  # (tag, url)
    ids: set[str] = field(default_factory=set)
    switch: str | None = None
    lang: str | None = None


class _Parser(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.page = PageLinks()

    def handle_starttag(self, tag, attrs):
        a = {k: v or "" for k, v in attrs}
        if tag == "html":
            self.page.lang = a.get("lang")
        for name in ("id", "name") if tag == "a" else ("id",):
            if a.get(name):
                self.page.ids.add(a[name])
        for name in LINK_ATTRS & set(a):
            self.page.links.append((tag, a[name]))
        if "srcset" in a:
            for candidate in a["srcset"].split(","):
                if candidate.strip():
                    self.page.links.append((tag, candidate.split()[0]))
        if tag == "a" and "lang-switch" in a.get("class", "").split():
            self.page.switch = a.get("href")


def parse(html: str) -> PageLinks:
    parser = _Parser()
    parser.feed(html)
    return parser.page


def target_file(site: Path, path: str) -> Path | None:
    """The file a site path serves, or None."""
    target = site / unquote(path).lstrip("/")
    if target.is_file():
        return target
    if target.is_dir() and (target / "index.html").is_file():
        return target / "index.html"
    return None


def check_site(site: Path, base_url: str) -> list[str]:
    """Every broken internal link of the tree, as 'page: problem' lines."""
    base = urlsplit(base_url)
    base_path = base.path if base.path.endswith("/") else base.path + "/"
    pages = {p: parse(p.read_text(encoding="utf-8")) for p in sorted(site.rglob("*.html"))}
    broken = []
    for page, found in pages.items():
        rel = page.relative_to(site).as_posix()
        here = base_path + rel
        for tag, url in found.links:
            parts = urlsplit(urljoin(here, url))
            if parts.scheme in ("mailto",):
                continue
            if parts.scheme in ("http", "https") and (parts.scheme, parts.netloc) != (base.scheme, base.netloc):
                continue  # external: not ours to check offline
            if not parts.path.startswith(base_path):
                broken.append(f"{rel}: <{tag}> {url} leaves the site's base path {base_path}")
                continue
            target = target_file(site, parts.path[len(base_path):])
            if target is None:
                broken.append(f"{rel}: <{tag}> {url} does not resolve")
                continue
            if parts.fragment and target.suffix == ".html":
                ids = pages[target].ids if target in pages else set()
                if unquote(parts.fragment) not in ids:
                    broken.append(f"{rel}: <{tag}> {url}: no id '{parts.fragment}' in {target.relative_to(site)}")
        if rel.startswith(("zh/", "en/")):
            other = "en" if rel.startswith("zh/") else "zh"
            expected = base_path + other + "/" + rel[3:].removesuffix("index.html")
            if found.switch is None:
                broken.append(f"{rel}: no language switch")
            elif found.switch != expected:
                broken.append(f"{rel}: language switch {found.switch} is not the same page ({expected})")
    return broken
